CREATE OR REPLACE VIEW v_cycle_completeness AS
SELECT c.id AS cycle_id,
       c.project_id,
       p.company_id,
       count(r.id) FILTER (WHERE r.required)::int AS required,
       count(r.id) FILTER (WHERE r.required AND r.status = 'submitted')::int AS submitted,
       count(r.id) FILTER (WHERE r.required AND r.status = 'accepted')::int AS accepted,
       count(r.id) FILTER (WHERE r.required AND r.status = 'rejected')::int AS rejected,
       count(r.id) FILTER (WHERE r.required AND r.status = 'not_applicable')::int AS not_applicable,
       count(r.id) FILTER (WHERE r.required AND r.status = 'missing')::int AS missing,
       c.due_at,
       count(r.id) FILTER (WHERE r.required AND r.status IN ('missing', 'rejected')
                             AND coalesce(r.due_at, c.due_at) < now())::int AS overdue
  FROM cycles c
  JOIN projects p ON p.id = c.project_id
  LEFT JOIN cycle_requests r ON r.cycle_id = c.id
 GROUP BY c.id, c.project_id, p.company_id, c.due_at;

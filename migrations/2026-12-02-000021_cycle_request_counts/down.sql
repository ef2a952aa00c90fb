CREATE OR REPLACE VIEW v_cycle_completeness AS
SELECT c.id AS cycle_id,
       c.project_id,
       p.company_id,
       f.required,
       f.submitted,
       f.accepted,
       f.rejected,
       f.not_applicable,
       f.missing,
       c.due_at,
       f.overdue
  FROM cycles c
  JOIN projects p ON p.id = c.project_id
 CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE r.required)::int AS required,
              count(*) FILTER (WHERE r.required AND r.status = 'submitted')::int AS submitted,
              count(*) FILTER (WHERE r.required AND r.status = 'accepted')::int AS accepted,
              count(*) FILTER (WHERE r.required AND r.status = 'rejected')::int AS rejected,
              count(*) FILTER (WHERE r.required AND r.status = 'not_applicable')::int AS not_applicable,
              count(*) FILTER (WHERE r.required AND r.status = 'missing')::int AS missing,
              count(*) FILTER (WHERE r.required AND r.status IN ('missing', 'rejected')
                                 AND coalesce(r.due_at, c.due_at) < now())::int AS overdue
         FROM cycle_requests r
        WHERE r.cycle_id = c.id) f;
DROP TRIGGER project_completeness_cycles_delete ON cycles;
DROP TRIGGER project_completeness_cycles_update ON cycles;
DROP TRIGGER project_completeness_cycles_insert ON cycles;
DROP FUNCTION project_completeness_of_cycles();
DROP TRIGGER project_completeness_insert ON projects;
DROP FUNCTION project_completeness_of_project();
DROP TRIGGER cycle_request_counts_delete ON cycle_requests;
DROP TRIGGER cycle_request_counts_update ON cycle_requests;
DROP TRIGGER cycle_request_counts_insert ON cycle_requests;
DROP FUNCTION cycle_request_counts_apply();
DROP FUNCTION cycle_request_counts_merge(cycle_request_delta[]);
DROP TYPE cycle_request_delta;
DROP TABLE cycle_request_counts;
DROP FUNCTION project_completeness_refresh(INTEGER[]);
DROP FUNCTION project_latest_percent(INTEGER);
DROP FUNCTION project_latest_open_due(INTEGER);
DROP FUNCTION overdue_count(TIMESTAMPTZ[]);
DROP TABLE project_completeness;

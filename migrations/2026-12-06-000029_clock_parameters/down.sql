CREATE OR REPLACE VIEW v_cycle_completeness AS
SELECT c.id AS cycle_id,
       c.project_id,
       p.company_id,
       coalesce(k.required, 0) AS required,
       coalesce(k.submitted, 0) AS submitted,
       coalesce(k.accepted, 0) AS accepted,
       coalesce(k.rejected, 0) AS rejected,
       coalesce(k.not_applicable, 0) AS not_applicable,
       coalesce(k.missing, 0) AS missing,
       c.due_at,
       CASE WHEN coalesce(k.missing, 0) + coalesce(k.rejected, 0) = 0 THEN 0
            ELSE (SELECT count(*)::int FROM cycle_requests r
                   WHERE r.cycle_id = c.id AND r.required AND r.status IN ('missing', 'rejected')
                     AND coalesce(r.due_at, c.due_at) < now())
       END AS overdue
  FROM cycles c
  LEFT JOIN projects p ON p.id = c.project_id
  LEFT JOIN cycle_request_counts k ON k.cycle_id = c.id;
DROP FUNCTION cycle_overdue_requests(INTEGER, TIMESTAMPTZ, INTEGER, TIMESTAMPTZ);
DROP FUNCTION overdue_count(TIMESTAMPTZ[], TIMESTAMPTZ);

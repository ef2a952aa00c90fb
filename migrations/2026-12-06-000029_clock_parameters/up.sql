-- "Overdue" is decided on Hopper's clock: the application passes its "now" as a parameter
-- (so a test that moves the clock moves what is overdue), while SQL users keep reading
-- the view and `overdue_count(due)` on the database's now(). One definition serves both.

-- How many of `due` (sorted, no NULLs) had passed at `at`.
CREATE FUNCTION overdue_count(due TIMESTAMPTZ[], at TIMESTAMPTZ) RETURNS INTEGER AS $$
    SELECT width_bucket(at, due);
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- A cycle's open required requests whose due date (their own, else the cycle's) had
-- passed at `at`; `open_required` (missing + rejected, from the counts) spares the look
-- at the requests when nothing is open.
CREATE FUNCTION cycle_overdue_requests(
    cycle INTEGER, cycle_due TIMESTAMPTZ, open_required INTEGER, at TIMESTAMPTZ
) RETURNS INTEGER AS $$
    SELECT CASE WHEN open_required = 0 THEN 0
                ELSE (SELECT count(*)::int FROM cycle_requests r
                       WHERE r.cycle_id = cycle AND r.required
                         AND r.status IN ('missing', 'rejected')
                         AND coalesce(r.due_at, cycle_due) < at)
           END;
$$ LANGUAGE sql STABLE PARALLEL SAFE;

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
       cycle_overdue_requests(c.id, c.due_at,
                              coalesce(k.missing, 0) + coalesce(k.rejected, 0), now()) AS overdue
  FROM cycles c
  LEFT JOIN projects p ON p.id = c.project_id
  LEFT JOIN cycle_request_counts k ON k.cycle_id = c.id;

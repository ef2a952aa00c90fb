-- Each cycle's required requests counted by status, kept with the requests themselves:
-- statement triggers on cycle_requests add what their statements inserted and take away
-- what they deleted, in the same transaction, whoever wrote the rows (the application,
-- an operator's SQL). Summaries that rank every project by its latest cycle's
-- completeness then read one row per cycle instead of aggregating its requests, and
-- v_cycle_completeness reads the same rows, so there is still one definition.
-- `overdue` depends on the clock, so it is still counted from the requests.
CREATE TABLE cycle_request_counts (
    cycle_id INTEGER PRIMARY KEY REFERENCES cycles (id) ON DELETE CASCADE,
    required INTEGER NOT NULL DEFAULT 0,
    submitted INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    not_applicable INTEGER NOT NULL DEFAULT 0,
    -- No CHECK (>= 0): the trigger upserts signed deltas, and a proposed insert row is
    -- checked before its conflict turns it into an update.
    missing INTEGER NOT NULL DEFAULT 0
);

INSERT INTO cycle_request_counts
SELECT r.cycle_id,
       count(*) FILTER (WHERE r.required),
       count(*) FILTER (WHERE r.required AND r.status = 'submitted'),
       count(*) FILTER (WHERE r.required AND r.status = 'accepted'),
       count(*) FILTER (WHERE r.required AND r.status = 'rejected'),
       count(*) FILTER (WHERE r.required AND r.status = 'not_applicable'),
       count(*) FILTER (WHERE r.required AND r.status = 'missing')
  FROM cycle_requests r
 GROUP BY r.cycle_id;

-- Each project's latest cycle, as the percent of its required requests accepted
-- (`Completeness::percent`: 100 when nothing is expected; 101 for a project without
-- cycles, so those come last), and the due dates of its required requests still open
-- (missing or rejected; a request's own date, else the cycle's). Kept by the triggers
-- below, so "least complete first" and "most overdue first" over every project of an
-- installation are a join and a top-N sort, not a count per project: how many of those
-- dates have passed is counted from the row at the moment (`overdue_count`).
CREATE TABLE project_completeness (
    project_id INTEGER PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    latest_percent SMALLINT NOT NULL DEFAULT 101,
    latest_open_due TIMESTAMPTZ[] NOT NULL DEFAULT '{}'
);

-- How many of `due` (sorted, no NULLs) have passed: the overdue requests of a project's
-- latest cycle, as v_cycle_completeness counts them. width_bucket is a binary search, and
-- a function of one expression is inlined into the query that calls it (a count over
-- unnest() was a query of its own per row: 30 ms to order 2,000 projects).
CREATE FUNCTION overdue_count(due TIMESTAMPTZ[]) RETURNS INTEGER AS $$
    SELECT width_bucket(now(), due);
$$ LANGUAGE sql STABLE PARALLEL SAFE;

CREATE FUNCTION project_latest_percent(project INTEGER) RETURNS SMALLINT AS $$
    SELECT coalesce((
        SELECT CASE WHEN coalesce(k.required - k.not_applicable, 0) <= 0 THEN 100
                    ELSE k.accepted * 100 / (k.required - k.not_applicable) END
          FROM (SELECT c.id FROM cycles c WHERE c.project_id = project
                 ORDER BY c.cycle_number DESC LIMIT 1) l
          LEFT JOIN cycle_request_counts k ON k.cycle_id = l.id), 101)::smallint;
$$ LANGUAGE sql STABLE;

CREATE FUNCTION project_latest_open_due(project INTEGER) RETURNS TIMESTAMPTZ[] AS $$
    SELECT coalesce(array_agg(coalesce(r.due_at, l.due_at) ORDER BY coalesce(r.due_at, l.due_at)), '{}')
      FROM (SELECT c.id, c.due_at FROM cycles c WHERE c.project_id = project
             ORDER BY c.cycle_number DESC LIMIT 1) l
      JOIN cycle_requests r ON r.cycle_id = l.id
     WHERE r.required AND r.status IN ('missing', 'rejected')
       AND coalesce(r.due_at, l.due_at) IS NOT NULL;
$$ LANGUAGE sql STABLE;

-- Recomputes the figures of these projects (those that still exist), in id order.
CREATE FUNCTION project_completeness_refresh(ids INTEGER[]) RETURNS void AS $$
    INSERT INTO project_completeness AS t (project_id, latest_percent, latest_open_due)
    SELECT p.id, project_latest_percent(p.id), project_latest_open_due(p.id) FROM projects p
     WHERE p.id = ANY(ids) ORDER BY p.id
    ON CONFLICT (project_id) DO UPDATE
       SET latest_percent = EXCLUDED.latest_percent, latest_open_due = EXCLUDED.latest_open_due
     WHERE (t.latest_percent, t.latest_open_due)
           IS DISTINCT FROM (EXCLUDED.latest_percent, EXCLUDED.latest_open_due);
$$ LANGUAGE sql;

-- One request entering (+1) or leaving (-1) a cycle's counts.
CREATE TYPE cycle_request_delta AS (cycle_id INTEGER, sign INTEGER, required BOOLEAN, status TEXT);

-- Adds the deltas of one statement to the counts. Cycles are locked in id order, so two
-- statements touching the same cycles cannot deadlock here. A cycle deleted by the same
-- statement (its requests cascade) has no row left to count for.
CREATE FUNCTION cycle_request_counts_merge(deltas cycle_request_delta[]) RETURNS void AS $$
    INSERT INTO cycle_request_counts AS t
           (cycle_id, required, submitted, accepted, rejected, not_applicable, missing)
    SELECT * FROM (
        SELECT d.cycle_id,
               coalesce(sum(d.sign) FILTER (WHERE d.required), 0)::int AS required,
               coalesce(sum(d.sign) FILTER (WHERE d.status = 'submitted'), 0)::int AS submitted,
               coalesce(sum(d.sign) FILTER (WHERE d.status = 'accepted'), 0)::int AS accepted,
               coalesce(sum(d.sign) FILTER (WHERE d.status = 'rejected'), 0)::int AS rejected,
               coalesce(sum(d.sign) FILTER (WHERE d.status = 'not_applicable'), 0)::int AS not_applicable,
               coalesce(sum(d.sign) FILTER (WHERE d.status = 'missing'), 0)::int AS missing
          FROM unnest(deltas) d
         WHERE d.required AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = d.cycle_id)
         GROUP BY d.cycle_id
    ) per_cycle
    -- A statement that changed no counted column (a note, a due date) writes nothing.
     WHERE (required, submitted, accepted, rejected, not_applicable, missing) <> (0, 0, 0, 0, 0, 0)
     ORDER BY cycle_id
    ON CONFLICT (cycle_id) DO UPDATE
       SET required = t.required + EXCLUDED.required,
           submitted = t.submitted + EXCLUDED.submitted,
           accepted = t.accepted + EXCLUDED.accepted,
           rejected = t.rejected + EXCLUDED.rejected,
           not_applicable = t.not_applicable + EXCLUDED.not_applicable,
           missing = t.missing + EXCLUDED.missing;
    SELECT project_completeness_refresh(ARRAY(
        SELECT DISTINCT c.project_id FROM cycles c
         WHERE c.id IN (SELECT d.cycle_id FROM unnest(deltas) d)));
$$ LANGUAGE sql;

CREATE FUNCTION cycle_request_counts_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM cycle_request_counts_merge(ARRAY(
            SELECT (n.cycle_id, 1, n.required, n.status)::cycle_request_delta FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM cycle_request_counts_merge(ARRAY(
            SELECT (o.cycle_id, -1, o.required, o.status)::cycle_request_delta FROM old_rows o));
    ELSE
        PERFORM cycle_request_counts_merge(ARRAY(
            SELECT (n.cycle_id, 1, n.required, n.status)::cycle_request_delta FROM new_rows n
            UNION ALL
            SELECT (o.cycle_id, -1, o.required, o.status)::cycle_request_delta FROM old_rows o));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Transition tables cannot be combined with a column list, so every UPDATE statement is
-- counted; one that changes no counted column adds and takes away the same rows.
CREATE TRIGGER cycle_request_counts_insert AFTER INSERT ON cycle_requests
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cycle_request_counts_apply();
CREATE TRIGGER cycle_request_counts_update AFTER UPDATE ON cycle_requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cycle_request_counts_apply();
CREATE TRIGGER cycle_request_counts_delete AFTER DELETE ON cycle_requests
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cycle_request_counts_apply();

-- A new project has its row at once; a cycle added, removed or renumbered may change
-- which cycle is a project's latest.
CREATE FUNCTION project_completeness_of_project() RETURNS trigger AS $$
BEGIN
    PERFORM project_completeness_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER project_completeness_insert AFTER INSERT ON projects
    FOR EACH ROW EXECUTE FUNCTION project_completeness_of_project();

CREATE FUNCTION project_completeness_of_cycles() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM project_completeness_refresh(ARRAY(SELECT DISTINCT project_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM project_completeness_refresh(ARRAY(SELECT DISTINCT project_id FROM old_rows));
    ELSE
        PERFORM project_completeness_refresh(ARRAY(
            SELECT project_id FROM new_rows UNION SELECT project_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER project_completeness_cycles_insert AFTER INSERT ON cycles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_completeness_of_cycles();
CREATE TRIGGER project_completeness_cycles_update AFTER UPDATE ON cycles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_completeness_of_cycles();
CREATE TRIGGER project_completeness_cycles_delete AFTER DELETE ON cycles
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_completeness_of_cycles();

SELECT project_completeness_refresh(ARRAY(SELECT id FROM projects));

-- The view reads the counts; only `overdue`, which depends on the clock, still looks at
-- the requests, and only for cycles that have open required requests. Every cycle has
-- its project (a NOT NULL foreign key), so the LEFT JOIN changes no row; it lets the
-- planner drop the join when `company_id` is not asked for.
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

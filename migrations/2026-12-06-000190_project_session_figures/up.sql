-- Each project's figures over its settled sessions (completed or failed), kept with the
-- sessions themselves. The project summary read the counters of every session of the
-- projects on its page: 25 projects of 1,000 sessions each at ten million files, 7 ms of
-- a page, growing with history. Now it reads this row and the counters of the sessions
-- still open (few), so a page costs the same after years of cycles.
--
-- Row triggers with a WHEN condition: an open session's counters move with every file
-- (many updates, none of which concern this table) and those updates never fire them; a
-- session that settles, or a settled one that changes or goes, moves its project's row by
-- the difference. The last upload is still read from the sessions (one index probe per
-- project): a maximum cannot be taken back when its session goes.
LOCK TABLE sync_sessions IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE project_session_figures (
    project_id INTEGER PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    -- No CHECK (>= 0): the trigger upserts signed differences (see migration 21).
    sessions BIGINT NOT NULL DEFAULT 0,
    total_files BIGINT NOT NULL DEFAULT 0,
    files_uploaded BIGINT NOT NULL DEFAULT 0,
    files_failed BIGINT NOT NULL DEFAULT 0,
    files_skipped BIGINT NOT NULL DEFAULT 0,
    total_bytes BIGINT NOT NULL DEFAULT 0,
    uploaded_bytes BIGINT NOT NULL DEFAULT 0
);

INSERT INTO project_session_figures
SELECT project_id, count(*), coalesce(sum(total_files), 0), coalesce(sum(files_uploaded), 0),
       coalesce(sum(files_failed), 0), coalesce(sum(files_skipped), 0),
       coalesce(sum(total_size_bytes), 0), coalesce(sum(uploaded_size_bytes), 0)
  FROM sync_sessions
 WHERE status IN ('completed', 'failed')
 GROUP BY project_id;

-- Adds one session's counters (sign 1) or takes them away (-1). A project deleted in the
-- same statement (its sessions go by cascade) gets no row back.
CREATE FUNCTION project_session_figures_add(s sync_sessions, sign INTEGER) RETURNS VOID AS $$
    INSERT INTO project_session_figures AS f
    SELECT s.project_id, sign, sign * coalesce(s.total_files, 0),
           sign * coalesce(s.files_uploaded, 0), sign * coalesce(s.files_failed, 0),
           sign * coalesce(s.files_skipped, 0), sign * coalesce(s.total_size_bytes, 0),
           sign * coalesce(s.uploaded_size_bytes, 0)
     WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = s.project_id)
    ON CONFLICT (project_id) DO UPDATE SET
        sessions = f.sessions + EXCLUDED.sessions,
        total_files = f.total_files + EXCLUDED.total_files,
        files_uploaded = f.files_uploaded + EXCLUDED.files_uploaded,
        files_failed = f.files_failed + EXCLUDED.files_failed,
        files_skipped = f.files_skipped + EXCLUDED.files_skipped,
        total_bytes = f.total_bytes + EXCLUDED.total_bytes,
        uploaded_bytes = f.uploaded_bytes + EXCLUDED.uploaded_bytes;
$$ LANGUAGE sql;

CREATE FUNCTION project_session_figures_follow() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('completed', 'failed') THEN
        PERFORM project_session_figures_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('completed', 'failed') THEN
        PERFORM project_session_figures_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER project_session_figures_insert AFTER INSERT ON sync_sessions
    FOR EACH ROW WHEN (NEW.status IN ('completed', 'failed'))
    EXECUTE FUNCTION project_session_figures_follow();
CREATE TRIGGER project_session_figures_update AFTER UPDATE ON sync_sessions
    FOR EACH ROW WHEN (OLD.status IN ('completed', 'failed') OR NEW.status IN ('completed', 'failed'))
    EXECUTE FUNCTION project_session_figures_follow();
CREATE TRIGGER project_session_figures_delete AFTER DELETE ON sync_sessions
    FOR EACH ROW WHEN (OLD.status IN ('completed', 'failed'))
    EXECUTE FUNCTION project_session_figures_follow();

-- The sessions still open, per project; and each project's latest session.
CREATE INDEX sync_sessions_open_by_project ON sync_sessions (project_id)
    WHERE status NOT IN ('completed', 'failed');
CREATE INDEX sync_sessions_project_last ON sync_sessions
    (project_id, (coalesce(completed_at, started_at, created_at)));

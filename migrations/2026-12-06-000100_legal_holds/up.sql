-- Records and safety: retention and legal hold.

-- Per project: keep files for ever (NULL), or delete their bytes this many days after
-- their cycle was closed.
ALTER TABLE projects ADD COLUMN retention_days INTEGER;
ALTER TABLE projects ADD CONSTRAINT projects_retention_days_range
    CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 36500);

-- Retention's tombstone: the row stays (path, size, checksum) and says when and why its
-- bytes went. `retired_at` is the decision, committed before S3 is asked to delete the
-- object; `bytes_deleted_at` is set once S3 said the object is gone. A row with the first
-- and not the second is a deletion the next run retries (S3 failed, or the node died).
ALTER TABLE file_uploads ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE file_uploads ADD COLUMN retired_reason VARCHAR(500);
ALTER TABLE file_uploads ADD COLUMN bytes_deleted_at TIMESTAMPTZ;
ALTER TABLE file_uploads ADD CONSTRAINT file_uploads_tombstone
    CHECK ((retired_at IS NULL) = (retired_reason IS NULL)
       AND (bytes_deleted_at IS NULL OR retired_at IS NOT NULL));
CREATE INDEX file_uploads_retiring ON file_uploads (id)
    WHERE retired_at IS NOT NULL AND bytes_deleted_at IS NULL;

-- A legal hold on a company (project and cycle NULL), a project (cycle NULL) or a cycle:
-- who placed it, why and when; lifted only by an admin with a reason. While active it
-- blocks every deletion of what it covers.
CREATE TABLE legal_holds (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    project_id INTEGER REFERENCES projects (id),
    cycle_id INTEGER REFERENCES cycles (id),
    reason VARCHAR(1000) NOT NULL,
    placed_by INTEGER NOT NULL REFERENCES users (id),
    placed_by_name VARCHAR(100) NOT NULL,
    placed_at TIMESTAMPTZ NOT NULL,
    lifted_by INTEGER REFERENCES users (id),
    lifted_by_name VARCHAR(100),
    lifted_at TIMESTAMPTZ,
    lift_reason VARCHAR(1000),
    CONSTRAINT legal_holds_reason_not_blank CHECK (length(btrim(reason)) > 0),
    CONSTRAINT legal_holds_cycle_in_project CHECK (cycle_id IS NULL OR project_id IS NOT NULL),
    CONSTRAINT legal_holds_lifted_whole CHECK (
        (lifted_at IS NULL) = (lifted_by IS NULL)
        AND (lifted_at IS NULL) = (lifted_by_name IS NULL)
        AND (lifted_at IS NULL) = (lift_reason IS NULL)),
    CONSTRAINT legal_holds_lift_reason_not_blank
        CHECK (lift_reason IS NULL OR length(btrim(lift_reason)) > 0)
);
CREATE INDEX legal_holds_active ON legal_holds (company_id) WHERE lifted_at IS NULL;

-- Document requests: what a cycle still owes. A project keeps a request list (the
-- template); each new cycle copies it into its own requests, which are then edited,
-- fulfilled by uploads and reviewed one by one. A cycle's figures come from these rows
-- (one per request), never from scanning file_uploads.

CREATE TABLE document_requests (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name VARCHAR(200) NOT NULL,
    instructions TEXT,
    required BOOLEAN NOT NULL DEFAULT true,
    accepted_types TEXT[] NOT NULL DEFAULT '{}',
    pattern VARCHAR(200),
    multiple_files BOOLEAN NOT NULL DEFAULT false,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT document_requests_name_not_blank CHECK (btrim(name) <> '')
);
CREATE UNIQUE INDEX document_requests_project_name ON document_requests (project_id, lower(name));
CREATE INDEX idx_document_requests_company ON document_requests (company_id, project_id);
CREATE TRIGGER document_requests_set_updated_at BEFORE UPDATE ON document_requests
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE cycle_requests (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    cycle_id INTEGER NOT NULL REFERENCES cycles (id) ON DELETE CASCADE,
    -- The template row it was copied from, if any (an item added to one cycle has none).
    template_id INTEGER REFERENCES document_requests (id) ON DELETE SET NULL,
    name VARCHAR(200) NOT NULL,
    instructions TEXT,
    required BOOLEAN NOT NULL DEFAULT true,
    accepted_types TEXT[] NOT NULL DEFAULT '{}',
    pattern VARCHAR(200),
    multiple_files BOOLEAN NOT NULL DEFAULT false,
    position INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(20) NOT NULL DEFAULT 'missing',
    -- The item's own due date; when NULL the cycle's applies.
    due_at TIMESTAMPTZ,
    -- Why it was rejected (the uploader sees it) or why it does not apply.
    note VARCHAR(500),
    submitted_at TIMESTAMPTZ,
    reviewed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT cycle_requests_status_check
        CHECK (status IN ('missing', 'submitted', 'accepted', 'rejected', 'not_applicable')),
    CONSTRAINT cycle_requests_name_not_blank CHECK (btrim(name) <> '')
);
-- A cycle's figures read only these columns.
CREATE INDEX cycle_requests_cycle ON cycle_requests (cycle_id) INCLUDE (required, status, due_at);
-- "What is missing" across a company's projects, by due date.
CREATE INDEX cycle_requests_company_open ON cycle_requests (company_id, due_at)
    WHERE status IN ('missing', 'submitted', 'rejected');
CREATE TRIGGER cycle_requests_set_updated_at BEFORE UPDATE ON cycle_requests
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A request belongs to the company that owns its project: a row inserted by hand (or by
-- a bug) with another company's id is refused, whatever wrote it.
CREATE FUNCTION requests_company_matches() RETURNS trigger AS $$
DECLARE
    owner INTEGER;
BEGIN
    IF TG_TABLE_NAME = 'document_requests' THEN
        SELECT p.company_id INTO owner FROM projects p WHERE p.id = NEW.project_id;
    ELSE
        SELECT p.company_id INTO owner FROM cycles c JOIN projects p ON p.id = c.project_id
         WHERE c.id = NEW.cycle_id;
    END IF;
    IF owner IS DISTINCT FROM NEW.company_id THEN
        RAISE EXCEPTION '% % belongs to company %, not %', TG_TABLE_NAME, NEW.id, owner, NEW.company_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER document_requests_company BEFORE INSERT OR UPDATE OF company_id, project_id
    ON document_requests FOR EACH ROW EXECUTE FUNCTION requests_company_matches();
CREATE TRIGGER cycle_requests_company BEFORE INSERT OR UPDATE OF company_id, cycle_id
    ON cycle_requests FOR EACH ROW EXECUTE FUNCTION requests_company_matches();

-- Which request a file fulfils (NULL: "other").
ALTER TABLE file_uploads ADD COLUMN request_id INTEGER REFERENCES cycle_requests (id) ON DELETE SET NULL;
CREATE INDEX file_uploads_request ON file_uploads (request_id) WHERE request_id IS NOT NULL;

-- A cycle's due date, and whether an admin set its status by hand (then it no longer
-- follows its requests until the admin says so).
ALTER TABLE cycles ADD COLUMN due_at TIMESTAMPTZ;
ALTER TABLE cycles ADD COLUMN status_set_by_hand BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE cycles ADD COLUMN status_note VARCHAR(500);
-- The deadline pass looks only at open cycles that have a due date.
CREATE INDEX cycles_open_due ON cycles (due_at)
    WHERE due_at IS NOT NULL AND status IN ('pending', 'in_progress');

-- The same figures the dashboards show, for people who query SQL directly. Counts are of
-- required requests; `overdue` counts those still missing or rejected past their due date
-- (the item's own, else the cycle's).
CREATE VIEW v_cycle_completeness AS
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

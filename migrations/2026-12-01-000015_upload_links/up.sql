-- Upload links: people without an account send documents into one cycle (optionally for
-- chosen requests only). The link carries a random secret; only its SHA-256 is stored. A
-- visitor states a name and an email (and the PIN, if the link has one) once; the visit
-- is kept server-side behind a cookie of its own, so revoking the link ends every visit.
CREATE TABLE upload_links (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cycle_id INTEGER NOT NULL REFERENCES cycles (id) ON DELETE CASCADE,
    label VARCHAR(100) NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    -- The requests the link is for; empty: the whole cycle.
    request_ids INTEGER[] NOT NULL DEFAULT '{}',
    -- argon2id of the PIN, when the link has one.
    pin_hash VARCHAR(255),
    max_files INTEGER NOT NULL,
    max_bytes BIGINT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT upload_links_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT upload_links_max_files_range CHECK (max_files BETWEEN 1 AND 100000),
    CONSTRAINT upload_links_max_bytes_positive CHECK (max_bytes > 0)
);
CREATE INDEX idx_upload_links_company_cycle ON upload_links (company_id, cycle_id, created_at DESC);

-- A link belongs to the company that owns its cycle's project, whatever wrote the row.
CREATE FUNCTION upload_links_company_matches() RETURNS trigger AS $$
DECLARE
    owner INTEGER;
    cycle_project INTEGER;
BEGIN
    SELECT p.company_id, c.project_id INTO owner, cycle_project
      FROM cycles c JOIN projects p ON p.id = c.project_id WHERE c.id = NEW.cycle_id;
    IF owner IS DISTINCT FROM NEW.company_id OR cycle_project IS DISTINCT FROM NEW.project_id THEN
        RAISE EXCEPTION 'upload link % does not match its cycle''s project and company', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER upload_links_company BEFORE INSERT OR UPDATE OF company_id, project_id, cycle_id
    ON upload_links FOR EACH ROW EXECUTE FUNCTION upload_links_company_matches();

-- One visitor of a link: who they said they are, behind the secret of their cookie.
CREATE TABLE upload_link_visits (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    link_id INTEGER NOT NULL REFERENCES upload_links (id) ON DELETE CASCADE,
    secret_hash BYTEA NOT NULL UNIQUE,
    uploader_name VARCHAR(100) NOT NULL,
    uploader_email VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_upload_link_visits_company ON upload_link_visits (company_id, link_id);

-- Who sent a batch through a link (user_id stays NULL: nobody signed in).
ALTER TABLE sync_sessions ADD COLUMN upload_link_id INTEGER REFERENCES upload_links (id) ON DELETE SET NULL;
ALTER TABLE sync_sessions ADD COLUMN uploader_name VARCHAR(100);
ALTER TABLE sync_sessions ADD COLUMN uploader_email VARCHAR(255);
-- A link's limits are sums over its batches.
CREATE INDEX idx_sync_sessions_upload_link ON sync_sessions (upload_link_id)
    WHERE upload_link_id IS NOT NULL;

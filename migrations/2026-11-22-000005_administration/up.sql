-- Project names are unique within a company, not across the installation: a global
-- constraint would tell company B that company A already has a project of that name.
ALTER TABLE projects DROP CONSTRAINT projects_project_name_key;
ALTER TABLE projects ADD CONSTRAINT projects_company_id_project_name_key
    UNIQUE (company_id, project_name);

-- When on, completed uploads wait for an admin to accept or reject them.
ALTER TABLE projects ADD COLUMN review_uploads BOOLEAN NOT NULL DEFAULT FALSE;

-- A company's web site and social profiles, one link per platform.
CREATE TABLE company_links (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    platform VARCHAR(20) NOT NULL,
    url VARCHAR(500) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (company_id, platform),
    CONSTRAINT company_links_platform_valid CHECK (
        platform IN ('website', 'linkedin', 'twitter', 'facebook', 'instagram', 'youtube')
    ),
    CONSTRAINT company_links_url_http CHECK (url ~ '^https?://[^[:space:]]+$')
);
CREATE TRIGGER company_links_set_updated_at BEFORE UPDATE ON company_links
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A project's history page reads its audit rows newest first.
CREATE INDEX idx_audit_log_project_created ON audit_log (project_id, created_at DESC, id DESC)
    WHERE project_id IS NOT NULL;

-- The operator's project summary pages through all companies' projects by name.
CREATE INDEX idx_projects_name_id ON projects (project_name, id);

-- Audit trail filters, each served by an index that keeps keyset pages cheap at any depth.
CREATE INDEX idx_audit_log_actor_created ON audit_log (actor_user_id, created_at DESC, id DESC)
    WHERE actor_user_id IS NOT NULL;
CREATE INDEX idx_audit_log_company_action_created
    ON audit_log (company_id, action, created_at DESC, id DESC);

-- Per-day charts read a project's or cycle's sessions by start time.
CREATE INDEX idx_sync_sessions_project_started ON sync_sessions (project_id, started_at);
CREATE INDEX idx_sync_sessions_cycle_started ON sync_sessions (cycle_id, started_at);

-- Wall screens: a read-only dashboard opened without signing in, through a link whose
-- secret is stored only as a SHA-256 hash. Scope: the company, or one project.
CREATE TABLE share_links (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    label VARCHAR(100) NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT share_links_token_hash_length CHECK (octet_length(token_hash) = 32),
    CONSTRAINT share_links_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT share_links_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX idx_share_links_company_id ON share_links (company_id);
CREATE INDEX idx_share_links_project_id ON share_links (project_id);

-- API tokens for machines and scripts. A personal token acts as its user (never beyond
-- the user's own rights), narrowed to chosen projects and verbs; a machine token belongs
-- to a project and has no user, so its batches keep sync_sessions.user_id NULL as seed
-- 000 intends for CLI uploads. Only the SHA-256 of a token is stored; the token is shown
-- once.
CREATE TABLE api_tokens (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    -- NULL: a machine token.
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    -- The token's first characters, to tell tokens apart in lists (not secret).
    token_prefix VARCHAR(16) NOT NULL,
    scopes TEXT[] NOT NULL,
    -- The projects the token may reach; empty: every project its user may reach.
    project_ids INTEGER[] NOT NULL DEFAULT '{}',
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    last_used_ip VARCHAR(64),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT api_tokens_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT api_tokens_scopes_check
        CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['upload', 'read']::text[]),
    -- A machine token serves exactly one project.
    CONSTRAINT api_tokens_machine_has_a_project
        CHECK (user_id IS NOT NULL OR cardinality(project_ids) = 1)
);
CREATE INDEX idx_api_tokens_company_user ON api_tokens (company_id, user_id);

-- Which token sent a batch (NULL for the browser).
ALTER TABLE sync_sessions ADD COLUMN api_token_id INTEGER REFERENCES api_tokens (id) ON DELETE SET NULL;

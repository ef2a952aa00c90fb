-- Single sign-on per company through its own OpenID Connect provider. The operator sets
-- the provider up; the client secret is never stored here, only the name of the
-- environment variable that holds it on every node (NULL: a public client, PKCE only).
CREATE TABLE company_sso (
    company_id INTEGER PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    issuer_url VARCHAR(500) NOT NULL,
    client_id VARCHAR(255) NOT NULL,
    client_secret_env VARCHAR(100),
    -- Members nobody created yet are created at their first sign-in, with this role.
    jit_enabled BOOLEAN NOT NULL DEFAULT false,
    jit_role VARCHAR(50) NOT NULL DEFAULT 'user',
    -- Members' passwords stop working (operators keep theirs).
    sso_only BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT company_sso_issuer_url CHECK (issuer_url ~ '^https?://[^/]'),
    CONSTRAINT company_sso_client_id_not_blank CHECK (btrim(client_id) <> ''),
    CONSTRAINT company_sso_secret_env_name CHECK (client_secret_env ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
    CONSTRAINT company_sso_jit_role CHECK (jit_role IN ('user', 'viewer'))
);
CREATE TRIGGER company_sso_set_updated_at BEFORE UPDATE ON company_sso
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The email domains whose people a company's provider signs in. A domain belongs to one
-- company at most, so an email typed on the sign-in page names one company.
CREATE TABLE sso_email_domains (
    domain VARCHAR(253) PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT sso_email_domains_lower CHECK (domain = lower(domain) AND domain ~ '^[a-z0-9.-]+\.[a-z]{2,}$')
);
CREATE INDEX idx_sso_email_domains_company ON sso_email_domains (company_id);

-- Who a provider's account is in Hopper: (issuer, subject) within one company, made at the
-- first sign-in by a verified email of a member of that company.
CREATE TABLE sso_links (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issuer_url VARCHAR(500) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT sso_links_subject_not_blank CHECK (subject <> '')
);
CREATE UNIQUE INDEX idx_sso_links_identity ON sso_links (company_id, issuer_url, subject);
-- One account of a provider per user: another subject with the same email is refused.
CREATE UNIQUE INDEX idx_sso_links_user_issuer ON sso_links (user_id, issuer_url);

-- Sign-ins on their way through a provider: the state's hash (the state itself travels
-- through the browser), the browser's own cookie's hash, the nonce and the PKCE verifier.
-- Each is taken once, and lives minutes.
CREATE TABLE sso_sign_ins (
    state_hash BYTEA PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    browser_hash BYTEA NOT NULL,
    nonce VARCHAR(128) NOT NULL,
    pkce_verifier VARCHAR(128) NOT NULL,
    next_path VARCHAR(1000) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT sso_sign_ins_expiry CHECK (expires_at > created_at)
);
CREATE INDEX idx_sso_sign_ins_company ON sso_sign_ins (company_id);
CREATE INDEX idx_sso_sign_ins_expires ON sso_sign_ins (expires_at);

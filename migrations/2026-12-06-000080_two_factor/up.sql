-- Two-factor sign-in (issue 29): an authenticator app (TOTP, RFC 6238) per user with its
-- single-use recovery codes, the policy that requires a second factor, and how each
-- session signed in.

-- How a session signed in (`password`, `password+totp`, `password+recovery_code`,
-- `passkey`, `sso:<issuer>`). NULL is a pending sign-in: the password was right and the
-- second factor is still owed; such a row never authenticates a request. Sessions from
-- before this column signed in with a password.
ALTER TABLE auth_sessions ADD COLUMN sign_in_method VARCHAR(300);
UPDATE auth_sessions SET sign_in_method = 'password';
ALTER TABLE auth_sessions ADD CONSTRAINT auth_sessions_sign_in_method_known CHECK (
    sign_in_method IS NULL
    OR sign_in_method IN ('password', 'password+totp', 'password+recovery_code', 'passkey')
    OR sign_in_method ~ '^sso:.+');

-- A confirmed authenticator app. The secret is written only once the user proved their
-- app holds it (until then it lives in their session); `last_used_step` is the 30-second
-- step of the last code accepted, so no code is accepted twice.
CREATE TABLE user_totp (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    secret BYTEA NOT NULL,
    last_used_step BIGINT NOT NULL,
    confirmed_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT user_totp_secret_length CHECK (octet_length(secret) >= 16)
);
CREATE INDEX idx_user_totp_company ON user_totp (company_id);

-- Recovery codes: only their SHA-256 (each code carries 80 random bits, so a fast hash
-- is enough); a used code keeps its row with the time it was used.
CREATE TABLE recovery_codes (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    code_sha256 BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    CONSTRAINT recovery_codes_sha256_length CHECK (octet_length(code_sha256) = 32),
    CONSTRAINT recovery_codes_unique UNIQUE (user_id, code_sha256)
);
CREATE INDEX idx_recovery_codes_company ON recovery_codes (company_id);

-- A company admin (or the operator) requires two factors of every member.
ALTER TABLE companies ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT false;

-- The operator's policy over the installation: one row.
CREATE TABLE two_factor_policy (
    id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    all_companies BOOLEAN NOT NULL DEFAULT false,
    operators BOOLEAN NOT NULL DEFAULT false,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO two_factor_policy (id) VALUES (true);

-- Passkeys (WebAuthn credentials): several per user, named by their owner, revocable.
-- The credential itself is webauthn-rs's serialised Passkey (public key, counter, flags);
-- its id is unique across Hopper, so a signature names exactly one owner.
CREATE TABLE passkeys (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    name VARCHAR(100) NOT NULL,
    credential_id BYTEA NOT NULL UNIQUE,
    credential JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    CONSTRAINT passkeys_name_not_blank CHECK (length(btrim(name)) > 0)
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);
CREATE INDEX passkeys_company_id ON passkeys (company_id);

-- WebAuthn names a user by opaque bytes, never by something guessable like a row id.
ALTER TABLE users ADD COLUMN webauthn_handle UUID NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX users_webauthn_handle ON users (webauthn_handle);

-- A ceremony between its two requests (options sent, the authenticator's answer awaited):
-- its challenge state, used once, for a few minutes.
CREATE TABLE webauthn_ceremonies (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    purpose VARCHAR(20) NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT webauthn_ceremonies_purpose CHECK (purpose IN ('register', 'sign_in'))
);
CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);

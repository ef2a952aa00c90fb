-- Secrets Hopper must read again are kept sealed (AES-256-GCM under a key derived from
-- the installation's secret key; see services/sealing.rs): a copy of the database alone
-- no longer gives anyone every account's authenticator codes or the means to forge a
-- company's webhooks. Rows from before are sealed by the first node that starts with this
-- version: `user_totp.sealed` says which an authenticator's row is; a webhook's sealed
-- secret reads `sealed:v1:…` (a bare one `whsec_…`), which needs a longer column.
ALTER TABLE user_totp ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE webhook_endpoints ALTER COLUMN secret TYPE VARCHAR(200);

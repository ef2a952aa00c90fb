-- An authenticator's secret is kept sealed (AES-256-GCM under a key derived from the
-- installation's secret key; see services/sealing.rs): a copy of the database alone no
-- longer gives anyone the codes of every account. Rows from before are sealed by the
-- first node that starts with this version (`sealed` says which a row is).
ALTER TABLE user_totp ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT false;

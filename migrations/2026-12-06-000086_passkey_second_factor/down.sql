ALTER TABLE auth_sessions DROP CONSTRAINT auth_sessions_sign_in_method_known;
ALTER TABLE auth_sessions ADD CONSTRAINT auth_sessions_sign_in_method_known CHECK (
    sign_in_method IS NULL
    OR sign_in_method IN ('password', 'password+totp', 'password+recovery_code', 'passkey')
    OR sign_in_method ~ '^sso:.+');

DROP TABLE two_factor_policy;
ALTER TABLE companies DROP COLUMN require_two_factor;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
ALTER TABLE auth_sessions DROP CONSTRAINT auth_sessions_sign_in_method_known;
ALTER TABLE auth_sessions DROP COLUMN sign_in_method;

ALTER TABLE user_totp DROP COLUMN sealed;

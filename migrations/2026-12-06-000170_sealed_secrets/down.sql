-- Sealed webhook secrets are longer than 100 characters: delete those endpoints before going back.
ALTER TABLE webhook_endpoints ALTER COLUMN secret TYPE VARCHAR(100);
ALTER TABLE user_totp DROP COLUMN sealed;

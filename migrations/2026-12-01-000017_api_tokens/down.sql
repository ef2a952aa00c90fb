ALTER TABLE sync_sessions DROP COLUMN api_token_id;
DROP TABLE api_tokens;

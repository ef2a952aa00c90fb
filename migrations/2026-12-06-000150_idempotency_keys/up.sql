-- `Idempotency-Key` on the API's POSTs: per token and key, the request's hash and, once
-- answered, the status and body to replay. Kept 24 hours. A row with no status yet is a
-- request still running; its lease lets another request take over after a crash.

CREATE TABLE idempotency_keys (
    id BIGSERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    api_token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    idempotency_key VARCHAR(255) NOT NULL,
    -- SHA-256 of the method, the path and query, and the body.
    request_hash BYTEA NOT NULL,
    response_status SMALLINT,
    response_content_type VARCHAR(100),
    response_body BYTEA,
    -- While the first request runs: when another may take the key over.
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotency_keys_hash_check CHECK (octet_length(request_hash) = 32),
    CONSTRAINT idempotency_keys_status_check CHECK (response_status BETWEEN 100 AND 599),
    CONSTRAINT idempotency_keys_answered_check CHECK (
        (response_status IS NULL) = (response_body IS NULL))
);
CREATE UNIQUE INDEX idempotency_keys_token_key ON idempotency_keys (api_token_id, idempotency_key);
CREATE INDEX idempotency_keys_company ON idempotency_keys (company_id);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

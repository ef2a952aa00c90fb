-- Signed webhooks per company (Standard Webhooks): the endpoints an admin registers, the
-- outbox of events written in the transaction of the change each reports, one delivery
-- per event and endpoint (retried with the same webhook-id), and every attempt's outcome.

CREATE TABLE webhook_endpoints (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    url VARCHAR(2000) NOT NULL,
    description VARCHAR(200) NOT NULL DEFAULT '',
    events TEXT[] NOT NULL,
    -- `whsec_` + base64 of 32 random bytes: the key of every signature, so kept as it is
    -- (shown to the admin once, when the endpoint is made).
    secret VARCHAR(100) NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- Why Hopper turned it off (three days of failed deliveries); NULL when an admin did.
    disabled_reason VARCHAR(500),
    -- The first failed attempt since the last delivery that went through.
    failing_since TIMESTAMPTZ,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoints_events_check CHECK (
        cardinality(events) > 0 AND events <@ ARRAY['file.stored', 'file.refused', 'file.quarantined',
            'request.submitted', 'request.accepted', 'request.rejected', 'cycle.completed',
            'cycle.overdue', 'upload_link.used']::text[]),
    CONSTRAINT webhook_endpoints_url_http CHECK (url ~ '^https?://')
);
CREATE INDEX webhook_endpoints_company ON webhook_endpoints (company_id);
CREATE TRIGGER webhook_endpoints_set_updated_at BEFORE UPDATE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One event, as every endpoint that wanted it receives it: `payload` is the exact body
-- (`{type, timestamp, data}`), `msg_id` its webhook-id. Events of one cycle are delivered
-- to an endpoint in the order of their ids (`cycle_id`).
CREATE TABLE webhook_events (
    id BIGSERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    msg_id VARCHAR(40) NOT NULL UNIQUE,
    event_type VARCHAR(40) NOT NULL,
    cycle_id INTEGER REFERENCES cycles (id) ON DELETE SET NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT webhook_events_type_check CHECK (event_type IN ('file.stored', 'file.refused', 'file.quarantined',
        'request.submitted', 'request.accepted', 'request.rejected', 'cycle.completed',
        'cycle.overdue', 'upload_link.used'))
);
CREATE INDEX webhook_events_company ON webhook_events (company_id, id);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    event_id BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Due at (pending); a node that claims it moves it a lease ahead while it sends.
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- Failed attempts are retried until then: a day after the first attempt (set by it),
    -- or after a redelivery.
    retry_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_once UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_company ON webhook_deliveries (company_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- Every attempt: its answer's status, how long it took, the start of what it said.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempted_at TIMESTAMPTZ NOT NULL,
    succeeded BOOLEAN NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    response_excerpt VARCHAR(500),
    error VARCHAR(500)
);
CREATE INDEX webhook_attempts_company ON webhook_attempts (company_id);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);

-- A program managing a company (webhooks today): the `admin` scope of a token.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['upload', 'read', 'admin']::text[]);

-- The admins hear of an endpoint Hopper turned off.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest',
                    'upload_receipt', 'upload_invitation', 'virus_found', 'webhook_disabled'));

-- A tamper-evident audit trail. Each company's rows (and the rows of no company) form a
-- hash chain: a row stores its position in the chain, its predecessor's hash and the
-- SHA-256 of its own content plus that hash. Rows are chained at insert, under an
-- advisory lock per chain held to the end of the transaction, so the chain follows commit
-- order without a hot counter row. `hopper audit verify` recomputes every hash and names
-- the first row that was altered, removed or reordered. Rows from before this migration
-- stay unchained (chain_seq NULL): the chain starts after them.
ALTER TABLE audit_log
    ADD COLUMN chain_seq BIGINT,
    ADD COLUMN prev_hash BYTEA,
    ADD COLUMN row_hash BYTEA;

CREATE INDEX idx_audit_log_chain ON audit_log ((coalesce(company_id, 0)), chain_seq DESC)
    WHERE chain_seq IS NOT NULL;

-- The content of a row, each field quoted (NULL stays distinct from ''), then the
-- predecessor's hash. Used by the insert trigger and by verification alike.
CREATE FUNCTION audit_log_content_hash(
    id BIGINT, chain_seq BIGINT, created_at TIMESTAMPTZ, actor_user_id INTEGER,
    actor_username TEXT, company_id INTEGER, project_id INTEGER, action TEXT,
    resource_type TEXT, resource_id TEXT, details JSONB, ip_address TEXT, user_agent TEXT,
    prev_hash BYTEA
) RETURNS BYTEA AS $$
    SELECT sha256(convert_to(concat_ws(',',
        quote_nullable(id), quote_nullable(chain_seq),
        quote_nullable((extract(epoch FROM created_at) * 1000000)::bigint),
        quote_nullable(actor_user_id), quote_nullable(actor_username),
        quote_nullable(company_id), quote_nullable(project_id), quote_nullable(action),
        quote_nullable(resource_type), quote_nullable(resource_id),
        quote_nullable(details::text), quote_nullable(ip_address), quote_nullable(user_agent)
    ), 'UTF8') || coalesce(prev_hash, ''::bytea))
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION audit_log_chain() RETURNS trigger AS $$
DECLARE
    chain INTEGER := coalesce(NEW.company_id, 0);
    last_seq BIGINT;
    last_hash BYTEA;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('hopper.audit_chain:' || chain, 0));
    SELECT a.chain_seq, a.row_hash INTO last_seq, last_hash FROM audit_log a
    WHERE coalesce(a.company_id, 0) = chain AND a.chain_seq IS NOT NULL
    ORDER BY coalesce(a.company_id, 0), a.chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.row_hash := audit_log_content_hash(
        NEW.id, NEW.chain_seq, NEW.created_at, NEW.actor_user_id, NEW.actor_username,
        NEW.company_id, NEW.project_id, NEW.action, NEW.resource_type, NEW.resource_id,
        NEW.details, NEW.ip_address, NEW.user_agent, NEW.prev_hash);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- Cloned onto every partition, present and future.
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Each run of `hopper audit verify`, for the operator's audit page.
CREATE TABLE audit_verifications (
    id SERIAL PRIMARY KEY,
    company_id INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    verified_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    rows_checked BIGINT NOT NULL,
    first_bad_row BIGINT,
    problem VARCHAR(500),
    CONSTRAINT audit_verifications_outcome CHECK ((first_bad_row IS NULL) = (problem IS NULL))
);
CREATE INDEX idx_audit_verifications_company ON audit_verifications (company_id, verified_at DESC);

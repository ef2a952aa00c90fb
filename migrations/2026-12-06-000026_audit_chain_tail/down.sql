CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger AS $$
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

GRANT EXECUTE ON FUNCTION audit_log_chain() TO PUBLIC;

DROP TABLE audit_chain_tails;

CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger AS $$
DECLARE
    chain_id INTEGER := coalesce(NEW.company_id, 0);
    tail_seq BIGINT;
    tail_hash BYTEA;
BEGIN
    IF NOT current_setting('is_superuser')::boolean THEN
        NEW.created_at := now();
    END IF;
    SELECT t.last_seq, t.last_hash INTO tail_seq, tail_hash
    FROM audit_chain_tails t WHERE t.chain = chain_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_chain_tails (chain, last_seq) VALUES (chain_id, 0)
            ON CONFLICT (chain) DO NOTHING;
        SELECT t.last_seq, t.last_hash INTO tail_seq, tail_hash
        FROM audit_chain_tails t WHERE t.chain = chain_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'audit_log: the end of chain % cannot be read; retry', chain_id
                USING ERRCODE = 'serialization_failure';
        END IF;
    END IF;
    NEW.chain_seq := tail_seq + 1;
    NEW.prev_hash := tail_hash;
    NEW.row_hash := audit_log_content_hash(
        NEW.id, NEW.chain_seq, NEW.created_at, NEW.actor_user_id, NEW.actor_username,
        NEW.company_id, NEW.project_id, NEW.action, NEW.resource_type, NEW.resource_id,
        NEW.details, NEW.ip_address, NEW.user_agent, NEW.prev_hash);
    UPDATE audit_chain_tails SET last_seq = NEW.chain_seq, last_hash = NEW.row_hash
    WHERE chain = chain_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;

DROP FUNCTION audit_log_erase(BIGINT, TEXT[], TEXT[]);
DROP FUNCTION audit_salts_for(JSONB);
DROP FUNCTION audit_log_row_hash(audit_log);
DROP FUNCTION audit_log_row_content(audit_log);
DROP FUNCTION audit_log_content(BIGINT, BIGINT, TIMESTAMPTZ, INTEGER, TEXT, INTEGER, INTEGER, TEXT, TEXT, TEXT, JSONB, TEXT, TEXT, JSONB);
DROP FUNCTION audit_log_details_commitment(JSONB, JSONB);
DROP FUNCTION audit_log_erased_marker(TEXT, TEXT);
DROP FUNCTION audit_log_personal_digest(TEXT, TEXT);
DROP FUNCTION audit_log_new_salt();
DROP TABLE audit_v1_erasures;
DROP TABLE audit_salts;

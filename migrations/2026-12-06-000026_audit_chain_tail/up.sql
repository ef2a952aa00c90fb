-- The audit chain, hardened against the application role (issue 26).
--
-- 1. `created_at` is the database's: the trigger sets it to now() (the transaction's
--    start, which is also the column's default, so a row is routed to the same monthly
--    partition it lands in), ignoring any value an INSERT names. A value that would have
--    routed the row to another partition is refused by PostgreSQL itself ("moving row to
--    another partition during a BEFORE FOR EACH ROW trigger"). Only a superuser, who can
--    disable the triggers anyway, may write a back-dated row (tests, imports).
--
-- 2. Each chain's tail is a row of `audit_chain_tails`, locked with SELECT … FOR UPDATE and
--    advanced by every chained insert. Migration 10 serialised inserts with an advisory
--    lock and then read the predecessor from `audit_log`; under REPEATABLE READ or
--    SERIALIZABLE that read sees the transaction's snapshot, which may predate a row
--    committed meanwhile: two rows took the same position and the chain forked for good.
--    A row lock is not snapshot-bound: in READ COMMITTED it waits and reads the tail as
--    committed; in REPEATABLE READ a tail changed since the snapshot raises a
--    serialization failure (40001). The chain refuses what it cannot chain.
--
-- The trigger runs as its owner (SECURITY DEFINER): the application role has no right on
-- the tails (db/roles.rs revokes them), so it can neither move nor forge a chain's end.
-- Cost per audit row: one primary-key lookup, lock and HOT update of a one-row-per-company
-- table, instead of the advisory lock and the index scan over audit_log's partitions.

LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE audit_chain_tails (
    -- coalesce(company_id, 0), as in idx_audit_log_chain.
    chain INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash BYTEA
) WITH (fillfactor = 50);

INSERT INTO audit_chain_tails (chain, last_seq, last_hash)
SELECT DISTINCT ON (coalesce(company_id, 0)) coalesce(company_id, 0), chain_seq, row_hash
FROM audit_log
WHERE chain_seq IS NOT NULL
ORDER BY coalesce(company_id, 0), chain_seq DESC, id DESC;

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
        -- The chain's first row. Under REPEATABLE READ a tail made since the snapshot is a
        -- conflict here, raised as a serialization failure.
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

-- Nobody else may hang it on a table of their own (a temporary one, say) to move a chain's
-- end without a row; as audit_log's trigger it fires whoever inserts.
REVOKE EXECUTE ON FUNCTION audit_log_chain() FROM PUBLIC;

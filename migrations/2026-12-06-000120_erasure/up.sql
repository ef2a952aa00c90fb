-- Erasure (issue 30): a person's personal data can be removed from the audit trail while
-- every chain still verifies.
--
-- Version 2 of a row's hash commits to its personal fields (actor_username, ip_address,
-- user_agent and each top-level value of details) through salted digests,
-- sha256(salt || value), one random salt per field kept in `audit_salts`, never in the
-- row. The row keeps its values for reading. Erasing a field replaces its value by
-- 'erased:' || base64(digest) and deletes its salt: the hash still holds (it was made of
-- the digest), the value is gone, and the digest alone reveals nothing (the salt that
-- would let one test a guess is gone too). Rows are v2 when they have a salts row: every
-- row written from this migration on.
--
-- Rows written before (v1) committed to their values themselves: nothing but the values
-- reproduces their hash. Erasing one replaces the value by 'erased' and records the row
-- in `audit_v1_erasures` with its hash; verification accepts the recorded hash for
-- that row (and still checks its position and its link to its predecessor), and the
-- erasure's own audit row (person.erased) lists those row ids. That is attested, not
-- proven: see README, Records and safety.
--
-- Only audit_log_erase (SECURITY DEFINER, the owner's) updates audit_log, and only the
-- personal fields; the application role still only inserts and reads.

CREATE TABLE audit_salts (
    audit_id BIGINT PRIMARY KEY,
    -- {"actor_username": hex, "ip_address": hex, "user_agent": hex,
    --  "details": {key: hex, ...}} (or "details": hex when details is not an object);
    -- an erased field has no salt.
    salts JSONB NOT NULL
);

CREATE TABLE audit_v1_erasures (
    audit_id BIGINT PRIMARY KEY,
    row_hash BYTEA,
    erased_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_log_new_salt() RETURNS TEXT AS $$
    SELECT encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex')
$$ LANGUAGE sql VOLATILE;

-- What a v2 hash holds of a personal value: its salted digest (hex); of an erased value
-- (no salt), the digest its marker keeps. A value without salt that is no marker cannot
-- be checked and makes the row fail.
CREATE FUNCTION audit_log_personal_digest(value TEXT, salt TEXT) RETURNS TEXT AS $$
    SELECT CASE
        WHEN value IS NULL THEN 'NULL'
        WHEN salt IS NOT NULL THEN
            encode(sha256(decode(salt, 'hex') || convert_to(value, 'UTF8')), 'hex')
        WHEN value ~ '^erased:[A-Za-z0-9+/]{43}=$' THEN
            encode(decode(substr(value, 8), 'base64'), 'hex')
        ELSE 'unverifiable'
    END
$$ LANGUAGE sql IMMUTABLE;

-- The marker an erased value becomes.
CREATE FUNCTION audit_log_erased_marker(value TEXT, salt TEXT) RETURNS TEXT AS $$
    SELECT 'erased:' || encode(sha256(decode(salt, 'hex') || convert_to(value, 'UTF8')), 'base64')
$$ LANGUAGE sql IMMUTABLE;

-- details, each top-level value by its digest, keys in byte order.
CREATE FUNCTION audit_log_details_commitment(details JSONB, salts JSONB) RETURNS TEXT AS $$
    SELECT CASE
        WHEN details IS NULL THEN 'NULL'
        WHEN jsonb_typeof(details) = 'object' THEN
            '{' || coalesce((
                SELECT string_agg(quote_literal(e.key) || ':' || audit_log_personal_digest(
                           CASE WHEN salts ? e.key THEN e.value::text ELSE e.value #>> '{}' END,
                           salts ->> e.key),
                       ',' ORDER BY e.key COLLATE "C")
                FROM jsonb_each(details) e), '') || '}'
        ELSE audit_log_personal_digest(
                 CASE WHEN jsonb_typeof(salts) = 'string' THEN details::text ELSE details #>> '{}' END,
                 CASE WHEN jsonb_typeof(salts) = 'string' THEN salts #>> '{}' END)
    END
$$ LANGUAGE sql IMMUTABLE;

-- The text a row's hash is made of (before its predecessor's hash): v1 without salts
-- (migration 10's), v2 with them.
CREATE FUNCTION audit_log_content(
    id BIGINT, chain_seq BIGINT, created_at TIMESTAMPTZ, actor_user_id INTEGER,
    actor_username TEXT, company_id INTEGER, project_id INTEGER, action TEXT,
    resource_type TEXT, resource_id TEXT, details JSONB, ip_address TEXT, user_agent TEXT,
    salts JSONB
) RETURNS TEXT AS $$
    SELECT CASE WHEN salts IS NULL THEN concat_ws(',',
        quote_nullable(id), quote_nullable(chain_seq),
        quote_nullable((extract(epoch FROM created_at) * 1000000)::bigint),
        quote_nullable(actor_user_id), quote_nullable(actor_username),
        quote_nullable(company_id), quote_nullable(project_id), quote_nullable(action),
        quote_nullable(resource_type), quote_nullable(resource_id),
        quote_nullable(details::text), quote_nullable(ip_address), quote_nullable(user_agent))
    ELSE concat_ws(',', 'v2',
        quote_nullable(id), quote_nullable(chain_seq),
        quote_nullable((extract(epoch FROM created_at) * 1000000)::bigint),
        quote_nullable(actor_user_id),
        quote_literal(audit_log_personal_digest(actor_username, salts ->> 'actor_username')),
        quote_nullable(company_id), quote_nullable(project_id), quote_nullable(action),
        quote_nullable(resource_type), quote_nullable(resource_id),
        quote_literal(audit_log_details_commitment(details, salts -> 'details')),
        quote_literal(audit_log_personal_digest(ip_address, salts ->> 'ip_address')),
        quote_literal(audit_log_personal_digest(user_agent, salts ->> 'user_agent')))
    END
$$ LANGUAGE sql STABLE;

-- A stored row's content, with its salts.
CREATE FUNCTION audit_log_row_content(a audit_log) RETURNS TEXT AS $$
    SELECT audit_log_content(a.id, a.chain_seq, a.created_at, a.actor_user_id,
        a.actor_username, a.company_id, a.project_id, a.action, a.resource_type,
        a.resource_id, a.details, a.ip_address, a.user_agent,
        (SELECT s.salts FROM audit_salts s WHERE s.audit_id = a.id))
$$ LANGUAGE sql STABLE;

-- The hash a stored row must have: recomputed from its content, or the hash recorded when
-- a v1 row was erased.
CREATE FUNCTION audit_log_row_hash(a audit_log) RETURNS BYTEA AS $$
    SELECT coalesce(
        (SELECT e.row_hash FROM audit_v1_erasures e WHERE e.audit_id = a.id),
        sha256(convert_to(audit_log_row_content(a), 'UTF8') || coalesce(a.prev_hash, ''::bytea)))
$$ LANGUAGE sql STABLE;

-- Salts for a new row's personal fields.
CREATE FUNCTION audit_salts_for(details JSONB) RETURNS JSONB AS $$
    SELECT jsonb_build_object(
        'actor_username', audit_log_new_salt(),
        'ip_address', audit_log_new_salt(),
        'user_agent', audit_log_new_salt(),
        'details', CASE WHEN jsonb_typeof(details) = 'object' THEN
            coalesce((SELECT jsonb_object_agg(k, audit_log_new_salt())
                      FROM jsonb_object_keys(details) k), '{}'::jsonb)
            ELSE to_jsonb(audit_log_new_salt()) END)
$$ LANGUAGE sql VOLATILE;

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger AS $$
DECLARE
    chain_id INTEGER := coalesce(NEW.company_id, 0);
    tail_seq BIGINT;
    tail_hash BYTEA;
    row_salts JSONB;
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
    row_salts := audit_salts_for(NEW.details);
    INSERT INTO audit_salts (audit_id, salts) VALUES (NEW.id, row_salts);
    NEW.row_hash := sha256(convert_to(audit_log_content(
        NEW.id, NEW.chain_seq, NEW.created_at, NEW.actor_user_id, NEW.actor_username,
        NEW.company_id, NEW.project_id, NEW.action, NEW.resource_type, NEW.resource_id,
        NEW.details, NEW.ip_address, NEW.user_agent, row_salts), 'UTF8')
        || coalesce(NEW.prev_hash, ''::bytea));
    UPDATE audit_chain_tails SET last_seq = NEW.chain_seq, last_hash = NEW.row_hash
    WHERE chain = chain_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;

REVOKE EXECUTE ON FUNCTION audit_log_chain() FROM PUBLIC;

-- Still append-only, but for an erasure: inside audit_log_erase, an UPDATE may change the
-- personal fields and nothing else.
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('hopper.audit_erasure', true) = 'on'
       AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
       AND NEW.company_id IS NOT DISTINCT FROM OLD.company_id
       AND NEW.project_id IS NOT DISTINCT FROM OLD.project_id
       AND NEW.action = OLD.action
       AND NEW.resource_type IS NOT DISTINCT FROM OLD.resource_type
       AND NEW.resource_id IS NOT DISTINCT FROM OLD.resource_id
       AND NEW.chain_seq IS NOT DISTINCT FROM OLD.chain_seq
       AND NEW.prev_hash IS NOT DISTINCT FROM OLD.prev_hash
       AND NEW.row_hash IS NOT DISTINCT FROM OLD.row_hash THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

-- Erases fields of one row: `fields` among actor_username, ip_address, user_agent;
-- `detail_keys` top-level keys of details. Returns 2 or 1 (the row's hash version), or 0
-- when the row is not there.
CREATE FUNCTION audit_log_erase(p_id BIGINT, fields TEXT[], detail_keys TEXT[])
RETURNS INTEGER AS $$
DECLARE
    r audit_log%ROWTYPE;
    s JSONB;
    new_details JSONB;
    k TEXT;
    f TEXT;
    v2 BOOLEAN;
BEGIN
    SELECT * INTO r FROM audit_log WHERE id = p_id;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    SELECT salts INTO s FROM audit_salts WHERE audit_id = p_id FOR UPDATE;
    v2 := FOUND;
    new_details := r.details;
    IF jsonb_typeof(r.details) = 'object' THEN
        FOREACH k IN ARRAY coalesce(detail_keys, '{}') LOOP
            CONTINUE WHEN NOT (r.details ? k);
            IF v2 THEN
                CONTINUE WHEN NOT (s -> 'details' ? k);
                new_details := jsonb_set(new_details, ARRAY[k], to_jsonb(
                    audit_log_erased_marker((r.details -> k)::text, s -> 'details' ->> k)));
                s := s #- ARRAY['details', k];
            ELSE
                new_details := jsonb_set(new_details, ARRAY[k], '"erased"'::jsonb);
            END IF;
        END LOOP;
    END IF;
    FOREACH f IN ARRAY coalesce(fields, '{}') LOOP
        IF f NOT IN ('actor_username', 'ip_address', 'user_agent') THEN
            RAISE EXCEPTION 'audit_log_erase: % is not a personal field', f;
        END IF;
    END LOOP;
    PERFORM set_config('hopper.audit_erasure', 'on', true);
    IF v2 THEN
        UPDATE audit_log SET
            actor_username = CASE WHEN 'actor_username' = ANY(fields) AND actor_username IS NOT NULL
                AND s ? 'actor_username'
                THEN audit_log_erased_marker(actor_username, s ->> 'actor_username')
                ELSE actor_username END,
            ip_address = CASE WHEN 'ip_address' = ANY(fields) AND ip_address IS NOT NULL
                AND s ? 'ip_address'
                THEN audit_log_erased_marker(ip_address, s ->> 'ip_address')
                ELSE ip_address END,
            user_agent = CASE WHEN 'user_agent' = ANY(fields) AND user_agent IS NOT NULL
                AND s ? 'user_agent'
                THEN audit_log_erased_marker(user_agent, s ->> 'user_agent')
                ELSE user_agent END,
            details = new_details
        WHERE id = p_id AND created_at = r.created_at;
        FOREACH f IN ARRAY coalesce(fields, '{}') LOOP
            IF f = 'actor_username' AND r.actor_username IS NOT NULL
               OR f = 'ip_address' AND r.ip_address IS NOT NULL
               OR f = 'user_agent' AND r.user_agent IS NOT NULL THEN
                s := s - f;
            END IF;
        END LOOP;
        UPDATE audit_salts SET salts = s WHERE audit_id = p_id;
    ELSE
        INSERT INTO audit_v1_erasures (audit_id, row_hash) VALUES (p_id, r.row_hash)
            ON CONFLICT (audit_id) DO NOTHING;
        UPDATE audit_log SET
            actor_username = CASE WHEN 'actor_username' = ANY(fields) AND actor_username IS NOT NULL
                THEN 'erased' ELSE actor_username END,
            ip_address = CASE WHEN 'ip_address' = ANY(fields) AND ip_address IS NOT NULL
                THEN 'erased' ELSE ip_address END,
            user_agent = CASE WHEN 'user_agent' = ANY(fields) AND user_agent IS NOT NULL
                THEN 'erased' ELSE user_agent END,
            details = new_details
        WHERE id = p_id AND created_at = r.created_at;
    END IF;
    PERFORM set_config('hopper.audit_erasure', 'off', true);
    RETURN CASE WHEN v2 THEN 2 ELSE 1 END;
END
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;

REVOKE EXECUTE ON FUNCTION audit_log_erase(BIGINT, TEXT[], TEXT[]) FROM PUBLIC;

-- Append-only audit trail, range-partitioned by month on created_at.
-- No foreign keys on purpose: an ON DELETE action would have to UPDATE or DELETE
-- audit rows, and the trail must outlive what it describes.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id INTEGER,
    actor_username VARCHAR(100),
    company_id INTEGER,
    project_id INTEGER,
    action VARCHAR(100) NOT NULL,
    resource_type VARCHAR(100),
    resource_id VARCHAR(100),
    details JSONB NOT NULL DEFAULT '{}'::jsonb,
    ip_address VARCHAR(64),
    user_agent VARCHAR(512),
    PRIMARY KEY (id, created_at),
    CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z][a-z0-9_.]*$')
) PARTITION BY RANGE (created_at);

CREATE INDEX idx_audit_log_created_at_id ON audit_log (created_at DESC, id DESC);
CREATE INDEX idx_audit_log_company_created ON audit_log (company_id, created_at DESC, id DESC);
CREATE INDEX idx_audit_log_action_created ON audit_log (action, created_at DESC);

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

-- Row triggers on a partitioned table are cloned onto every partition, present and future.
CREATE TRIGGER audit_log_refuse_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
-- Statement triggers are not cloned, so TRUNCATE is refused on each partition as well.
CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON audit_log_default
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Creates the monthly partitions from this month to `months_ahead` months ahead (UTC).
-- Called by migrations and at every start of `hopper serve`. A month whose rows already
-- sit in the default partition is left there (moving them would need a DELETE).
CREATE FUNCTION audit_log_ensure_partitions(months_ahead INTEGER) RETURNS INTEGER AS $$
DECLARE
    month_start TIMESTAMPTZ;
    month_end TIMESTAMPTZ;
    partition_name TEXT;
    created INTEGER := 0;
BEGIN
    FOR i IN 0..months_ahead LOOP
        month_start := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC';
        month_end := ((month_start AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
        partition_name := 'audit_log_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
        CONTINUE WHEN to_regclass(partition_name) IS NOT NULL;
        IF EXISTS (SELECT 1 FROM audit_log_default WHERE created_at >= month_start AND created_at < month_end) THEN
            RAISE WARNING 'audit_log: rows for % are in the default partition; partition % not created',
                to_char(month_start AT TIME ZONE 'UTC', 'YYYY-MM'), partition_name;
            CONTINUE;
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
            partition_name, month_start, month_end);
        EXECUTE format('CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()', partition_name);
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$ LANGUAGE plpgsql;

SELECT audit_log_ensure_partitions(3);

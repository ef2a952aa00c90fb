-- Requests run as an application role that owns nothing (see db/roles.rs). Creating next
-- months' audit_log partitions needs the owner's rights, so the function that does it runs
-- as its owner; the application role may call it, and only it.
ALTER FUNCTION audit_log_ensure_partitions(INTEGER) SECURITY DEFINER;
ALTER FUNCTION audit_log_ensure_partitions(INTEGER) SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION audit_log_ensure_partitions(INTEGER) FROM PUBLIC;

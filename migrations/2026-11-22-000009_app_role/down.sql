GRANT EXECUTE ON FUNCTION audit_log_ensure_partitions(INTEGER) TO PUBLIC;
ALTER FUNCTION audit_log_ensure_partitions(INTEGER) RESET search_path;
ALTER FUNCTION audit_log_ensure_partitions(INTEGER) SECURITY INVOKER;

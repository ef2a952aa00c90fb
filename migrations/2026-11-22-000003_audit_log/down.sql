DROP TABLE audit_log;
DROP FUNCTION audit_log_ensure_partitions(INTEGER);
DROP FUNCTION audit_log_refuse_change();

DROP TABLE audit_verifications;
DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_log_chain();
DROP FUNCTION audit_log_content_hash(BIGINT, BIGINT, TIMESTAMPTZ, INTEGER, TEXT, INTEGER, INTEGER, TEXT, TEXT, TEXT, JSONB, TEXT, TEXT, BYTEA);
DROP INDEX idx_audit_log_chain;
ALTER TABLE audit_log DROP COLUMN row_hash, DROP COLUMN prev_hash, DROP COLUMN chain_seq;

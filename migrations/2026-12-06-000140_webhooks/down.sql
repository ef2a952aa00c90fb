DELETE FROM notifications WHERE kind = 'webhook_disabled';
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest',
                    'upload_receipt', 'upload_invitation', 'virus_found'));
UPDATE api_tokens SET scopes = array_remove(scopes, 'admin') WHERE 'admin' = ANY (scopes);
DELETE FROM api_tokens WHERE cardinality(scopes) = 0;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['upload', 'read']::text[]);
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;

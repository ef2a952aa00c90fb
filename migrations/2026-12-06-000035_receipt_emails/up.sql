-- A sender through an upload link may have a batch's receipt emailed to the address they
-- gave (once per batch: the message's dedupe key is the batch).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest', 'upload_receipt'));

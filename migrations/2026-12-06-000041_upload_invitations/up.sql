-- An upload link sent by email from Hopper to the person who is to use it.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest',
                    'upload_receipt', 'upload_invitation'));

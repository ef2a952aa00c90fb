-- One review: an admin decides per request (`cycle_requests.status`); the per-file review
-- beside it disagreed with it and is gone. Decisions already taken on files stay in the
-- audit log (`file.reviewed`).
DROP INDEX idx_file_uploads_review_pending;
ALTER TABLE file_uploads
    DROP CONSTRAINT file_uploads_review_status_valid,
    DROP COLUMN review_status,
    DROP COLUMN review_reason,
    DROP COLUMN reviewed_by,
    DROP COLUMN reviewed_at;

ALTER TABLE file_uploads
    ADD COLUMN review_status VARCHAR(20),
    ADD COLUMN review_reason VARCHAR(500),
    ADD COLUMN reviewed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN reviewed_at TIMESTAMPTZ,
    ADD CONSTRAINT file_uploads_review_status_valid
        CHECK (review_status IS NULL OR review_status IN ('pending', 'accepted', 'rejected'));
CREATE INDEX idx_file_uploads_review_pending ON file_uploads (company_id, created_at)
    WHERE review_status = 'pending';

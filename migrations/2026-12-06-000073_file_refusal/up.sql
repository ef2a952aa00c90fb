-- A failed file keeps the refusal behind its message (code and fields), so a sender's
-- receipt can say it in the sender's language; error_message stays the English sentence.
ALTER TABLE file_uploads
    ADD COLUMN refusal JSONB,
    ADD CONSTRAINT file_uploads_refusal_is_an_object
        CHECK (refusal IS NULL OR jsonb_typeof(refusal) = 'object');

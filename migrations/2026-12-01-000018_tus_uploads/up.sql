-- Resumable uploads (tus 1.0). One row per upload: its file row (uploading until the
-- last byte), the S3 multipart upload its parts land in, and what has safely landed:
-- `landed` bytes in whole parts (their ETags in `parts`) with the SHA-256 state after
-- them, plus `tail_size` bytes kept in a staging object until they fill a part. Any node
-- continues from here; nothing is recomputed by reading the object back.
CREATE TABLE tus_uploads (
    id UUID PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cycle_id INTEGER NOT NULL REFERENCES cycles (id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES sync_sessions (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES file_uploads (id) ON DELETE CASCADE,
    -- Who created it: a user, a token, both or neither (a machine token has no user).
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    api_token_id INTEGER REFERENCES api_tokens (id) ON DELETE SET NULL,
    upload_length BIGINT NOT NULL,
    landed BIGINT NOT NULL DEFAULT 0,
    parts JSONB NOT NULL DEFAULT '[]',
    hash_state BYTEA NOT NULL,
    tail_size BIGINT NOT NULL DEFAULT 0,
    -- The content type sniffed from the first part.
    content_type VARCHAR(100),
    -- The checksum the client announced (checked against the bytes at the end).
    client_sha256 VARCHAR(64),
    metadata JSONB NOT NULL DEFAULT '{}',
    expires_at TIMESTAMPTZ NOT NULL,
    -- The PATCH writing it now, and when it last said so (a dead writer's claim lapses).
    writer UUID,
    writer_seen_at TIMESTAMPTZ,
    -- completed, skipped, failed or terminated; NULL while bytes may still come.
    outcome VARCHAR(20),
    -- The upload made its own batch (none was named): it ends that batch with it.
    finishes_session BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tus_uploads_length_range CHECK (upload_length >= 0),
    CONSTRAINT tus_uploads_offsets CHECK (landed >= 0 AND tail_size >= 0
        AND landed + tail_size <= upload_length),
    CONSTRAINT tus_uploads_outcome_check
        CHECK (outcome IS NULL OR outcome IN ('completed', 'skipped', 'failed', 'terminated'))
);
CREATE INDEX idx_tus_uploads_company ON tus_uploads (company_id, created_at);
CREATE UNIQUE INDEX tus_uploads_file ON tus_uploads (file_id);
-- The reaper's pass over abandoned uploads.
CREATE INDEX tus_uploads_open_expiry ON tus_uploads (expires_at) WHERE outcome IS NULL;
CREATE TRIGGER tus_uploads_set_updated_at BEFORE UPDATE ON tus_uploads
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

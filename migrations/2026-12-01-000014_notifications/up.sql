-- Notifications: written in the transaction of the change that causes them (a rejected
-- request, a finished batch, a due date coming up), sent afterwards by a background
-- sender over SMTP, or kept here and in <data-dir>/outbox when no SMTP server is set.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    company_id INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient VARCHAR(255) NOT NULL,
    kind VARCHAR(30) NOT NULL,
    subject VARCHAR(300) NOT NULL,
    body TEXT NOT NULL,
    -- One message per reminder step: a pass that runs again adds nothing.
    dedupe_key VARCHAR(200) UNIQUE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    -- A sender's lease: another node leaves the message alone while it is recent.
    claimed_at TIMESTAMPTZ,
    last_error VARCHAR(500),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at TIMESTAMPTZ,
    CONSTRAINT notifications_kind_check
        CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest')),
    CONSTRAINT notifications_status_check
        CHECK (status IN ('pending', 'sent', 'stored', 'failed'))
);
CREATE INDEX notifications_pending ON notifications (created_at) WHERE status = 'pending';
CREATE INDEX notifications_company ON notifications (company_id, created_at DESC);

-- Each person decides which kinds they receive.
ALTER TABLE user_profiles ADD COLUMN notify_rejections BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE user_profiles ADD COLUMN notify_reminders BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE user_profiles ADD COLUMN notify_digests BOOLEAN NOT NULL DEFAULT true;

-- A project's reminder schedule: days before the due date, then every N days overdue.
ALTER TABLE projects ADD COLUMN reminder_days INTEGER[] NOT NULL DEFAULT '{7,3,1}';
ALTER TABLE projects ADD COLUMN overdue_every_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE projects ADD CONSTRAINT projects_overdue_every_days_range
    CHECK (overdue_every_days BETWEEN 1 AND 60);

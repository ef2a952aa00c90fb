-- Questions beside documents (issue 31): a request asks for a file (as before) or for text,
-- a number, a date, yes/no, or one of given choices. The template (`document_requests`)
-- holds the kind and the choices, each new cycle copies them; a cycle's request holds the
-- current answer and who gave it. An answer moves the request's status like a file does
-- (missing → submitted → accepted | rejected), so completeness, the kept counts and every
-- dashboard count questions with no change of their own.
ALTER TABLE document_requests
    ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'file',
    ADD COLUMN choices TEXT[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT document_requests_kind_check
        CHECK (kind IN ('file', 'text', 'number', 'date', 'yes_no', 'choice')),
    ADD CONSTRAINT document_requests_choices_fit
        CHECK ((kind = 'choice') = (cardinality(choices) >= 2) AND cardinality(choices) <= 50);

ALTER TABLE cycle_requests
    ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'file',
    ADD COLUMN choices TEXT[] NOT NULL DEFAULT '{}',
    -- The answer as text in its canonical form: a number as typed without grouping, a date
    -- as YYYY-MM-DD, yes/no as `yes` or `no`, a choice as the choice's text; `erased` once
    -- the person who gave it was erased.
    ADD COLUMN answer TEXT,
    ADD COLUMN answered_at TIMESTAMPTZ,
    -- Who answered: a member (or a personal token's owner), or an upload link's visitor.
    ADD COLUMN answered_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN answer_visit_id INTEGER REFERENCES upload_link_visits (id) ON DELETE SET NULL,
    ADD CONSTRAINT cycle_requests_kind_check
        CHECK (kind IN ('file', 'text', 'number', 'date', 'yes_no', 'choice')),
    ADD CONSTRAINT cycle_requests_choices_fit
        CHECK ((kind = 'choice') = (cardinality(choices) >= 2) AND cardinality(choices) <= 50),
    ADD CONSTRAINT cycle_requests_answer_fits
        CHECK (answer IS NULL OR (kind <> 'file' AND length(answer) <= 5000));

-- `request.answered` is a webhook event.
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check CHECK (
    cardinality(events) > 0 AND events <@ ARRAY['file.stored', 'file.refused', 'file.quarantined',
        'request.submitted', 'request.accepted', 'request.rejected', 'request.answered',
        'cycle.completed', 'cycle.overdue', 'upload_link.used']::text[]);
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_type_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_type_check CHECK (event_type IN (
    'file.stored', 'file.refused', 'file.quarantined', 'request.submitted',
    'request.accepted', 'request.rejected', 'request.answered', 'cycle.completed',
    'cycle.overdue', 'upload_link.used'));

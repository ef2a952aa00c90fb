DELETE FROM webhook_events WHERE event_type = 'request.answered';
UPDATE webhook_endpoints SET events = array_remove(events, 'request.answered');
DELETE FROM webhook_endpoints WHERE cardinality(events) = 0;
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_type_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_type_check CHECK (event_type IN (
    'file.stored', 'file.refused', 'file.quarantined', 'request.submitted',
    'request.accepted', 'request.rejected', 'cycle.completed', 'cycle.overdue',
    'upload_link.used'));
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check CHECK (
    cardinality(events) > 0 AND events <@ ARRAY['file.stored', 'file.refused', 'file.quarantined',
        'request.submitted', 'request.accepted', 'request.rejected', 'cycle.completed',
        'cycle.overdue', 'upload_link.used']::text[]);
ALTER TABLE cycle_requests
    DROP COLUMN answer_visit_id, DROP COLUMN answered_by, DROP COLUMN answered_at,
    DROP COLUMN answer, DROP COLUMN choices, DROP COLUMN kind;
ALTER TABLE document_requests DROP COLUMN choices, DROP COLUMN kind;

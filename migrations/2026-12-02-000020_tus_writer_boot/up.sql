-- Which node (and which run of it) holds a tus upload's writer claim: a node restarted
-- after a crash takes over its earlier run's claims at once instead of answering 423
-- for a minute while the dead claim lapses.
ALTER TABLE tus_uploads
    ADD COLUMN writer_node VARCHAR(100),
    ADD COLUMN writer_boot UUID;

ALTER TABLE tus_uploads DROP COLUMN writer_boot, DROP COLUMN writer_node;

ALTER TABLE storage_locations DROP CONSTRAINT storage_locations_object_lock;
ALTER TABLE storage_locations DROP COLUMN object_lock_days;
ALTER TABLE storage_locations DROP COLUMN object_lock_mode;

-- S3 Object Lock: a location may declare that every object Hopper writes there is locked
-- (governance or compliance mode) for this many days from its write. Both or neither.
ALTER TABLE storage_locations ADD COLUMN object_lock_mode VARCHAR(20);
ALTER TABLE storage_locations ADD COLUMN object_lock_days INTEGER;
ALTER TABLE storage_locations ADD CONSTRAINT storage_locations_object_lock
    CHECK ((object_lock_mode IS NULL) = (object_lock_days IS NULL)
       AND (object_lock_mode IS NULL OR object_lock_mode IN ('governance', 'compliance'))
       AND (object_lock_days IS NULL OR object_lock_days BETWEEN 1 AND 36500));

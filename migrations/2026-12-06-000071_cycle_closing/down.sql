ALTER TABLE cycles DROP COLUMN closed_at;

ALTER TABLE upload_links DROP COLUMN language;
ALTER TABLE companies DROP COLUMN default_language;

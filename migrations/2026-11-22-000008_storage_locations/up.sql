-- Storage belongs to the operator. A storage location is a bucket (with its region and,
-- for installations with several S3 services, an endpoint) assigned to exactly one
-- company, with a key root under which every object of that company in that bucket lies.
-- Company admins pick a project's location from their company's list; they never type a
-- bucket or a root. Credentials stay in the node's environment, never here.
CREATE TABLE storage_locations (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE RESTRICT,
    label VARCHAR(100) NOT NULL,
    bucket_name VARCHAR(63) NOT NULL,
    aws_region VARCHAR(50) NOT NULL,
    endpoint_url VARCHAR(500),
    force_path_style BOOLEAN NOT NULL DEFAULT false,
    key_root VARCHAR(63) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (company_id, label),
    -- One path segment: two roots in a bucket can only overlap by being equal.
    CONSTRAINT storage_locations_root_one_segment CHECK (key_root ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    CONSTRAINT storage_locations_bucket_format CHECK (bucket_name ~ '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$'),
    CONSTRAINT storage_locations_endpoint_http CHECK (endpoint_url IS NULL OR endpoint_url ~ '^https?://[^[:space:]]+$')
);
CREATE INDEX idx_storage_locations_company ON storage_locations (company_id);
-- Roots never overlap in one bucket of one S3 service, whichever companies own them.
CREATE UNIQUE INDEX storage_locations_root_unique_in_bucket
    ON storage_locations (coalesce(endpoint_url, ''), bucket_name, key_root);
CREATE TRIGGER storage_locations_set_updated_at BEFORE UPDATE ON storage_locations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Today's projects keep working: each (company, bucket) gets a location whose root is the
-- company code in lower case. Existing objects keep their keys (they were written before
-- roots existed); files record the location their bytes went to, so nothing moves.
INSERT INTO storage_locations (company_id, label, bucket_name, aws_region, key_root)
SELECT DISTINCT ON (p.company_id, p.bucket_name)
       p.company_id, left(p.bucket_name, 100), p.bucket_name, p.aws_region, lower(c.company_code)
FROM projects p
JOIN companies c ON c.id = p.company_id
ORDER BY p.company_id, p.bucket_name, p.id;

ALTER TABLE projects ADD COLUMN storage_location_id INTEGER REFERENCES storage_locations (id);
UPDATE projects p SET storage_location_id = l.id
FROM storage_locations l
WHERE l.company_id = p.company_id AND l.bucket_name = p.bucket_name;
ALTER TABLE projects ALTER COLUMN storage_location_id SET NOT NULL;
CREATE INDEX idx_projects_storage_location ON projects (storage_location_id);

-- Each file remembers where its bytes are: downloads, review, deletes and the reaper use
-- this, never the project's current setting.
ALTER TABLE file_uploads ADD COLUMN storage_location_id INTEGER REFERENCES storage_locations (id);
UPDATE file_uploads f SET storage_location_id = p.storage_location_id
FROM sync_sessions s JOIN projects p ON p.id = s.project_id
WHERE s.id = f.session_id;
ALTER TABLE file_uploads ALTER COLUMN storage_location_id SET NOT NULL;
CREATE INDEX idx_file_uploads_storage_location ON file_uploads (storage_location_id);

-- Rows written by hand (an operator's SQL, an import) need not name the location: a
-- project takes its company's location for the bucket it names, a file its project's
-- current location. Hopper itself always names both.
CREATE FUNCTION projects_default_location() RETURNS trigger AS $$
BEGIN
    IF NEW.storage_location_id IS NULL THEN
        SELECT id INTO NEW.storage_location_id FROM storage_locations
        WHERE company_id = NEW.company_id AND bucket_name = NEW.bucket_name
        ORDER BY id LIMIT 1;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER projects_default_location BEFORE INSERT ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_default_location();

CREATE FUNCTION file_uploads_default_location() RETURNS trigger AS $$
BEGIN
    IF NEW.storage_location_id IS NULL THEN
        SELECT p.storage_location_id INTO NEW.storage_location_id
        FROM sync_sessions s JOIN projects p ON p.id = s.project_id
        WHERE s.id = NEW.session_id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER file_uploads_default_location BEFORE INSERT ON file_uploads
    FOR EACH ROW EXECUTE FUNCTION file_uploads_default_location();

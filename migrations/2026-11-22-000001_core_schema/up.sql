-- The core uploader schema, column for column as in shared/seeds/000 (TIMESTAMP -> timestamptz),
-- plus what DESIGN.md adds: company_id on file_uploads, deleted_at for soft delete,
-- updated_at maintained by trigger, CHECK constraints on statuses, sizes and codes.

CREATE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TABLE companies (
    id SERIAL PRIMARY KEY,
    company_name VARCHAR(255) NOT NULL UNIQUE,
    company_code VARCHAR(50) NOT NULL UNIQUE,
    contact_email VARCHAR(255),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT companies_company_name_not_blank CHECK (btrim(company_name) <> ''),
    CONSTRAINT companies_company_code_format CHECK (company_code ~ '^[A-Z0-9][A-Z0-9_-]*$'),
    CONSTRAINT companies_contact_email_format CHECK (contact_email IS NULL OR contact_email LIKE '%_@_%')
);
CREATE INDEX idx_companies_company_code ON companies (company_code);
CREATE INDEX idx_companies_is_active ON companies (is_active);
CREATE TRIGGER companies_set_updated_at BEFORE UPDATE ON companies
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    username VARCHAR(100) NOT NULL UNIQUE,
    email VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    full_name VARCHAR(255),
    role VARCHAR(50) NOT NULL DEFAULT 'user',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    last_login TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_role_valid CHECK (role IN ('superadmin', 'admin', 'user', 'viewer')),
    CONSTRAINT users_username_format CHECK (username ~ '^[A-Za-z0-9._@-]+$'),
    CONSTRAINT users_email_format CHECK (email LIKE '%_@_%')
);
CREATE INDEX idx_users_company_id ON users (company_id);
CREATE INDEX idx_users_username ON users (username);
CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_is_active ON users (is_active);
CREATE INDEX idx_users_role ON users (role);
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE projects (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    project_name VARCHAR(255) NOT NULL UNIQUE,
    bucket_name VARCHAR(255) NOT NULL,
    aws_region VARCHAR(50) NOT NULL,
    description TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ,
    CONSTRAINT projects_project_name_not_blank CHECK (btrim(project_name) <> ''),
    CONSTRAINT projects_bucket_name_length CHECK (char_length(bucket_name) BETWEEN 3 AND 63),
    CONSTRAINT projects_aws_region_not_blank CHECK (btrim(aws_region) <> '')
);
CREATE INDEX idx_projects_company_id ON projects (company_id);
CREATE INDEX idx_projects_is_active ON projects (is_active);
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE cycles (
    id SERIAL PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cycle_name VARCHAR(50) NOT NULL,
    cycle_number INTEGER NOT NULL,
    s3_prefix VARCHAR(100) NOT NULL,
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    description TEXT,
    metadata JSONB,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (project_id, cycle_name),
    UNIQUE (project_id, cycle_number),
    CONSTRAINT cycles_status_valid CHECK (status IN ('pending', 'in_progress', 'completed', 'incomplete')),
    CONSTRAINT cycles_cycle_number_positive CHECK (cycle_number > 0)
);
CREATE INDEX idx_cycles_project_id ON cycles (project_id);
CREATE INDEX idx_cycles_status ON cycles (status);
CREATE INDEX idx_cycles_cycle_number ON cycles (cycle_number);
CREATE TRIGGER cycles_set_updated_at BEFORE UPDATE ON cycles
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sync_sessions (
    id SERIAL PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cycle_id INTEGER REFERENCES cycles (id) ON DELETE SET NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    s3_prefix VARCHAR(100),
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    total_files INTEGER DEFAULT 0,
    files_uploaded INTEGER DEFAULT 0,
    files_failed INTEGER DEFAULT 0,
    files_skipped INTEGER DEFAULT 0,
    total_size_bytes BIGINT DEFAULT 0,
    uploaded_size_bytes BIGINT DEFAULT 0,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    error_message VARCHAR(500),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sync_sessions_status_valid CHECK (status IN ('pending', 'in_progress', 'completed', 'failed')),
    CONSTRAINT sync_sessions_counters_non_negative CHECK (
        total_files >= 0 AND files_uploaded >= 0 AND files_failed >= 0 AND files_skipped >= 0
        AND total_size_bytes >= 0 AND uploaded_size_bytes >= 0
    )
);
CREATE INDEX idx_sync_sessions_project_id ON sync_sessions (project_id);
CREATE INDEX idx_sync_sessions_cycle_id ON sync_sessions (cycle_id);
CREATE INDEX idx_sync_sessions_user_id ON sync_sessions (user_id);
CREATE INDEX idx_sync_sessions_status ON sync_sessions (status);
CREATE INDEX idx_sync_sessions_created_at ON sync_sessions (created_at);

CREATE TABLE file_uploads (
    id SERIAL PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sync_sessions (id) ON DELETE CASCADE,
    file_path VARCHAR(1024) NOT NULL,
    s3_key VARCHAR(1024) NOT NULL,
    file_size BIGINT,
    checksum VARCHAR(64),
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    error_message VARCHAR(500),
    uploaded_at TIMESTAMPTZ,
    is_duplicate BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Hopper's additions: the tenant on every row (scoping and a future distribution key)
    -- and soft delete.
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    deleted_at TIMESTAMPTZ,
    CONSTRAINT file_uploads_status_valid CHECK (status IN ('pending', 'uploading', 'completed', 'failed', 'skipped')),
    CONSTRAINT file_uploads_file_size_non_negative CHECK (file_size >= 0),
    CONSTRAINT file_uploads_checksum_hex CHECK (checksum ~ '^([0-9a-f]{32}|[0-9a-f]{64})$')
);
CREATE INDEX idx_file_uploads_session_id ON file_uploads (session_id);
CREATE INDEX idx_file_uploads_s3_key ON file_uploads (s3_key);
CREATE INDEX idx_file_uploads_status ON file_uploads (status);
CREATE INDEX idx_file_uploads_created_at ON file_uploads (created_at);
CREATE INDEX idx_file_uploads_company_id ON file_uploads (company_id);

CREATE VIEW v_project_summary AS
SELECT
    p.id AS project_id,
    p.project_name,
    p.bucket_name,
    p.aws_region,
    p.description,
    p.is_active,
    c.id AS company_id,
    c.company_name,
    c.company_code,
    COUNT(DISTINCT cy.id) AS total_cycles,
    COUNT(DISTINCT ss.id) AS total_sessions,
    p.created_at,
    p.updated_at
FROM projects p
JOIN companies c ON p.company_id = c.id
LEFT JOIN cycles cy ON p.id = cy.project_id
LEFT JOIN sync_sessions ss ON p.id = ss.project_id
GROUP BY p.id, c.id;

CREATE VIEW v_cycle_summary AS
SELECT
    cy.id AS cycle_id,
    cy.cycle_name,
    cy.cycle_number,
    cy.status,
    cy.project_id,
    p.project_name,
    p.bucket_name,
    COUNT(DISTINCT ss.id) AS total_sessions,
    SUM(COALESCE(ss.total_files, 0)) AS total_files,
    SUM(COALESCE(ss.files_uploaded, 0)) AS files_uploaded,
    SUM(COALESCE(ss.files_failed, 0)) AS files_failed,
    SUM(COALESCE(ss.total_size_bytes, 0)) AS total_size_bytes,
    cy.started_at,
    cy.completed_at
FROM cycles cy
JOIN projects p ON cy.project_id = p.id
LEFT JOIN sync_sessions ss ON cy.id = ss.cycle_id
GROUP BY cy.id, p.id;

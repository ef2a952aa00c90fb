DROP INDEX idx_audit_log_project_created;
DROP TABLE company_links;
ALTER TABLE projects DROP COLUMN review_uploads;
ALTER TABLE projects DROP CONSTRAINT projects_company_id_project_name_key;
ALTER TABLE projects ADD CONSTRAINT projects_project_name_key UNIQUE (project_name);

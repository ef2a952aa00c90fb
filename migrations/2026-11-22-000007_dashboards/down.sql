DROP TABLE share_links;
DROP INDEX idx_sync_sessions_cycle_started;
DROP INDEX idx_sync_sessions_project_started;
DROP INDEX idx_audit_log_company_action_created;
DROP INDEX idx_audit_log_actor_created;
DROP INDEX idx_projects_name_id;

DROP INDEX sync_sessions_project_last;
DROP INDEX sync_sessions_open_by_project;
DROP TRIGGER project_session_figures_delete ON sync_sessions;
DROP TRIGGER project_session_figures_update ON sync_sessions;
DROP TRIGGER project_session_figures_insert ON sync_sessions;
DROP FUNCTION project_session_figures_follow();
DROP FUNCTION project_session_figures_add(sync_sessions, INTEGER);
DROP TABLE project_session_figures;

DROP TABLE project_tags;
DROP TABLE tags;
DROP TABLE project_access;
DROP TABLE user_profiles;
DROP TABLE auth_sessions;

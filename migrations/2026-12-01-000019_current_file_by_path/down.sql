DROP INDEX file_uploads_current_path;

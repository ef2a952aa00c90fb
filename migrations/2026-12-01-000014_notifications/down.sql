ALTER TABLE projects DROP CONSTRAINT projects_overdue_every_days_range;
ALTER TABLE projects DROP COLUMN overdue_every_days;
ALTER TABLE projects DROP COLUMN reminder_days;
ALTER TABLE user_profiles DROP COLUMN notify_digests;
ALTER TABLE user_profiles DROP COLUMN notify_reminders;
ALTER TABLE user_profiles DROP COLUMN notify_rejections;
DROP TABLE notifications;

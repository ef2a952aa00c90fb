DROP TABLE tus_uploads;

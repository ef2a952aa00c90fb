DROP INDEX cycle_requests_open_own_due;
DROP INDEX cycles_open_by_project;

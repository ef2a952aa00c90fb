-- What is missing (and the home page, and the automation API's /missing) reads the open
-- cycles first, in the list's order, then each one's open requests until the page is
-- full (services/missing.rs): ordering every open request first cost the operator 40 ms
-- a page at ten million files. The open cycles are each project's newest few; the index
-- carries what the list shows of them.
CREATE INDEX cycles_open_by_project ON cycles (project_id)
    INCLUDE (id, due_at, cycle_number, cycle_name)
    WHERE status <> 'completed';

-- Requests with a due date of their own are ordered by it: the few open ones, by date.
CREATE INDEX cycle_requests_open_own_due ON cycle_requests (due_at)
    WHERE status IN ('missing', 'submitted', 'rejected') AND due_at IS NOT NULL;

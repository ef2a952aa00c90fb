-- Closing a cycle is an admin's act of its own, apart from its status: `completed` keeps
-- meaning "everything required is in" (optional items still come), and a cycle takes no
-- more uploads only once an admin closes it. The seed's statuses stay as they are.
ALTER TABLE cycles ADD COLUMN closed_at TIMESTAMPTZ;

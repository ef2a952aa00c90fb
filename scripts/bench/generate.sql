-- Dashboard benchmark data: 100 companies, 2,000 projects, 20,000 cycles, 200,000 sessions,
-- 1,000,000 file rows, 5,000,000 audit rows, 200,000 document requests. Every admin's password is the seed's
-- `admin123` (copied hash), with no forced change.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO companies (company_name, company_code, contact_email)
SELECT 'Bench Company ' || c, 'BENCH' || c, 'office' || c || '@bench.test'
FROM generate_series(1, 100) AS c;

INSERT INTO users (company_id, username, email, password_hash, full_name, role)
SELECT co.id, 'bench.admin' || c, 'admin' || c || '@bench.test',
       (SELECT password_hash FROM users WHERE username = 'admin'), 'Bench Admin ' || c, 'admin'
FROM generate_series(1, 100) AS c JOIN companies co ON co.company_code = 'BENCH' || c;
INSERT INTO users (company_id, username, email, password_hash, full_name, role)
SELECT id, 'bench.operator', 'operator@bench.test',
       (SELECT password_hash FROM users WHERE username = 'admin'), 'Bench Operator', 'superadmin'
FROM companies WHERE company_code = 'DEFAULT';

-- One storage location per bench bucket (projects find theirs by bucket).
INSERT INTO storage_locations (company_id, label, bucket_name, aws_region, key_root)
SELECT co.id, 'bench-' || lower(co.company_code) || '-' || p,
       'bench-' || lower(co.company_code) || '-' || p, 'eu-central-1', lower(co.company_code)
FROM companies co CROSS JOIN generate_series(1, 20) AS p
WHERE co.company_code LIKE 'BENCH%';

INSERT INTO projects (company_id, project_name, bucket_name, aws_region, created_at)
SELECT co.id, 'Project ' || lpad(p::text, 2, '0') || ' of ' || co.company_code,
       'bench-' || lower(co.company_code) || '-' || p, 'eu-central-1',
       now() - ((co.id * 20 + p) || ' minutes')::interval
FROM companies co CROSS JOIN generate_series(1, 20) AS p
WHERE co.company_code LIKE 'BENCH%';

INSERT INTO cycles (project_id, cycle_name, cycle_number, s3_prefix, status, started_at)
SELECT pr.id, 'C' || n, n, 'p' || pr.id || '/C' || n,
       CASE WHEN n < 10 THEN 'completed' ELSE 'in_progress' END, now() - ((10 - n) * 6 || ' days')::interval
FROM projects pr CROSS JOIN generate_series(1, 10) AS n
WHERE pr.bucket_name LIKE 'bench-%';

INSERT INTO sync_sessions (project_id, cycle_id, user_id, s3_prefix, status, total_files,
    files_uploaded, files_failed, files_skipped, total_size_bytes, uploaded_size_bytes,
    started_at, completed_at)
SELECT cy.project_id, cy.id, NULL, cy.s3_prefix, 'completed', 5, 4, (s % 2), 1 - (s % 2),
       5 * 1048576, 4 * 1048576,
       now() - ((s * 137 + cy.id) % 60 || ' days')::interval,
       now() - ((s * 137 + cy.id) % 60 || ' days')::interval + interval '3 minutes'
FROM cycles cy CROSS JOIN generate_series(1, 10) AS s
JOIN projects pr ON pr.id = cy.project_id
WHERE pr.bucket_name LIKE 'bench-%';

INSERT INTO file_uploads (session_id, company_id, cycle_id, file_path, s3_key, file_size,
    checksum, status, uploaded_at, is_duplicate)
SELECT ss.id, pr.company_id, ss.cycle_id, 'folder/file' || f || '.pdf',
       ss.s3_prefix || '/s' || ss.id || '/folder/file' || f || '.pdf', 1048576,
       md5(ss.id::text || '-' || f) || md5(f::text || '-' || ss.id),
       CASE WHEN f <= 4 THEN 'completed' WHEN ss.id % 2 = 1 THEN 'failed' ELSE 'skipped' END,
       ss.completed_at, f = 5 AND ss.id % 2 = 0
FROM sync_sessions ss JOIN projects pr ON pr.id = ss.project_id
CROSS JOIN generate_series(1, 5) AS f
WHERE pr.bucket_name LIKE 'bench-%';

-- Synthetic history goes in unchained, like rows written before the audit chain
-- (migration 10): chaining 5,000,000 rows one by one would take most of an hour here.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain;
INSERT INTO audit_log (created_at, actor_user_id, actor_username, company_id, project_id,
    action, resource_type, resource_id, details, ip_address)
SELECT now() - (a * interval '1.5 seconds'),
       NULL, 'bench.admin' || (a % 100 + 1), co.id,
       (SELECT min(id) FROM projects WHERE company_id = co.id) + (a % 20),
       (ARRAY['file.uploaded', 'project.updated', 'auth.sign_in', 'file.downloaded'])[a % 4 + 1],
       'file', (a % 1000000)::text, jsonb_build_object('n', a), '10.0.0.' || (a % 250)
FROM generate_series(1, 5000000) AS a
JOIN companies co ON co.company_code = 'BENCH' || (a % 100 + 1);
ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain;
-- Document requests: 10 per cycle (200,000), half the cycles due in the past. Older
-- cycles are settled; the newest are in every state, some overdue.
UPDATE cycles cy SET due_at = cy.started_at + interval '30 days'
  FROM projects pr WHERE pr.id = cy.project_id AND pr.bucket_name LIKE 'bench-%';
INSERT INTO cycle_requests (company_id, cycle_id, name, required, pattern, status, position, due_at)
SELECT pr.company_id, cy.id, 'Document ' || r, r <= 8, '*doc' || r || '*',
       CASE WHEN cy.status = 'completed' THEN (ARRAY['accepted', 'not_applicable'])[r % 2 + 1]
            ELSE (ARRAY['missing', 'submitted', 'accepted', 'rejected', 'accepted'])[(cy.id + r) % 5 + 1] END,
       r, NULL
FROM cycles cy JOIN projects pr ON pr.id = cy.project_id
CROSS JOIN generate_series(1, 10) AS r
WHERE pr.bucket_name LIKE 'bench-%';
COMMIT;
VACUUM ANALYZE;

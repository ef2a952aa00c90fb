-- Dashboard benchmark data, in sizes that grow with `scale` (psql -v scale=N, default 1):
--   `companies` (default 100) companies of 20 projects, each project 10 × scale cycles of
--   10 document requests and 10 sync sessions of 5 file rows, and 20,000 × scale audit
--   rows per company; at scale 10: 2,000 projects, 200,000 cycles, 2,000,000 requests,
--   2,000,000 sessions, 10,000,000 file rows and 20,000,000 audit rows;
-- plus `small_companies` (default 1,000) companies of one project, 2 cycles, 8 requests,
-- 10 file rows and 20 audit rows each.
-- The first company's history is one audit chain of `chained` rows (default 100,000 ×
-- scale: 1,000,000 at scale 10), hashed and linked exactly as the chain trigger does, for
-- `hopper audit verify`; the other companies' history is unchained, like rows written
-- before the chain (migration 10). Every admin's password is the seed's `admin123`
-- (copied hash), with no forced change.
--
-- Bulk loading: the secondary indexes of file_uploads and audit_log are dropped before
-- their rows go in and built again after (sorting once is far cheaper than 30,000,000
-- random index insertions); the audit trail's past months get the monthly partitions a
-- year of running would have made.
\set ON_ERROR_STOP on
\if :{?scale}
\else
\set scale 1
\endif
\if :{?companies}
\else
\set companies 100
\endif
\if :{?small_companies}
\else
\set small_companies 1000
\endif
\if :{?chained}
\else
SELECT :scale * 100000 AS chained \gset
\endif
SET maintenance_work_mem = '1GB';
SET synchronous_commit = off;
\timing on

BEGIN;
INSERT INTO companies (company_name, company_code, contact_email)
SELECT 'Bench Company ' || c, 'BENCH' || c, 'office' || c || '@bench.test'
FROM generate_series(1, :companies) AS c
UNION ALL
SELECT 'Small Firm ' || c, 'SMALL' || c, 'office' || c || '@small.test'
FROM generate_series(1, :small_companies) AS c;

INSERT INTO users (company_id, username, email, password_hash, full_name, role)
SELECT co.id, lower(replace(co.company_code, 'BENCH', 'bench.admin')), lower(co.company_code) || '@bench.test',
       (SELECT password_hash FROM users WHERE username = 'admin'), 'Admin of ' || co.company_name, 'admin'
FROM companies co WHERE co.company_code ~ '^(BENCH|SMALL)[0-9]+$';
INSERT INTO users (company_id, username, email, password_hash, full_name, role)
SELECT id, 'bench.operator', 'operator@bench.test',
       (SELECT password_hash FROM users WHERE username = 'admin'), 'Bench Operator', 'superadmin'
FROM companies WHERE company_code = 'DEFAULT';

-- One storage location per bench bucket (projects find theirs by bucket).
CREATE TEMP TABLE bench_projects AS
SELECT co.id AS company_id, co.company_code, p,
       'bench-' || lower(co.company_code) || '-' || p AS bucket,
       CASE WHEN co.company_code LIKE 'BENCH%' THEN 10 * :scale ELSE 2 END AS cycle_count
FROM companies co
CROSS JOIN LATERAL generate_series(1, CASE WHEN co.company_code LIKE 'BENCH%' THEN 20 ELSE 1 END) AS p
WHERE co.company_code ~ '^(BENCH|SMALL)[0-9]+$';

INSERT INTO storage_locations (company_id, label, bucket_name, aws_region, key_root)
SELECT company_id, bucket, bucket, 'eu-central-1', lower(company_code) FROM bench_projects;

INSERT INTO projects (company_id, project_name, bucket_name, aws_region, created_at)
SELECT company_id, 'Project ' || lpad(p::text, 2, '0') || ' of ' || company_code, bucket,
       'eu-central-1', now() - ((company_id * 20 + p) || ' minutes')::interval
FROM bench_projects;

-- Older cycles are completed, the newest in progress; each lasted 6 days, due in 30.
INSERT INTO cycles (project_id, cycle_name, cycle_number, s3_prefix, status, started_at, due_at)
SELECT pr.id, 'C' || n, n, 'p' || pr.id || '/C' || n,
       CASE WHEN n < bp.cycle_count THEN 'completed' ELSE 'in_progress' END,
       now() - ((bp.cycle_count - n) * 6 || ' days')::interval,
       now() - ((bp.cycle_count - n) * 6 || ' days')::interval + interval '30 days'
FROM projects pr JOIN bench_projects bp ON bp.bucket = pr.bucket_name AND bp.company_id = pr.company_id
CROSS JOIN LATERAL generate_series(1, bp.cycle_count) AS n;

INSERT INTO sync_sessions (project_id, cycle_id, user_id, s3_prefix, status, total_files,
    files_uploaded, files_failed, files_skipped, total_size_bytes, uploaded_size_bytes,
    started_at, completed_at)
SELECT cy.project_id, cy.id, NULL, cy.s3_prefix, 'completed', 5, 4, (s % 2), 1 - (s % 2),
       5 * 1048576, 4 * 1048576,
       now() - ((s * 137 + cy.id) % 60 || ' days')::interval,
       now() - ((s * 137 + cy.id) % 60 || ' days')::interval + interval '3 minutes'
FROM cycles cy JOIN projects pr ON pr.id = cy.project_id
CROSS JOIN LATERAL generate_series(1, CASE WHEN pr.bucket_name LIKE 'bench-bench%' THEN 10 ELSE 1 END) AS s
WHERE pr.bucket_name LIKE 'bench-%';

-- Document requests: 10 per cycle of a bench company, 4 of a small one. Older cycles are
-- settled; the newest are in every state, some overdue.
INSERT INTO cycle_requests (company_id, cycle_id, name, required, pattern, status, position, due_at)
SELECT pr.company_id, cy.id, 'Document ' || r, r <= 8, '*doc' || r || '*',
       CASE WHEN cy.status = 'completed' THEN (ARRAY['accepted', 'not_applicable'])[r % 2 + 1]
            ELSE (ARRAY['missing', 'submitted', 'accepted', 'rejected', 'accepted'])[(cy.id + r) % 5 + 1] END,
       r, NULL
FROM cycles cy JOIN projects pr ON pr.id = cy.project_id
CROSS JOIN LATERAL generate_series(1, CASE WHEN pr.bucket_name LIKE 'bench-bench%' THEN 10 ELSE 4 END) AS r
WHERE pr.bucket_name LIKE 'bench-%';
COMMIT;

-- File rows, with the secondary indexes built once afterwards.
CREATE TEMP TABLE bench_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid IN ('file_uploads'::regclass, 'audit_log'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec

INSERT INTO file_uploads (session_id, company_id, cycle_id, file_path, s3_key, file_size,
    checksum, status, uploaded_at, is_duplicate, storage_location_id)
SELECT ss.id, pr.company_id, ss.cycle_id, 'folder/file' || f || '.pdf',
       ss.s3_prefix || '/s' || ss.id || '/folder/file' || f || '.pdf', 1048576,
       md5(ss.id::text || '-' || f) || md5(f::text || '-' || ss.id),
       CASE WHEN f <= 4 THEN 'completed' WHEN ss.id % 2 = 1 THEN 'failed' ELSE 'skipped' END,
       ss.completed_at, f = 5 AND ss.id % 2 = 0, pr.storage_location_id
FROM sync_sessions ss JOIN projects pr ON pr.id = ss.project_id
CROSS JOIN generate_series(1, 5) AS f
WHERE pr.bucket_name LIKE 'bench-%';

-- The audit trail's monthly partitions for the past year (hopper serve makes this month's
-- and the next ones'; a running installation made each past month's in its time).
SELECT format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
              'audit_log_' || to_char(m, 'YYYY_MM'), m AT TIME ZONE 'UTC',
              (m + interval '1 month') AT TIME ZONE 'UTC')
FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '12 months',
                     date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month',
                     interval '1 month') AS m
WHERE to_regclass('audit_log_' || to_char(m, 'YYYY_MM')) IS NULL \gexec

-- The first company's chain: each row hashed from its content, its salts and its
-- predecessor's hash, as audit_log_chain() does (migration 120), one row every 30 seconds
-- up to now.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain;
SELECT set_config('bench.chained', :'chained', false);
DO $chain$
DECLARE
    company INTEGER := (SELECT id FROM companies WHERE company_code = 'BENCH1');
    admin INTEGER := (SELECT id FROM users WHERE username = 'bench.admin1');
    first_project INTEGER := (SELECT min(id) FROM projects WHERE company_id = company);
    total BIGINT := current_setting('bench.chained')::bigint;
    start_seq BIGINT := coalesce((SELECT last_seq FROM audit_chain_tails WHERE chain = company), 0);
    prev BYTEA := (SELECT last_hash FROM audit_chain_tails WHERE chain = company);
    row_id BIGINT;
    written TIMESTAMPTZ;
    body JSONB;
    act TEXT;
    row_salts JSONB;
    seq BIGINT;
BEGIN
    FOR k IN 1..total LOOP
        seq := start_seq + k;
        row_id := nextval(pg_get_serial_sequence('audit_log', 'id'));
        written := now() - (total - k) * interval '30 seconds';
        act := (ARRAY['file.uploaded', 'project.updated', 'auth.sign_in', 'file.downloaded'])[k % 4 + 1];
        body := jsonb_build_object('n', k, 'file', 'folder/file' || k % 5 || '.pdf');
        row_salts := audit_salts_for(body);
        INSERT INTO audit_log (id, created_at, actor_user_id, actor_username, company_id,
            project_id, action, resource_type, resource_id, details, ip_address, user_agent,
            chain_seq, prev_hash, row_hash)
        OVERRIDING SYSTEM VALUE
        VALUES (row_id, written, admin, 'bench.admin1', company, first_project + k % 20, act, 'file',
            (k % 1000000)::text, body, '10.0.0.' || k % 250, 'Mozilla/5.0 (bench)', seq, prev,
            sha256(convert_to(audit_log_content(row_id, seq, written, admin, 'bench.admin1',
                company, first_project + k % 20, act, 'file', (k % 1000000)::text, body,
                '10.0.0.' || k % 250, 'Mozilla/5.0 (bench)', row_salts), 'UTF8')
                || coalesce(prev, ''::bytea)))
        RETURNING row_hash INTO prev;
        INSERT INTO audit_salts (audit_id, salts) VALUES (row_id, row_salts);
    END LOOP;
    INSERT INTO audit_chain_tails (chain, last_seq, last_hash) VALUES (company, start_seq + total, prev)
    ON CONFLICT (chain) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_hash = EXCLUDED.last_hash;
END
$chain$;

-- Everyone else's history, unchained: one row every 1.5 seconds over the companies in turn.
SELECT greatest(20000 * :scale * (:companies - 1), 0) AS unchained \gset
INSERT INTO audit_log (created_at, actor_user_id, actor_username, company_id, project_id,
    action, resource_type, resource_id, details, ip_address)
SELECT now() - (a * interval '1.5 seconds'),
       NULL, co.company_code, co.id,
       fp.first_project + (a % 20),
       (ARRAY['file.uploaded', 'project.updated', 'auth.sign_in', 'file.downloaded'])[a % 4 + 1],
       'file', (a % 1000000)::text, jsonb_build_object('n', a), '10.0.0.' || (a % 250)
FROM generate_series(1, :unchained) AS a
JOIN companies co ON co.company_code = 'BENCH' || (a % (:companies - 1) + 2)
JOIN (SELECT company_id, min(id) AS first_project FROM projects GROUP BY company_id) fp
  ON fp.company_id = co.id;
INSERT INTO audit_log (created_at, actor_username, company_id, project_id, action,
    resource_type, resource_id, details, ip_address)
SELECT now() - (((co.id % 360) * 24 + a) * interval '1 hour'), 'small.admin', co.id, pr.id,
       (ARRAY['file.uploaded', 'project.updated', 'auth.sign_in', 'file.downloaded'])[a % 4 + 1],
       'file', a::text, jsonb_build_object('n', a), '10.1.0.' || (a % 250)
FROM companies co JOIN projects pr ON pr.company_id = co.id
CROSS JOIN generate_series(1, 20) AS a
WHERE co.company_code LIKE 'SMALL%';
ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain;

-- A partitioned table's index is printed ON ONLY the parent; built on every partition here.
SELECT replace(definition, ' ON ONLY ', ' ON ') FROM bench_indexes \gexec
VACUUM ANALYZE;

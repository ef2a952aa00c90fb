#!/usr/bin/env python3
"""Latency of Hopper's dashboard partials through HTTP against the seed's naive view
queries run in PostgreSQL, in one run. Prints a Markdown table for BENCHMARKS.md."""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

app, pg_url = sys.argv[1], sys.argv[2]
REQUESTS = int(sys.argv[3]) if len(sys.argv) > 3 else 200
host, port = urllib.parse.urlsplit(app).hostname, urllib.parse.urlsplit(app).port


def psql(sql):
    return subprocess.run(["psql", pg_url, "-Atq", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


class Browser:
    def __init__(self, headers=None):
        self.conn = http.client.HTTPConnection(host, port)
        self.cookies = {}
        self.headers = headers or {}  # sent with every request (an API token)

    def request(self, method, path, body=None, headers=None):
        headers = {**self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed a keep-alive connection that sat idle while the naive
            # queries ran; open a new one (not timed: warm-up requests come first).
            self.conn = http.client.HTTPConnection(host, port)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response.status, data.decode("utf-8", "replace")

    def sign_in(self, username, password):
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password})
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303, f"sign-in of {username} answered {status}"


def percentiles(samples):
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered), p99


def time_http(browser, path, n=REQUESTS):
    for _ in range(3):  # warm-up: connection, caches
        browser.request("GET", path, headers={"HX-Request": "true"})
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = browser.request("GET", path, headers={"HX-Request": "true"})
        samples.append((time.perf_counter() - start) * 1000)
        assert status == 200, f"{path} answered {status}"
    return percentiles(samples)


def time_sql(sql, n=20):
    samples = []
    for _ in range(n):
        plan = json.loads(psql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))
        samples.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
        # Seconds per run: three runs tell enough, minutes one (the table says how many).
        if (len(samples) == 3 and min(samples) > 2000) or samples[0] > 30000:
            break
    return percentiles(samples) + (len(samples),)


admin, operator = Browser(), Browser()
admin.sign_in("bench.admin1", "admin123")
operator.sign_in("bench.operator", "admin123")
company = psql("SELECT id FROM companies WHERE company_code = 'BENCH1'")
project = psql(f"SELECT min(id) FROM projects WHERE company_id = {company}")
deep_offset = min(1500, int(psql("SELECT count(*) FROM projects")) - 1)
deep_project = psql(f"SELECT project_name || '|' || id FROM projects ORDER BY project_name, id OFFSET {deep_offset} LIMIT 1")
deep_name, deep_id = deep_project.split("|")
deep_cursor = urllib.parse.quote(f"n.{deep_id}.{deep_name}")
audit_rows = int(psql(f"SELECT count(*) FROM audit_log WHERE company_id = {company}"))
depth = audit_rows - 100
cursor = psql(
    f"SELECT (extract(epoch from created_at) * 1000000)::bigint || '.' || id FROM audit_log "
    f"WHERE company_id = {company} ORDER BY created_at DESC, id DESC OFFSET {depth} LIMIT 1"
)

# The operator's trail a million rows deep (or halfway, when there are fewer).
op_depth = min(1000000, int(psql("SELECT count(*) FROM audit_log")) // 2)
op_cursor = psql(
    f"SELECT (extract(epoch from created_at) * 1000000)::bigint || '.' || id FROM audit_log "
    f"ORDER BY created_at DESC, id DESC OFFSET {op_depth} LIMIT 1"
)
cycle = psql(f"SELECT max(id) FROM cycles WHERE project_id = {project}")

# Wall screens: share links of the company and of one project (tokens stored hashed, as
# Hopper stores them). The anonymous wall has no session, so one plain connection.
wall_company, wall_project = "bench-wall-company-token", "bench-wall-project-token"
psql(
    "DELETE FROM share_links WHERE label LIKE 'bench wall%';"
    f"INSERT INTO share_links (company_id, project_id, label, token_hash, expires_at) VALUES "
    f"({company}, NULL, 'bench wall company', sha256('{wall_company}'::bytea), now() + interval '1 day'),"
    f"({company}, {project}, 'bench wall project', sha256('{wall_project}'::bytea), now() + interval '1 day')"
)
wall = Browser()

# The API, with a company admin's token of every scope (stored hashed, as Hopper stores it).
api_secret = "hop_benchbenchbenchbenchbench"
psql(
    "DELETE FROM api_tokens WHERE name = 'bench';"
    "INSERT INTO api_tokens (company_id, user_id, name, token_hash, token_prefix, scopes, project_ids, expires_at) "
    f"SELECT {company}, id, 'bench', sha256('{api_secret}'::bytea), '{api_secret[:10]}', "
    "ARRAY['read', 'upload', 'admin'], '{}', now() + interval '1 day' FROM users WHERE username = 'bench.admin1'"
)
api = Browser({"Authorization": f"Bearer {api_secret}"})

cases = [
    ("Project summary, one company (admin), first page", admin, "/dashboard",
     f"SELECT * FROM v_project_summary WHERE company_id = {company} ORDER BY project_name LIMIT 25"),
    ("Project summary, all projects (operator), first page", operator, "/dashboard",
     "SELECT * FROM v_project_summary ORDER BY project_name LIMIT 25"),
    (f"Project summary, all projects, page after {deep_offset:,} rows", operator, f"/dashboard?sort=name&after={deep_cursor}",
     f"SELECT * FROM v_project_summary ORDER BY project_name OFFSET {deep_offset} LIMIT 25"),
    ("Project summary, one company (admin), most overdue first", admin, "/dashboard?sort=overdue",
     f"SELECT p.id FROM projects p JOIN LATERAL (SELECT c.id FROM cycles c WHERE c.project_id = p.id "
     f"ORDER BY c.cycle_number DESC LIMIT 1) l ON true JOIN (SELECT c.id, count(*) FILTER (WHERE r.status IN "
     f"('missing', 'rejected') AND coalesce(r.due_at, c.due_at) < now()) AS overdue FROM cycles c "
     f"LEFT JOIN cycle_requests r ON r.cycle_id = c.id GROUP BY c.id) f ON f.id = l.id "
     f"WHERE p.company_id = {company} ORDER BY f.overdue DESC, p.project_name LIMIT 25"),
    ("Project summary, all projects (operator), most overdue first", operator, "/dashboard?sort=overdue",
     f"SELECT p.id FROM projects p JOIN LATERAL (SELECT c.id FROM cycles c WHERE c.project_id = p.id "
     f"ORDER BY c.cycle_number DESC LIMIT 1) l ON true JOIN (SELECT c.id, count(*) FILTER (WHERE r.status IN "
     f"('missing', 'rejected') AND coalesce(r.due_at, c.due_at) < now()) AS overdue FROM cycles c "
     f"LEFT JOIN cycle_requests r ON r.cycle_id = c.id GROUP BY c.id) f ON f.id = l.id "
     f"ORDER BY f.overdue DESC, p.project_name LIMIT 25"),
    ("Project summary, all projects (operator), least complete first", operator, "/dashboard?sort=completeness",
     "SELECT p.id FROM projects p JOIN LATERAL (SELECT c.id FROM cycles c WHERE c.project_id = p.id "
     "ORDER BY c.cycle_number DESC LIMIT 1) l ON true JOIN (SELECT c.id, count(*) FILTER (WHERE r.status = 'accepted') "
     "* 100 / greatest(count(r.id), 1) AS pct FROM cycles c LEFT JOIN cycle_requests r ON r.cycle_id = c.id "
     "GROUP BY c.id) f ON f.id = l.id ORDER BY f.pct, p.project_name LIMIT 25"),
    ("Cycle summary of one project", admin, f"/dashboard/projects/{project}",
     f"SELECT * FROM v_cycle_summary WHERE project_id = {project} ORDER BY cycle_number DESC"),
    ("Cycle dashboard with its requests' completeness", admin, f"/dashboard/cycles/{cycle}",
     f"SELECT * FROM v_cycle_completeness WHERE cycle_id = {cycle}"),
    ("What is missing, one company (admin), by due date", admin, "/missing",
     f"SELECT r.*, coalesce(r.due_at, c.due_at) AS due FROM cycle_requests r JOIN cycles c ON c.id = r.cycle_id "
     f"JOIN projects p ON p.id = c.project_id WHERE p.company_id = {company} "
     f"AND r.status IN ('missing', 'submitted', 'rejected') AND c.status <> 'completed' ORDER BY due NULLS LAST LIMIT 501"),
    ("What is missing, all companies (operator), by due date", operator, "/missing",
     "SELECT r.*, coalesce(r.due_at, c.due_at) AS due FROM cycle_requests r JOIN cycles c ON c.id = r.cycle_id "
     "WHERE r.status IN ('missing', 'submitted', 'rejected') AND c.status <> 'completed' ORDER BY due NULLS LAST LIMIT 501"),
    ("What is missing, all companies (operator), by project", operator, "/missing?sort=project",
     "SELECT r.*, p.project_name FROM cycle_requests r JOIN cycles c ON c.id = r.cycle_id JOIN projects p ON p.id = c.project_id "
     "WHERE r.status IN ('missing', 'submitted', 'rejected') AND c.status <> 'completed' ORDER BY p.project_name, r.position LIMIT 501"),
    ("Home page (operator)", operator, "/",
     "SELECT count(*) FROM v_cycle_completeness"),
    ("Home page (admin): open and overdue requests", admin, "/",
     "SELECT count(*) FROM v_cycle_completeness"),
    ("Wall screen of a company (anonymous)", wall, f"/wall/{wall_company}",
     f"SELECT * FROM v_project_summary WHERE company_id = {company} ORDER BY project_name LIMIT 25"),
    ("Wall screen of a project (anonymous)", wall, f"/wall/{wall_project}",
     f"SELECT * FROM v_cycle_summary WHERE project_id = {project} ORDER BY cycle_number DESC"),
    ("API: the projects a token reaches", api, "/api/v1/projects",
     f"SELECT * FROM projects WHERE company_id = {company} AND deleted_at IS NULL ORDER BY project_name"),
    ("API: a project's cycles", api, f"/api/v1/projects/{project}/cycles",
     f"SELECT * FROM cycles WHERE project_id = {project} ORDER BY cycle_number DESC"),
    ("API: a cycle's requests", api, f"/api/v1/cycles/{cycle}/requests",
     f"SELECT * FROM cycle_requests WHERE cycle_id = {cycle} ORDER BY position"),
    ("API: a cycle's files, first page of 100", api, f"/api/v1/cycles/{cycle}/files",
     f"SELECT * FROM file_uploads WHERE cycle_id = {cycle} AND status = 'completed' ORDER BY id LIMIT 101"),
    ("API: what is missing, one company", api, "/api/v1/missing",
     f"SELECT r.* FROM cycle_requests r JOIN cycles c ON c.id = r.cycle_id WHERE r.company_id = {company} "
     f"AND r.status IN ('missing', 'rejected') AND c.status <> 'completed' ORDER BY coalesce(r.due_at, c.due_at) LIMIT 101"),
    ("API: webhooks of a company", api, "/api/v1/webhooks",
     f"SELECT * FROM webhook_endpoints WHERE company_id = {company} ORDER BY id"),
    ("Audit trail, one company, first page", admin, "/dashboard/audit",
     f"SELECT * FROM audit_log WHERE company_id = {company} ORDER BY created_at DESC, id DESC LIMIT 50"),
    (f"Audit trail, one company, page at depth {depth:,}", admin, f"/dashboard/audit?after={cursor}",
     f"SELECT * FROM audit_log WHERE company_id = {company} ORDER BY created_at DESC, id DESC OFFSET {depth} LIMIT 50"),
    (f"Audit trail, all companies (operator), page at depth {op_depth:,}", operator, f"/dashboard/audit?after={op_cursor}",
     f"SELECT * FROM audit_log ORDER BY created_at DESC, id DESC OFFSET {op_depth} LIMIT 50"),
    ("Audit trail, all companies (operator), action filter", operator, "/dashboard/audit?action=project.updated",
     "SELECT * FROM audit_log WHERE action = 'project.updated' ORDER BY created_at DESC, id DESC LIMIT 50"),
]

print(f"| Partial (HTTP, {REQUESTS} requests) | Hopper p50 / p99 (ms) | Naive SQL p50 / p99 (ms) | Naive p50 ÷ Hopper p50 |")
print("|---|---|---|---|", flush=True)
only = os.environ.get("BENCH_ONLY", "")  # measure only the rows whose label holds this
for label, browser, path, naive in cases:
    if only not in label:
        continue
    h50, h99 = time_http(browser, path)
    n50, n99, runs = time_sql(naive)
    naive_cell = f"{n50:.1f} / {n99:.1f}" + ("" if runs == 20 else f" ({runs} runs)")
    print(f"| {label} | {h50:.1f} / {h99:.1f} | {naive_cell} | {n50 / h50:.1f}× |", flush=True)

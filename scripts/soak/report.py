"""The soak's figures and invariants, from what the clients recorded, HAProxy's log, the
kills, the database and the bucket. Writes OUT/summary.md and OUT/summary.json; exits 1
when an invariant fails.

Usage: report.py --setup FILE --records FILE --events FILE --haproxy FILE --out DIR
                 --store DIR --bucket NAME --seconds N --kill-every N --hopper BIN
                 --audit-status N --driver-status N
Environment: DATABASE_URL (the owner's), HOPPER_S3_ENDPOINT, AWS_ACCESS_KEY_ID, …
"""

import argparse
import hashlib
import json
import os
import subprocess
from collections import Counter, defaultdict

import boto3
from botocore.config import Config

from resumes import resumptions

KINDS = ("browser", "tus", "sync", "link")


def sql(query):
    out = subprocess.run(["psql", os.environ["DATABASE_URL"], "-AtqF", "\t", "-c", query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


def read_haproxy(path):
    """{request id: (node, status, Ta ms, termination, method, path)} and every line."""
    by_id, lines = {}, []
    for line in open(path, errors="replace"):
        tokens = line.split()
        if len(tokens) < 7 or "/" not in tokens[-7] or not tokens[-6].lstrip("-").isdigit():
            continue
        server, status, ta, _tt, tsc, method, path_ = tokens[-7:]
        entry = (server.split("/", 1)[1], int(status), int(ta), tsc, method, path_)
        lines.append(entry)
        if len(tokens) == 8 and tokens[0] != "-":
            by_id[tokens[0]] = entry
    return by_id, lines


def read_events(path):
    events = []
    for line in open(path):
        stamp, what, node, *_ = line.split()
        events.append((float(stamp), what, node))
    return events


def latency_rows(lines):
    classes = defaultdict(list)
    for node, status, ta, _tsc, method, path in lines:
        if ta < 0 or path.startswith("/readyz"):
            continue
        if method == "PATCH" or (method == "POST" and path.endswith("/upload")):
            cls = "uploads (form POST, tus PATCH: the client's throttled sending included)"
        elif method == "GET":
            cls = "pages (GET)"
        else:
            cls = "API and tus control (POST, HEAD, DELETE)"
        classes[cls].append(ta)
        if not cls.startswith("uploads"):
            classes["every request but the uploads"].append(ta)
    return [(cls, len(v), percentile(v, 50), percentile(v, 99)) for cls, v in sorted(classes.items())]


def pages_by_cluster_state(records, kills, restarts):
    """The clients' page loads (GET of a page) while all three nodes run, beside those while
    one is down: the run's own reference."""
    down = [(k[0], r[0]) for k, r in zip(kills, restarts)]
    times = {"all three nodes up": [], "one node down": []}
    for r in records:
        if r["type"] == "request" and r["op"] in ("page", "upload page", "link page") and r["status"] == 200:
            started = r["t"] - r["ms"] / 1000
            state = "one node down" if any(a <= started <= b for a, b in down) else "all three nodes up"
            times[state].append(r["ms"])
    return [{"state": state, "requests": len(v), "p50": percentile(v, 50), "p99": percentile(v, 99)}
            for state, v in times.items()]


def s3_check(bucket, store, completed):
    s3 = boto3.client("s3", endpoint_url=os.environ["HOPPER_S3_ENDPOINT"], region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5}))
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(o["Key"] for o in page.get("Contents", []))
    expected = set(completed)
    wrong_bytes = []
    for key in sorted(keys & expected):
        digest = hashlib.sha256()
        for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(1024 * 1024):
            digest.update(chunk)
        if digest.hexdigest() != completed[key]:
            wrong_bytes.append(key)
    open_uploads = sorted(n for n in os.listdir(store) if n.startswith(".upload")) if os.path.isdir(store) else []
    return sorted(keys - expected), sorted(expected - keys), wrong_bytes, open_uploads


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--setup", "--records", "--events", "--haproxy", "--out", "--store", "--bucket", "--hopper"):
        parser.add_argument(flag, required=True)
    for flag in ("--seconds", "--kill-every", "--audit-status", "--driver-status"):
        parser.add_argument(flag, type=int, required=True)
    args = parser.parse_args()
    records = [json.loads(line) for line in open(args.records)]
    by_id, lines = read_haproxy(args.haproxy)
    events = read_events(args.events)
    out = args.out

    # The clients' view.
    files = [r for r in records if r["type"] == "file"]
    uploads = {k: Counter() for k in KINDS}
    for f in files:
        uploads[f["kind"]]["attempted"] += 1
        uploads[f["kind"]]["stored" if f["stored"] else "not stored"] += 1
        uploads[f["kind"]]["MiB stored"] += f["size"] / 2**20 if f["stored"] else 0
    errors = defaultdict(Counter)
    for r in records:
        if r["type"] == "request" and r["kind"] != "setup":
            if r["status"] is None:
                errors[r["kind"]][r["error"]] += 1
            elif r["status"] >= 500 or r["status"] in (408, 409, 423, 429):
                errors[r["kind"]][f"HTTP {r['status']}"] += 1
    sync_runs = Counter(str(r["exit"]) for r in records if r["type"] == "sync run")
    worker_failures = [r for r in records if r["type"] == "worker failed"]
    kills = [e for e in events if e[1] == "killed"]
    restarts = [e for e in events if e[1] == "ready"]
    restart_secs = [b[0] - a[0] for a, b in zip(kills, restarts)]
    times = {r["id"]: (r["t"], r["ms"] / 1000) for r in records if r["type"] == "request"}
    resumed = resumptions([f for f in files if f["kind"] == "tus"], by_id, kills, times)
    node_500s = [entry for entry in lines if entry[1] == 500]
    served = Counter(entry[0] for entry in lines)

    # The database and the bucket, after the settle passes.
    unsettled_before = open(os.path.join(out, "unsettled-before-reconcile.txt")).read().strip()
    # Uploading with an intent (completing_since) is "completing".
    stuck = sql("SELECT id, status, file_path, node_id, completing_since FROM file_uploads "
                "WHERE status IN ('pending', 'uploading', 'scanning')")
    open_tus = sql("SELECT id, file_id, landed, upload_length, writer_node FROM tus_uploads WHERE outcome IS NULL")
    open_batches = sql("SELECT id, status FROM sync_sessions WHERE status IN ('pending', 'in_progress')")
    counters_off = sql("""
        SELECT s.id, s.total_files, s.files_uploaded, s.files_failed, s.files_skipped, c.total, c.done, c.failed, c.skipped
        FROM sync_sessions s, LATERAL (
          SELECT count(*) AS total,
                 count(*) FILTER (WHERE status = 'completed') AS done,
                 count(*) FILTER (WHERE status IN ('failed', 'quarantined')) AS failed,
                 count(*) FILTER (WHERE status = 'skipped') AS skipped,
                 coalesce(sum(file_size), 0) AS bytes,
                 coalesce(sum(file_size) FILTER (WHERE status = 'completed'), 0) AS done_bytes
          FROM file_uploads f WHERE f.session_id = s.id) c
        WHERE coalesce(s.total_files, 0) <> c.total OR coalesce(s.files_uploaded, 0) <> c.done
           OR coalesce(s.files_failed, 0) <> c.failed OR coalesce(s.files_skipped, 0) <> c.skipped
           OR coalesce(s.total_size_bytes, 0) <> c.bytes OR coalesce(s.uploaded_size_bytes, 0) <> c.done_bytes""")
    # Each project's kept figures (migration 190) against its settled batches' counters.
    figures_off = sql("""
        SELECT coalesce(k.project_id, t.project_id), k.sessions, t.sessions, k.files_uploaded, t.files_uploaded
        FROM (SELECT * FROM project_session_figures WHERE sessions <> 0) k
        FULL JOIN (SELECT project_id, count(*) AS sessions, coalesce(sum(total_files), 0) AS total_files,
                          coalesce(sum(files_uploaded), 0) AS files_uploaded, coalesce(sum(files_failed), 0) AS files_failed,
                          coalesce(sum(files_skipped), 0) AS files_skipped, coalesce(sum(total_size_bytes), 0) AS total_bytes,
                          coalesce(sum(uploaded_size_bytes), 0) AS uploaded_bytes
                   FROM sync_sessions WHERE status IN ('completed', 'failed') GROUP BY project_id) t
          ON t.project_id = k.project_id
        WHERE (k.sessions, k.total_files, k.files_uploaded, k.files_failed, k.files_skipped, k.total_bytes, k.uploaded_bytes)
              IS DISTINCT FROM
              (t.sessions, t.total_files, t.files_uploaded, t.files_failed, t.files_skipped, t.total_bytes, t.uploaded_bytes)""")
    batches = int(sql("SELECT count(*) FROM sync_sessions")[0][0])
    rows = Counter({status: int(n) for status, n in sql("SELECT status, count(*) FROM file_uploads GROUP BY status")})
    completed = {key: sha for key, sha in sql("SELECT s3_key, checksum FROM file_uploads WHERE status = 'completed'")}
    stored_checksums = set(completed.values())
    unreferenced, missing, wrong_bytes, open_multipart = s3_check(args.bucket, args.store, completed)
    lost = [f for f in files if f["stored"] and f["sha256"] not in stored_checksums]
    reconcile = open(os.path.join(out, "reconcile.txt")).read().strip()
    audit = open(os.path.join(out, "audit-verify.txt")).read().strip()

    kills_due = args.seconds > args.kill_every
    invariants = [
        ("the load ran: every kind stored files, no worker failed, nodes were killed and came back",
         args.driver_status == 0 and not worker_failures and all(uploads[k]["stored"] for k in KINDS)
         and (len(kills) > 0 or not kills_due) and len(kills) == len(restarts),
         f"driver exit {args.driver_status}, {len(worker_failures)} worker failures, "
         f"{len(kills)} kills, {len(restarts)} restarts"),
        ("nothing left stuck (uploading, scanning, an intent, an open tus upload)", not stuck and not open_tus,
         f"{len(stuck)} files {stuck[:5]}, {len(open_tus)} tus uploads {open_tus[:5]}"),
        ("no batch left open", not open_batches, f"{len(open_batches)} {open_batches[:5]}"),
        ("batch counters equal their rows", not counters_off, f"{len(counters_off)} of {batches} batches differ {counters_off[:5]}"),
        ("each project's kept figures equal its settled batches' counters", not figures_off,
         f"{len(figures_off)} projects differ {figures_off[:5]}"),
        ("S3 holds exactly the completed files", not unreferenced and not missing,
         f"{len(completed)} completed rows; {len(unreferenced)} objects without a row {unreferenced[:5]}; "
         f"{len(missing)} rows without an object {missing[:5]}"),
        ("every stored object has its SHA-256", not wrong_bytes, f"{len(wrong_bytes)} differ {wrong_bytes[:5]}"),
        ("no multipart upload left open in the store", not open_multipart, f"{len(open_multipart)} {open_multipart[:5]}"),
        ("every file a client was told was stored is stored", not lost,
         f"{len(lost)} missing of {sum(1 for f in files if f['stored'])} {[f['name'] for f in lost[:5]]}"),
        ("no 500 from a node", not node_500s, f"{len(node_500s)} {node_500s[:5]}"),
        ("the audit chains verify (hopper audit verify)", args.audit_status == 0, audit.splitlines()[-1] if audit else ""),
    ]
    ok = all(passed for _, passed, _ in invariants)

    summary = {
        "ok": ok,
        "hopper": args.hopper,
        "seconds": args.seconds,
        "kill_every": args.kill_every,
        "kills": len(kills),
        "restart_secs": restart_secs,
        "uploads": {k: dict(v) for k, v in uploads.items()},
        "client_errors": {k: dict(v) for k, v in errors.items()},
        "sync_runs_by_exit": dict(sync_runs),
        "tus": resumed,
        "resumed_on_another_node": resumed["resumed on another node"],
        "requests_by_node": dict(served),
        "latency_ms": [{"class": c, "requests": n, "p50": p50, "p99": p99} for c, n, p50, p99 in latency_rows(lines)],
        "pages_ms_by_cluster_state": pages_by_cluster_state(records, kills, restarts),
        "rows_by_status": dict(rows),
        "batches": batches,
        "unsettled_before_reconcile": unsettled_before,
        "reconcile": reconcile,
        "invariants": [{"name": n, "ok": p, "detail": d} for n, p, d in invariants],
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(markdown(summary))
    raise SystemExit(0 if ok else 1)


def markdown(s):
    lines = [f"## Soak: three nodes behind HAProxy — {'all invariants hold' if s['ok'] else 'AN INVARIANT FAILED'}", "",
             f"{s['seconds']} s of load, a node killed (SIGKILL) every {s['kill_every']} s: {s['kills']} kills, "
             f"each back in {', '.join(f'{x:.1f}' for x in s['restart_secs']) or '—'} s. Binary: `{s['hopper']}`.", "",
             "| uploads (files) | attempted | stored | not stored | MiB stored |", "|---|---|---|---|---|"]
    for kind, c in s["uploads"].items():
        lines.append(f"| {kind} | {c.get('attempted', 0)} | {c.get('stored', 0)} | {c.get('not stored', 0)} | {c.get('MiB stored', 0):.0f} |")
    t = s["tus"]
    lines += ["", f"tus: {t['uploads']} uploads, {t['interrupted uploads']} interrupted ({t['cut by a kill']} PATCHes cut by a kill); "
              f"**{t['resumed on another node']} resumed on another node**, {t['resumed on the same node']} on the same node once restarted, "
              f"{t['not resumed']} not resumed; {t['423 answers']} PATCHes answered 423 while a dead node's claim held "
              f"(longest wait {t['longest claim wait s']:.1f} s).", "",
              f"hopper sync runs by exit code: {s['sync_runs_by_exit']}. Requests by node: {s['requests_by_node']}.", "",
              "| client-visible errors | |", "|---|---|"]
    for kind, c in s["client_errors"].items():
        lines.append(f"| {kind} | {', '.join(f'{k}: {v}' for k, v in sorted(c.items(), key=lambda kv: -kv[1]))} |")
    lines += ["", "| latency through HAProxy (%Ta) | requests | p50 ms | p99 ms |", "|---|---|---|---|"]
    for row in s["latency_ms"]:
        lines.append(f"| {row['class']} | {row['requests']} | {row['p50']} | {row['p99']} |")
    lines += ["", "| page loads at the client | requests | p50 ms | p99 ms |", "|---|---|---|---|"]
    for row in s["pages_ms_by_cluster_state"]:
        p50, p99 = (f"{x:.1f}" if x is not None else "—" for x in (row["p50"], row["p99"]))
        lines.append(f"| {row['state']} | {row['requests']} | {p50} | {p99} |")
    lines += ["", f"Rows: {s['rows_by_status']} in {s['batches']} batches. Unsettled once the load drained: "
              f"{s['unsettled_before_reconcile']}; then `hopper reconcile --older-than-minutes 0`: "
              f"{' / '.join(s['reconcile'].splitlines())}", "", "| invariant | | |", "|---|---|---|"]
    for inv in s["invariants"]:
        lines.append(f"| {inv['name']} | {'ok' if inv['ok'] else '**FAILED**'} | {inv['detail']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

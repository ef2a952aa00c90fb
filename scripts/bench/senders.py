#!/usr/bin/env python3
"""A thousand senders at once (issue 32, goal 2), the load generator: N tus uploads at once,
each throttled to R bytes a second, plus B people browsing, in one asyncio process on
loopback (standard library only). Samples Hopper's memory and CPU every second and prints
a Markdown table for BENCHMARKS.md; scripts/bench-senders.sh starts Hopper and calls it.

Each sender behaves as tus-js-client does with its defaults: a creation (POST), then the
whole rest of the file in one PATCH; after an error, retryDelays 0, 1, 3, 5 s (the
attempt count starts again once the offset has moved since the last retry), HEAD for the
offset and a new PATCH from there (a HEAD answered 4xx other than 423 creates the upload
anew); a 4xx other than 409/423 fails the upload at once. Its bytes are generated (a
text line per 64 KiB block, then random bytes from a shared pool: every file differs) and
hashed once in order, so the SHA-256 Hopper recorded can be checked afterwards.

Each browser is a company admin signed in with its own session (keep-alive connection),
fetching the pages and dashboard partials below in turn with a think time between;
every page is timed to its last byte. They browse alone for --idle-secs first (the
reference in the same run), then while the uploads run.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import urllib.parse

from senders_http import Browser
from senders_tus import KIB, MIB, POOL, Sender, now


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) / 1024
    return out


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def disk_used(path):
    """Bytes the files under `path` take on disk (the store, the database)."""
    total = 0
    stack = [path]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                pass
    return total


def percentile(ordered, q):
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Run:
    def __init__(self, args):
        url = urllib.parse.urlsplit(args.base)
        self.host, self.port = url.hostname, url.port
        self.hostport = f"{self.host}:{self.port}"
        self.token, self.cycle, self.project = args.token, args.cycle, args.project
        self.size = int(args.mib * MIB)
        self.rate = int(args.kibps * KIB)
        self.chunk = int(max(4 * KIB, min(256 * KIB, self.rate // 4)))
        self.think = args.think
        self.retry_delays = [float(x) for x in args.retry_delays.split(",") if x.strip()]
        self.answer_timeout = args.answer_timeout
        self.pool = os.urandom(POOL)
        self.t0 = now()
        self.phase = "idle"
        self.stopping = False
        self.stop_reason = None
        self.browsing_over = False
        self.bytes_sent = self.bytes_acked = 0
        self.finished = 0
        self.failure_counts = {}
        self.pages = []  # (phase, label, ms, error)
        self.samples = []


async def sample(run, args, senders, log):
    pid = args.pid
    disk0 = disk_used(args.disk_path)
    cpu0 = proc_cpu(pid)
    last_print = 0.0
    disk = None
    while not run.sampling_over:
        t = now() - run.t0
        try:
            status = proc_status(pid)
            cpu = proc_cpu(pid) - cpu0
        except OSError:
            run.stop_reason = run.stop_reason or "Hopper is gone"
            run.stopping = True
            return
        if int(t) % 5 == 0 or disk is None:
            disk = (disk_used(args.disk_path) - disk0) / 1e9
        own = os.times()
        active = sum(1 for s in senders if s.started is not None and s.outcome is None)
        row = {"t": round(t, 1), "phase": run.phase, "rss_mib": round(status.get("VmRSS", 0), 1),
               "hwm_mib": round(status.get("VmHWM", 0), 1), "cpu_s": round(cpu, 2),
               "gen_cpu_s": round(own.user + own.system, 2), "disk_gb": round(disk, 2),
               "active": active, "finished": run.finished, "sent_mib": round(run.bytes_sent / MIB, 1),
               "acked_mib": round(run.bytes_acked / MIB, 1)}
        run.samples.append(row)
        log.write(json.dumps(row) + "\n")
        if not run.stopping:
            if disk > args.max_disk_gb:
                run.stop_reason = f"the store's disk use passed {args.max_disk_gb} GB"
            elif status.get("VmRSS", 0) > args.max_rss_mib:
                run.stop_reason = f"Hopper's RSS passed {args.max_rss_mib} MiB (the guard)"
            elif run.phase == "load" and t > args.max_secs:
                run.stop_reason = f"the run passed {args.max_secs:.0f} s"
            if run.stop_reason:
                print(f"senders: stopping: {run.stop_reason}", file=sys.stderr, flush=True)
                run.stopping = True
        if t - last_print >= 10:
            last_print = t
            failed = sum(1 for s in senders if s.outcome == "failed")
            print(f"senders: {t:6.0f} s  {run.phase:4}  active {active:4}  done {run.finished - failed:4}  "
                  f"failed {failed:4}  acked {run.bytes_acked / MIB:8.0f} MiB  RSS {status.get('VmRSS', 0):6.0f} MiB  "
                  f"peak {status.get('VmHWM', 0):6.0f} MiB  CPU {cpu:7.1f} s  disk {disk:5.1f} GB  "
                  f"pages {len(run.pages)}", file=sys.stderr, flush=True)
        await asyncio.sleep(1)


def psql(pg, sql):
    return subprocess.run(["psql", pg, "-Atq", "-F", "\t", "-c", sql], check=True, capture_output=True,
                          text=True).stdout


async def main_async(args):
    run = Run(args)
    run.sampling_over = False
    os.makedirs(args.out, exist_ok=True)
    users = [line.split() for line in open(args.users) if line.strip()]
    browsers = []
    for username, once in users:
        browser = Browser(run, username, once)
        await browser.sign_in(once, f"senders bench passphrase {os.urandom(8).hex()}")
        browsers.append(browser)
    c, p = run.cycle, run.project
    pages = [
        ("home", "/", False),
        ("dashboard: projects (partial)", "/dashboard", True),
        ("dashboard: project's cycles (partial)", f"/dashboard/projects/{p}", True),
        ("dashboard: the cycle being uploaded to (partial)", f"/dashboard/cycles/{c}", True),
        ("project page", f"/projects/{p}", False),
        ("what is missing", "/missing", False),
        ("audit trail, first page", "/dashboard/audit", False),
    ]
    senders = [Sender(run, i) for i in range(args.senders)]
    with open(os.path.join(args.out, "timeline.jsonl"), "w") as log:
        sampler = asyncio.ensure_future(sample(run, args, senders, log))
        browsing = [asyncio.ensure_future(b.browse(pages)) for b in browsers]
        await asyncio.sleep(args.idle_secs)
        # The peak from here on is the load's (VmHWM reset, as scripts/bench-upload.sh does).
        with open(f"/proc/{args.pid}/clear_refs", "w") as f:
            f.write("5")
        run.phase = "load"
        load_t0 = now()
        cpu0 = proc_cpu(args.pid)
        gen0 = os.times()

        async def staggered(sender):
            await asyncio.sleep(sender.i * args.ramp_secs / max(1, args.senders))
            try:
                await sender.send()
            except Exception as exc:  # the generator's own bug: counted, never hidden
                sender.outcome, sender.error = "failed", f"generator error: {exc!r}"
                raise

        pending = {asyncio.ensure_future(staggered(s)) for s in senders}
        stop_at = None
        while pending:
            _, pending = await asyncio.wait(pending, timeout=1)
            if run.stopping and stop_at is None:
                stop_at = now() + 10
            if stop_at is not None and now() > stop_at:
                # What has not ended 10 s after a stop is cut off (counted unfinished).
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending)
                break
        elapsed = now() - load_t0
        cpu = proc_cpu(args.pid) - cpu0
        gen1 = os.times()
        run.phase = "after"
        run.browsing_over = True
        await asyncio.gather(*browsing)
        run.sampling_over = True
        await sampler
    return run, senders, pages, elapsed, cpu, (gen1.user + gen1.system) - (gen0.user + gen0.system)


def verify(args, senders):
    """Hopper's record of each completed sender's file: completed, with the SHA-256 sent."""
    rows = {}
    for line in psql(args.pg, f"SELECT id, status, coalesce(checksum, '') FROM file_uploads "
                              f"WHERE cycle_id = {args.cycle}").splitlines():
        fid, status, checksum = line.split("\t")
        rows[fid] = (status, checksum)
    wrong = []
    for s in senders:
        if s.outcome != "completed":
            continue
        status, checksum = rows.get(s.file_id or "", ("missing", ""))
        if status != "completed" or checksum != s.content.sha256():
            wrong.append((s.i, s.file_id, status, checksum))
    statuses = {}
    for status, _ in rows.values():
        statuses[status] = statuses.get(status, 0) + 1
    return wrong, statuses


def window_cpu(samples, t):
    inside = [s["cpu_s"] for s in samples if t <= s["t"] <= t + 10]
    return max(inside) - min(inside) if inside else float("nan")


def report(args, run, senders, pages, elapsed, cpu, gen_cpu):
    completed = [s for s in senders if s.outcome == "completed"]
    failed = [s for s in senders if s.outcome == "failed"]
    unfinished = [s for s in senders if s.outcome not in ("completed", "failed")]
    wrong, statuses = verify(args, senders) if args.pg else ([], {})
    load = sorted(ms for phase, _, ms, err, _ in run.pages if phase == "load" and err is None)
    idle = sorted(ms for phase, _, ms, err, _ in run.pages if phase == "idle" and err is None)
    page_errors = [(phase, label, err, t) for phase, label, _, err, t in run.pages if err is not None]
    load_samples = [s for s in run.samples if s["phase"] == "load"]
    peak_hwm = max((s["hwm_mib"] for s in load_samples), default=float("nan"))
    peak_rss = max((s["rss_mib"] for s in load_samples), default=float("nan"))
    rss_before = next((s["rss_mib"] for s in run.samples if s["phase"] == "load"), float("nan"))
    peak_disk = max((s["disk_gb"] for s in run.samples), default=0)
    patches = sum(s.requests["patch"] for s in senders)
    heads = sum(s.requests["head"] for s in senders)
    creates = sum(s.requests["create"] for s in senders)
    durations = sorted(s.ended - s.started for s in completed)
    ideal = run.size / run.rate
    summary = {
        "senders": args.senders, "mib": args.mib, "kibps": args.kibps, "browsers": args.browsers,
        "settings": args.settings, "completed": len(completed), "failed": len(failed),
        "unfinished": len(unfinished), "stop_reason": run.stop_reason,
        "checksums_wrong": len(wrong), "file_rows": statuses,
        "requests": {"create": creates, "patch": patches, "head": heads},
        "failure_counts": run.failure_counts,
        "first_errors": sorted({f"{s.error}" for s in failed + unfinished})[:10],
        "upload_secs": {"ideal": ideal, "median": statistics.median(durations) if durations else None,
                        "max": durations[-1] if durations else None},
        "pages_load": {"n": len(load), "p50": percentile(load, .5), "p95": percentile(load, .95),
                       "p99": percentile(load, .99), "max": load[-1] if load else None},
        "pages_idle": {"n": len(idle), "p50": percentile(idle, .5), "p99": percentile(idle, .99)},
        "page_errors": len(page_errors), "first_page_errors": page_errors[:5],
        "rss_before_mib": rss_before, "peak_rss_mib": peak_rss, "peak_hwm_mib": peak_hwm,
        "hopper_cpu_s": cpu, "generator_cpu_s": gen_cpu, "elapsed_s": elapsed,
        "acked_mib": run.bytes_acked / MIB, "peak_disk_gb": peak_disk,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2, default=str)
    with open(os.path.join(args.out, "pages.jsonl"), "w") as f:
        for phase, label, m, err, t in run.pages:
            f.write(json.dumps({"t": t, "phase": phase, "page": label, "ms": round(m, 2), "error": err}) + "\n")
    with open(os.path.join(args.out, "senders.jsonl"), "w") as f:
        for s in senders:
            f.write(json.dumps({"i": s.i, "outcome": s.outcome, "file": s.file_id, "offset": s.offset,
                                "requests": s.requests, "failures": s.failures, "error": s.error,
                                "secs": None if s.ended is None else round(s.ended - s.started, 1)}) + "\n")

    def ms(x):
        return "–" if x is None or x != x else f"{x:.0f}" if x >= 10 else f"{x:.1f}"

    print(f"{args.senders} senders × {args.mib:g} MiB at {args.kibps:g} KiB/s each, {args.browsers} people browsing; "
          f"Hopper: {args.settings}")
    if run.stop_reason:
        print(f"\n**Stopped early: {run.stop_reason}.**")
    print()
    print("| Uploads ok / failed / unfinished | Requests: creations, PATCHes, HEADs | Upload time median / max (alone: "
          f"{ideal:.0f} s) | Pages while uploading: n, p50 / p95 / p99 / max ms (alone: p50 / p99) | Page errors | "
          "Hopper RSS before → peak (VmHWM) | Hopper CPU s | Generator CPU s | Elapsed |")
    print("|---|---|---|---|---|---|---|---|---|")
    pl, pi = summary["pages_load"], summary["pages_idle"]
    med = summary["upload_secs"]["median"]
    print(f"| {len(completed)} / {len(failed)} / {len(unfinished)} | {creates}, {patches}, {heads} | "
          f"{'–' if med is None else f'{med:.0f} s'} / {'–' if not durations else f'{durations[-1]:.0f} s'} | "
          f"{pl['n']}: {ms(pl['p50'])} / {ms(pl['p95'])} / {ms(pl['p99'])} / {ms(pl['max'])} "
          f"({ms(pi['p50'])} / {ms(pi['p99'])}) | {len(page_errors)} | {rss_before:.0f} → {peak_hwm:.0f} MiB | "
          f"{cpu:.1f} | {gen_cpu:.1f} | {elapsed:.0f} s |")
    print()
    print(f"Bytes Hopper acknowledged: {run.bytes_acked / MIB:.0f} MiB; store's disk use peaked at {peak_disk:.1f} GB; "
          f"checksums differing from the bytes sent: {len(wrong)}; file rows of the cycle: "
          + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + ".")
    if run.failure_counts:
        print()
        print("Requests that failed (what, status or error: count): "
              + "; ".join(f"{k}: {v}" for k, v in sorted(run.failure_counts.items(), key=lambda kv: -kv[1])))
    errors = summary["first_errors"]
    if errors:
        print()
        print("Why uploads did not complete (distinct, first 10):")
        for e in errors:
            print(f"- {e}")
    # When pages were slow: the worst 10-second windows, beside what Hopper was doing.
    windows = {}
    for phase, _, m, err, t in run.pages:
        if phase == "load" and err is None:
            windows.setdefault(int(t // 10) * 10, []).append(m)
    worst = sorted(windows.items(), key=lambda kv: -max(kv[1]))[:5]
    if worst:
        print()
        print("Slowest 10-second windows for pages (seconds since start: n, p99 / max ms; Hopper's CPU in the "
              "window): " + "; ".join(
                  f"{t}–{t + 10} s: {len(ms_)}, {ms(percentile(sorted(ms_), .99))} / {ms(max(ms_))} ms, "
                  f"{window_cpu(run.samples, t):.1f} CPU s"
                  for t, ms_ in sorted(worst)))
    print()
    print("| Page (while uploading) | n | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for label, _, _ in pages:
        times = sorted(m for phase, lab, m, err, _ in run.pages if phase == "load" and lab == label and err is None)
        print(f"| {label} | {len(times)} | {ms(percentile(times, .5))} | {ms(percentile(times, .99))} | "
              f"{ms(times[-1] if times else None)} |")
    return 0 if not failed and not unfinished and not wrong and not page_errors else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="Hopper's address, http://127.0.0.1:PORT")
    parser.add_argument("--pid", type=int, required=True, help="Hopper's process id (RSS, CPU)")
    parser.add_argument("--token", required=True, help="a machine token with the upload scope")
    parser.add_argument("--project", type=int, required=True)
    parser.add_argument("--cycle", type=int, required=True)
    parser.add_argument("--users", required=True, help="a file of 'username one-time-password' lines")
    parser.add_argument("--senders", type=int, default=1000)
    parser.add_argument("--mib", type=float, default=50)
    parser.add_argument("--kibps", type=float, default=64)
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a browser's pages")
    parser.add_argument("--idle-secs", type=float, default=20, help="browsing alone first, for reference")
    parser.add_argument("--ramp-secs", type=float, default=10, help="the senders start spread over this")
    parser.add_argument("--retry-delays", default="0,1,3,5", help="seconds (tus-js-client's default)")
    parser.add_argument("--answer-timeout", type=float, default=600, help="wait for a PATCH's answer after its body")
    parser.add_argument("--max-secs", type=float, default=None, help="stop the load after (default 3 × ideal + 300)")
    parser.add_argument("--max-disk-gb", type=float, default=20)
    parser.add_argument("--max-rss-mib", type=float, default=12000)
    parser.add_argument("--disk-path", required=True, help="the directory of the store (its disk use is watched)")
    parser.add_argument("--pg", default=None, help="Hopper's database, to check what it recorded")
    parser.add_argument("--settings", default="", help="Hopper's settings, for the report")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.max_secs is None:
        args.max_secs = 3 * args.mib * MIB / (args.kibps * KIB) + args.ramp_secs + args.idle_secs + 300
    run, senders, pages, elapsed, cpu, gen_cpu = asyncio.run(main_async(args))
    sys.exit(report(args, run, senders, pages, elapsed, cpu, gen_cpu))


if __name__ == "__main__":
    main()

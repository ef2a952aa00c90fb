"""The soak's load through HAProxy, for --seconds: people in browsers sending the upload
form (no JavaScript: the plain form, retried whole after a failure), tus clients (one
PATCH per file, throttled; HEAD and resume after a failure), `hopper sync` of new
folders (run again until it exits 0, as a cron job would) and senders through an upload
link (its form, retried whole). Then it drains: nothing new starts, what is in flight
finishes at full speed, and a tus upload that cannot finish in time is terminated.

Every request and every file is a line in --records (see web.Recorder); the report
reads them beside HAProxy's log and the database.

Usage: load.py --setup FILE --seconds N --hopper BIN --records FILE --work DIR
"""

import argparse
import hashlib
import json
import os
import random
import subprocess
import threading
import time
import uuid

from tus import TusUpload
from web import Browser, Recorder, csrf_of, file_bytes, outcomes_of, signed_in

KIB, MIB = 1024, 1024 * 1024
# Bytes a second per client while the load runs (a home uplink): requests are in flight
# for seconds, so a kill cuts some. Draining, they go as fast as they can.
TUS_RATE = MIB // 2
FORM_RATE = MIB
DRAIN_SECS = 45


class Soak:
    def __init__(self, setup, seconds, hopper, recorder, work):
        self.setup, self.hopper, self.recorder, self.work = setup, hopper, recorder, work
        self.base = setup["base"]
        self.load_ends = time.time() + seconds
        self.drain_ends = self.load_ends + DRAIN_SECS

    def loading(self):
        return time.time() < self.load_ends

    def file(self, kind, name, data, stored, attempts, **extra):
        self.recorder.write(type="file", kind=kind, name=name, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), stored=stored,
                            attempts=attempts, **extra)


def send_form(soak, browser, kind, page_path, post_path, files):
    """Sends the files in one form, again and again until a receipt lists each as
    uploaded (or skipped: an earlier try stored it); returns the tries, 0 if never."""
    backoff = 1
    for attempt in range(1, 20):
        if time.time() >= soak.drain_ends:
            return attempt - 1, False
        token = csrf_of(browser.get(page_path, "upload page"))
        if token:
            answer = browser.post_files(post_path, f"{kind} form upload", {"csrf_token": token}, files,
                                        lambda: FORM_RATE if soak.loading() else None)
            if answer is not None and answer.status_code == 200:
                counts = outcomes_of(answer)
                if counts.get("completed", 0) + counts.get("skipped", 0) == len(files):
                    return attempt, True
        time.sleep(backoff)
        backoff = min(backoff * 2, 8)
    return 19, False


def form_files(kind, who):
    count = random.randint(1, 3)
    # Mostly small; now and then a few MiB, or one past the part size (multipart).
    sizes = [random.choice((random.randint(16 * KIB, 512 * KIB),) * 3 + (random.randint(1 * MIB, 3 * MIB), 6 * MIB + 123))
             for _ in range(count)]
    return [(f"{kind}/{who}/{uuid.uuid4().hex[:12]}.bin", file_bytes(kind, size)) for size in sizes]


def browser_worker(soak, user):
    browser = signed_in(soak.base, soak.recorder, "browser", user["username"], user["password"])
    s = soak.setup
    upload = f"/projects/{s['project']}/cycles/{s['cycle']}/upload"
    round_ = 0
    while soak.loading():
        round_ += 1
        browser.get("/", "page")
        if round_ % 3 == 0:
            browser.get("/dashboard", "page")
            browser.get(f"/projects/{s['project']}", "page")
        files = form_files("browser", user["username"])
        tries, stored = send_form(soak, browser, "browser", upload, upload, files)
        for name, data in files:
            soak.file("browser", name, data, stored, tries)
        time.sleep(random.uniform(2.0, 5.0))


def link_worker(soak):
    link = soak.setup["link"]
    sender = Browser(soak.base, soak.recorder, "link")
    while True:
        page = sender.get(link, "link page")
        token = csrf_of(page)
        if token:
            who = sender.post(link, {"csrf_token": token, "name": "Vera Sender",
                                     "email": "vera@sender.test", "pin": ""}, "link identify")
            if who is not None and who.status_code == 303:
                break
        if not soak.loading():
            return
        time.sleep(1)
    while soak.loading():
        files = form_files("link", "vera")
        tries, stored = send_form(soak, sender, "link", link, f"{link}/upload", files)
        for name, data in files:
            soak.file("link", name, data, stored, tries)
        time.sleep(random.uniform(3.0, 6.0))


def tus_worker(soak, n):
    s = soak.setup
    while soak.loading():
        name = f"tus/{n}/{uuid.uuid4().hex[:12]}.bin"
        data = file_bytes("tus", random.randint(6 * MIB, 16 * MIB))
        upload = TusUpload(soak.base, s["tus_token"], soak.recorder, s["cycle"], name, data)
        outcome = "not created"
        if upload.create(soak.drain_ends):
            outcome = upload.send(lambda: TUS_RATE if soak.loading() else None, soak.drain_ends)
            if outcome == "unfinished":
                outcome = "terminated" if upload.terminate(soak.drain_ends + 75) else "left open"
        soak.file("tus", name, data, outcome == "completed", len(upload.patches), upload=upload.location,
                  outcome=outcome, patches=upload.patches, created=upload.created_ids)
        time.sleep(random.uniform(0.2, 1.0))


def sync_worker(soak):
    s = soak.setup
    round_ = 0
    while soak.loading():
        round_ += 1
        folder = os.path.join(soak.work, f"sync-{round_}")
        files = []
        for i in range(random.randint(3, 8)):
            size = random.choice((random.randint(16 * KIB, MIB), 7 * MIB + 17)) if i == 0 else random.randint(16 * KIB, MIB)
            name = f"sync/r{round_}/f{i}.bin"
            data = file_bytes("sync", size)
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            files.append((name, data))
        runs, exits = 0, []
        while time.time() < soak.drain_ends and runs < 10:
            runs += 1
            started = time.monotonic()
            with open(os.path.join(soak.work, f"sync-{round_}.log"), "ab") as log:
                try:
                    code = subprocess.run(
                        [soak.hopper, "sync", folder, "--server", soak.base, "--project", str(s["project"]),
                         "--cycle", str(s["cycle"]), "--json"],
                        env={**os.environ, "HOPPER_TOKEN": s["sync_token"], "NO_COLOR": "1"},
                        stdout=log, stderr=log, timeout=max(5, soak.drain_ends - time.time()),
                    ).returncode
                except subprocess.TimeoutExpired:
                    code = "timeout"
            exits.append(code)
            soak.recorder.write(type="sync run", round=round_, exit=code, secs=time.monotonic() - started)
            if code == 0:
                break
            time.sleep(min(2 ** runs, 10))
        for name, data in files:
            soak.file("sync", name, data, exits[-1:] == [0], runs, exits=exits)
        time.sleep(random.uniform(4.0, 8.0))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--hopper", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    with open(args.setup) as f:
        setup = json.load(f)
    os.makedirs(args.work, exist_ok=True)
    soak = Soak(setup, args.seconds, args.hopper, Recorder(args.records), args.work)
    failed = []

    def guarded(name, work, *args):
        def run():
            try:
                work(soak, *args)
            except Exception as exc:  # a client's own bug: recorded, and the run fails
                soak.recorder.write(type="worker failed", worker=name, error=repr(exc))
                failed.append(name)
        return threading.Thread(target=run, name=name, daemon=True)

    workers = [guarded(u["username"], browser_worker, u) for u in setup["uploaders"]]
    workers += [guarded(f"tus-{n}", tus_worker, n) for n in range(3)]
    workers += [guarded("sync", sync_worker), guarded("link", link_worker)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=max(1, soak.drain_ends + 90 - time.time()))
    stuck = [w.name for w in workers if w.is_alive()]
    soak.recorder.write(type="load ended", failed=failed, stuck=stuck)
    raise SystemExit(1 if failed or stuck else 0)


if __name__ == "__main__":
    main()

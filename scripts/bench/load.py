"""Hold under load: page loads and 20 MiB uploads through Hopper, first alone, then while
slow clients attack (each opens an upload and trickles one byte every two seconds,
reconnecting whenever Hopper cuts it off). Prints a Markdown table for BENCHMARKS.md.

Usage: load.py APP_URL COOKIE_JAR CSRF UPLOAD_PATH APP_PID
Environment: LOAD_UPLOADERS (4), LOAD_ATTACKERS (20), LOAD_PHASE_SECS (45).
"""

import http.client
import os
import socket
import statistics
import sys
import threading
import time
import urllib.parse
import uuid

APP, JAR, CSRF, UPLOAD, PID = sys.argv[1:6]
UPLOADERS = int(os.environ.get("LOAD_UPLOADERS", "4"))
ATTACKERS = int(os.environ.get("LOAD_ATTACKERS", "20"))
PHASE_SECS = float(os.environ.get("LOAD_PHASE_SECS", "45"))
HOST = urllib.parse.urlparse(APP).hostname
PORT = urllib.parse.urlparse(APP).port
MIB = 1024 * 1024


def cookie_header():
    pairs = []
    for line in open(JAR):
        line = line.strip()
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_"):]
        elif not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) == 7:
            pairs.append(f"{fields[5]}={fields[6]}")
    return "; ".join(pairs)


COOKIE = cookie_header()


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def rss_mib():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def page_load():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    start = time.monotonic()
    conn.request("GET", "/", headers={"Cookie": COOKIE})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.monotonic() - start


def upload_20_mib():
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
        f"filename=\"load-{uuid.uuid4().hex}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + os.urandom(20 * MIB) + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection(HOST, PORT, timeout=300)
    start = time.monotonic()
    conn.request(
        "POST",
        UPLOAD,
        body=body,
        headers={
            "Cookie": COOKIE,
            "X-CSRF-Token": CSRF,
            "HX-Request": "true",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    response = conn.getresponse()
    text = response.read().decode(errors="replace")
    conn.close()
    ok = response.status == 200 and "file-completed" in text
    return ok, time.monotonic() - start


class Attacker(threading.Thread):
    """Opens an upload and trickles a byte every two seconds; reconnects when cut off."""

    def __init__(self, stop, answers):
        super().__init__(daemon=True)
        self.stop, self.answers = stop, answers

    def run(self):
        while not self.stop.is_set():
            boundary = uuid.uuid4().hex
            head = (
                f"POST {UPLOAD} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nCookie: {COOKIE}\r\n"
                f"X-CSRF-Token: {CSRF}\r\nHX-Request: true\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {100 * MIB}\r\n\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"slow-{uuid.uuid4().hex}.bin\"\r\n\r\n"
            ).encode()
            try:
                sock = socket.create_connection((HOST, PORT), timeout=5)
                sock.sendall(head)
                sock.settimeout(0.01)
                while not self.stop.is_set():
                    try:
                        answer = sock.recv(64)
                        if answer:
                            self.answers.append(answer.split(b" ")[1].decode())
                        break
                    except socket.timeout:
                        pass
                    sock.sendall(b"x")
                    self.stop.wait(2)
                sock.close()
            except OSError:
                self.answers.append("reset")
                time.sleep(0.5)


def phase(attackers):
    stop = threading.Event()
    answers = []
    threads = [Attacker(stop, answers) for _ in range(attackers)]
    for t in threads:
        t.start()
    if attackers:
        time.sleep(3)  # let them take what they can
    pages, uploads, failures, peak = [], [], [0], [rss_mib()]
    done = threading.Event()

    def sample_pages():
        while not done.is_set():
            status, secs = page_load()
            if status == 200:
                pages.append(secs)
            peak[0] = max(peak[0], rss_mib())
            time.sleep(0.1)

    def uploader():
        end = time.monotonic() + PHASE_SECS
        while time.monotonic() < end:
            ok, secs = upload_20_mib()
            if ok:
                uploads.append(secs)
            else:
                failures[0] += 1

    sampler = threading.Thread(target=sample_pages, daemon=True)
    sampler.start()
    workers = [threading.Thread(target=uploader) for _ in range(UPLOADERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    sampler.join()
    stop.set()
    for t in threads:
        t.join(timeout=5)
    return pages, uploads, failures[0], peak[0], answers


def main():
    quiet = phase(0)
    attacked = phase(ATTACKERS)
    print(
        f"{UPLOADERS} uploaders sending 20 MiB files for {PHASE_SECS:.0f} s, with and without "
        f"{ATTACKERS} slow clients (one byte every 2 s, reconnecting when cut off)."
    )
    print()
    print("| Measure | Alone p50 | Alone p99 | Under attack p50 | Under attack p99 | Ratio p50 | Ratio p99 |")
    print("|---|---|---|---|---|---|---|")
    for label, a, b in (("Page load (GET /)", quiet[0], attacked[0]), ("20 MiB upload", quiet[1], attacked[1])):
        a50, a99, b50, b99 = (percentile(a, 50), percentile(a, 99), percentile(b, 50), percentile(b, 99))
        unit = 1000 if label.startswith("Page") else 1
        fmt = (lambda v: f"{v * 1000:.1f} ms") if unit == 1000 else (lambda v: f"{v:.2f} s")
        print(f"| {label} | {fmt(a50)} | {fmt(a99)} | {fmt(b50)} | {fmt(b99)} | {b50 / a50:.2f} | {b99 / a99:.2f} |")
    print()
    print(
        f"Samples: {len(quiet[0])} / {len(attacked[0])} page loads, {len(quiet[1])} / {len(attacked[1])} uploads; "
        f"failed uploads {quiet[2]} / {attacked[2]}. Peak RSS {quiet[3]:.0f} MiB alone, {attacked[3]:.0f} MiB under attack."
    )
    counts = {}
    for answer in attacked[4]:
        counts[answer] = counts.get(answer, 0) + 1
    print(f"What the slow clients got: {dict(sorted(counts.items()))}.")


main()

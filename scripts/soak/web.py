"""What the soak's clients share: a recorder of every request (one JSON line each, with
the id HAProxy logs beside the node it chose), browser sessions that keep cookies, and
the few page scrapes the clients need (CSRF tokens, one-time secrets, receipts)."""

import json
import os
import re
import threading
import time
import uuid

import requests


CHUNK = 64 * 1024


class Throttled:
    """A request body read at most `rate()` bytes a second (`None`: as fast as it goes;
    asked at every chunk, so a draining load lets a request in flight speed up)."""

    def __init__(self, data, rate):
        self.data = memoryview(data)
        self.rate = rate
        self.sent = 0
        self.started = time.monotonic()

    def __len__(self):
        return len(self.data)

    def read(self, size=-1):
        size = CHUNK if size is None or size < 0 else min(size, CHUNK)
        rate = self.rate()
        if rate:
            due = self.started + self.sent / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        chunk = self.data[self.sent:self.sent + size]
        self.sent += len(chunk)
        return bytes(chunk)


class Recorder:
    """Appends one JSON object per line to the records file, from any thread."""

    def __init__(self, path):
        self.file = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def write(self, **record):
        record.setdefault("t", time.time())
        line = json.dumps(record, separators=(",", ":"))
        with self.lock:
            self.file.write(line + "\n")


def soak_id():
    """A request's id: sent as X-Soak-Id, captured in HAProxy's log line."""
    return uuid.uuid4().hex[:20]


def failure_of(exc):
    """A short, stable name for a client-side failure (a connection reset, a timeout…)."""
    text = f"{type(exc).__name__}: {exc}"
    for pattern, name in (
        (r"Connection reset|ECONNRESET|reset by peer", "connection reset"),
        (r"Broken pipe|EPIPE", "broken pipe"),
        (r"RemoteDisconnected|closed connection without response|IncompleteRead|ChunkedEncodingError|ProtocolError", "connection closed"),
        (r"timed out|Timeout", "timeout"),
        (r"Connection refused", "connection refused"),
    ):
        if re.search(pattern, text):
            return name
    return text[:120]


class Browser:
    """A person's browser: cookies kept, redirects not followed (each answer is looked at),
    every request recorded with its kind (`browser`, `link`, `setup`)."""

    def __init__(self, base, recorder, kind):
        self.base = base.rstrip("/")
        self.recorder = recorder
        self.kind = kind
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "hopper-soak/1.0 (browser)"

    def request(self, method, path, op, timeout=120, **kwargs):
        """One request; returns the response, or None when the connection failed (the
        failure is recorded either way)."""
        rid = soak_id()
        headers = kwargs.pop("headers", {})
        headers["X-Soak-Id"] = rid
        started = time.monotonic()
        try:
            response = self.http.request(
                method, self.base + path, headers=headers, allow_redirects=False, timeout=timeout, **kwargs
            )
            response.content  # the whole answer, inside the measured time
        except requests.RequestException as exc:
            self.recorder.write(
                type="request", kind=self.kind, op=op, id=rid, status=None,
                error=failure_of(exc), ms=(time.monotonic() - started) * 1000,
            )
            return None
        self.recorder.write(
            type="request", kind=self.kind, op=op, id=rid, status=response.status_code,
            ms=(time.monotonic() - started) * 1000, node=response.headers.get("X-Served-By"),
        )
        return response

    def get(self, path, op="page"):
        return self.request("GET", path, op)

    def post(self, path, fields, op="form"):
        return self.request("POST", path, op, data=fields)

    def post_files(self, path, op, fields, files, rate):
        """A form with files as a browser sends it (multipart, fields first), its body
        sent at most `rate()` bytes a second."""
        boundary = uuid.uuid4().hex
        body = bytearray()
        for name, value in fields.items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, data in files:
            body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n").encode()
            body += data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.request("POST", path, op, timeout=300, data=Throttled(bytes(body), rate),
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response):
    match = CSRF.search(response.text) if response is not None else None
    return match.group(1) if match else None


def secret_of(response, element_id):
    """The text of `<p class="secret" id="…">` (a one-time password, a new token)."""
    match = re.search(rf'id="{element_id}">([^<]+)<', response.text)
    return match.group(1).strip() if match else None


OUTCOME = re.compile(r'\bfile-(completed|skipped|failed|uploading|scanning|quarantined)\b')


def outcomes_of(response):
    """How many files of each outcome a receipt lists."""
    counts = {}
    for outcome in OUTCOME.findall(response.text):
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def file_bytes(kind, size):
    """A file's content: a line of text first (so that no file sniffs as another type by
    chance), then random bytes; every file differs from every other."""
    head = f"hopper soak {kind} {uuid.uuid4()}\n".encode()
    return head + os.urandom(max(0, size - len(head)))


def signed_in(base, recorder, kind, username, password, new_password=None):
    """A browser signed in as `username`; with `new_password`, also through the forced
    password change of a first sign-in. Retried like a person would when a node dies."""
    for attempt in range(20):
        browser = Browser(base, recorder, kind)
        token = csrf_of(browser.get("/login", "sign-in"))
        fields = {"csrf_token": token, "username": username, "password": password}
        answer = browser.post("/login", fields, "sign-in") if token else None
        if answer is not None and answer.status_code == 303:
            if answer.headers.get("Location") == "/account/password" and new_password:
                form = browser.get("/account/password", "sign-in")
                changed = browser.post(
                    "/account/password",
                    {
                        "csrf_token": csrf_of(form) or "",
                        "current_password": password,
                        "new_password": new_password,
                        "confirm_password": new_password,
                    },
                    "sign-in",
                )
                if changed is None or changed.status_code != 303:
                    raise RuntimeError(f"password change of {username}: {changed and changed.status_code} {changed and changed.text[:300]}")
            return browser
        time.sleep(min(2 ** attempt * 0.2, 3))
    raise RuntimeError(f"cannot sign in as {username}")

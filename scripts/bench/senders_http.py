"""HTTP/1.1 over asyncio streams for the senders' benchmark (scripts/bench/senders.py):
one request on a connection of its own (the tus clients), and a browser that keeps its
connection and cookies, signs in through the first-time password change and times every
page it fetches."""

import asyncio
import random
import re
import time
import urllib.parse


def now():
    return time.monotonic()

class HttpError(Exception):
    """A request that got no answer (connection refused, reset, closed, timed out)."""


def failure_name(exc):
    text = f"{type(exc).__name__}: {exc}"
    for pattern, name in (
        (r"Connection reset|reset by peer", "connection reset"),
        (r"Broken pipe", "broken pipe"),
        (r"IncompleteRead|closed|EOF", "connection closed"),
        (r"Timeout|timed out", "timeout"),
        (r"refused", "connection refused"),
    ):
        if re.search(pattern, text):
            return name
    return text[:120]


async def read_head(reader):
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            if key == "set-cookie":
                headers.setdefault(key, []).append(value.strip())
            else:
                headers[key] = value.strip()
    return status, headers


async def read_body(reader, status, headers, method):
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return b""
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return bytes(body)
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    return await reader.read()


async def read_response(reader, method):
    status, headers = await read_head(reader)
    body = await read_body(reader, status, headers, method)
    return status, headers, body


def request_head(method, path, host, headers):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def one_request(run, method, path, headers, body=b"", timeout=120):
    """One request on a connection of its own (closed after); (status, headers, body)."""
    headers = {**headers, "Connection": "close"}
    if body or method in ("POST", "PATCH"):
        headers["Content-Length"] = str(len(body))
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(run.host, run.port), 30)
    except (OSError, asyncio.TimeoutError) as exc:
        raise HttpError(failure_name(exc)) from exc
    try:
        writer.write(request_head(method, path, run.hostport, headers) + body)
        await writer.drain()
        return await asyncio.wait_for(read_response(reader, method), timeout)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError) as exc:
        raise HttpError(failure_name(exc)) from exc
    finally:
        writer.close()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    def __init__(self, run, username, password):
        self.run, self.username, self.password = run, username, password
        self.cookies = {}
        self.conn = None

    async def request(self, method, path, form=None, headers=None):
        headers = dict(headers or {})
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body or method == "POST":
            headers["Content-Length"] = str(len(body))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            fresh = self.conn is None
            try:
                if fresh:
                    self.conn = await asyncio.wait_for(asyncio.open_connection(self.run.host, self.run.port), 30)
                reader, writer = self.conn
                writer.write(request_head(method, path, self.run.hostport, headers) + body)
                await writer.drain()
                status, answer, data = await asyncio.wait_for(read_response(reader, method), 120)
                break
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError) as exc:
                if self.conn is not None:
                    self.conn[1].close()
                self.conn = None
                # A kept-alive connection the server closed meanwhile: once more on a new one.
                if fresh or attempt == 2:
                    raise HttpError(failure_name(exc)) from exc
        for cookie in answer.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        if answer.get("connection", "").lower() == "close":
            self.conn[1].close()
            self.conn = None
        return status, answer, data.decode("utf-8", "replace")

    async def sign_in(self, once, new_password):
        """The first sign-in, with the one-time password, through the forced change."""
        _, _, page = await self.request("GET", "/login")
        token = CSRF.search(page).group(1)
        status, headers, _ = await self.request("POST", "/login", {
            "csrf_token": token, "username": self.username, "password": once})
        if status != 303:
            raise RuntimeError(f"sign-in of {self.username} answered {status}")
        if headers.get("location") == "/account/password":
            _, _, page = await self.request("GET", "/account/password")
            token = CSRF.search(page).group(1)
            status, _, body = await self.request("POST", "/account/password", {
                "csrf_token": token, "current_password": once,
                "new_password": new_password, "confirm_password": new_password})
            if status != 303:
                raise RuntimeError(f"password change of {self.username} answered {status}: {body[:300]}")

    async def browse(self, pages):
        run = self.run
        turn = random.randrange(len(pages))
        while not run.browsing_over:
            label, path, partial = pages[turn % len(pages)]
            turn += 1
            phase = run.phase
            started = now()
            try:
                status, _, _ = await self.request("GET", path, headers={"HX-Request": "true"} if partial else None)
                error = None if status == 200 else f"HTTP {status}"
            except HttpError as exc:
                error = str(exc)
            ms = (now() - started) * 1000
            run.pages.append((phase, label, ms, error, round(started - run.t0, 1)))
            await asyncio.sleep(random.uniform(0.5, 1.5) * run.think)


"""A tus sender of the senders' benchmark (scripts/bench/senders.py), as tus-js-client
behaves with its default options: a creation, then the rest of the file in one PATCH,
throttled by a token bucket; after an error its retryDelays (the attempts count again once
the offset moved), HEAD and a new PATCH from the offset the server holds."""

import asyncio
import base64
import hashlib
import json
import urllib.parse

from senders_http import HttpError, failure_name, now, one_request, read_response, request_head

KIB, MIB = 1024, 1024 * 1024
BLOCK = 64 * KIB
POOL = 4 * MIB


class Content:
    """Sender i's file: 64 KiB blocks, each a text line naming the sender and the block,
    then bytes of the shared random pool; hashed once, in order, as it is first sent."""

    def __init__(self, pool, sender, length):
        self.pool, self.sender, self.length = pool, sender, length
        self.hasher = hashlib.sha256()
        self.hashed = 0
        self.cached = (None, b"")

    def block(self, k):
        if self.cached[0] == k:
            return self.cached[1]
        head = f"hopper senders {self.sender:06d} block {k:09d}\n".encode()
        start = (k * 7919 + self.sender * 104729) % (POOL - BLOCK)
        block = head + self.pool[start:start + BLOCK - len(head)]
        self.cached = (k, block)
        return block

    def read(self, offset, n):
        out = bytearray()
        while n > 0:
            k, within = divmod(offset, BLOCK)
            block = self.block(k)
            take = min(n, BLOCK - within, self.length - offset)
            out += block[within:within + take]
            offset += take
            n -= take
        return bytes(out)

    def sent(self, offset, data):
        """Hashes what lies beyond what was hashed already (a resend is not hashed again)."""
        end = offset + len(data)
        if offset <= self.hashed < end:
            self.hasher.update(memoryview(data)[self.hashed - offset:])
            self.hashed = end

    def sha256(self):
        if self.hashed < self.length:  # never sent to the end: hash the rest
            self.sent(self.hashed, self.read(self.hashed, self.length - self.hashed))
        return self.hasher.hexdigest()


class Bucket:
    """A token bucket: at most `rate` bytes a second, bursts of one chunk."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.last = 0.0, now()

    def refill(self):
        t = now()
        self.tokens = min(self.burst, self.tokens + (t - self.last) * self.rate)
        self.last = t

    async def take(self, n):
        self.refill()
        if self.tokens < n:
            await asyncio.sleep((n - self.tokens) / self.rate)
            self.refill()
        self.tokens -= n


class TusFailed(Exception):
    def __init__(self, what, status=None, detail=""):
        super().__init__(f"{what}: {status if status is not None else ''} {detail}".strip())
        self.what, self.status, self.detail = what, status, detail

    def retryable(self):
        # tus-js-client's defaultOnShouldRetry: no answer, not a 4xx, or a 409/423.
        return self.status is None or not 400 <= self.status < 500 or self.status in (409, 423)


def problem_of(body):
    """A problem's code and sentence, or the body's first characters."""
    try:
        doc = json.loads(body)
        return f"{doc.get('code', '')} {doc.get('detail') or doc.get('title', '')}".strip()[:200]
    except (ValueError, AttributeError):
        return body[:200].decode("utf-8", "replace").strip()


class Sender:
    def __init__(self, run, i):
        self.run, self.i = run, i
        self.length = run.size
        self.content = Content(run.pool, i, self.length)
        self.bucket = Bucket(run.rate, run.chunk)
        self.url = None
        self.file_id = None
        self.offset = 0
        self.offset_before_retry = 0
        self.attempt = 0
        self.outcome = None  # "completed", "failed", "unfinished"
        self.error = None
        self.requests = {"create": 0, "patch": 0, "head": 0}
        self.failures = []  # (t, what, status, detail)
        self.started = self.ended = None

    def auth(self):
        return {"Authorization": f"Bearer {self.run.token}", "Tus-Resumable": "1.0.0"}

    async def create(self):
        self.requests["create"] += 1
        meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in (
            ("filename", f"senders/s{self.i:06d}.bin"), ("cycle", str(self.run.cycle))))
        try:
            status, headers, body = await one_request(self.run, "POST", "/uploads/tus", {
                **self.auth(), "Upload-Length": str(self.length), "Upload-Metadata": meta})
        except HttpError as exc:
            raise TusFailed("create", None, str(exc)) from exc
        if status != 201 or "location" not in headers:
            raise TusFailed("create", status, problem_of(body))
        self.url = urllib.parse.urlsplit(headers["location"]).path
        self.file_id = headers.get("hopper-file")
        self.offset = 0

    async def head(self):
        self.requests["head"] += 1
        try:
            status, headers, body = await one_request(self.run, "HEAD", self.url, self.auth())
        except HttpError as exc:
            raise TusFailed("head", None, str(exc)) from exc
        if status == 423:
            raise TusFailed("head", status, "locked")
        if 400 <= status < 500:
            # tus-js-client: the upload is gone; it creates a new one.
            self.url = None
            await self.create()
            return
        if status != 200:
            raise TusFailed("head", status, problem_of(body))
        self.offset = int(headers["upload-offset"])

    async def patch(self):
        """The rest of the file in one PATCH, throttled; the offset the server answers."""
        self.requests["patch"] += 1
        run, start = self.run, self.offset
        remaining = self.length - start
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(run.host, run.port), 30)
        except (OSError, asyncio.TimeoutError) as exc:
            raise TusFailed("patch", None, failure_name(exc)) from exc
        answer = None
        try:
            writer.write(request_head("PATCH", self.url, run.hostport, {
                **self.auth(), "Upload-Offset": str(start), "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(remaining), "Connection": "close"}))
            answer = asyncio.ensure_future(read_response(reader, "PATCH"))
            sent = 0
            while sent < remaining and not answer.done() and not run.stopping:
                n = min(run.chunk, remaining - sent)
                await self.bucket.take(n)
                if answer.done():
                    break
                data = self.content.read(start + sent, n)
                self.content.sent(start + sent, data)
                writer.write(data)
                if writer.transport.get_write_buffer_size() > 0:
                    # Hopper is not reading (waiting for a part buffer, sending a part):
                    # wait for it, or for its answer, whichever comes first.
                    drained = asyncio.ensure_future(writer.drain())
                    await asyncio.wait({drained, answer}, return_when=asyncio.FIRST_COMPLETED)
                    if not drained.done():
                        drained.cancel()
                        break
                    drained.result()
                sent += n
                run.bytes_sent += n
            if run.stopping and not answer.done():
                raise TusFailed("patch", None, "stopped by the benchmark")
            status, headers, body = await asyncio.wait_for(answer, run.answer_timeout)
        except TusFailed:
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError) as exc:
            # The server may have answered before it closed (a 503 while the body was sent).
            if answer is not None and answer.done() and not answer.cancelled() and answer.exception() is None:
                status, headers, body = answer.result()
            else:
                raise TusFailed("patch", None, failure_name(exc)) from exc
        finally:
            if answer is not None and not answer.done():
                answer.cancel()
            writer.close()
        if status == 204 and "upload-offset" in headers:
            self.offset = int(headers["upload-offset"])
            run.bytes_acked += self.offset - start
            return
        raise TusFailed("patch", status, problem_of(body))

    async def send(self):
        self.started = now()
        while not self.run.stopping:
            try:
                if self.url is None:
                    await self.create()
                else:
                    await self.head()
                while self.offset < self.length:
                    await self.patch()
                self.outcome = "completed"
                break
            except TusFailed as exc:
                self.failures.append((round(now() - self.run.t0, 1), exc.what, exc.status, exc.detail))
                self.run.failure_counts[f"{exc.what} {exc.status or exc.detail}"] = \
                    self.run.failure_counts.get(f"{exc.what} {exc.status or exc.detail}", 0) + 1
                if self.run.stopping:
                    self.outcome, self.error = "unfinished", str(exc)
                    break
                # tus-js-client's _emitError: the attempts start again once the offset moved.
                if self.offset > self.offset_before_retry:
                    self.attempt = 0
                if not exc.retryable() or self.attempt >= len(self.run.retry_delays):
                    self.outcome, self.error = "failed", str(exc)
                    break
                delay = self.run.retry_delays[self.attempt]
                self.attempt += 1
                self.offset_before_retry = self.offset
                await asyncio.sleep(delay)
        self.ended = now()
        self.run.finished += 1

"""A tus 1.0 client as a careful program writes one: it creates an upload, sends the rest
of the file in one PATCH (throttled, so that requests are in flight when a node dies),
and after a failure asks HEAD for the offset and goes on from there, wherever HAProxy
sends it. Every request is recorded with its id; the upload's record lists its PATCHes
(which node took each, which broke) for the report's count of resumptions."""

import base64
import hashlib
import http.client
import time
import urllib.parse

from web import Throttled, failure_of, soak_id

def metadata(pairs):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


class TusUpload:
    def __init__(self, base, token, recorder, cycle, name, data):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.token, self.recorder = token, recorder
        self.cycle, self.name, self.data = cycle, name, data
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.location = None
        self.offset = 0
        self.patches = []  # {"id", "node", "ok", "error", "from", "to"}
        self.created_ids = []

    def call(self, method, path, op, headers=None, body=None, timeout=60):
        """(request id, status, headers), or (request id, None, the failure's name)."""
        rid = soak_id()
        headers = dict(headers or {})
        headers.update({"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {self.token}", "X-Soak-Id": rid})
        if body is not None:
            headers["Content-Length"] = str(len(body))
        started = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            try:
                conn.request(method, path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                # The server answered before taking the whole body (a 423, a 409) and
                # closed: its answer may be waiting to be read.
                pass
            response = conn.getresponse()
            response.read()
            status, answer = response.status, response.headers
            node = answer.get("X-Served-By")
            self.recorder.write(type="request", kind="tus", op=op, id=rid, status=status,
                                ms=(time.monotonic() - started) * 1000, node=node)
            return rid, status, answer
        except (OSError, http.client.HTTPException) as exc:
            failure = failure_of(exc)
            self.recorder.write(type="request", kind="tus", op=op, id=rid, status=None, error=failure,
                                ms=(time.monotonic() - started) * 1000)
            return rid, None, failure
        finally:
            conn.close()

    def create(self, give_up_at):
        backoff = 0.5
        while time.time() < give_up_at:
            rid, status, answer = self.call("POST", "/uploads/tus", "tus create", headers={
                "Upload-Length": str(len(self.data)),
                "Upload-Metadata": metadata({"filename": self.name, "cycle": str(self.cycle), "sha256": self.sha256}),
            })
            self.created_ids.append(rid)
            if status == 201:
                self.location = urllib.parse.urlparse(answer["Location"]).path
                return True
            time.sleep(backoff)
            backoff = min(backoff * 2, 5)
        return False

    def head(self, give_up_at):
        """The offset the server holds, asked until it answers; None if the upload is gone."""
        backoff = 0.5
        while time.time() < give_up_at:
            _, status, answer = self.call("HEAD", self.location, "tus head")
            if status == 200:
                return int(answer["Upload-Offset"])
            if status in (404, 410):
                return None
            time.sleep(backoff)
            backoff = min(backoff * 2, 5)
        return self.offset

    def send(self, rate_of, give_up_at):
        """Sends until the server holds every byte. `rate_of()`: the throttle now (None once
        the load is draining). Returns "completed", "gone" or "unfinished"."""
        backoff = 0.5
        while self.offset < len(self.data):
            if time.time() >= give_up_at:
                return "unfinished"
            start = self.offset
            body = Throttled(self.data[start:], rate_of)
            rid, status, answer = self.call("PATCH", self.location, "tus patch", headers={
                "Upload-Offset": str(start), "Content-Type": "application/offset+octet-stream",
            }, body=body, timeout=120)
            patch = {"id": rid, "from": start, "status": status}
            if status == 204:
                self.offset = int(answer["Upload-Offset"])
                patch.update(ok=True, node=answer.get("X-Served-By"), to=self.offset)
                self.patches.append(patch)
                backoff = 0.5
                continue
            patch.update(ok=False, error=answer if status is None else f"HTTP {status}")
            self.patches.append(patch)
            if status in (404, 410):
                return "gone"
            if status != 423:
                # Broken or refused: ask where the upload stands, after a pause.
                time.sleep(backoff)
                offset = self.head(give_up_at)
                if offset is None:
                    return "gone"
                self.offset = offset
            else:
                # Another writer (a dead node's) still holds it: wait and try again.
                time.sleep(backoff)
            backoff = min(backoff * 2, 5)
        return "completed"

    def terminate(self, give_up_at):
        backoff = 1
        while time.time() < give_up_at:
            _, status, _ = self.call("DELETE", self.location, "tus delete")
            if status in (204, 404, 410):
                return True
            time.sleep(backoff)
            backoff = min(backoff * 2, 5)
        return False

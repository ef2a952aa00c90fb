"""A webhook receiver for Hopper's tests, verifying with an independent implementation
(the `standardwebhooks` package). It fails the first two attempts of every event (500),
accepts the third (200), and appends one JSON line per request to the log file:
{"id", "attempt", "status", "verified", "type", "body"}.

usage: receiver.py SECRET_FILE LOG_FILE   (prints the port it listens on, on 127.0.0.1)
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET_FILE, LOG_FILE = sys.argv[1], sys.argv[2]
attempts = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with open(SECRET_FILE) as f:
            secret = f.read().strip()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = Webhook(secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            payload = None
            verified = False
        msg_id = headers.get("webhook-id", "")
        with lock:
            attempts[msg_id] = attempts.get(msg_id, 0) + 1
            attempt = attempts[msg_id]
            status = 400 if not verified else (500 if attempt <= 2 else 200)
            with open(LOG_FILE, "a") as log:
                log.write(json.dumps({
                    "id": msg_id,
                    "attempt": attempt,
                    "status": status,
                    "verified": verified,
                    "type": payload and payload.get("type"),
                    "body": payload,
                }) + "\n")
        answer = b"ok" if status == 200 else b"not yet"
        self.send_response(status)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()

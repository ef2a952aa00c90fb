#!/usr/bin/env bash
# Where one 1 GiB upload's time goes in the embedded store (issue 32, goal 3): the store
# process (s3s-fs) under `perf record` while it takes the same file as one signed PUT
# (curl, the goal's reference) and as one tus PATCH through Hopper (multipart), with the
# PATCH's timeline: when the client's last byte was sent, and when Hopper answered
# (the wait between them is the last part and the store's completion).
#
#   ./scripts/bench-store-profile.sh        # about 2 minutes; needs perf (linux-perf)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/hopper
. scripts/bench/app-setup.sh
STORE_PID=${PIDS[0]}
mkdir -p "$WORK/files"
head -c $((1024 * 1024 * 1024)) /dev/urandom >"$WORK/files/f.bin"

profile() {  # name, command...
  local name=$1; shift
  perf record -F 999 -g -p "$STORE_PID" -o "$WORK/$name.perf" 2>/dev/null &
  local perf=$!
  sleep 1
  "$@"
  kill -INT $perf; wait $perf || true
  echo "## store during $name"
  perf report -i "$WORK/$name.perf" --stdio 2>/dev/null | grep -E "^# Samples" || true
  echo "The top functions by their own samples (%; 999 samples ≈ 1 CPU second):"
  perf report -i "$WORK/$name.perf" --no-children --sort dso,symbol -g none --stdio 2>/dev/null \
    | grep -E "%" | sed 's/ \{4,\}/  /g' | head -8 || true
  echo
}

put() {
  curl -s -o /dev/null -w 'PUT %{http_code} %{time_total} s\n' --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    -T "$WORK/files/f.bin" "$S3/bench-direct/put-f.bin"
}

TUS_TOKEN=$("$BIN" --data-dir "$WORK/app" token create --project "$PROJECT" --scope upload | sed -n 's/^Token (shown once): //p')
next_cycle
CYCLE=${UPLOAD%/upload}; CYCLE=${CYCLE##*/}
tus() {
  python3 - "$APP" "$TUS_TOKEN" "$CYCLE" "$WORK/files/f.bin" <<'PY'
import base64, http.client, os, sys, time, urllib.parse
app, token, cycle, path = sys.argv[1:]
size = os.path.getsize(path)
url = urllib.parse.urlsplit(app)
b64 = lambda s: base64.b64encode(s.encode()).decode()
conn = http.client.HTTPConnection(url.hostname, url.port)
conn.request("POST", "/uploads/tus", headers={
    "Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0", "Upload-Length": str(size),
    "Upload-Metadata": f"filename {b64('f.bin')},cycle {b64(cycle)}"})
created = conn.getresponse(); created.read()
assert created.status == 201, created.status
location = created.getheader("Location")
conn.putrequest("PATCH", location)
for key, value in {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                   "Content-Type": "application/offset+octet-stream", "Content-Length": str(size)}.items():
    conn.putheader(key, value)
conn.endheaders()
start = time.monotonic()
with open(path, "rb") as f:
    conn.sock.sendfile(f)
sent = time.monotonic()
answer = conn.getresponse(); answer.read()
done = time.monotonic()
assert answer.status == 204, answer.status
print(f"tus PATCH {answer.status}: last byte sent after {sent - start:.2f} s, answered after {done - start:.2f} s "
      f"(waited {done - sent:.2f} s for the last part and the completion)")
PY
}

profile "one signed PUT" put
profile "one tus PATCH through Hopper" tus

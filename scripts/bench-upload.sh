#!/usr/bin/env bash
# Upload benchmark: Hopper against a direct multipart upload by an independent S3 client
# (awscli) to the same S3 endpoint, measured in one run. Prints a Markdown table for
# BENCHMARKS.md.
#
#   ./scripts/bench-upload.sh              # 1 GiB files (the issue's sizes)
#   BENCH_FILE_MIB=256 ./scripts/bench-upload.sh   # a quicker run
#
# Two Hopper processes run: "store" only provides its embedded S3 endpoint (s3s-fs on
# local disk); "app" is the Hopper under test, configured with that endpoint as an
# external S3. So the app's RSS and CPU are Hopper's own, not the S3 server's.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE_MIB=${BENCH_FILE_MIB:-1024}
command -v aws >/dev/null || pip install --quiet awscli
command -v curl >/dev/null || { echo "bench: curl is needed (apt-get install curl)" >&2; exit 1; }
cargo build --release --quiet
BIN=$PWD/target/release/hopper

WORK=$(mktemp -d /tmp/hopper-bench.XXXXXX)
# As root, the embedded cluster runs as `postgres`, which must be able to reach the data dir.
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 300); do if eval "$1"; then return 0; fi; sleep 0.1; done; echo "bench: timed out: $1" >&2; exit 1; }

STORE_PORT=$(free_port)
NO_COLOR=1 "$BIN" serve --data-dir "$WORK/store" --bind "127.0.0.1:$STORE_PORT" >"$WORK/store.log" 2>&1 &
PIDS+=($!)
wait_for "grep -q 'embedded S3 endpoint started' '$WORK/store.log'"
S3=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/store.log" | grep -o 'endpoint=http://[0-9.:]*' | head -1 | cut -d= -f2)

export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1
AWS_ACCESS_KEY_ID=$(sed -n 1p "$WORK/store/s3-credentials")
AWS_SECRET_ACCESS_KEY=$(sed -n 2p "$WORK/store/s3-credentials")
export AWS_CONFIG_FILE="$WORK/aws-config"
cat >"$AWS_CONFIG_FILE" <<CONF
[default]
s3 =
    multipart_chunksize = 8MB
    multipart_threshold = 8MB
    addressing_style = path
CONF
aws --endpoint-url "$S3" s3 mb s3://bench-direct >/dev/null
aws --endpoint-url "$S3" s3 mb s3://bench-hopper >/dev/null

APP_PORT=$(free_port)
APP="http://127.0.0.1:$APP_PORT"
NO_COLOR=1 "$BIN" serve --data-dir "$WORK/app" --bind "127.0.0.1:$APP_PORT" \
  --s3-endpoint "$S3" --s3-force-path-style >"$WORK/app.log" 2>&1 &
APP_PID=$!
PIDS+=($APP_PID)
wait_for "curl -sf $APP/readyz >/dev/null"

# An operator account, its password changed, a project and a cycle to upload into.
PASSWORD=$("$BIN" --data-dir "$WORK/app" create-superadmin --username bench --email bench@example.test \
  | sed -n 's/.*sign-in): //p')
JAR="$WORK/cookies"
token() { curl -s -b "$JAR" -c "$JAR" "$APP$1" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
post() { local path=$1; shift; curl -s -X POST -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" -H "X-CSRF-Token: $CSRF" "$@" "$APP$path"; }
CSRF=$(token /login)
post /login --data-urlencode username=bench --data-urlencode "password=$PASSWORD" >/dev/null
CSRF=$(token /account/password)
NEW="upload measurement passphrase $RANDOM$RANDOM"
post /account/password --data-urlencode "current_password=$PASSWORD" \
  --data-urlencode "new_password=$NEW" --data-urlencode "confirm_password=$NEW" >/dev/null
CSRF=$(token /)
PG="postgres://hopper@/hopper?host=$WORK/app/postgres/run"
sql() { psql "$PG" -Atq -c "$1"; }
COMPANY=$(sql "SELECT id FROM companies WHERE company_code = 'DEFAULT'")
OPENED=$(post "/operator/companies/$COMPANY/open"); [ "$OPENED" = 303 ] || { echo "bench: cannot open the company $COMPANY: $OPENED" >&2; exit 1; }
[ "$(post /admin/projects -d project_name=Bench -d bucket_name=bench-hopper -d aws_region=us-east-1 -d is_active=on)" = 303 ] \
  || { echo "bench: cannot create the project" >&2; exit 1; }
PROJECT=$(sql "SELECT id FROM projects WHERE project_name = 'Bench'")
# Each measurement gets a fresh cycle: content already uploaded in a cycle would be skipped.
next_cycle() {
  [ "$(post "/admin/projects/$PROJECT/cycles")" = 303 ] || { echo "bench: cannot start a cycle" >&2; exit 1; }
  UPLOAD=/projects/$PROJECT/cycles/$(sql "SELECT max(id) FROM cycles WHERE project_id = $PROJECT")/upload
}

echo "bench: writing 8 test files of $FILE_MIB MiB" >&2
mkdir -p "$WORK/files"
for i in $(seq 1 8); do head -c "$((FILE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/files/f$i.bin"; done
GIB=$(python3 -c "print($FILE_MIB/1024)")

now() { date +%s.%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$APP_PID/stat"; }
TICK=$(getconf CLK_TCK)
peak_rss_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$APP_PID/status"; }
reset_peak() { echo 5 >"/proc/$APP_PID/clear_refs"; }

direct() {  # files...
  local start; start=$(now)
  for f in "$@"; do aws --endpoint-url "$S3" s3 cp --quiet "$WORK/files/$f" "s3://bench-direct/$f" & done
  wait
  python3 -c "print($(now) - $start)"
}
through_hopper() {  # files...
  local start codes; start=$(now)
  for f in "$@"; do
    curl -s -o "$WORK/receipt-$f.html" -w '%{http_code}\n' -b "$JAR" -H "X-CSRF-Token: $CSRF" -H "HX-Request: true" \
      -F "files=@$WORK/files/$f" "$APP$UPLOAD" >"$WORK/code-$f" &
  done
  wait
  for f in "$@"; do
    [ "$(cat "$WORK/code-$f")" = 200 ] || { echo "bench: upload of $f answered $(cat "$WORK/code-$f")" >&2; exit 1; }
    grep -q 'file-completed' "$WORK/receipt-$f.html" || { echo "bench: $f not completed" >&2; exit 1; }
  done
  python3 -c "print($(now) - $start)"
}
clear_buckets() {
  aws --endpoint-url "$S3" s3 rm --quiet --recursive s3://bench-direct
  aws --endpoint-url "$S3" s3 rm --quiet --recursive s3://bench-hopper
}

report() {  # label files direct_secs hopper_secs cpu_secs
  python3 - "$@" "$GIB" <<'PY'
import sys
label, n, d, h, cpu, gib = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
total = n * gib * 1024
print(f"| {label} | {total/d:.0f} MiB/s ({d:.1f} s) | {total/h:.0f} MiB/s ({h:.1f} s) | {d/h:.2f} | {cpu/(n*gib):.2f} |")
PY
}

echo "| Upload | Direct (awscli multipart) | Through Hopper | Ratio Hopper/direct | Hopper CPU s per GiB |"
echo "|---|---|---|---|---|"
next_cycle
D1=$(direct f1.bin); C0=$(cpu_ticks); H1=$(through_hopper f2.bin); C1=$(cpu_ticks)
report "1 × $FILE_MIB MiB" 1 "$D1" "$H1" "$(python3 -c "print(($C1-$C0)/$TICK)")"
clear_buckets
next_cycle
D4=$(direct f1.bin f2.bin f3.bin f4.bin); C0=$(cpu_ticks); H4=$(through_hopper f5.bin f6.bin f7.bin f8.bin); C1=$(cpu_ticks)
report "4 × $FILE_MIB MiB in parallel" 4 "$D4" "$H4" "$(python3 -c "print(($C1-$C0)/$TICK)")"
clear_buckets
next_cycle
BASE=$(peak_rss_mib); reset_peak
C0=$(cpu_ticks); H8=$(through_hopper f1.bin f2.bin f3.bin f4.bin f5.bin f6.bin f7.bin f8.bin); C1=$(cpu_ticks)
PEAK=$(peak_rss_mib)
echo
echo "8 × $FILE_MIB MiB in parallel through Hopper: $(python3 -c "print(f'{8*$FILE_MIB/$H8:.0f} MiB/s ({$H8:.1f} s)')"), peak RSS $PEAK MiB (peak before this run: $BASE MiB), CPU $(python3 -c "print(f'{($C1-$C0)/$TICK/(8*$GIB):.2f}')") s per GiB."

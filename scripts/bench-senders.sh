#!/usr/bin/env bash
# A thousand senders at once (issue 32, goal 2): BENCH_SENDERS tus uploads at once of
# BENCH_SENDER_MIB each, every one throttled to BENCH_SENDER_KIBPS, plus BENCH_BROWSERS
# people browsing (company admins, each with a session of their own, timing every page),
# from one load generator on loopback (scripts/bench/senders.py, senders_tus.py, senders_http.py). Samples Hopper's RSS
# (VmRSS, VmHWM) and CPU every second; prints a Markdown table for BENCHMARKS.md.
#
#   ./scripts/bench-senders.sh             # the issue's 1000 × 50 MiB at 64 KiB/s, 20 browsing (disk: below)
#   BENCH_SENDERS=50 BENCH_SENDER_MIB=4 ./scripts/bench-senders.sh           # a quick run
#   BIN=/tmp/hopper BENCH_PART_BUFFERS=16 ./scripts/bench-senders.sh          # today's default budget
#
# The issue's full size does not fit on every machine: the store (the embedded one, on
# local disk, under /tmp) holds every sender's parts until its file completes, and the
# senders all finish together, so the run needs about 1.5 × SENDERS × MiB of disk at once
# (its CompleteMultipartUpload writes each object again before it drops the parts; 400 ×
# 16 MiB peaked at 8.8 GB; 1000 × 50 MiB would need about 75 GB). The script refuses a size
# over BENCH_MAX_DISK_GB (20) and the generator stops the load should the store pass it
# anyway; give fewer or smaller files (e.g. BENCH_SENDERS=1000 BENCH_SENDER_MIB=12).
#
# Parameters (environment): BENCH_SENDERS (1000), BENCH_SENDER_MIB (50),
# BENCH_SENDER_KIBPS (64), BENCH_BROWSERS (20), BENCH_THINK_SECS (1: mean pause between a
# browser's pages), BENCH_IDLE_SECS (20: browsing alone first, the pages' reference),
# BENCH_RAMP_SECS (10: the senders start spread over this), BENCH_RETRY_DELAYS (0,1,3,5:
# tus-js-client's default, seconds), BENCH_PART_BUFFERS (3 × senders: see below),
# BENCH_APP_ARGS (more `hopper serve` flags), BENCH_MAX_DISK_GB (20), BENCH_MAX_RSS_MIB
# (12000: the load stops when Hopper's RSS passes it, so as not to take the machine's
# memory), BENCH_OUT (target/bench-senders/<time>), BIN (the hopper binary; default: cargo
# build --release).
#
# Hopper's limits that would refuse this load by default, and what the run sets instead:
# - --upload-company-share-percent 100 (default 25): every sender is one company's (one
#   project's machine token), and a company's share is 25 % of the node's 1024 writers
#   (256: the rest answered 429) and of its part buffers (4 of 16).
# - --upload-max-part-buffers 3 × senders (default 16): today a PATCH takes a part buffer
#   from the node's budget before it reads a byte and keeps it until the part is full
#   (8 MiB at 64 KiB/s: 128 s), plus up to 2 parts on their way to S3; with 16, only 16
#   senders move and the others are answered 503 after waiting 30 s for a buffer.
#   BENCH_PART_BUFFERS sets another budget (e.g. 16, to see today's default).
# Left as they are: writers per node (1024, no flag: more than 1024 senders get 429),
# writers per user (a machine token has no user; not counted), batches (tus creations
# take none), the slowest body accepted (16 KiB/s, below the senders' rate; only time
# Hopper waits for the client counts), the part size (8 MiB), the database pool (10).
set -euo pipefail
cd "$(dirname "$0")/.."

SENDERS=${BENCH_SENDERS:-1000}
SENDER_MIB=${BENCH_SENDER_MIB:-50}
KIBPS=${BENCH_SENDER_KIBPS:-64}
BROWSERS=${BENCH_BROWSERS:-20}
PART_BUFFERS=${BENCH_PART_BUFFERS:-$((SENDERS * 3))}
MAX_DISK_GB=${BENCH_MAX_DISK_GB:-20}
OUT=${BENCH_OUT:-target/bench-senders/$(date +%Y%m%d-%H%M%S)}

NEEDED_GB=$(python3 -c "print(round(1.5 * $SENDERS * $SENDER_MIB * 1048576 / 1e9, 1))")
FREE_GB=$(df -P /tmp | awk 'NR == 2 {printf "%.1f", $4 * 1024 / 1e9}')
if python3 -c "import sys; sys.exit(0 if $NEEDED_GB > min($MAX_DISK_GB, $FREE_GB - 5) else 1)"; then
  echo "bench: $SENDERS × $SENDER_MIB MiB needs about $NEEDED_GB GB in the store at once; the limit is" \
    "BENCH_MAX_DISK_GB=$MAX_DISK_GB and /tmp has $FREE_GB GB free. Give fewer or smaller files" \
    "(BENCH_SENDERS, BENCH_SENDER_MIB), or raise BENCH_MAX_DISK_GB if the disk allows." >&2
  exit 2
fi
[ "$SENDERS" -le 1024 ] || echo "bench: more than 1024 senders: Hopper's writers per node (1024) answers the rest 429" >&2

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$PWD/target/release/hopper
fi
# A thousand connections in each direction, and as many to S3: more than the usual 1024
# open files.
[ "$(ulimit -n)" -ge $((SENDERS * 3 + 1024)) ] || ulimit -n "$(ulimit -Hn)"

# shellcheck disable=SC2206
APP_EXTRA_ARGS=(--upload-company-share-percent 100 --upload-max-part-buffers "$PART_BUFFERS" ${BENCH_APP_ARGS:-})
SETTINGS="${APP_EXTRA_ARGS[*]}"
# shellcheck source=scripts/bench/app-setup.sh
. scripts/bench/app-setup.sh
next_cycle
CYCLE=${UPLOAD%/upload}
CYCLE=${CYCLE##*/}
TUS_TOKEN=$("$BIN" --data-dir "$WORK/app" token create --project "$PROJECT" --scope upload | sed -n 's/^Token (shown once): //p')
[ -n "$TUS_TOKEN" ] || { echo "bench: no token" >&2; exit 1; }

# The people browsing: company admins made on the users page; the generator signs each in
# with its one-time password and chooses a new one, as a person does the first time.
: >"$WORK/browsers"
for i in $(seq 1 "$BROWSERS"); do
  page=$(curl -s -b "$JAR" -c "$JAR" -H "X-CSRF-Token: $CSRF" --data-urlencode "username=bench.browser$i" \
    --data-urlencode "email=browser$i@bench.test" --data-urlencode "full_name=Browser $i" -d role=admin "$APP/admin/users")
  once=$(grep -o 'id="one-time-password">[^<]*<' <<<"$page" | sed 's/^[^>]*>//; s/<$//; s/^ *//; s/ *$//')
  [ -n "$once" ] || { echo "bench: cannot create the user bench.browser$i" >&2; exit 1; }
  echo "bench.browser$i $once" >>"$WORK/browsers"
done

mkdir -p "$OUT"
echo "bench: $SENDERS senders × $SENDER_MIB MiB at $KIBPS KiB/s, $BROWSERS browsing; hopper serve $SETTINGS;" \
  "figures in $OUT" >&2
status=0
python3 scripts/bench/senders.py --base "$APP" --pid "$APP_PID" --token "$TUS_TOKEN" --project "$PROJECT" \
  --cycle "$CYCLE" --users "$WORK/browsers" --senders "$SENDERS" --mib "$SENDER_MIB" --kibps "$KIBPS" \
  --browsers "$BROWSERS" --think "${BENCH_THINK_SECS:-1}" --idle-secs "${BENCH_IDLE_SECS:-20}" \
  --ramp-secs "${BENCH_RAMP_SECS:-10}" --retry-delays "${BENCH_RETRY_DELAYS:-0,1,3,5}" \
  --max-disk-gb "$MAX_DISK_GB" --max-rss-mib "${BENCH_MAX_RSS_MIB:-12000}" --disk-path "$WORK" \
  --pg "$PG" --settings "$SETTINGS" --out "$OUT" | tee "$OUT/table.md" || status=$?
cp "$WORK/app.log" "$OUT/app.log" 2>/dev/null || true
exit "$status"

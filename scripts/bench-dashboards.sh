#!/usr/bin/env bash
# Dashboard benchmark: generates data (scripts/bench/generate.sql) in a fresh embedded
# cluster, then measures the partials, walls and API lists through HTTP against the naive
# queries of the same figures (scripts/bench/measure.py; a Markdown table) and times
# `hopper audit verify` of the first company's chain.
#
#   ./scripts/bench-dashboards.sh          # BENCH_SCALE=1: 100 companies (+ 1,000 small),
#       2,000 projects, 20,000 cycles, 200,000 requests, 1,000,000 file rows, 2,000,000
#       audit rows (100,000 chained); about 10 minutes on 2 cores
#   BENCH_SCALE=10 ./scripts/bench-dashboards.sh   # 200,000 cycles, 2,000,000 requests,
#       10,000,000 file rows, 20,000,000 audit rows (1,000,000 chained), ~25 GB of disk
#   BENCH_DATA_DIR=/tmp/dash ./scripts/bench-dashboards.sh
#       keeps the generated data there and reuses it on the next run (a new binary migrates
#       it on start), so a change can be measured again without generating for minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/hopper
if [ -n "${BENCH_DATA_DIR:-}" ]; then
  WORK=$BENCH_DATA_DIR
  mkdir -p "$WORK"
  keep=1
else
  WORK=$(mktemp -d /tmp/hopper-bench-dash.XXXXXX)
  keep=""
fi
chmod 755 "$WORK"
PID=""
cleanup() {
  [ -n "$PID" ] && kill -INT "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "$keep" ] || rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NO_COLOR=1 "$BIN" serve --data-dir "$WORK/data" --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
ready=""
for _ in $(seq 1200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && ready=1 && break; sleep 0.1; done
[ -n "$ready" ] || { echo "bench: hopper did not become ready in 120 s:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
PG="postgres://hopper@/hopper?host=$WORK/data/postgres/run"
if [ -e "$WORK/generated" ]; then
  echo "bench: reusing the data generated in $WORK" >&2
else
  echo "bench: generating data (several minutes)" >&2
  start=$(date +%s)
  psql "$PG" -q -v scale="${BENCH_SCALE:-1}" -v companies="${BENCH_COMPANIES:-100}" \
    -v small_companies="${BENCH_SMALL_COMPANIES:-1000}" -f scripts/bench/generate.sql >&2
  echo "bench: generated in $(( $(date +%s) - start )) s" >&2
  touch "$WORK/generated"
fi
python3 scripts/bench/measure.py "http://127.0.0.1:$PORT" "$PG" "${BENCH_REQUESTS:-200}"
# The first company's whole chain, as an operator would check it (time and peak memory).
echo >&2
echo "bench: hopper audit verify --company BENCH1" >&2
/usr/bin/time -f "verify: %e s wall, %U s user, peak RSS %M KiB" \
  "$BIN" audit verify --database-url "$PG" --company BENCH1

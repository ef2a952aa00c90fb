#!/usr/bin/env bash
# Virus scanning's cost: the same files uploaded through Hopper with scanning off and on
# (a real clamd on loopback), each beside a direct upload by awscli to the same S3 endpoint
# in the same setup. Prints a Markdown table for BENCHMARKS.md.
#
#   ./scripts/bench-scan.sh                     # 256 MiB files, 3 of each
#   BENCH_FILE_MIB=64 BENCH_RUNS=5 ./scripts/bench-scan.sh
#
# clamd gets a one-line signature database (the EICAR test file, matched anywhere in a
# stream), as the tests give it: the figures show what streaming to clamd and its scan of
# the bytes cost, not the cost of ClamAV's full databases, which this machine cannot
# download (with them, clamd's own scan time grows; Hopper's part does not).
set -euo pipefail
cd "$(dirname "$0")/.."

FILE_MIB=${BENCH_FILE_MIB:-256}
RUNS=${BENCH_RUNS:-3}
# shellcheck source=scripts/bench/awscli.sh
. scripts/bench/awscli.sh
cargo build --release --quiet
BIN=$PWD/target/release/hopper
CLAMD_BIN=$(command -v clamd || echo /usr/sbin/clamd)

SCAN_DIR=$(mktemp -d /tmp/hopper-bench-clamd.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CLAMD_PORT=$(free_port)
mkdir -p "$SCAN_DIR/db"
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
echo "Eicar-Test-Signature:0:*:$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')" >"$SCAN_DIR/db/bench.ndb"
cat >"$SCAN_DIR/clamd.conf" <<CONF
Foreground yes
DatabaseDirectory $SCAN_DIR/db
TCPSocket $CLAMD_PORT
TCPAddr 127.0.0.1
StreamMaxLength 4000M
MaxScanSize 4000M
MaxFileSize 4000M
TemporaryDirectory $SCAN_DIR
CONF
"$CLAMD_BIN" -c "$SCAN_DIR/clamd.conf" >"$SCAN_DIR/clamd.log" 2>&1 &
CLAMD_PID=$!
trap 'kill "$CLAMD_PID" 2>/dev/null || true; wait "$CLAMD_PID" 2>/dev/null || true; rm -rf "$SCAN_DIR"' EXIT
for _ in $(seq 300); do
  python3 -c "import socket; s=socket.create_connection(('127.0.0.1',$CLAMD_PORT)); s.send(b'zPING\0'); assert s.recv(8).startswith(b'PONG')" 2>/dev/null && break
  sleep 0.1
done

median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 2))" "$@"; }

# One setup (app + store), measured: the direct reference and Hopper's form upload, RUNS
# times each, one file at a time. Prints "direct_median hopper_median cpu_s peak_rss_mib".
measure() {
  # shellcheck source=scripts/bench/app-setup.sh
  . scripts/bench/app-setup.sh
  head -c "$((FILE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/file.bin"
  now() { date +%s.%N; }
  local direct=() hopper=() start ticks0 ticks1
  echo 5 >"/proc/$APP_PID/clear_refs"
  ticks0=$(awk '{print $14 + $15}' "/proc/$APP_PID/stat")
  for i in $(seq "$RUNS"); do
    start=$(now)
    aws --endpoint-url "$S3" s3 cp --quiet "$WORK/file.bin" "s3://bench-direct/f$i.bin"
    direct+=("$(python3 -c "print($(now) - $start)")")
    next_cycle
    start=$(now)
    code=$(curl -s -o "$WORK/receipt.html" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
      -H "HX-Request: true" -F "files=@$WORK/file.bin" "$APP$UPLOAD")
    hopper+=("$(python3 -c "print($(now) - $start)")")
    [ "$code" = 200 ] && grep -q 'file-completed' "$WORK/receipt.html" \
      || { echo "bench: the upload was not completed ($code)" >&2; exit 1; }
  done
  ticks1=$(awk '{print $14 + $15}' "/proc/$APP_PID/stat")
  local tick rss; tick=$(getconf CLK_TCK)
  rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$APP_PID/status")
  echo "$(median "${direct[@]}") $(median "${hopper[@]}") $(python3 -c "print(round(($ticks1 - $ticks0) / $tick / $RUNS, 2))") $rss"
}

echo "bench: scanning off" >&2
read -r OFF_DIRECT OFF_HOPPER OFF_CPU OFF_RSS < <(APP_EXTRA_ARGS=(); measure)
echo "bench: scanning on (clamd on 127.0.0.1:$CLAMD_PORT)" >&2
clamd_ticks0=$(awk '{print $14 + $15}' "/proc/$CLAMD_PID/stat")
read -r ON_DIRECT ON_HOPPER ON_CPU ON_RSS < <(APP_EXTRA_ARGS=(--clamd "tcp://127.0.0.1:$CLAMD_PORT" --clamd-max-bytes 4000000000); measure)
clamd_ticks1=$(awk '{print $14 + $15}' "/proc/$CLAMD_PID/stat")
CLAMD_CPU=$(python3 -c "print(round(($clamd_ticks1 - $clamd_ticks0) / $(getconf CLK_TCK) / $RUNS, 2))")
ratio() { python3 -c "print(round($1 / $2, 2))"; }
MIBS() { python3 -c "print(round($FILE_MIB / $1))"; }

echo "| one $FILE_MIB MiB file through the form, median of $RUNS | awscli direct | Hopper | Hopper / direct | Hopper MiB/s | Hopper CPU s | clamd CPU s | Hopper peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
echo "| scanning off | $OFF_DIRECT s | $OFF_HOPPER s | $(ratio "$OFF_HOPPER" "$OFF_DIRECT") | $(MIBS "$OFF_HOPPER") | $OFF_CPU | – | $OFF_RSS MiB |"
echo "| scanning on | $ON_DIRECT s | $ON_HOPPER s | $(ratio "$ON_HOPPER" "$ON_DIRECT") | $(MIBS "$ON_HOPPER") | $ON_CPU | $CLAMD_CPU | $ON_RSS MiB |"
echo
echo "Scanning on / off (Hopper's median): $(ratio "$ON_HOPPER" "$OFF_HOPPER")"

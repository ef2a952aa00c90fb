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

# One account sends 8 files at once below: more than the default 4 batches per user.
APP_EXTRA_ARGS=(--upload-batches-per-user 16)
# shellcheck source=scripts/bench/app-setup.sh
. scripts/bench/app-setup.sh

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

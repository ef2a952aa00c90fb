#!/usr/bin/env bash
# Evidence export benchmark: a cycle holding one large file (5 GiB by default) and 1,000
# small ones is exported as one zip through Hopper, against reading the same objects
# straight from the same S3 endpoint with awscli, in the same run. Prints a Markdown
# table for BENCHMARKS.md: seconds, MiB/s, the ratio, and Hopper's peak RSS while it
# streams the archive (the claim: flat, whatever the size).
#
#   ./scripts/bench-export.sh                       # 5 GiB + 1,000 files of 4 KiB
#   BENCH_EXPORT_GIB=1 ./scripts/bench-export.sh    # a quicker run
set -euo pipefail
cd "$(dirname "$0")/.."

GIB=${BENCH_EXPORT_GIB:-5}
SMALL=${BENCH_EXPORT_SMALL:-1000}
# shellcheck source=scripts/bench/awscli.sh
. scripts/bench/awscli.sh
command -v curl >/dev/null || { echo "bench: curl is needed (apt-get install curl)" >&2; exit 1; }
cargo build --release --quiet
BIN=$PWD/target/release/hopper

APP_EXTRA_ARGS=(--upload-max-file-mib $((GIB * 1024 + 1024)))
# shellcheck source=scripts/bench/app-setup.sh
. scripts/bench/app-setup.sh
now() { date +%s.%N; }
peak_rss_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$APP_PID/status"; }
reset_peak() { echo 5 >"/proc/$APP_PID/clear_refs"; }

next_cycle
CYCLE=${UPLOAD#"/projects/$PROJECT/cycles/"}
CYCLE=${CYCLE%/upload}
echo "bench: writing a $GIB GiB file and $SMALL small ones" >&2
mkdir -p "$WORK/files" "$WORK/small"
head -c "$((GIB * 1024 * 1024 * 1024))" /dev/urandom >"$WORK/files/big.bin"
# Text (base64), as their .txt names say: random bytes are now and then sniffed as a
# program ("MZ…") and refused.
for i in $(seq 1 "$SMALL"); do head -c 3072 /dev/urandom | base64 -w0 >"$WORK/small/s$i.txt"; done
send() {  # curl -F arguments...
  local code
  code=$(curl -s -o "$WORK/receipt.html" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
    -H "HX-Request: true" "$@" "$APP$UPLOAD")
  [ "$code" = 200 ] || { echo "bench: upload answered $code" >&2; exit 1; }
}
echo "bench: uploading them" >&2
send -F "files=@$WORK/files/big.bin"
ARGS=()
for i in $(seq 1 "$SMALL"); do ARGS+=(-F "files=@$WORK/small/s$i.txt"); done
send "${ARGS[@]}"
STORED=$(sql "SELECT count(*) FROM file_uploads WHERE cycle_id = $CYCLE AND status = 'completed'")
[ "$STORED" = $((SMALL + 1)) ] || {
  echo "bench: $STORED files stored, not $((SMALL + 1)):" >&2
  sql "SELECT file_path, status, error_message FROM file_uploads WHERE cycle_id = $CYCLE AND status <> 'completed'" >&2
  exit 1
}
PREFIX=$(sql "SELECT s3_key FROM file_uploads WHERE cycle_id = $CYCLE AND file_path = 'big.bin'")
PREFIX=${PREFIX%/*}
BYTES=$(sql "SELECT sum(file_size) FROM file_uploads WHERE cycle_id = $CYCLE AND status = 'completed'")
MIB=$(python3 -c "print($BYTES / 1048576)")

echo "bench: reading the same objects straight from S3 (awscli)" >&2
sync; start=$(now)
aws --endpoint-url "$S3" s3 cp --quiet --recursive "s3://bench-hopper/$PREFIX/" "$WORK/direct/"
DIRECT=$(python3 -c "print($(now) - $start)")
rm -rf "$WORK/direct"

echo "bench: exporting the cycle through Hopper" >&2
sync; reset_peak; start=$(now)
code=$(curl -s -o "$WORK/export.zip" -w '%{http_code}' -b "$JAR" "$APP/dashboard/cycles/$CYCLE/export.zip")
EXPORT=$(python3 -c "print($(now) - $start)")
PEAK=$(peak_rss_mib)
[ "$code" = 200 ] || { echo "bench: the export answered $code" >&2; exit 1; }
echo "bench: checking the archive with Python's zipfile (every CRC)" >&2
python3 - "$WORK/export.zip" "$((SMALL + 4))" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = z.namelist()
    assert len(names) == int(sys.argv[2]), (len(names), sys.argv[2])
    bad = z.testzip()
    assert bad is None, bad
    big = z.getinfo("files/big.bin")
    print(f"bench: {len(names)} entries, big.bin {big.file_size} bytes, every CRC holds", file=sys.stderr)
PY
ZIP_MIB=$(python3 -c "import os; print(os.path.getsize('$WORK/export.zip') / 1048576)")

echo
echo "| Read of the cycle ($GIB GiB + $SMALL × 4 KiB) | Seconds | MiB/s | Ratio to awscli | Hopper peak RSS |"
echo "|---|---:|---:|---:|---:|"
python3 - <<PY
mib = $MIB
direct, export = $DIRECT, $EXPORT
print(f"| awscli \`s3 cp --recursive\` (reference, same endpoint) | {direct:.1f} | {mib / direct:.0f} | 1.00 | — |")
print(f"| Hopper evidence export (zip of {$ZIP_MIB:.0f} MiB, files read back and hashed) | {export:.1f} | {mib / export:.0f} | {export / direct:.2f} | $PEAK MiB |")
PY

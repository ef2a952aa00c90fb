#!/usr/bin/env bash
# Folder sync benchmark: `hopper sync` against `rclone copy` and `aws s3 sync`, all three
# sending the same tree to the same S3 endpoint in one run: (a) the first sync, (b) a
# re-sync of the unchanged tree, (c) a re-sync after changing 10 files. Prints a Markdown
# table for BENCHMARKS.md.
#
#   ./scripts/bench-sync.sh                     # 2,000 files of 4-64 KiB + 4 x 256 MiB
#   BENCH_BIG_MIB=64 BENCH_SMALL=500 ./scripts/bench-sync.sh   # a quicker run
#
# Hopper runs as in the upload benchmark (scripts/bench/app-setup.sh): the app under test
# against the embedded S3 endpoint of a second Hopper. rclone and awscli write to that
# endpoint directly, so they do less than Hopper (no checksum kept, no record, no audit).
set -euo pipefail
cd "$(dirname "$0")/.."

SMALL=${BENCH_SMALL:-2000}
BIG_MIB=${BENCH_BIG_MIB:-256}
# shellcheck source=scripts/bench/awscli.sh
. scripts/bench/awscli.sh
command -v rclone >/dev/null || { echo "bench: installing rclone" >&2; apt-get install -y -qq rclone >/dev/null; }
cargo build --release --quiet
BIN=$PWD/target/release/hopper

APP_EXTRA_ARGS=()
# shellcheck source=scripts/bench/app-setup.sh
. scripts/bench/app-setup.sh

echo "bench: writing $SMALL small files and 4 of $BIG_MIB MiB" >&2
TREE="$WORK/tree"
python3 - "$TREE" "$SMALL" "$BIG_MIB" <<'PY'
import os, random, sys
root, small, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
for i in range(small):
    folder = os.path.join(root, "docs", f"d{i % 40:02d}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"f{i:05d}.csv"), "wb") as f:
        # A CSV's first line: random bytes alone are now and then sniffed as another
        # type (a compress header) and refused, as they should be.
        f.write(b"id,value\n" + os.urandom(random.randint(4, 64) * 1024))
os.makedirs(os.path.join(root, "scans"), exist_ok=True)
for i in range(4):
    with open(os.path.join(root, "scans", f"big{i}.bin"), "wb") as f:
        for _ in range(big):
            f.write(os.urandom(1024 * 1024))
PY

next_cycle
CYCLE=$(sql "SELECT max(id) FROM cycles WHERE project_id = $PROJECT")
TOKEN=$("$BIN" --data-dir "$WORK/app" token create --project "$PROJECT" --scope upload,read | sed -n 's/^Token (shown once): //p')
[ -n "$TOKEN" ] || { echo "bench: no token" >&2; exit 1; }

export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
  RCLONE_CONFIG_BENCH_ENDPOINT="$S3" RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
  RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
  RCLONE_CONFIG_BENCH_REGION=us-east-1

now() { date +%s.%N; }
timed() { local start; start=$(now); "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; exit 1; }; python3 -c "print($(now) - $start)"; }
hopper_sync() { HOPPER_TOKEN="$TOKEN" "$BIN" sync "$TREE" --server "$APP" --project "$PROJECT" --cycle "$CYCLE" --json; }
rclone_copy() { env -u AWS_CA_BUNDLE rclone copy "$TREE" bench:bench-direct/rclone --exclude .hopper-sync.json --transfers 4 --checkers 8; }
aws_sync() { aws --endpoint-url "$S3" s3 sync --quiet "$TREE" s3://bench-direct/aws --exclude .hopper-sync.json; }
sent() { python3 -c "import json,sys; r=json.load(open('$WORK/last.log')); print(r['files_uploaded'])"; }

declare -A T SENT
for phase in first unchanged changed; do
  if [ "$phase" = changed ]; then
    for i in $(seq 0 9); do f=$(printf "%s/docs/d%02d/f%05d.csv" "$TREE" $((i % 40)) "$i"); head -c 4096 /dev/urandom >>"$f"; done
  fi
  T[$phase,hopper]=$(timed hopper_sync); SENT[$phase]=$(sent)
  T[$phase,rclone]=$(timed rclone_copy)
  T[$phase,aws]=$(timed aws_sync)
done

echo "| Sync ($SMALL files of 4–64 KiB + 4 × $BIG_MIB MiB) | hopper sync | rclone copy | aws s3 sync | hopper ÷ rclone | hopper ÷ aws | files Hopper sent |"
echo "|---|---|---|---|---|---|---|"
for phase in first unchanged changed; do
  python3 - "$phase" "${T[$phase,hopper]}" "${T[$phase,rclone]}" "${T[$phase,aws]}" "${SENT[$phase]}" <<'PY'
import sys
label = {"first": "(a) first sync", "unchanged": "(b) re-sync, unchanged", "changed": "(c) re-sync, 10 files changed"}[sys.argv[1]]
h, r, a, sent = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print(f"| {label} | {h:.2f} s | {r:.2f} s | {a:.2f} s | {h/r:.2f} | {h/a:.2f} | {sent} |")
PY
done

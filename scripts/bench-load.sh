#!/usr/bin/env bash
# Hold under load: p50/p99 of a page load and of a 20 MiB upload through Hopper, alone and
# while slow clients attack (scripts/bench/load.py), and the peak RSS. Prints a Markdown
# table for BENCHMARKS.md.
#
#   ./scripts/bench-load.sh
#   LOAD_UPLOADERS=8 LOAD_ATTACKERS=50 LOAD_PHASE_SECS=120 ./scripts/bench-load.sh
#
# The attackers share the operator's account, so the per-user batch limit is raised for
# this run: the figure is what the pace rule and the part-buffer staging hold, as if the
# attack came from many accounts.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bench/awscli.sh
. scripts/bench/awscli.sh
command -v curl >/dev/null || { echo "bench: curl is needed (apt-get install curl)" >&2; exit 1; }
cargo build --release --quiet
BIN=$PWD/target/release/hopper
APP_EXTRA_ARGS=(--upload-batches-per-user 1000)
# shellcheck source=scripts/bench/app-setup.sh
. scripts/bench/app-setup.sh

next_cycle
python3 scripts/bench/load.py "$APP" "$JAR" "$CSRF" "$UPLOAD" "$APP_PID"

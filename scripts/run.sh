#!/usr/bin/env bash
# Builds Hopper and serves it on its embedded defaults at http://127.0.0.1:8080.
# Extra arguments go to `hopper serve` (see `hopper --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cargo build --release --locked
exec ./target/release/hopper serve "$@"

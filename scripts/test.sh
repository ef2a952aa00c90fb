#!/usr/bin/env bash
# Runs Hopper's whole test suite: formatting, lints, unit tests and the integration tests
# (a throwaway PostgreSQL cluster, the embedded S3 endpoint, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/install-deps.sh --test

started=$(date +%s)
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets -- --test-threads="${HOPPER_TEST_THREADS:-3}"
echo "hopper: test suite finished in $(( $(date +%s) - started ))s"

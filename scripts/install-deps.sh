#!/usr/bin/env bash
# Installs what a fresh Debian machine with Rust lacks to build and run Hopper, and with
# --test, what the test suite needs too. Installs only what is missing; prints what it does.
set -euo pipefail

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

missing=()
have_pg_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
have_pg_server || missing+=(postgresql)
# diesel links libpq.
if ! { pkg-config --exists libpq 2>/dev/null || [ -e /usr/lib/x86_64-linux-gnu/libpq.so ] || compgen -G "/usr/lib/*/libpq.so" >/dev/null; }; then
  missing+=(libpq-dev)
fi
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
if $want_test; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "hopper: installing missing packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "hopper: please install as root: apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "hopper: no apt-get here; please install: ${missing[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if $want_test && ! python3 -c "import tusclient" >/dev/null 2>&1; then
  # The resumable-upload tests drive Hopper with a tus client nobody here wrote (tuspy).
  echo "hopper: installing tuspy (a standard tus client, for the resumable-upload tests)"
  python3 -m pip install --quiet "tuspy==1.1.0"
fi

if $want_test && ! command -v diesel >/dev/null 2>&1; then
  # The schema-drift test compares src/schema.rs with `diesel print-schema`.
  echo "hopper: installing diesel_cli (for the schema-drift test; takes a few minutes once)"
  cargo install diesel_cli --version "~2.3" --no-default-features --features postgres --locked
fi

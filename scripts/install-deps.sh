#!/usr/bin/env bash
# Installs what a fresh Debian machine with Rust lacks to build and run Hopper, and with
# --test, what the test suite needs too. Installs only what is missing; prints what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

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
# Passkeys (webauthn-rs) verify signatures with OpenSSL.
pkg-config --exists openssl 2>/dev/null || [ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
if $want_test; then
  command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  # The virus-scanning tests start a real clamd (with a signature file they write).
  { command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ]; } || missing+=(clamav-daemon)
  # The cluster soak (scripts/soak-cluster.sh, tests/it/soak_cluster.rs) puts three
  # nodes behind a real load balancer.
  { command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; } || missing+=(haproxy)
fi

install_packages() {
  echo "hopper: installing missing packages: $*"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "hopper: please install as root: apt-get install -y $*" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "hopper: no apt-get here; please install: $*" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

if [ ${#missing[@]} -gt 0 ]; then
  install_packages "${missing[@]}"
fi

if $want_test; then
  # Python tools the tests drive Hopper with, written by others: the tus client tuspy, the
  # OpenAPI validator openapi-spec-validator, and standardwebhooks (the webhook receiver's
  # independent signature check). They live in a virtual environment of the
  # project's own (target/test-venv), never in the system Python (Debian's is "externally
  # managed", PEP 668). The tests call target/test-venv/bin/python.
  venv="target/test-venv"
  wanted=("tuspy==1.1.0" "openapi-spec-validator==0.9.0" "moto[server]==5.2.6" "standardwebhooks==1.3.0" "schemathesis==4.32.5")
  stamp="$venv/.hopper-packages"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${wanted[*]}" ]; then
    if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
      echo "hopper: installing python3-venv (for the tests' own Python environment)"
      install_packages python3-venv
    fi
    echo "hopper: creating $venv with ${wanted[*]}"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${wanted[@]}"
    echo "${wanted[*]}" >"$stamp"
  fi
fi

if $want_test; then
  # A real OpenID Connect provider for the single sign-on tests, written by others:
  # oauth2-mock-server (its version works with Debian 12's Node 18 and later), in the
  # project's own folder (target/test-node), never installed globally. The tests start it
  # through tests/oidc/provider.js with NODE_PATH=target/test-node/node_modules.
  # Every package's version and checksum is pinned by tests/oidc/package-lock.json (npm ci).
  node_dir="target/test-node"
  stamp="$node_dir/.hopper-packages"
  wanted_node="$(sha256sum tests/oidc/package-lock.json | cut -d' ' -f1)"
  if [ ! -d "$node_dir/node_modules/oauth2-mock-server" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted_node" ]; then
    echo "hopper: installing the tests' OpenID provider (tests/oidc) into $node_dir"
    rm -rf "$node_dir"
    mkdir -p "$node_dir"
    cp tests/oidc/package.json tests/oidc/package-lock.json "$node_dir/"
    npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error
    echo "$wanted_node" >"$stamp"
  fi
fi

if $want_test && ! command -v diesel >/dev/null 2>&1; then
  # The schema-drift test compares src/schema.rs with `diesel print-schema`.
  echo "hopper: installing diesel_cli (for the schema-drift test; takes a few minutes once)"
  cargo install diesel_cli --version "~2.3" --no-default-features --features postgres --locked
fi

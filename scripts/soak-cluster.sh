#!/usr/bin/env bash
# Three Hopper nodes behind HAProxy (round robin, no sticky sessions) on one PostgreSQL
# and one S3 endpoint, under a mixed load — people in browsers sending the upload form,
# tus clients, `hopper sync` and senders through an upload link — while one node at a
# time is killed (SIGKILL) and restarted. Then the invariants: nothing left stuck, batch
# counters equal their rows, S3 holds exactly the completed files with their bytes,
# every file a client was told was stored is stored, no 500, and the audit chains verify.
# Writes OUT/summary.md and OUT/summary.json; exits 1 when an invariant fails.
#
#   scripts/soak-cluster.sh                                            # 600 s, a kill every 120 s
#   scripts/soak-cluster.sh --seconds 60 --kill-every 20 --down 25     # CI's (tests/it/soak_cluster.rs)
#
# Options: --seconds N (600), --kill-every N (120), --down N (seconds a killed node stays
# down: 30, longer than a dead node's tus claim holds, so its uploads go on elsewhere),
# --hopper PATH (target/release/hopper if present, else target/debug/hopper), --out DIR
# (target/soak-cluster/<time>), --keep (keep the database and the store).
#
# Everything it starts runs in a process group of its own under a throwaway directory
# (/tmp/hopper-soak.*), listens only on 127.0.0.1 or a unix socket, and is stopped on
# exit however the script ends. The S3 endpoint is `hopper s3-serve`: the store the
# embedded mode runs, in a process no kill touches. Needs haproxy and the tests' Python
# environment (scripts/install-deps.sh --test installs both).
set -euo pipefail
export NO_COLOR=1 PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=600
KILL_EVERY=120
DOWN=30
BIN=""
OUT=""
KEEP=false
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) DURATION=$2; shift 2 ;;
    --kill-every) KILL_EVERY=$2; shift 2 ;;
    --down) DOWN=$2; shift 2 ;;
    --hopper) BIN=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=true; shift ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  BIN=target/debug/hopper
  [ -x target/release/hopper ] && BIN=target/release/hopper
fi
BIN=$(readlink -f "$BIN")
[ -x "$BIN" ] || { echo "soak: no hopper binary at $BIN (cargo build first)" >&2; exit 2; }
PY=$ROOT/target/test-venv/bin/python
[ -x "$PY" ] || { echo "soak: no $PY; run scripts/install-deps.sh --test" >&2; exit 2; }
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || { echo "soak: haproxy is missing; run scripts/install-deps.sh --test" >&2; exit 2; }
PG_BIN=""
if command -v initdb >/dev/null 2>&1; then
  PG_BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
else
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
[ -x "$PG_BIN/postgres" ] || { echo "soak: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 2; }
PSQL=$(command -v psql || echo "$PG_BIN/psql")

OUT=${OUT:-target/soak-cluster/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
# Short paths (a unix socket's path is at most 107 bytes), passable by the cluster's
# account when this runs as root.
WORK=$(mktemp -d /tmp/hopper-soak.XXXXXX)
chmod 711 "$WORK"
RUN=$WORK/run
mkdir -p "$RUN"
log() { echo "soak: $(date +%T) $*" >&2; }

# PostgreSQL refuses to run as root: then the cluster runs as `postgres` (else `nobody`),
# as Hopper's embedded cluster does.
PG_AS=()
if [ "$(id -u)" -eq 0 ]; then
  PG_USER=postgres
  id "$PG_USER" >/dev/null 2>&1 || PG_USER=nobody
  PG_AS=("--reuid=$PG_USER" "--regid=$(id -g "$PG_USER")" --clear-groups)
fi

# Every long-running process is the leader of its own process group (setsid), its pid in
# $RUN/<name>.pid; stopping one stops its whole group. Each also gets a signal when this
# script dies however it dies (parent-death signal: SIGKILL leaves no trap to run).
start() {
  local name=$1 log=$2 signal=$3
  shift 3
  setsid setpriv --pdeathsig "$signal" "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
stop() {
  local name=$1 signal=${2:-TERM} pid
  pid=$(cat "$RUN/$name.pid" 2>/dev/null) || return 0
  kill "-$signal" -- "-$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
}
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  [ -n "${DRIVER_PID:-}" ] && kill -TERM "$DRIVER_PID" 2>/dev/null && wait "$DRIVER_PID" 2>/dev/null
  for name in haproxy node-1 node-2 node-3 s3; do stop "$name"; done
  # A fast shutdown (SIGINT) for the cluster.
  stop postgres INT
  cp -f "$WORK"/*.log "$OUT/" 2>/dev/null || true
  if $KEEP; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Sleeps that a signal interrupts (a trap waits for a foreground command to end).
nap() {
  sleep "$1" &
  wait $!
}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {
  local what=$1 tries=$2
  shift 2
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "timed out waiting for $what"
  return 1
}
# GET /readyz answered 200 (bash's own /dev/tcp: nothing else needed).
ready() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    read -r -t 5 status <&3 && [[ $status == *" 200 "* ]]
  )
}

log "hopper $BIN, $DURATION s, a kill every $KILL_EVERY s ($DOWN s down), output in $OUT"

# --- PostgreSQL: one throwaway cluster on a unix socket only --------------------------
mkdir -p "$WORK/pg" "$WORK/pg-run"
chmod 700 "$WORK/pg" "$WORK/pg-run"
[ ${#PG_AS[@]} -gt 0 ] && chown "$PG_USER:" "$WORK/pg" "$WORK/pg-run"
setpriv "${PG_AS[@]}" -- "$PG_BIN/initdb" -D "$WORK/pg" -U hopper --auth=trust -E UTF8 --locale=C \
  --no-instructions --no-sync >"$OUT/initdb.log" 2>&1
# The database is never killed, so durability is not what is measured: fsync off, as the
# test clusters run.
start postgres "$WORK/postgres.log" INT "${PG_AS[@]}" -- "$PG_BIN/postgres" -D "$WORK/pg" \
  -k "$WORK/pg-run" -c listen_addresses= -c unix_socket_permissions=0700 \
  -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off
SOCKET=$WORK/pg-run
wait_for PostgreSQL 300 "$PSQL" "postgres://hopper@/postgres?host=$SOCKET" -Atqc 'SELECT 1'
"$PSQL" "postgres://hopper@/postgres?host=$SOCKET" -Atqc 'CREATE DATABASE hopper' >/dev/null
export DATABASE_URL="postgres://hopper@/hopper?host=$SOCKET"
export HOPPER_APP_DATABASE_URL="postgres://hopper_app@/hopper?host=$SOCKET"
export HOPPER_DATA_DIR=$WORK/cli
NO_COLOR=1 "$BIN" migrate >"$OUT/migrate.log" 2>&1

# --- S3: the embedded store, served on its own -----------------------------------------
start s3 "$WORK/s3.log" TERM -- "$BIN" --data-dir "$WORK/store" s3-serve --bucket soak
wait_for "the S3 endpoint" 300 grep -q '^S3 endpoint: ' "$WORK/s3.log"
S3=$(sed -n 's/^S3 endpoint: //p' "$WORK/s3.log")
export HOPPER_S3_ENDPOINT=$S3 HOPPER_S3_FORCE_PATH_STYLE=true AWS_DEFAULT_REGION=us-east-1
AWS_ACCESS_KEY_ID=$(sed -n 1p "$WORK/store/s3-credentials")
AWS_SECRET_ACCESS_KEY=$(sed -n 2p "$WORK/store/s3-credentials")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

# --- Three nodes: one secret key and audit signing key, their own ids ------------------
HOPPER_SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
HOPPER_AUDIT_SIGNING_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export HOPPER_SECRET_KEY HOPPER_AUDIT_SIGNING_KEY
export HOPPER_TRUSTED_PROXIES=127.0.0.1 HOPPER_UPLOAD_PART_MIB=5 NO_COLOR=1
LB_PORT=$(free_port)
export HOPPER_PUBLIC_URL=http://127.0.0.1:$LB_PORT
declare -a PORTS
for i in 1 2 3; do PORTS[i]=$(free_port); done
start_node() {
  local i=$1
  mkdir -p "$WORK/node-$i"
  # One log per node across its restarts.
  start "node-$i" "$WORK/node-$i.log" TERM -- env HOPPER_NODE_ID="soak-node-$i" \
    HOPPER_BIND="127.0.0.1:${PORTS[i]}" HOPPER_DATA_DIR="$WORK/node-$i" "$BIN" serve
}
for i in 1 2 3; do start_node "$i"; done
for i in 1 2 3; do wait_for "node $i" 600 ready "${PORTS[i]}"; done

# --- HAProxy: round robin, no stickiness, /readyz as the health check ------------------
cat >"$WORK/haproxy.cfg" <<CFG
global
    log stdout format raw local0 info
    maxconn 4096

defaults
    mode http
    log global
    # The client's request id, the node, status, active time (ms), termination state,
    # method and path: OUT/haproxy.log, read by the report.
    log-format "%[capture.req.hdr(0)] %b/%s %ST %Ta %Tt %tsc %HM %HP"
    option forwardfor
    option dontlognull
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 10m
    timeout server 10m
    timeout http-request 60s
    timeout http-keep-alive 5s

frontend soak
    bind 127.0.0.1:$LB_PORT
    http-request capture req.hdr(X-Soak-Id) len 48
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
    http-response set-header X-Served-By %s
$(for i in 1 2 3; do echo "    server soak-node-$i 127.0.0.1:${PORTS[i]} check"; done)
CFG
"$HAPROXY" -c -q -f "$WORK/haproxy.cfg"
start haproxy "$WORK/haproxy.log" TERM -- "$HAPROXY" -db -f "$WORK/haproxy.cfg"
BASE=http://127.0.0.1:$LB_PORT
wait_for HAProxy 300 ready "$LB_PORT"

# --- The installation: an operator, a company, its admin, users, a project, a cycle,
# tokens and an upload link, through the CLI, the pages and the automation API ---------
OPERATOR_PASSWORD=$("$BIN" create-superadmin --username soak.operator --email operator@soak.test 2>>"$OUT/cli.log" \
  | sed -n 's/.*sign-in): //p')
[ -n "$OPERATOR_PASSWORD" ] || { log "create-superadmin printed no password"; exit 1; }
"$PY" scripts/soak/setup.py --base "$BASE" --hopper "$BIN" --operator soak.operator \
  --operator-password "$OPERATOR_PASSWORD" --bucket soak --out "$OUT/setup.json" 2>>"$OUT/setup.log"
log "set up: $(tr -d '\n' <"$OUT/setup.json" | head -c 200)…"

# --- The load, and a kill every KILL_EVERY seconds ------------------------------------
event() { echo "$(date +%s.%N) $*" >>"$OUT/events.log"; }
: >"$OUT/events.log"
started=$(date +%s)
setpriv --pdeathsig TERM -- "$PY" scripts/soak/load.py --setup "$OUT/setup.json" \
  --seconds "$DURATION" --hopper "$BIN" --records "$OUT/records.jsonl" --work "$WORK/load" \
  2>>"$OUT/load.log" &
DRIVER_PID=$!
sql() { "$PSQL" "$DATABASE_URL" -Atqc "$1"; }
# The node to kill: the next in turn, or one that is writing a tus upload right now when
# the next is not (the kill is meant to cut uploads in flight).
victim() {
  local turn=$1 writing i
  writing=$(sql "SELECT DISTINCT writer_node FROM tus_uploads WHERE writer IS NOT NULL AND outcome IS NULL" 2>/dev/null || true)
  for i in $(seq 0 2); do
    local n=$(( (turn + i) % 3 + 1 ))
    if grep -qx "soak-node-$n" <<<"$writing"; then echo "$n"; return; fi
  done
  echo $(( turn % 3 + 1 ))
}
kills=0
next_kill=$KILL_EVERY
while [ "$next_kill" -lt "$DURATION" ]; do
  now=$(( $(date +%s) - started ))
  if [ "$now" -lt "$next_kill" ]; then nap 1; continue; fi
  # No kill once the load is over (a slow restart may have pushed this one past it).
  [ "$now" -lt "$DURATION" ] || break
  kill -0 "$DRIVER_PID" 2>/dev/null || break
  n=$(victim "$kills")
  pid=$(cat "$RUN/node-$n.pid")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  event "killed soak-node-$n pid $pid"
  log "killed soak-node-$n (pid $pid)"
  nap "$DOWN"
  start_node "$n"
  wait_for "node $n" 600 ready "${PORTS[n]}"
  event "ready soak-node-$n pid $(cat "$RUN/node-$n.pid")"
  kills=$((kills + 1))
  next_kill=$((next_kill + KILL_EVERY))
done
driver_status=0
wait "$DRIVER_PID" || driver_status=$?
DRIVER_PID=""
log "load finished (driver exit $driver_status), $kills kills"

# --- Settle and check -----------------------------------------------------------------
# What the nodes settle by themselves (their start-up and background passes), then one
# pass by hand, as `hopper reconcile` is meant to be run.
unsettled() {
  sql "SELECT (SELECT count(*) FROM file_uploads WHERE status IN ('pending', 'uploading', 'scanning'))
            + (SELECT count(*) FROM tus_uploads WHERE outcome IS NULL)"
}
for _ in $(seq 60); do [ "$(unsettled)" = 0 ] && break; sleep 0.5; done
echo "$(unsettled)" >"$OUT/unsettled-before-reconcile.txt"
"$BIN" reconcile --older-than-minutes 0 >"$OUT/reconcile.txt" 2>>"$OUT/cli.log" || true
audit_status=0
"$BIN" audit verify >"$OUT/audit-verify.txt" 2>>"$OUT/cli.log" || audit_status=$?

report_status=0
"$PY" scripts/soak/report.py --setup "$OUT/setup.json" --records "$OUT/records.jsonl" \
  --events "$OUT/events.log" --haproxy "$WORK/haproxy.log" --out "$OUT" \
  --store "$WORK/store/s3" --bucket soak --seconds "$DURATION" --kill-every "$KILL_EVERY" \
  --hopper "$BIN" --audit-status "$audit_status" --driver-status "$driver_status" || report_status=$?
cat "$OUT/summary.md"
exit "$report_status"

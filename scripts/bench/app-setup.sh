# Sourced by the benchmarks: a Hopper under test ("app") against the embedded S3 endpoint
# of a second Hopper ("store"), so the app's RSS and CPU are its own; an operator signed
# in (cookie jar $JAR, token $CSRF), a storage location and a project, and `next_cycle`,
# which sets $UPLOAD to a fresh cycle's upload path. Expects $BIN; honours
# APP_EXTRA_ARGS (an array of extra `hopper serve` arguments).
WORK=$(mktemp -d /tmp/hopper-bench.XXXXXX)
# As root, the embedded cluster runs as `postgres`, which must be able to reach the data dir.
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 300); do if eval "$1"; then return 0; fi; sleep 0.1; done; echo "bench: timed out: $1" >&2; exit 1; }

STORE_PORT=$(free_port)
NO_COLOR=1 "$BIN" serve --data-dir "$WORK/store" --bind "127.0.0.1:$STORE_PORT" >"$WORK/store.log" 2>&1 &
PIDS+=($!)
wait_for "grep -q 'embedded S3 endpoint started' '$WORK/store.log'"
S3=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/store.log" | grep -o 'endpoint=http://[0-9.:]*' | head -1 | cut -d= -f2)

export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1
AWS_ACCESS_KEY_ID=$(sed -n 1p "$WORK/store/s3-credentials")
AWS_SECRET_ACCESS_KEY=$(sed -n 2p "$WORK/store/s3-credentials")
export AWS_CONFIG_FILE="$WORK/aws-config"
cat >"$AWS_CONFIG_FILE" <<CONF
[default]
s3 =
    multipart_chunksize = 8MB
    multipart_threshold = 8MB
    addressing_style = path
CONF
aws --endpoint-url "$S3" s3 mb s3://bench-direct >/dev/null
aws --endpoint-url "$S3" s3 mb s3://bench-hopper >/dev/null

APP_PORT=$(free_port)
APP="http://127.0.0.1:$APP_PORT"
NO_COLOR=1 "$BIN" serve --data-dir "$WORK/app" --bind "127.0.0.1:$APP_PORT" \
  --s3-endpoint "$S3" --s3-force-path-style "${APP_EXTRA_ARGS[@]}" >"$WORK/app.log" 2>&1 &
APP_PID=$!
PIDS+=($APP_PID)
wait_for "curl -sf $APP/readyz >/dev/null"

# An operator account, its password changed, a project and a cycle to upload into.
PASSWORD=$("$BIN" --data-dir "$WORK/app" create-superadmin --username bench --email bench@example.test \
  | sed -n 's/.*sign-in): //p')
JAR="$WORK/cookies"
token() { curl -s -b "$JAR" -c "$JAR" "$APP$1" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
post() { local path=$1; shift; curl -s -X POST -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" -H "X-CSRF-Token: $CSRF" "$@" "$APP$path"; }
CSRF=$(token /login)
post /login --data-urlencode username=bench --data-urlencode "password=$PASSWORD" >/dev/null
CSRF=$(token /account/password)
NEW="upload measurement passphrase $RANDOM$RANDOM"
post /account/password --data-urlencode "current_password=$PASSWORD" \
  --data-urlencode "new_password=$NEW" --data-urlencode "confirm_password=$NEW" >/dev/null
CSRF=$(token /)
PG="postgres://hopper@/hopper?host=$WORK/app/postgres/run"
sql() { psql "$PG" -Atq -c "$1"; }
COMPANY=$(sql "SELECT id FROM companies WHERE company_code = 'DEFAULT'")
OPENED=$(post "/operator/companies/$COMPANY/open"); [ "$OPENED" = 303 ] || { echo "bench: cannot open the company $COMPANY: $OPENED" >&2; exit 1; }
# The bucket is a storage location the operator gives the company, then the project's.
[ "$(post "/operator/companies/$COMPANY/locations" -d label=Bench -d bucket_name=bench-hopper -d aws_region=us-east-1)" = 303 ] \
  || { echo "bench: cannot create the storage location" >&2; exit 1; }
LOCATION=$(sql "SELECT id FROM storage_locations WHERE bucket_name = 'bench-hopper'")
[ "$(post /admin/projects -d project_name=Bench -d "storage_location_id=$LOCATION" -d is_active=on)" = 303 ] \
  || { echo "bench: cannot create the project" >&2; exit 1; }
PROJECT=$(sql "SELECT id FROM projects WHERE project_name = 'Bench'")
# Each measurement gets a fresh cycle: content already uploaded in a cycle would be skipped.
next_cycle() {
  [ "$(post "/admin/projects/$PROJECT/cycles")" = 303 ] || { echo "bench: cannot start a cycle" >&2; exit 1; }
  UPLOAD=/projects/$PROJECT/cycles/$(sql "SELECT max(id) FROM cycles WHERE project_id = $PROJECT")/upload
}


#!/usr/bin/env bash
# make conformance: run the three pinned W3C suites (VC Data Model 2.0, vc-di-eddsa,
# Bitstring Status List) against this service, as ../shared/w3c/README.md describes.
#
#   scripts/conformance.sh [SUITE_DIR]     (default ../shared/w3c; Makefile: W3C_SUITES=…)
#
# 1. copies the suites into the git-ignored .conformance/ (the shared copy is read-only in
#    CI) and runs `npm ci` there once per package-lock.json (a stamp remembers it);
# 2. starts the service with a fresh SQLite instance under a temporary folder, on a free
#    loopback port, behind lib/tls-proxy.mjs with a self-signed certificate, with
#    MICROCRED_BASE_URL=https://127.0.0.1:TLS_PORT;
# 3. creates a did:web and a did:key training provider with the CLI;
# 4. runs each suite with the README's mocha command and reporter, then prints per-suite
#    counts and the failing tests (scripts/conformance_report.py), and exits non-zero
#    unless every applicable test passed.
# Offline after `npm ci`: the suites talk only to the service on 127.0.0.1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SOURCE=${1:-${W3C_SUITES:-../shared/w3c}}
# Relative to the repository; a git worktree one level deeper (wt/NAME) finds it too.
case $SOURCE in /*) ;; *)
  [ -d "$ROOT/$SOURCE" ] || [ ! -d "$ROOT/../$SOURCE" ] || SOURCE=../$SOURCE
  SOURCE=$ROOT/$SOURCE ;;
esac
WORK=$ROOT/.conformance
SUITES=$WORK/w3c
BIN=$ROOT/.venv/bin
TIMEOUT=${CONFORMANCE_TEST_TIMEOUT:-15000}

[ -d "$SOURCE/suites" ] || { echo "conformance: no W3C suites at $SOURCE" >&2; exit 2; }
[ -x "$BIN/microcred" ] || { echo "conformance: run 'make .venv/.installed' first" >&2; exit 2; }
command -v node >/dev/null || { echo "conformance: node (>= 20) is required" >&2; exit 2; }

# --- 1. a writable copy, npm ci once per lock file -----------------------------------------
mkdir -p "$WORK"
rsync -a --delete --exclude node_modules --exclude .npm-ci.stamp "$SOURCE/" "$SUITES/"
lock_sum=$(sha256sum "$SUITES/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$SUITES/node_modules" ] || [ "$(cat "$SUITES/.npm-ci.stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "conformance: npm ci in $SUITES"
  (cd "$SUITES" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$SUITES/.npm-ci.stamp"
fi

# --- 2. the service, fresh, behind TLS ------------------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/microcred-conformance.XXXXXX")
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -f "$RUN/service.log" ]; then
    echo "conformance: service log kept in $WORK/service.log" >&2
    cp "$RUN/service.log" "$WORK/service.log" 2>/dev/null || true
  fi
  rm -rf "$RUN"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
while [ "$TLS_PORT" = "$HTTP_PORT" ]; do TLS_PORT=$(free_port); done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$RUN/key.pem" -out "$RUN/cert.pem" 2>/dev/null

export MICROCRED_ENV=development
export MICROCRED_BASE_URL="https://127.0.0.1:$TLS_PORT"
export MICROCRED_INSTANCE_PATH="$RUN/instance"
export DATABASE_URL="sqlite:///$RUN/instance/microcred.db"
export MICROCRED_KEYS_DIR="$RUN/keys"
export MICROCRED_KEY_PASSPHRASE="conformance-run-only"
export MICROCRED_ALLOW_PRIVATE_FETCH=1   # status lists and did:web live on 127.0.0.1
export RATELIMIT_ENABLED=false           # the suites send a few thousand requests a minute
export SSL_CERT_FILE="$RUN/cert.pem"     # our own https front, should the service fetch it

"$BIN/microcred" init >/dev/null
web=$("$BIN/microcred" issuers create w3c-web --name "W3C conformance (did:web)" --json)
key=$("$BIN/microcred" issuers create w3c-key --name "W3C conformance (did:key)" --did-key --json)
field() { "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

(cd "$ROOT" && MICROCRED_BIND="127.0.0.1:$HTTP_PORT" WEB_CONCURRENCY=1 GUNICORN_THREADS=4 \
  GUNICORN_ACCESS_LOG='' exec "$BIN/gunicorn" -c microcred/gunicorn_conf.py microcred.wsgi:app) \
  >"$RUN/service.log" 2>&1 &
PIDS+=($!)
node "$SUITES/lib/tls-proxy.mjs" "$TLS_PORT" "$HTTP_PORT" "$RUN/cert.pem" "$RUN/key.pem" \
  >"$RUN/proxy.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 100); do
  if curl -sf --cacert "$RUN/cert.pem" -o /dev/null "$MICROCRED_BASE_URL/issuers/w3c-web/did.json"; then
    break
  fi
  sleep 0.2
done
curl -sf --cacert "$RUN/cert.pem" -o /dev/null "$MICROCRED_BASE_URL/issuers/w3c-web/did.json" || {
  echo "conformance: the service did not come up" >&2
  cat "$RUN/service.log" >&2
  exit 2
}

# --- 3. the suites ---------------------------------------------------------------------------
export APP_ROOT_PATH="$SUITES"
export NODE_EXTRA_CA_CERTS="$RUN/cert.pem"
export W3C_BASE="$MICROCRED_BASE_URL"
W3C_WEB_DID=$(field did <<<"$web")
W3C_WEB_KEY=$(field api_key <<<"$web")
W3C_KEY_DID=$(field did <<<"$key")
W3C_KEY_KEY=$(field api_key <<<"$key")
export W3C_WEB_DID W3C_WEB_KEY W3C_KEY_DID W3C_KEY_KEY
export W3C_STATUS='{"type": "BitstringStatusListEntry", "statusPurpose": ["revocation", "suspension"]}'
export W3C_VP_VERIFY=${W3C_VP_VERIFY:-1}

RESULTS=$WORK/results
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
started=$(date +%s)
for suite in vc-data-model-2.0-test-suite vc-di-eddsa-test-suite vc-bitstring-status-list-test-suite; do
  echo "conformance: $suite"
  (cd "$SUITES/suites/$suite" && W3C_RESULTS="$RESULTS/$suite.jsonl" \
    node "$SUITES/node_modules/mocha/bin/mocha.js" tests/ \
      --require "$SUITES/lib/vp-probe.mjs" --reporter "$SUITES/lib/reporter.cjs" \
      --timeout "$TIMEOUT" >"$RESULTS/$suite.log" 2>&1) || true
done
cp "$RUN/service.log" "$WORK/service.log"
echo "conformance: suites ran in $(($(date +%s) - started)) s; results in $RESULTS"
"$BIN/python" "$ROOT/scripts/conformance_report.py" "$RESULTS"

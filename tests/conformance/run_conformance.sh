#!/usr/bin/env bash
# Starts vidserve on a free loopback port (two API keys, a Kling key pair, a fresh data directory)
# and runs one Node script of this folder against it: node <script> <base url> <key> [args...].
# The script also gets VIDSERVE_PID, VIDSERVE_LOG, VIDSERVE_KEY_B and KLING_TEST_AK/SK (the pair
# in VIDSERVE_KLING_KEYS) in its environment.
# --tls: the server uses the test certificate of tests/data/tls (base URL https://, WebSocket
# wss://) and Node trusts its CA (NODE_EXTRA_CA_CERTS).
# --own-server: the script starts its servers itself and gets the binary: node <script> <binary>.
# Usage: run_conformance.sh <vidserve binary> [--tls | --own-server] <script.mjs> [args...]
set -euo pipefail
bin=$1
shift
own_server=
if [ "${1:-}" = --own-server ]; then
  own_server=1
  shift
fi
tls_args=()
if [ "${1:-}" = --tls ]; then
  shift
  tls=$(cd "$(dirname "$0")/../data/tls" && pwd)
  tls_args=(--tls-cert "$tls/server-a.pem" --tls-key "$tls/server-a.key")
  export NODE_EXTRA_CA_CERTS=$tls/ca.pem
fi
script=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ ! -d node_modules/runware-sdk-js-latest ] || [ ! -d node_modules/ws ] || [ ! -d node_modules/@runware/ai-sdk-provider ] ||
   [ ! -d node_modules/kling-api ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
if [ -n "$own_server" ]; then
  exec node "$script" "$bin" "$@"
fi
data=$(mktemp -d)
out=$(mktemp)
key=conformance-key
key_b=conformance-key-b
export KLING_TEST_AK=conformance-ak KLING_TEST_SK=conformance-sk
VIDSERVE_API_KEYS=$key,$key_b VIDSERVE_KLING_KEYS=$KLING_TEST_AK:$KLING_TEST_SK \
  "$bin" serve --listen 127.0.0.1:0 --data "$data" ${tls_args[@]+"${tls_args[@]}"} >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 100); do
  base=$(grep -o 'https\?://[0-9.:]*' "$out" | head -1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "server did not start"; cat "$out"; exit 1; }
status=0
VIDSERVE_PID=$pid VIDSERVE_LOG=$out VIDSERVE_KEY_B=$key_b node "$script" "$base" "$key" "$@" || status=$?
if [ $status -ne 0 ]; then echo "--- server log"; cat "$out"; fi
exit $status

#!/usr/bin/env bash
# Starts vidserve on a free loopback port (two API keys, a fresh data directory) and runs one
# Node script of this folder against it: node <script> <base url> <key> [args...].
# The script also gets VIDSERVE_PID, VIDSERVE_LOG and VIDSERVE_KEY_B in its environment.
# Usage: run_conformance.sh <vidserve binary> <script.mjs> [args...]
set -euo pipefail
bin=$1
script=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ ! -d node_modules/runware-sdk-js-latest ] || [ ! -d node_modules/ws ] || [ ! -d node_modules/@runware/ai-sdk-provider ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
data=$(mktemp -d)
out=$(mktemp)
key=conformance-key
key_b=conformance-key-b
VIDSERVE_API_KEYS=$key,$key_b "$bin" serve --listen 127.0.0.1:0 --data "$data" >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 100); do
  base=$(grep -o 'http://[0-9.:]*' "$out" | head -1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "server did not start"; cat "$out"; exit 1; }
status=0
VIDSERVE_PID=$pid VIDSERVE_LOG=$out VIDSERVE_KEY_B=$key_b node "$script" "$base" "$key" "$@" || status=$?
if [ $status -ne 0 ]; then echo "--- server log"; cat "$out"; fi
exit $status

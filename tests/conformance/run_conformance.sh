#!/usr/bin/env bash
# Installs the npm clients (once) and runs them against a vidserve started on loopback.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ ! -d node_modules/@runware/ai-sdk-provider ]; then
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
data=$(mktemp -d)
out=$(mktemp)
key=conformance-key
VIDSERVE_API_KEYS=$key "$bin" serve --listen 127.0.0.1:0 --data "$data" >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 100); do
  base=$(grep -o 'http://[0-9.:]*' "$out" | head -1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "server did not start"; cat "$out"; exit 1; }
node ai_sdk_image.mjs "$base" "$key"

#!/usr/bin/env bash
# Control-plane benchmark, one run, loopback, everything measured side by side:
#   (a) getResponse of a completed task (POST /v1) on vidserve
#   (b) nginx serving the same JSON reply as a static file (the baseline)
#   (c) durable videoInference submission (committed to SQLite before the acknowledgement)
# Prints requests/s of each and the ratios a/b and c/b. Needs wrk and nginx (scripts/install-deps).
set -euo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
duration=${BENCH_SECONDS:-10}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-64}
work=$(mktemp -d)
key=bench-key
cleanup() {
  [ -n "${vs_pid:-}" ] && kill "$vs_pid" 2>/dev/null && wait "$vs_pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# One server renders the task that getResponse reads; the measured server then runs with no
# render workers (--workers 0), so the submit benchmark measures acceptance, not rendering
# competing for the same two cores.
io_threads=${BENCH_IO_THREADS:-4}
start_server() {  # workers -> sets vs_pid, base
  VIDSERVE_API_KEYS=$key "$bin" serve --listen 127.0.0.1:0 --data "$work/data" --workers "$1" \
    --io-threads "$io_threads" >"$work/vs.log" 2>&1 &
  vs_pid=$!
  base=""
  for _ in $(seq 1 100); do
    base=$(grep -o 'http://[0-9.:]*' "$work/vs.log" | head -1 || true)
    [ -n "$base" ] && return 0
    sleep 0.1
  done
  cat "$work/vs.log"
  exit 1
}
start_server 1

task=$(python3 -c 'import uuid; print(uuid.uuid4())')
curl -sf "$base/v1" -H "Authorization: Bearer $key" -d "[{\"taskType\":\"videoInference\",\"taskUUID\":\"$task\",\"model\":\"klingai:kling-video@3-standard\",\"positivePrompt\":\"bench\",\"width\":720,\"height\":1280,\"duration\":3}]" >/dev/null
poll="[{\"taskType\":\"getResponse\",\"taskUUID\":\"$task\"}]"
for _ in $(seq 1 300); do
  reply=$(curl -sf "$base/v1" -H "Authorization: Bearer $key" -d "$poll")
  grep -q '"status":"success"' <<<"$reply" && break
  sleep 0.2
done
grep -q '"status":"success"' <<<"$reply" || { echo "task did not finish: $reply"; exit 1; }
kill "$vs_pid"
wait "$vs_pid" 2>/dev/null || true
start_server 0
reply=$(curl -sf "$base/v1" -H "Authorization: Bearer $key" -d "$poll")

# nginx serves the identical reply body as a static file.
mkdir -p "$work/www"
printf '%s' "$reply" >"$work/www/reply.json"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|g" "$here/nginx.conf.in" >"$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"
sleep 0.5

run_wrk() {  # url, lua script (optional) -> requests/s
  local args=(-t"$threads" -c"$connections" -d"${duration}s" --latency)
  [ -n "${2:-}" ] && args+=(-s "$2")
  wrk "${args[@]}" "$1" | tee -a "$work/wrk.log" | awk '/Requests\/sec/ {print $2}'
}

export BENCH_KEY=$key BENCH_BODY=$poll
rps_static=$(run_wrk "http://127.0.0.1:$nginx_port/reply.json")
rps_get=$(run_wrk "$base/v1" "$here/get_response.lua")
rps_submit=$(run_wrk "$base/v1" "$here/submit.lua")
stored=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/data/vidserve.db').execute('select count(*) from tasks').fetchone()[0])")

echo "wrk: $threads threads, $connections connections, ${duration}s each; vidserve --io-threads $io_threads"
echo "nginx static JSON        : $rps_static req/s"
echo "vidserve getResponse     : $rps_get req/s"
echo "vidserve durable submit  : $rps_submit req/s ($stored tasks committed in SQLite)"
python3 - "$rps_get" "$rps_submit" "$rps_static" <<'PY'
import sys
get, submit, static = map(float, sys.argv[1:])
print(f"ratio getResponse / nginx    = {get / static:.2f}  (target >= 0.6)")
print(f"ratio durable submit / nginx = {submit / static:.2f}  (target >= 0.3)")
PY

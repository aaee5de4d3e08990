#!/usr/bin/env bash
# WebSocket vs REST benchmark, one run, loopback: the Runware task API over WebSocket
# (ws://HOST:PORT/v1) and over POST /v1 with keep-alive, same client, same concurrency, measured
# in alternating halves. See bench/websocket/README.md for what is measured.
#   bench/websocket/run.sh [path/to/vidserve]      (default: build/src/app/vidserve)
# Knobs (environment): BENCH_CONNS (8 WebSocket connections = REST sockets), BENCH_INFLIGHT (4 per
# connection), BENCH_TASKS (2000 videoInference per transport), BENCH_WARMUP (100), BENCH_PINGS
# (4000 per transport), BENCH_RESULTS (400 imageInference end to end per transport; 0 skips that
# part and its server), BENCH_RESULT_INFLIGHT (16), BENCH_POLL_MS (100, the REST client's
# getResponse interval), BENCH_IO_THREADS (vidserve --io-threads, 4), BENCH_DUMP (a file to write
# every measurement to, JSON).
# Exit 0 whatever the figures; non-zero when something failed to run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/build/src/app/vidserve}")
[ -x "$bin" ] || { echo "no vidserve binary at $bin (build it first)" >&2; exit 2; }
command -v node >/dev/null || { echo "node (20 or later) is needed" >&2; exit 2; }

conns=${BENCH_CONNS:-8}
inflight=${BENCH_INFLIGHT:-4}
tasks=${BENCH_TASKS:-2000}
warmup=${BENCH_WARMUP:-100}
pings=${BENCH_PINGS:-4000}
results=${BENCH_RESULTS:-400}
result_inflight=${BENCH_RESULT_INFLIGHT:-16}
poll_ms=${BENCH_POLL_MS:-100}
io_threads=${BENCH_IO_THREADS:-4}
key=benchkey

# The client needs the npm package `ws`: bench/websocket/node_modules (npm ci, pinned in
# package-lock.json), else the copy tests/conformance installs.
if [ ! -d "$here/node_modules/ws" ] && [ ! -d "$root/tests/conformance/node_modules/ws" ]; then
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

. "$root/bench/lib.sh"  # $work, cleanup on exit, wait_for_url

# Acknowledgements and pings: no render workers (--workers 0: tasks are stored, not rendered), so
# the transport measured second does not compete with renders of the first one's tasks.
VIDSERVE_API_KEYS=$key "$bin" serve --listen 127.0.0.1:0 --data "$work/ack" --workers 0 \
  --io-threads "$io_threads" >"$work/ack.log" 2>&1 &
ack_pid=$!
bench_started "$ack_pid" "$work/ack.log"
ack_base=$(wait_for_url "$work/ack.log" "$ack_pid")

# Results end to end: a second server that renders (preview engine, 2 workers); idle until then.
res_base=""
if [ "$results" -gt 0 ]; then
  VIDSERVE_API_KEYS=$key "$bin" serve --listen 127.0.0.1:0 --data "$work/results" --workers 2 \
    --io-threads "$io_threads" >"$work/results.log" 2>&1 &
  res_pid=$!
  bench_started "$res_pid" "$work/results.log"
  res_base=$(wait_for_url "$work/results.log" "$res_pid")
fi

WS_NO_BUFFER_UTIL=1 timeout 600 node "$here/ws_vs_rest.mjs" --base "$ack_base" \
  ${res_base:+--results-base "$res_base" --results-server-pid "$res_pid"} --server-pid "$ack_pid" \
  --clk-tck "$(getconf CLK_TCK 2>/dev/null || echo 100)" --key "$key" --conns "$conns" --inflight "$inflight" \
  --tasks "$tasks" --warmup "$warmup" --pings "$pings" --results "$results" \
  --result-inflight "$result_inflight" --poll-ms "$poll_ms" ${BENCH_DUMP:+--dump "$BENCH_DUMP"}

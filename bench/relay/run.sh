#!/usr/bin/env bash
# Relay benchmark, one run, loopback: the latency vidserve's `kling` engine adds between a client
# and Kling, measured against tests/mock_kling/mock_kling.py side by side with the same client
# talking to the mock directly. See bench/relay/README.md for what is measured.
#   bench/relay/run.sh [path/to/vidserve]      (default: build-bench/src/app/vidserve)
# Knobs (environment): BENCH_TASKS (200 per path), BENCH_CONCURRENCY (4), BENCH_POLL_MS (10, the
# client's poll interval), BENCH_CALLS (2000 status queries per path), BENCH_MOCK_DELAY_MS (200),
# BENCH_KLING_POLL_MS (10, vidserve's VIDSERVE_KLING_POLL_MS and _MAX_MS), BENCH_GOAL_MS (5),
# BENCH_WORKERS (vidserve's --workers, 4), BENCH_PERF (a perf.data file to profile vidserve into),
# BENCH_DUMP (a file to write every measurement to, JSON).
# The 200-concurrent run: BENCH_CONCURRENCY=200 BENCH_TASKS=400 bench/relay/run.sh
# Also prints the peak number of vidserve's threads during the run (/proc/<pid>/status Threads:).
# Exit 0 whether or not the goal is met; non-zero when something failed to run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/build-bench/src/app/vidserve}")
[ -x "$bin" ] || { echo "no vidserve binary at $bin (build it first)" >&2; exit 2; }

tasks=${BENCH_TASKS:-200}
concurrency=${BENCH_CONCURRENCY:-4}
poll_ms=${BENCH_POLL_MS:-10}
calls=${BENCH_CALLS:-2000}
delay_ms=${BENCH_MOCK_DELAY_MS:-200}
kling_poll_ms=${BENCH_KLING_POLL_MS:-10}
goal_ms=${BENCH_GOAL_MS:-5}
workers=${BENCH_WORKERS:-4}
key=benchkey
access_key=bench-ak
secret_key=bench-sk-secret

. "$root/bench/lib.sh"  # $work, cleanup on exit, wait_for_url

# The mock (with the benchmark's timestamps, see mock_records.py) makes its result MP4 with ffmpeg
# in a mkdtemp directory: keep that inside $work.
TMPDIR="$work" python3 "$here/mock_records.py" --access-key "$access_key" \
  --secret-key "$secret_key" --delay "$(awk "BEGIN {print $delay_ms / 1000}")" --port 0 \
  >"$work/mock.log" 2>&1 &
mock_pid=$!
bench_started "$mock_pid" "$work/mock.log"
mock_base=$(wait_for_url "$work/mock.log" "$mock_pid")

VIDSERVE_API_KEYS=$key \
  VIDSERVE_ENGINE_ROUTES='klingai:*=kling' \
  VIDSERVE_KLING_BASE_URL="$mock_base" \
  VIDSERVE_KLING_ACCESS_KEY=$access_key \
  VIDSERVE_KLING_SECRET_KEY=$secret_key \
  VIDSERVE_KLING_POLL_MS=$kling_poll_ms \
  VIDSERVE_KLING_POLL_MAX_MS=$kling_poll_ms \
  VIDSERVE_KLING_CONCURRENCY=$((concurrency * 2)) \
  VIDSERVE_KLING_TIMEOUT_S=60 \
  VIDSERVE_FETCH_ALLOW=127.0.0.0/8 \
  "$bin" serve --listen 127.0.0.1:0 --data "$work/data" --workers "$workers" \
  >"$work/vs.log" 2>&1 &
vs_pid=$!
bench_started "$vs_pid" "$work/vs.log"
vs_base=$(wait_for_url "$work/vs.log" "$vs_pid")

# vidserve's thread count, sampled every 20 ms; the peak goes to $work/threads.
threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
threads_idle=$(threads_of "$vs_pid")
(
  peak=0
  while kill -0 "$vs_pid" 2>/dev/null; do
    t=$(threads_of "$vs_pid")
    if [ "${t:-0}" -gt "$peak" ]; then peak=$t; echo "$peak" >"$work/threads"; fi
    sleep 0.02
  done
) &
sampler_pid=$!

# BENCH_PERF=<file>: perf record (on-CPU samples with call graphs) of vidserve during the client.
if [ -n "${BENCH_PERF:-}" ]; then
  perf record -F 999 -g -p "$vs_pid" -o "$BENCH_PERF" >"$work/perf.log" 2>&1 &
  perf_pid=$!
fi

timeout 300 python3 "$here/relay_bench.py" --mock "$mock_base" --vidserve "$vs_base" --key "$key" \
  --access-key "$access_key" --secret-key "$secret_key" --mock-delay-ms "$delay_ms" \
  --kling-poll-ms "$kling_poll_ms" --tasks "$tasks" --concurrency "$concurrency" --poll-ms "$poll_ms" \
  --calls "$calls" --goal-ms "$goal_ms" ${BENCH_DUMP:+--dump "$BENCH_DUMP"}
kill "$sampler_pid" 2>/dev/null || true
if [ -n "${perf_pid:-}" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
# CPU seconds (user + system) each process used since it started: who the 2 cores went to.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo "?"; }
echo "CPU seconds used: vidserve $(cpu_s "$vs_pid"), mock $(cpu_s "$mock_pid"); the client is the rest of the run's"
echo "vidserve threads: peak $(cat "$work/threads" 2>/dev/null || echo "$threads_idle") during the run" \
  "($threads_idle when idle; --workers $workers, $concurrency tasks in flight per path)"

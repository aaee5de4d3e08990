#!/usr/bin/env bash
# Relay benchmark, one run, loopback: the latency vidserve's `kling` engine adds between a client
# and Kling, measured against tests/mock_kling/mock_kling.py side by side with the same client
# talking to the mock directly. See bench/relay/README.md for what is measured.
#   bench/relay/run.sh [path/to/vidserve]      (default: build-bench/src/app/vidserve)
# Knobs (environment): BENCH_TASKS (200 per path), BENCH_CONCURRENCY (4), BENCH_POLL_MS (10, the
# client's poll interval), BENCH_CALLS (2000 status queries per path), BENCH_MOCK_DELAY_MS (200),
# BENCH_KLING_POLL_MS (10, vidserve's VIDSERVE_KLING_POLL_MS and _MAX_MS), BENCH_GOAL_MS (5),
# BENCH_DUMP (a file to write every measurement to, JSON).
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
  "$bin" serve --listen 127.0.0.1:0 --data "$work/data" --workers $((concurrency * 2)) \
  >"$work/vs.log" 2>&1 &
vs_pid=$!
bench_started "$vs_pid" "$work/vs.log"
vs_base=$(wait_for_url "$work/vs.log" "$vs_pid")

timeout 300 python3 "$here/relay_bench.py" --mock "$mock_base" --vidserve "$vs_base" --key "$key" \
  --access-key "$access_key" --secret-key "$secret_key" --mock-delay-ms "$delay_ms" \
  --kling-poll-ms "$kling_poll_ms" --tasks "$tasks" --concurrency "$concurrency" --poll-ms "$poll_ms" \
  --calls "$calls" --goal-ms "$goal_ms" ${BENCH_DUMP:+--dump "$BENCH_DUMP"}

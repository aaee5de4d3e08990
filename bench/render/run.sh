#!/usr/bin/env bash
# Render benchmark, one run, loopback: vidserve's preview engine against the ffmpeg CLI doing the
# same work in the same run (libx264 -preset veryfast at vidserve's CRF), and the server's peak RSS.
# See bench/render/README.md for what is measured.
#   bench/render/run.sh [path/to/vidserve]      (default: build/src/app/vidserve)
# Knobs (environment): BENCH_REPS (3 repetitions per case and side; medians are printed),
# BENCH_CASES (t2v720,t2v1080,lipsync: a comma-separated subset), BENCH_GOAL_RATIO (1.2),
# BENCH_GOAL_RSS_MB (300), BENCH_DUMP (a file to write every measurement to, JSON).
# Exit 0 whether or not the goals are met; non-zero when something failed to run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/build/src/app/vidserve}")
[ -x "$bin" ] || { echo "no vidserve binary at $bin (build it first)" >&2; exit 2; }
for tool in ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
key=benchkey

. "$root/bench/lib.sh"  # $work, cleanup on exit, wait_for_url

# One worker: one render at a time, so each render has the machine to itself as ffmpeg does.
# The lip-sync inputs are served by the client on loopback, which the fetch guard must allow.
VIDSERVE_API_KEYS=$key \
  VIDSERVE_FETCH_ALLOW=127.0.0.0/8 \
  "$bin" serve --listen 127.0.0.1:0 --data "$work/data" --workers 1 \
  >"$work/vs.log" 2>&1 &
vs_pid=$!
bench_started "$vs_pid" "$work/vs.log"
vs_base=$(wait_for_url "$work/vs.log" "$vs_pid")

timeout 900 python3 "$here/render_bench.py" --vidserve "$vs_base" --pid "$vs_pid" --key "$key" \
  --work "$work" --reps "${BENCH_REPS:-3}" --cases "${BENCH_CASES:-t2v720,t2v1080,lipsync}" \
  --goal-ratio "${BENCH_GOAL_RATIO:-1.2}" --goal-rss-mb "${BENCH_GOAL_RSS_MB:-300}" \
  ${BENCH_DUMP:+--dump "$BENCH_DUMP"}

# Sourced by the bench scripts: a work directory, servers started in the background and stopped
# on exit (with the last lines of their logs when the run failed), and the URL a server prints.
#   . "$root/bench/lib.sh"            # sets $work, traps EXIT/INT/TERM
#   some-server >"$work/x.log" 2>&1 & bench_started $! "$work/x.log"
#   base=$(wait_for_url "$work/x.log" "$pid")
work=$(mktemp -d)
bench_pids=()
bench_logs=()

bench_started() {  # pid, log file
  bench_pids+=("$1")
  bench_logs+=("$2")
}

bench_cleanup() {
  local rc=$? i log
  for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do  # the last started first
    kill "${bench_pids[i]}" 2>/dev/null || true
    wait "${bench_pids[i]}" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for log in "${bench_logs[@]}"; do
      [ -s "$log" ] && { echo "--- $(basename "$log") (last lines)" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

wait_for_url() {  # log file, pid -> the http://host:port of the first "listening on" line
  local url=""
  for _ in $(seq 1 150); do
    url=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/^listening on //' || true)
    [ -n "$url" ] && { echo "$url"; return 0; }
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start ($1)" >&2
  return 1
}

#!/usr/bin/env bash
# Runs fuzz targets one after another (one libFuzzer process at a time), each for SECONDS:
#   fuzz/run.sh BUILD_DIR SECONDS TARGET...
# Corpus: BUILD_DIR/corpus/<target> (grown in place), crashes: BUILD_DIR/crashes/<target>,
# log: BUILD_DIR/logs/<target>.log. Prints exec/s, runs and corpus size per target and writes the
# same table to BUILD_DIR/summary.txt. Exits 1 when any target crashed (or failed to run).
set -uo pipefail
build=$1 seconds=$2
shift 2
summary=$build/summary.txt
mkdir -p "$build/logs"
printf '%-14s %10s %12s %8s %12s %8s\n' target "exec/s" runs files bytes crashes >"$summary"
failed=0
for target in "$@"; do
  corpus=$build/corpus/$target crashes=$build/crashes/$target log=$build/logs/$target.log
  mkdir -p "$corpus" "$crashes"
  echo "fuzz: $target for ${seconds}s (log $log)"
  # -timeout: one input may take 10 s before it counts as a hang; -rss_limit_mb bounds memory.
  "$build/fuzz/fuzz_$target" "$corpus" -max_total_time="$seconds" -artifact_prefix="$crashes/" \
    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 >"$log" 2>&1
  status=$?
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  found=$(find "$crashes" -type f | wc -l)
  printf '%-14s %10s %12s %8s %12s %8s\n' "$target" "$(stat average_exec_per_sec)" \
    "$(stat number_of_executed_units)" "$files" "$bytes" "$found" >>"$summary"
  if ((status != 0 || found > 0)); then
    failed=1
    echo "fuzz: $target FAILED (exit $status); inputs in $crashes:"
    ls "$crashes"
    grep -m1 -A3 -E "ERROR: |runtime error|deadly signal" "$log" || tail -5 "$log"
  fi
done
echo
cat "$summary"
exit $failed

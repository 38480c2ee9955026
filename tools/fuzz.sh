#!/usr/bin/env bash
# Fuzzes the readers of user input with libFuzzer (clang, AddressSanitizer, UndefinedBehavior-
# Sanitizer): builds the debug preset, whose fuzz targets are libFuzzer programs, then runs each
# target (as many at once as there are cores) from its corpus (tests/fuzz/corpus/NAME, the shipped configurations for `config`, and
# the seeds the weights, onnx and checkpoint targets write at start-up). An input that crashes, trips a sanitizer, throws anything but a one-line
# user error, or takes more than 1 s fails the run; libFuzzer leaves it as crash-*/timeout-* in
# build/debug/fuzzing/findings/NAME/ and this script names it.
#
# Usage: tools/fuzz.sh [--seconds N | --runs N] [--merge] [TARGET...]
#   --seconds N  fuzz each target for N seconds (default 60)
#   --runs N     fuzz each target for N executions instead
#   --merge      add the new inputs that widen coverage to tests/fuzz/corpus/NAME (minimised)
#   TARGET       units idx weights onnx checkpoint config (default: all six)
# The CI run (tools/test.sh) calls `tools/fuzz.sh --seconds 10` after the debug preset's tests;
# a long run, e.g. `tools/fuzz.sh --runs 1000000 --merge`, is for a session with time to spare.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
limit=(-max_total_time=60)
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) limit=(-max_total_time="${2:?--seconds needs a number}"); shift ;;
    --runs) limit=(-runs="${2:?--runs needs a number}"); shift ;;
    --merge) merge=1 ;;
    units|idx|weights|onnx|checkpoint|config) targets+=("$1") ;;
    *) echo "fuzz.sh: unknown argument '$1' (expected --seconds N, --runs N, --merge or a target: units idx weights onnx checkpoint config)" >&2; exit 1 ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=(units idx weights onnx checkpoint config)

cmake --preset debug >/dev/null
cmake --build --preset debug
root=$PWD
bin="$root/build/debug/tests/fuzz"
out="$root/build/debug/fuzzing"
# fuzz_one TARGET: fuzzes one target; its result line goes to $out/TARGET.result (ok) or
# $out/TARGET.failed (with the first sanitizer lines).
fuzz_one() {
  local t=$1
  local work="$out/work/$t"          # where libFuzzer adds what it finds
  local findings="$out/findings/$t"  # crash-*, timeout-*, oom-* inputs
  local seeds="$out/seeds/$t"
  rm -rf "$work" "$findings" "$seeds" "$out/$t.result" "$out/$t.failed"
  mkdir -p "$work" "$findings" "$seeds"
  local extra=()
  if [ "$t" = config ]; then
    for d in "$root"/configs/*/; do extra+=("$d"); done
  fi
  local log="$out/$t.log"
  # The targets' scratch files (in memory when /dev/shm exists), removed after the run whatever
  # its end.
  local scratch
  scratch="$([ -d /dev/shm ] && echo /dev/shm || echo "$out")/xbarsim-fuzz-$t-$$"
  # -timeout=1: an input that runs longer than a second is a hang. -close_fd_mask=1: the config
  # target's "ok" lines stay out of the log. The seed folder is filled at start-up.
  local rc=0
  (cd "$findings" && XBARSIM_FUZZ_SCRATCH="$scratch" XBARSIM_FUZZ_SEEDS="$seeds" ASAN_OPTIONS=detect_leaks=1 \
     "$bin/fuzz_$t" "${limit[@]}" -timeout=1 -rss_limit_mb=2048 -close_fd_mask=1 \
     -print_final_stats=1 "$work" "$root/tests/fuzz/corpus/$t" "$seeds" "${extra[@]}") >"$log" 2>&1 || rc=$?
  rm -rf "$scratch"
  local runs secs found
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  found=$(find "$findings" -type f | head -5)
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    { echo "fuzz $t: FAILED after ${runs:-?} executions (exit $rc); see $log${found:+ and }$found"
      grep -m3 -E "ERROR|SUMMARY|runtime error|terminate|==[0-9]+==" "$log" || true; } >"$out/$t.failed"
    return
  fi
  echo "fuzz $t: ${runs} executions in ${secs:-?} s, 0 crashes, 0 sanitizer reports, 0 inputs over 1 s (log $log)" \
    >"$out/$t.result"
}

# The targets run as many at a time as there are cores (each is one process).
jobs=$(nproc 2>/dev/null || echo 1)
running=0
for t in "${targets[@]}"; do
  if [ $running -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait
status=0
for t in "${targets[@]}"; do
  if [ -f "$out/$t.failed" ]; then
    cat "$out/$t.failed" >&2
    status=1
    continue
  fi
  cat "$out/$t.result"
  if [ $merge -eq 1 ]; then
    "$bin/fuzz_$t" -merge=1 -timeout=1 -close_fd_mask=1 "$root/tests/fuzz/corpus/$t" "$out/work/$t" "$out/seeds/$t" \
      >"$out/$t.merge.log" 2>&1
    echo "fuzz $t: corpus tests/fuzz/corpus/$t now holds $(find "$root/tests/fuzz/corpus/$t" -type f | wc -l) inputs"
  fi
done
exit $status

#!/usr/bin/env bash
# Short, bounded fuzzing for CI (`make fuzz-smoke`): seeds from the test
# vectors, then every target for FUZZ_SECONDS (default 30) under
# AddressSanitizer, two at a time. Fails on any crash, panic, timeout, RSS past
# -rss_limit_mb, single allocation past -malloc_limit_mb, or allocation past
# the bounds the targets assert themselves (fuzz/src/lib.rs). Prints each
# target's executions and coverage.
#
#   FUZZ_SECONDS=60 fuzz/smoke.sh          longer
#   FUZZ_TARGETS="native_decode" fuzz/smoke.sh
#   FUZZ_SANITIZER=none fuzz/smoke.sh       faster, without ASan (-malloc_limit_mb then inactive)
#
# cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP=1 lets stable Rust take them.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
SECONDS_EACH=${FUZZ_SECONDS:-30}
TARGETS=${FUZZ_TARGETS:-native_decode cookie_header beaker_decode round_trip json_check}
SANITIZER=${FUZZ_SANITIZER:-address}
LOGS=fuzz/target/smoke
mkdir -p "$LOGS"

node fuzz/seed.mjs
cargo fuzz build --sanitizer "$SANITIZER"

run() {
  local t=$1
  cargo fuzz run "$t" --sanitizer "$SANITIZER" -- -max_total_time="$SECONDS_EACH" -max_len=16384 \
    -rss_limit_mb=1024 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 >"$LOGS/$t.log" 2>&1
}

status=0
set -- $TARGETS
while [ $# -gt 0 ]; do
  pids=()
  names=()
  for _ in 1 2; do
    [ $# -gt 0 ] || break
    run "$1" &
    pids+=($!)
    names+=("$1")
    shift
  done
  for i in "${!pids[@]}"; do
    t=${names[$i]}
    if wait "${pids[$i]}"; then
      execs=$(grep -m1 'stat::number_of_executed_units' "$LOGS/$t.log" | awk '{print $2}' || true)
      cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$LOGS/$t.log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
      echo "fuzz $t: ok, $execs executions, $cov, 0 crashes"
    else
      status=1
      echo "fuzz $t: FAILED (log: $LOGS/$t.log; reproducer in fuzz/artifacts/$t/)"
      grep -E 'panicked|ERROR|SUMMARY|Test unit written|assert' "$LOGS/$t.log" | head -20 || true
    fi
  done
done
exit $status

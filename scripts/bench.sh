#!/usr/bin/env bash
# Builds the benchmarks (bench/) in their own build directory with Clang 19 and runs them all:
# the hot path in every build variant (uninstrumented, plugin, AUTOSPAN_FUNCTION macro,
# -finstrument-functions, XRay) and runtime scenario, instruction counts under callgrind, export
# over OTLP http/protobuf to a local sink, and the plugin's compile-time cost. Prints Markdown
# tables (the last one compares with the issue targets) and keeps a copy of them.
#
#   scripts/bench.sh            full run (about 15-20 minutes on 2 cores)
#   scripts/bench.sh --quick    fewer calls and repetitions (a few minutes)
#   scripts/bench.sh --only=hot,export     some suites only (hot, callgrind, export, compile)
#   scripts/bench.sh --only=compile-instructions   compile cost counted in instructions under
#                               cachegrind (deterministic; opt-in, about 25 minutes)
#
# Environment: AUTOSPAN_BENCH_BUILD_DIR (default build-bench/), AUTOSPAN_JOBS (2),
# AUTOSPAN_BENCH_OUTPUT (default <build dir>/bench-results.md).
# Timings are CPU times (thread or process), medians of repetitions: on a shared machine they
# still move by a few percent; compare rows of the same run, not runs of different days.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
BUILD_DIR="${AUTOSPAN_BENCH_BUILD_DIR:-$AUTOSPAN_ROOT/build-bench}"
JOBS="${AUTOSPAN_JOBS:-2}"
OUTPUT="${AUTOSPAN_BENCH_OUTPUT:-$BUILD_DIR/bench-results.md}"

for arg in "$@"; do
  case "$arg" in
    --quick | --smoke | --verbose | --only=*) ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bench.sh: unknown argument '$arg' (see --help)" >&2
      exit 2
      ;;
  esac
done

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  autospan_configure "$BUILD_DIR" -DAUTOSPAN_BUILD_BENCH=ON -DAUTOSPAN_BUILD_EXAMPLES=OFF >&2
fi
# autospan_bench depends on every variant, the sink, the TU generator, the plugin and the runtime.
cmake --build "$BUILD_DIR" --target autospan_bench -j "$JOBS" >&2

mkdir -p "$(dirname "$OUTPUT")"
"$BUILD_DIR/bench/autospan_bench" "$@" | tee "$OUTPUT"
status=${PIPESTATUS[0]}
echo "bench.sh: results in $OUTPUT" >&2
exit "$status"

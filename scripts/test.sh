#!/usr/bin/env bash
# Builds autospan and runs every test: what CI runs (.ci/run) and what the README tells you to run.
#
# Stages (each timed; the script exits non-zero if any of them fails):
#   setup      scripts/setup.sh (installs what is missing; a no-op when everything is there)
#   build      configure build/ with Clang 19 + Ninja, build everything
#   ctest      all tests in build/ (unit, constructs, rewriter, e2e against the OTLP receiver, ...)
#   asan       runtime + unit tests with AddressSanitizer and UBSan, in build-asan/
#   tsan       runtime + unit tests with ThreadSanitizer, in build-tsan/
#
# Environment:
#   AUTOSPAN_TEST_SETUP=0     skip setup          AUTOSPAN_TEST_ASAN=0   skip the ASan/UBSan stage
#   AUTOSPAN_TEST_TSAN=0      skip the TSan stage AUTOSPAN_FAIL_FAST=1   stop at the first failure
#   AUTOSPAN_BUILD_DIR=dir    instead of build/   AUTOSPAN_JOBS=n        build and ctest parallelism (2)
#   AUTOSPAN_BUILD_TYPE=type  (RelWithDebInfo)    AUTOSPAN_CTEST_ARGS    extra ctest arguments (e.g. "-L e2e")
#   AUTOSPAN_CMAKE_ARGS       extra configure arguments for build/ (e.g. "-DAUTOSPAN_BUILD_BENCH=OFF")
#   AUTOSPAN_CLANG_VERSIONS   Clang majors to build and test the plugin for ("14 15 16 19";
#                             setup installs them)
set -uo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT="$AUTOSPAN_ROOT"
BUILD_DIR="${AUTOSPAN_BUILD_DIR:-$ROOT/build}"
JOBS="${AUTOSPAN_JOBS:-2}"
BUILD_TYPE="${AUTOSPAN_BUILD_TYPE:-RelWithDebInfo}"
read -r -a CTEST_EXTRA <<<"${AUTOSPAN_CTEST_ARGS:-}"
read -r -a CMAKE_EXTRA <<<"${AUTOSPAN_CMAKE_ARGS:-}"

stage_names=()
stage_results=()
stage_seconds=()
total_passed=0
total_failed=0
total_skipped=0
any_failure=0

banner() { printf '\n==== %s ====\n' "$*"; }

# run_stage NAME FUNCTION: runs the function, records its status and time.
run_stage() {
  local name="$1" fn="$2" start rc
  banner "$name"
  start=$(date +%s)
  "$fn"
  rc=$?
  stage_names+=("$name")
  stage_seconds+=($(($(date +%s) - start)))
  if ((rc == 0)); then
    stage_results+=("ok")
  elif ((rc == 77)); then
    stage_results+=("skipped")
  else
    stage_results+=("FAILED ($rc)")
    any_failure=1
    if [[ "${AUTOSPAN_FAIL_FAST:-0}" == 1 ]]; then
      summary
      exit 1
    fi
  fi
}

configure() {
  AUTOSPAN_BUILD_TYPE="$BUILD_TYPE" autospan_configure "$@"
}

# Runs ctest and adds its counts to the totals (ctest's own summary is printed as usual).
run_ctest() {
  local dir="$1" log rc
  shift
  log="$(mktemp)"
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$JOBS" "$@") 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local line failed total skipped
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)"
  if [[ -n "$line" ]]; then
    failed="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
    total="$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")"
    skipped="$(grep -cE '\((Skipped|Disabled)\)' "$log" || true)"
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    total_passed=$((total_passed + total - failed - skipped))
  fi
  rm -f "$log"
  return "$rc"
}

stage_setup() {
  "$ROOT/scripts/setup.sh"
}

stage_build() {
  configure "$BUILD_DIR" "-DAUTOSPAN_CLANG_VERSIONS=${AUTOSPAN_CLANG_VERSIONS// /;}" \
    "${CMAKE_EXTRA[@]}" && cmake --build "$BUILD_DIR" -j "$JOBS"
}

stage_ctest() {
  run_ctest "$BUILD_DIR" --no-tests=error "${CTEST_EXTRA[@]}"
}

# Sanitizer builds cover the runtime and its unit tests (the plugin and the rewriter run inside
# the compiler, whose own libraries are not sanitized).
sanitizer_stage() {
  local dir="$1" sanitize="$2"
  configure "$dir" "-DAUTOSPAN_SANITIZE=$sanitize" -DAUTOSPAN_BUILD_PLUGIN=OFF \
    -DAUTOSPAN_BUILD_REWRITER=OFF -DAUTOSPAN_BUILD_EXAMPLES=OFF -DAUTOSPAN_BUILD_BENCH=OFF || return 1
  # Only the runtime and the unit tests (cli/ and the rest are not run here).
  cmake --build "$dir" -j "$JOBS" --target runtime/all test/unit/all || return 1
  # Unit tests are named unit.<area>.<case> (test/unit/*).
  local selector=(-R '^unit\.')
  if ! (cd "$dir" && ctest -N "${selector[@]}" | grep -qE 'Total Tests: [1-9]'); then
    echo "test.sh: no unit.* tests in $dir; nothing to run under $sanitize" >&2
    return 77
  fi
  run_ctest "$dir" "${selector[@]}"
}

stage_asan() {
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    sanitizer_stage "$BUILD_DIR-asan" "address;undefined"
}

stage_tsan() {
  TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}" \
    sanitizer_stage "$BUILD_DIR-tsan" "thread"
}

summary() {
  banner "summary"
  local i
  for i in "${!stage_names[@]}"; do
    printf '  %-8s %-12s %5ss\n' "${stage_names[$i]}" "${stage_results[$i]}" "${stage_seconds[$i]}"
  done
  printf 'tests: %d passed, %d failed, %d skipped\n' "$total_passed" "$total_failed" "$total_skipped"
}

if [[ "${AUTOSPAN_TEST_SETUP:-1}" != 0 ]]; then
  run_stage setup stage_setup
fi
run_stage build stage_build
if [[ "${stage_results[-1]}" == ok ]]; then
  run_stage ctest stage_ctest
fi
if [[ "${AUTOSPAN_TEST_ASAN:-1}" != 0 ]]; then
  run_stage asan stage_asan
fi
if [[ "${AUTOSPAN_TEST_TSAN:-1}" != 0 ]]; then
  run_stage tsan stage_tsan
fi
summary
exit "$any_failure"

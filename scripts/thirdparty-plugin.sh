#!/usr/bin/env bash
# Transparency of the Clang plugin on real third-party code: each project (a Debian source
# package with its own test suite) is built twice with clang++-19 (AUTOSPAN_TP_CLANG_MAJOR) from
# the same source, plain and with the plugin instrumenting its namespace; both run the project's
# whole test suite. Fails unless the instrumented build has no warning the plain one lacks, passes
# exactly the tests the plain one passes (same framework totals), and its spans are the expected
# ones (scripts/thirdparty-common.sh, tp_check_spans).
#
# usage: scripts/thirdparty-plugin.sh [PROJECT...]     (default: every project in test/thirdparty/)
#
# Environment: see scripts/thirdparty-common.sh (AUTOSPAN_BUILD_DIR, AUTOSPAN_TP_WORK, ...).
# Output: a table of phase times; per project, $AUTOSPAN_TP_WORK/<project>/plugin/ holds the
# builds, the test logs and spans.report.
set -uo pipefail

TP_SCRIPT=thirdparty-plugin
# shellcheck source=scripts/thirdparty-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/thirdparty-common.sh"
TP_START=$(date +%s.%N)
TP_CURRENT=autospan

projects=("$@")
((${#projects[@]})) || projects=("${TP_ALL_PROJECTS[@]}")

command -v "clang++-$TP_CLANG_MAJOR" >/dev/null || tp_fail "clang++-$TP_CLANG_MAJOR is missing"
tp_phase "build plugin and runtime" tp_build_autospan autospan autospan-plugin
[[ -f "$TP_PLUGIN" && -f "$TP_RUNTIME_DIR/libautospan.so" ]] ||
  tp_fail "no $TP_PLUGIN or $TP_RUNTIME_DIR/libautospan.so after the build"

run_instrumented_tests() {
  rm -f "$W/spans.jsonl"
  tp_need_disk "$W" || return 1
  tp_ctest "$W/build-plugin" "$W/test-plugin" OTEL_TRACES_EXPORTER=file AUTOSPAN_FILE="$W/spans.jsonl" \
    "${TP_SPAN_ENV[@]}"
  local rc=$?
  tp_say "runtime drop warnings: $(tp_drop_warnings "$W/test-plugin/ctest.log")"
  return "$rc"
}

check_spans() {
  tp_check_spans "$W/spans.jsonl" "$W/src" "$W/spans.report"
  local rc=$?
  [[ "${AUTOSPAN_TP_KEEP_SPANS:-0}" == 1 ]] || rm -f "$W/spans.jsonl"
  return "$rc"
}

for project in "${projects[@]}"; do
  tp_load_project "$project"
  W="$TP_WORK/$project/plugin"
  plugin_flags="-fplugin=$TP_PLUGIN -fplugin-arg-autospan-filter-file=$TP_FILTER"
  tp_phase "fetch and unpack $TP_PACKAGE $TP_VERSION" tp_fetch "$W/src"
  # One source tree for both builds: the comparison is about the plugin, nothing else.
  tp_phase "build plain (clang++-$TP_CLANG_MAJOR)" tp_cmake_build "$W/src" "$W/build-plain" \
    "clang++-$TP_CLANG_MAJOR" "clang-$TP_CLANG_MAJOR" "" ""
  tp_phase "build instrumented (clang++-$TP_CLANG_MAJOR + plugin)" tp_cmake_build "$W/src" \
    "$W/build-plugin" "clang++-$TP_CLANG_MAJOR" "clang-$TP_CLANG_MAJOR" "$plugin_flags" \
    "$(tp_runtime_libs)"
  tp_phase "compare warnings" tp_compare_warnings "$W/build-plain" "$W/build-plugin"
  tp_phase "test plain" tp_ctest "$W/build-plain" "$W/test-plain"
  tp_phase "test instrumented (file exporter)" run_instrumented_tests
  tp_phase "compare test results" tp_compare_tests "$W/test-plain" "$W/test-plugin"
  tp_phase "check spans" check_spans
done

tp_report_times
echo "thirdparty-plugin: PASS (${projects[*]})"

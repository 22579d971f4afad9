#!/usr/bin/env bash
# autospan-rewrite on real third-party code: each project (a Debian source package with its own
# test suite) is rewritten in place with the same filter file the plugin run uses, built with
# g++-12 against libautospan, and its whole test suite run; a plain g++-12 build of the unpacked
# package runs the same suite for comparison. Fails unless the rewritten build has no warning the
# plain one lacks, passes exactly the tests the plain one passes, its spans are the expected ones, a second rewrite changes nothing,
# and `--remove` gives back the unpacked package byte for byte (`diff -r`; only the files the
# test suite itself writes into its source tree, listed in project.sh, may be extra).
# Prints the rewriter's speed (files/s, lines/s).
#
# usage: scripts/thirdparty-rewrite.sh [PROJECT...]    (default: every project in test/thirdparty/)
#
# Environment: see scripts/thirdparty-common.sh (AUTOSPAN_BUILD_DIR, AUTOSPAN_TP_WORK, ...).
# Output: a table of phase times; per project, $AUTOSPAN_TP_WORK/<project>/rewrite/ holds the
# trees, the builds, the test logs, rewrite.log (the tool's summary line) and spans.report.
set -uo pipefail

TP_SCRIPT=thirdparty-rewrite
# shellcheck source=scripts/thirdparty-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/thirdparty-common.sh"
TP_START=$(date +%s.%N)
TP_CURRENT=autospan

projects=("$@")
((${#projects[@]})) || projects=("${TP_ALL_PROJECTS[@]}")
command -v g++-12 >/dev/null || tp_fail "g++-12 is missing"

tp_phase "build rewriter and runtime" tp_build_autospan autospan autospan-rewrite
[[ -x "$TP_REWRITER" && -f "$TP_RUNTIME_DIR/libautospan.so" ]] ||
  tp_fail "no $TP_REWRITER or $TP_RUNTIME_DIR/libautospan.so after the build"

# Three copies of the package: pristine (never touched), plain (built as it is), src (rewritten).
unpack() {
  tp_fetch "$W/pristine" || return 1
  rm -rf "$W/plain" "$W/src"
  cp -a "$W/pristine" "$W/plain" && cp -a "$W/pristine" "$W/src"
}

# The project's own C++ translation units, from the compile database.
list_sources() {
  mapfile -t SOURCES < <(python3 - "$W/build-rewrite/compile_commands.json" "$W/src" <<'EOF'
import json, os, sys
root = os.path.realpath(sys.argv[2])
seen = []
for e in json.load(open(sys.argv[1])):
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if f.startswith(root + os.sep) and f.endswith((".cpp", ".cc", ".cxx")) and f not in seen:
        seen.append(f)
print("\n".join(seen))
EOF
  )
  ((${#SOURCES[@]})) || { tp_say "no C++ source in the compile database"; return 1; }
}

rewriter() {
  (cd "$W/src" && "$TP_REWRITER" -p "$W/build-rewrite" --source-root "$W/src" "$@" "${SOURCES[@]}")
}

# Configure only: the rewriter needs the compile database, the build comes after the rewrite.
# autospan's headers are a system directory, as `autospan::runtime` gives them through
# find_package: the project's own warning flags (CLI11 has -Weffc++) are for its own code.
configure_rewrite() {
  rm -rf "$W/build-rewrite"
  cmake -S "$W/src" -B "$W/build-rewrite" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_C_COMPILER=gcc-12 \
    -DCMAKE_CXX_FLAGS="-isystem $AUTOSPAN_ROOT/include" -DCMAKE_CXX_STANDARD_LIBRARIES="$(tp_runtime_libs)" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "${TP_CMAKE_ARGS[@]}" >"$W/build-rewrite.log" 2>&1 ||
    { tail -20 "$W/build-rewrite.log"; return 1; }
  list_sources
}

rewrite() {
  local start end lines
  start=$(date +%s.%N)
  rewriter --filter-file "$TP_FILTER" --in-place 2>"$W/rewrite.log"
  local rc=$?
  end=$(date +%s.%N)
  ((rc == 0)) || { grep -v '^\[[0-9]*/[0-9]*\] Processing' "$W/rewrite.log" | tail -40; return 1; }
  lines=$(cat "${SOURCES[@]}" | wc -l)
  SITES=$(grep -rhoF 'AUTOSPAN_FUNCTION("' "$W/src" | wc -l)
  EDITED=$(grep -rlF 'AUTOSPAN_FUNCTION("' "$W/src" | wc -l)
  awk -v t0="$start" -v t1="$end" -v n="${#SOURCES[@]}" -v l="$lines" -v s="$SITES" -v e="$EDITED" \
    'BEGIN { t = t1 - t0; printf "  %d translation units, %d lines in %.2f s wall: %.2f files/s, %.0f lines/s; %d sites in %d files\n", n, l, t, n / t, l / t, s, e }' |
    tee "$W/rewrite.speed"
  grep -v '^\[[0-9]*/[0-9]*\] Processing' "$W/rewrite.log" | grep -v '^autospan-rewrite: [0-9]* translation' | head -20
  grep '^autospan-rewrite: [0-9]* translation' "$W/rewrite.log" | tail -1 | sed 's/^/  /' | tee -a "$W/rewrite.speed"
  ((SITES > 0)) || { tp_say "nothing was instrumented"; return 1; }
}

second_rewrite() {
  local diff
  diff=$(rewriter --filter-file "$TP_FILTER" --quiet 2>"$W/rewrite2.log") || { cat "$W/rewrite2.log"; return 1; }
  [[ -z "$diff" ]] || { echo "$diff" | head -40; tp_say "the second rewrite is not a no-op"; return 1; }
  rewriter --filter-file "$TP_FILTER" --check --quiet 2>>"$W/rewrite2.log" ||
    { tp_say "--check fails on the rewritten tree"; return 1; }
  echo "  no edit; --check passes"
}

build_rewritten() {
  cmake --build "$W/build-rewrite" -j "$TP_JOBS" >>"$W/build-rewrite.log" 2>&1 ||
    { tail -40 "$W/build-rewrite.log"; return 1; }
  tp_warnings "$W/build-rewrite.log" >"$W/build-rewrite.warnings"
  tp_say "built $(grep -c 'Building CXX object' "$W/build-rewrite.log") C++ objects;" \
    "$(wc -l <"$W/build-rewrite.warnings") distinct warning(s)"
}

run_rewritten_tests() {
  rm -f "$W/spans.jsonl"
  tp_need_disk "$W" || return 1
  tp_ctest "$W/build-rewrite" "$W/test-rewrite" OTEL_TRACES_EXPORTER=file AUTOSPAN_FILE="$W/spans.jsonl" \
    "${TP_SPAN_ENV[@]}"
  local rc=$?
  tp_say "runtime drop warnings: $(tp_drop_warnings "$W/test-rewrite/ctest.log")"
  return "$rc"
}

check_spans() {
  tp_check_spans "$W/spans.jsonl" "$W/src" "$W/spans.report"
  local rc=$?
  [[ "${AUTOSPAN_TP_KEEP_SPANS:-0}" == 1 ]] || rm -f "$W/spans.jsonl"
  # Same selection code as the plugin: when the plugin script has run, the two name sets should
  # be equal. Shown, not enforced: run time decides which functions the test suite reaches.
  local plugin_report="$TP_WORK/$TP_CURRENT/plugin/spans.report"
  if ((rc == 0)) && [[ -f "$plugin_report" ]]; then
    diff <(tp_names "$plugin_report") <(tp_names "$W/spans.report") >"$W/names-vs-plugin.diff"
    printf '  span names vs the plugin run: %s only with the plugin, %s only rewritten (%s)\n' \
      "$(grep -c '^<' "$W/names-vs-plugin.diff")" "$(grep -c '^>' "$W/names-vs-plugin.diff")" \
      "$W/names-vs-plugin.diff"
  fi
  return "$rc"
}

remove_and_compare() {
  rewriter --remove --in-place 2>"$W/remove.log" || { cat "$W/remove.log"; return 1; }
  tail -1 "$W/remove.log"
  local line rel ok=1 pattern allowed extra=0
  # `diff -r` must report nothing but files the test suite created next to its inputs. Symbolic
  # links are compared as links (CLI11 has one pointing at its own root).
  diff -r --no-dereference "$W/pristine" "$W/src" >"$W/remove.diff"
  (($? < 2)) || { tp_say "diff failed"; return 1; }
  while IFS= read -r line; do
    allowed=0
    if [[ "$line" =~ ^Only\ in\ ([^:]*):\ (.*)$ ]]; then
      rel="${BASH_REMATCH[1]#"$W/src"}/${BASH_REMATCH[2]}"
      rel="${rel#/}"
      for pattern in "${TP_TEST_OUTPUTS[@]}"; do
        # shellcheck disable=SC2053
        [[ "${BASH_REMATCH[1]}" == "$W/src"* && "$rel" == $pattern ]] && allowed=1
      done
    fi
    if ((allowed)); then
      extra=$((extra + 1))
    else
      echo "  $line"
      ok=0
    fi
  done < <(grep -v '^[<>-]' "$W/remove.diff" | grep -vE '^[0-9]')
  ((ok)) || { tp_say "the tree differs from the unpacked package after --remove"; return 1; }
  echo "  diff -r: identical to the unpacked package ($(find "$W/pristine" -type f | wc -l) files;" \
    "$extra test output file(s) ignored)"
}

for project in "${projects[@]}"; do
  tp_load_project "$project"
  W="$TP_WORK/$project/rewrite"
  tp_phase "fetch and unpack $TP_PACKAGE $TP_VERSION" unpack
  tp_phase "build plain (g++-12)" tp_cmake_build "$W/plain" "$W/build-plain" g++-12 gcc-12 "" ""
  tp_phase "test plain" tp_ctest "$W/build-plain" "$W/test-plain"
  tp_phase "configure for the rewriter (g++-12)" configure_rewrite
  tp_phase "rewrite --in-place (${#SOURCES[@]} translation units)" rewrite
  tp_phase "rewrite again: no edit, --check passes" second_rewrite
  tp_phase "build rewritten (g++-12)" build_rewritten
  tp_phase "compare warnings" tp_compare_warnings "$W/build-plain" "$W/build-rewrite"
  tp_phase "test rewritten (file exporter)" run_rewritten_tests
  tp_phase "compare test results" tp_compare_tests "$W/test-plain" "$W/test-rewrite"
  tp_phase "check spans" check_spans
  tp_phase "--remove, diff -r against the package" remove_and_compare
done

tp_report_times
for project in "${projects[@]}"; do
  printf 'rewriter speed, %s:\n%s\n' "$project" "$(cat "$TP_WORK/$project/rewrite/rewrite.speed")"
done
echo "thirdparty-rewrite: PASS (${projects[*]})"

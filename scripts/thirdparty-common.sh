# Shared by scripts/thirdparty-plugin.sh and scripts/thirdparty-rewrite.sh (sourced, not run):
# fetching a Debian source package, building a CMake project, running its test suite, comparing
# two runs of it, checking the spans it wrote, and timing each phase.
#
# A project is described by test/thirdparty/<name>/:
#   project.sh       TP_PACKAGE, TP_VERSION (pinned: the expected spans depend on the code),
#                    TP_NAMESPACE, TP_CMAKE_ARGS, TP_CTEST_JOBS, TP_DETAIL_REGEX (the test
#                    frameworks' own totals, compared between runs), TP_TEST_OUTPUTS (files the
#                    test suite writes into its source tree), TP_SPANS_GB (the size of the
#                    spans its instrumented test suite writes, rounded up: that much must be
#                    free; 1 if unset)
#   autospan.filter  the selection, given to the plugin (filter-file=) and the rewriter
#                    (--filter-file) alike
#   expected-spans   span names the test suite must produce, one per line; `!NAME` a name that must
#                    not appear, `!SCOPE::` a whole class or namespace that must not (excluded or
#                    skipped by the filter)
#
# Environment (both scripts):
#   AUTOSPAN_BUILD_DIR  autospan build tree (build/); configured with scripts/common.sh if absent
#   AUTOSPAN_TP_WORK    work directory ($TMPDIR/autospan-tp); downloads are kept there, the
#                       per-mode trees are recreated on each run
#   AUTOSPAN_JOBS       build parallelism (2)
#   AUTOSPAN_TP_KEEP_SPANS=1   keep the span files (they are large; deleted after the check)
#   AUTOSPAN_TP_PLUGIN, AUTOSPAN_TP_CLANG_MAJOR, AUTOSPAN_TP_REWRITER, AUTOSPAN_TP_RUNTIME_DIR
#                       the plugin (AUTOSPAN_BUILD_DIR/lib/autospan/autospan-plugin.so), the
#                       Clang major it is for and is run with (19: clang++-19), autospan-rewrite
#                       (AUTOSPAN_BUILD_DIR/bin/), the directory of libautospan.so
#                       (AUTOSPAN_BUILD_DIR/runtime)
#   AUTOSPAN_TP_PREBUILT=1     use the autospan targets already in AUTOSPAN_BUILD_DIR, build
#                              nothing there (ctest runs the script from inside that tree)
#   AUTOSPAN_TP_UNAVAILABLE_EXIT=N   exit code when the source package cannot be fetched (the
#                              archive is unreachable, dpkg-source is missing); default 1, the
#                              ctest passes 77 (skipped)

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TP_CONFIG_ROOT="$AUTOSPAN_ROOT/test/thirdparty"
TP_BUILD_DIR="${AUTOSPAN_BUILD_DIR:-$AUTOSPAN_ROOT/build}"
TP_WORK="${AUTOSPAN_TP_WORK:-${TMPDIR:-/tmp}/autospan-tp}"
TP_JOBS="${AUTOSPAN_JOBS:-2}"
TP_ALL_PROJECTS=(jsoncpp cli11)
TP_PLUGIN="${AUTOSPAN_TP_PLUGIN:-$TP_BUILD_DIR/lib/autospan/autospan-plugin.so}"
TP_CLANG_MAJOR="${AUTOSPAN_TP_CLANG_MAJOR:-19}"
TP_RUNTIME_DIR="${AUTOSPAN_TP_RUNTIME_DIR:-$TP_BUILD_DIR/runtime}"
TP_REWRITER="${AUTOSPAN_TP_REWRITER:-$TP_BUILD_DIR/bin/autospan-rewrite}"
# Some projects (JsonCpp) use ccache when they find it. ccache hashes the command line, not the
# plugin or the filter file it names: after either changes it returns stale objects. It would
# also make the build-time comparison meaningless.
export CCACHE_DISABLE=1
# Every span must be exported for the parent-link check: a per-thread buffer of the default 2048
# spans overflows (and drops, by design) when a test parses a large document in a tight loop.
TP_SPAN_ENV=(OTEL_BSP_MAX_QUEUE_SIZE=1048576 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=8192)

tp_say() { printf '%s: %s\n' "$TP_SCRIPT" "$*"; }
tp_fail() {
  printf '%s: FAIL: %s\n' "$TP_SCRIPT" "$*" >&2
  tp_report_times >&2
  exit 1
}

# --- phases and their times ----------------------------------------------------------------------

TP_PHASE_NAMES=()
TP_PHASE_WALL=()
TP_PHASE_CPU=()

# TP_CPU_NOW = seconds of user+system time of this shell's finished children so far. `times` must
# run in this shell, not in a $(...) subshell, whose children are not ours.
tp_cpu_now() {
  mkdir -p "$TP_WORK"
  times >"$TP_WORK/.times"
  # Second line, children: "0m12.345s 0m1.234s".
  TP_CPU_NOW=$(awk 'NR == 2 { n = 0; for (i = 1; i <= NF; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] } printf "%.1f", n }' \
    "$TP_WORK/.times")
}

# tp_phase NAME FUNCTION [ARGS...]: runs FUNCTION in this shell, records wall and CPU time, and
# fails the script if it returns non-zero.
tp_phase() {
  local name="$1" start cpu0 rc
  shift
  printf '\n== %s: %s\n' "$TP_CURRENT" "$name"
  start=$(date +%s.%N)
  tp_cpu_now
  cpu0=$TP_CPU_NOW
  "$@"
  rc=$?
  tp_cpu_now
  TP_PHASE_NAMES+=("$TP_CURRENT: $name")
  TP_PHASE_WALL+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')")
  TP_PHASE_CPU+=("$(awk -v a="$cpu0" -v b="$TP_CPU_NOW" 'BEGIN { printf "%.1f", b - a }')")
  ((rc == 0)) || tp_fail "$TP_CURRENT: $name"
}

tp_report_times() {
  local i
  ((${#TP_PHASE_NAMES[@]})) || return 0
  printf '\n%-52s %9s %9s\n' "phase" "wall s" "cpu s"
  for i in "${!TP_PHASE_NAMES[@]}"; do
    printf '%-52s %9s %9s\n' "${TP_PHASE_NAMES[$i]}" "${TP_PHASE_WALL[$i]}" "${TP_PHASE_CPU[$i]}"
  done
  printf '%-52s %9s\n' "total" \
    "$(awk -v a="$TP_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
}

# --- projects --------------------------------------------------------------------------------------

# tp_load_project NAME: reads test/thirdparty/NAME/project.sh into TP_* variables.
tp_load_project() {
  local dir="$TP_CONFIG_ROOT/$1"
  [[ -f "$dir/project.sh" ]] ||
    tp_fail "unknown project '$1' (known: $(cd "$TP_CONFIG_ROOT" && ls -d -- */ | tr -d / | tr '\n' ' '))"
  unset TP_PACKAGE TP_VERSION TP_NAMESPACE TP_SHAPE TP_DETAIL_REGEX
  TP_CMAKE_ARGS=()
  TP_TEST_OUTPUTS=()
  TP_CTEST_JOBS="$TP_JOBS"
  TP_SPANS_GB=1
  # shellcheck source=/dev/null
  source "$dir/project.sh"
  : "${TP_PACKAGE:?} ${TP_VERSION:?} ${TP_NAMESPACE:?} ${TP_DETAIL_REGEX:?}"
  TP_CURRENT="$1"
  TP_FILTER="$dir/autospan.filter"
  TP_EXPECT="$dir/expected-spans"
  [[ -f "$TP_FILTER" && -f "$TP_EXPECT" ]] || tp_fail "$dir needs autospan.filter and expected-spans"
}

# --- fetching --------------------------------------------------------------------------------------

# The deb-src twin of the system's own Debian archive, in a private apt configuration: the
# system's sources, lists and caches are left alone.
tp_apt() { tp_apt_tool apt-get "$@"; }
tp_apt_tool() {
  local tool="$1"
  shift
  "$tool" -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$TP_WORK/apt/sources.list.d" \
    -o "Dir::State::Lists=$TP_WORK/apt/lists" -o "Dir::Cache=$TP_WORK/apt/cache" \
    -o "APT::Sandbox::User=root" -qq "$@"
}

tp_apt_setup() {
  local uri codename
  [[ -n "$(ls "$TP_WORK"/apt/lists/*Sources* 2>/dev/null)" ]] && return 0
  mkdir -p "$TP_WORK/apt/sources.list.d" "$TP_WORK/apt/lists/partial" "$TP_WORK/apt/cache/archives/partial"
  # The archive the system's first `deb` entry names (deb822 or one-line format).
  uri="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)"
  [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)"
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [[ -n "$uri" && -n "$codename" ]] || { tp_say "cannot tell the system's Debian archive"; return 1; }
  cat >"$TP_WORK/apt/sources.list.d/deb-src.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # apt-get update only warns when the archive cannot be reached: look for the index itself.
  tp_apt update
  [[ -n "$(ls "$TP_WORK"/apt/lists/*Sources* 2>/dev/null)" ]]
}

# tp_unavailable MESSAGE: the package cannot be had here; exits with AUTOSPAN_TP_UNAVAILABLE_EXIT
# (a skip under ctest), not a failure of autospan.
tp_unavailable() {
  local code="${AUTOSPAN_TP_UNAVAILABLE_EXIT:-1}"
  printf '%s: cannot fetch %s: %s%s\n' "$TP_SCRIPT" "${TP_PACKAGE:-the source package}" "$*" \
    "$( ((code == 77)) && echo '; skipped')" >&2
  exit "$code"
}

# tp_fetch DEST: DEST becomes the unpacked source package (Debian patches applied), exactly as
# dpkg-source gives it. The download is kept and reused.
tp_fetch() {
  local dest="$1" dl="$TP_WORK/download/$TP_PACKAGE" dsc
  command -v dpkg-source >/dev/null || tp_unavailable "dpkg-source is missing (apt-get install dpkg-dev)"
  dsc="$dl/${TP_PACKAGE}_${TP_VERSION#*:}.dsc"
  if [[ ! -f "$dsc" ]]; then
    tp_apt_setup || tp_unavailable "cannot read the Debian archive's source index (deb-src)"
    # The archive answered: a pinned version it no longer has is this project's to fix (pin the
    # new one and review expected-spans), not a reason to skip.
    if ! tp_apt_tool apt-cache showsrc "$TP_PACKAGE" 2>/dev/null | grep -qxF "Version: $TP_VERSION"; then
      tp_say "$TP_PACKAGE $TP_VERSION is not in the archive (it has:" \
        "$(tp_apt_tool apt-cache showsrc "$TP_PACKAGE" 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' '));" \
        "update TP_VERSION in test/thirdparty/*/project.sh"
      return 1
    fi
    rm -rf "$dl"
    mkdir -p "$dl"
    (cd "$dl" && tp_apt source --download-only "$TP_PACKAGE=$TP_VERSION") || {
      rm -rf "$dl"
      tp_unavailable "apt-get source --download-only $TP_PACKAGE=$TP_VERSION failed (archive unreachable?)"
    }
  fi
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  # apt checked the files against the signed release file; the .dsc's own signature would need
  # the Debian developers' keyring.
  dpkg-source --no-check --no-copy -x "$dsc" "$dest" >/dev/null || return 1
  tp_say "$TP_PACKAGE $TP_VERSION in $dest ($(find "$dest" -type f | wc -l) files)"
}

# --- autospan --------------------------------------------------------------------------------------

# tp_build_autospan TARGET...: builds the named autospan targets (configuring the tree if needed).
tp_build_autospan() {
  if [[ "${AUTOSPAN_TP_PREBUILT:-0}" == 1 ]]; then
    echo "  prebuilt (AUTOSPAN_TP_PREBUILT=1): $TP_BUILD_DIR"
    return 0
  fi
  if [[ ! -f "$TP_BUILD_DIR/build.ninja" ]]; then
    AUTOSPAN_BUILD_TYPE="${AUTOSPAN_BUILD_TYPE:-Release}" autospan_configure "$TP_BUILD_DIR" \
      -DAUTOSPAN_BUILD_TESTS=OFF -DAUTOSPAN_BUILD_BENCH=OFF -DAUTOSPAN_BUILD_EXAMPLES=OFF || return 1
  fi
  cmake --build "$TP_BUILD_DIR" -j "$TP_JOBS" --target "$@"
}

# --- building and testing a project ----------------------------------------------------------------

# tp_cmake_build SRC BUILD CXX CC CXXFLAGS LIBS: configure and build; the log is BUILD.log.
tp_cmake_build() {
  local src="$1" bld="$2" cxx="$3" cc="$4" flags="$5" libs="$6"
  rm -rf "$bld"
  {
    cmake -S "$src" -B "$bld" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_FLAGS="$flags" \
      -DCMAKE_CXX_STANDARD_LIBRARIES="$libs" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      "${TP_CMAKE_ARGS[@]}" &&
      cmake --build "$bld" -j "$TP_JOBS"
  } >"$bld.log" 2>&1 || {
    tail -40 "$bld.log"
    tp_say "build failed: $bld.log"
    return 1
  }
  tp_warnings "$bld.log" >"$bld.warnings"
  tp_say "built $(grep -c 'Building CXX object' "$bld.log") C++ objects in $bld;" \
    "$(wc -l <"$bld.warnings") distinct warning(s)"
}

# tp_warnings LOG: the distinct compiler warnings of a build log, without line and column (an
# inserted line shifts them) and without the tree's own location. Warnings that GCC's optimiser
# finds (-Wmaybe-uninitialized, ...) follow inlining decisions, which an added call changes: the
# same warning about the same variable moves from one inlined header to another. Those are
# compared by message only.
tp_warnings() {
  grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: ' "$1" |
    sed -E -e 's#^.*/(src|plain|pristine)/#<src>/#' -e 's/:[0-9]+:[0-9]+: warning: /: warning: /' \
      -e 's#^[^ ]+: (warning: .*\[-W(maybe-uninitialized|uninitialized|array-bounds|stringop-[a-z]+|free-nonheap-object|use-after-free|dangling-pointer|null-dereference)[]=])#(after inlining): \1#' |
    sort -u
}

# tp_compare_warnings PLAIN_BUILD INSTRUMENTED_BUILD: instrumenting adds no warning.
tp_compare_warnings() {
  if ! diff -u "$1.warnings" "$2.warnings"; then
    if [[ -n "$(comm -13 "$1.warnings" "$2.warnings")" ]]; then
      tp_say "the instrumented build has new warnings"
      return 1
    fi
  fi
  echo "  no new warning ($(wc -l <"$1.warnings") in the plain build, $(wc -l <"$2.warnings") instrumented)"
}

# The flags that link a project's executables and shared libraries to the runtime.
tp_runtime_libs() {
  echo "-L$TP_RUNTIME_DIR -lautospan -Wl,-rpath,$TP_RUNTIME_DIR"
}

# tp_ctest BUILD OUT [VAR=VALUE...]: the project's whole test suite, with those variables set.
# Writes OUT/ctest.log (verbose), OUT/results (status and name of each test), OUT/details (the
# frameworks' own totals).
tp_ctest() {
  local bld="$1" out="$2" rc
  shift 2
  rm -rf "$out"
  mkdir -p "$out"
  (cd "$bld" && env "$@" ctest -V -j "$TP_CTEST_JOBS" --timeout 900 \
    --output-junit "$out/junit.xml") >"$out/ctest.log" 2>&1
  rc=$?
  grep -E '^[0-9]+% tests passed|tests failed out of' "$out/ctest.log" | tail -1
  python3 - "$out/junit.xml" >"$out/results" <<'EOF' || return 1
import sys
import xml.etree.ElementTree as ET
for case in sorted(ET.parse(sys.argv[1]).getroot().iter("testcase"), key=lambda c: c.get("name")):
    print(case.get("status"), case.get("name"))
EOF
  # ctest -V prefixes each line of a test's output with "N: ".
  sed -E 's/^[0-9]+: //' "$out/ctest.log" | grep -E "$TP_DETAIL_REGEX" | sort >"$out/details" || true
  return "$rc"
}

# tp_compare_tests PLAIN_OUT INSTRUMENTED_OUT: the same tests ran and passed, and the frameworks
# counted the same.
tp_compare_tests() {
  local plain="$1" inst="$2" np ni tp ti
  tp=$(wc -l <"$plain/results")
  ti=$(wc -l <"$inst/results")
  np=$(grep -c '^run ' "$plain/results")
  ni=$(grep -c '^run ' "$inst/results")
  printf '  plain:        %s of %s tests passed\n  instrumented: %s of %s tests passed\n' "$np" "$tp" "$ni" "$ti"
  if [[ -s "$plain/details" ]]; then
    printf '  framework totals (plain):\n'
    sed 's/^/    /' "$plain/details" | sort | uniq -c | sed 's/^ */    /' | head -12
  fi
  ((tp > 0)) || { tp_say "the plain build ran no test"; return 1; }
  ((np == tp)) || tp_say "note: the plain build fails $((tp - np)) test(s) itself"
  diff -u "$plain/results" "$inst/results" || { tp_say "test results differ"; return 1; }
  diff -u "$plain/details" "$inst/details" || { tp_say "the test frameworks' totals differ"; return 1; }
}

# tp_need_disk DIR: DIR's file system has room for the project's span file (TP_SPANS_GB): a full
# disk would show up as lost spans, far from its cause.
tp_need_disk() {
  local need_kb=$((TP_SPANS_GB * 1024 * 1024)) free_kb
  free_kb=$(df -Pk "$1" | awk 'NR == 2 { print $4 }')
  ((free_kb >= need_kb)) && return 0
  # A machine without the room cannot run this check at all: reported like a missing archive
  # (a skip under ctest), not as a failure of the code under test.
  tp_unavailable "$1 has $((free_kb / 1024)) MB free; the instrumented test suite writes about" \
    "$TP_SPANS_GB GB of spans there (AUTOSPAN_TP_WORK elsewhere?)"
}

# tp_drop_warnings LOG: what the runtime said it dropped, summed over the test processes, by
# reason ("13239 nested too deep" for a parser test that recurses thousands of levels deep).
tp_drop_warnings() {
  grep -o 'autospan: warning: dropped .*' "$1" | sed 's/^.*span(s): //' | tr ',' '\n' |
    awk '{ n = $1; $1 = ""; sum[$0] += n } END { for (r in sum) if (sum[r]) printf "%d%s; ", sum[r], r }'
  echo
}

# tp_check_spans SPANS SOURCE_DIR REPORT: the spans the test suite wrote are what the selection
# promises. Fails unless: there are spans; every one is named in the namespace, comes from a file
# of the project and has the code.* attributes; every parent link points at an exported span of
# the same trace whose interval contains the child's (within TOLERANCE_NS); every expected name
# is there and no excluded one is.
tp_check_spans() {
  local spans="$1" src="$2" report="$3"
  [[ -s "$spans" ]] || { tp_say "no span file $spans"; return 1; }
  tp_say "$(du -h "$spans" | cut -f1) of OTLP JSON in $spans"
  python3 - "$spans" "$TP_NAMESPACE" "$TP_EXPECT" "$src" "$report" <<'EOF'
import json
import os
import sys
from collections import Counter

spans_path, namespace, expect_path, source_dir, report_path = sys.argv[1:6]
source_dir = os.path.realpath(source_dir)
# The runtime converts timestamps per export batch with a slope it refines as it goes, so a
# child and its parent exported in different batches can disagree by a few nanoseconds.
TOLERANCE_NS = 1000

required, forbidden = [], []
for raw in open(expect_path, encoding="utf-8"):
    line = raw.strip()
    if line and not line.startswith("#"):
        (forbidden if line.startswith("!") else required).append(line.lstrip("!").strip())

problems = []


def problem(msg):
    if len(problems) < 20:
        print("check-spans: " + msg, file=sys.stderr)
    problems.append(msg)


def attrs(kvs):
    out = {}
    for kv in kvs or []:
        value = kv.get("value") or {}
        out[kv.get("key")] = next(iter(value.values()), None)
    return out


names, error_names, exception_types = Counter(), Counter(), Counter()
pids, sites = set(), set()
# Parent links are resolved per trace. A parent ends after its children, so within a thread it
# is exported after them: a trace is complete, and forgotten, when its root span arrives. This
# keeps memory at the size of the largest trace, whatever the size of the file.
open_traces = {}  # trace -> ({span: (start, end)}, [(parent, start, end, name)])
total = lines = traces = roots = children = orphans = skewed = worst = 0


def resolve(spans, pending):
    global orphans, skewed, worst
    for parent, start, end, name in pending:
        iv = spans.get(parent)
        if iv is None:
            orphans += 1
            if orphans <= 3:
                problem(f"{name}: parent span {parent} was not exported")
            continue
        skew = max(iv[0] - start, end - iv[1], 0)
        if skew:
            skewed += 1
            worst = max(worst, skew)
            if skew > TOLERANCE_NS:
                problem(f"{name}: [{start}, {end}] sticks out of its parent's {list(iv)} by {skew} ns")


for raw in open(spans_path, encoding="utf-8"):
    lines += 1
    try:
        doc = json.loads(raw)
    except ValueError as e:
        problem(f"line {lines} is not JSON: {e}")
        continue
    for rs in doc.get("resourceSpans", []):
        res = attrs(rs.get("resource", {}).get("attributes"))
        if res.get("telemetry.sdk.name") != "autospan":
            problem(f"line {lines}: telemetry.sdk.name is {res.get('telemetry.sdk.name')!r}")
        pids.add(res.get("process.pid"))
        for ss in rs.get("scopeSpans", []):
            if ss.get("scope", {}).get("name") != "autospan":
                problem(f"line {lines}: instrumentation scope {ss.get('scope')!r}")
            for s in ss.get("spans", []):
                total += 1
                name = s["name"]
                names[name] += 1
                trace, span, parent = s["traceId"], s["spanId"], s.get("parentSpanId", "")
                start, end = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
                if len(trace) != 32 or len(span) != 16 or len(parent) not in (0, 16) or not 0 < start <= end:
                    problem(f"{name}: ids {trace!r} {span!r} {parent!r}, times {start}..{end}")
                entry = open_traces.get(trace)
                if entry is None:
                    entry = open_traces[trace] = ({}, [])
                if span in entry[0]:
                    problem(f"{name}: span id {trace}/{span} used twice")
                entry[0][span] = (start, end)
                if parent:
                    children += 1
                    entry[1].append((parent, start, end, name))
                else:
                    roots += 1
                    traces += 1
                    resolve(*entry)
                    del open_traces[trace]
                status = s.get("status", {}).get("code")
                if status in (2, "STATUS_CODE_ERROR"):
                    error_names[name] += 1
                    for ev in s.get("events", []):
                        if ev.get("name") == "exception":
                            exception_types[attrs(ev.get("attributes")).get("exception.type")] += 1
                # What a site says about itself is the same on every call: check it once.
                a = s.get("attributes")
                site = (name, s.get("kind"), json.dumps(a, sort_keys=True))
                if site in sites:
                    continue
                sites.add(site)
                if s.get("kind") not in (1, "SPAN_KIND_INTERNAL"):
                    problem(f"{name}: kind {s.get('kind')!r}, expected INTERNAL")
                if not name.startswith(namespace + "::"):
                    problem(f"span {name!r} is outside namespace {namespace}")
                a = attrs(a)
                path = a.get("code.file.path")
                if not isinstance(path, str) or not os.path.realpath(path).startswith(source_dir + os.sep):
                    problem(f"{name}: code.file.path {path!r} is not in {source_dir}")
                if a.get("code.function.name") is None or a.get("code.line.number") is None:
                    problem(f"{name}: no code.function.name or code.line.number")
# Traces whose root never came (or came first, from another thread).
for trace, entry in open_traces.items():
    traces += 1
    resolve(*entry)
if orphans:
    problem(f"{orphans} span(s) whose parent was not exported")
if total == 0:
    problem("no span at all")
missing = [n for n in required if names[n] == 0]
for n in missing:
    problem(f"expected span {n!r} is missing")
seen_forbidden = sorted(n for n in names for p in forbidden
                        if n == p or (p.endswith("::") and n.startswith(p)))
if seen_forbidden:
    problem(f"{sum(names[n] for n in seen_forbidden)} span(s) of excluded functions: {seen_forbidden[:6]}")

summary = [
    f"spans              {total} in {lines} export batches",
    f"distinct names     {len(names)} (from {len(sites)} sites)",
    f"processes          {len(pids)}",
    f"traces             {traces} ({roots} root spans, {children} child spans, {orphans} with a missing parent)",
    f"nesting            {skewed} child span(s) stick out of their parent, worst by {worst} ns",
    f"error spans        {sum(error_names.values())} in {len(error_names)} function(s); "
    + ", ".join(f"{t} x{n}" for t, n in exception_types.most_common(3)),
    f"expected names     {len(required) - len(missing)} of {len(required)} present",
    f"excluded names     {len(seen_forbidden)} seen ({', '.join(forbidden) or '-'})",
    "most frequent:",
] + [f"  {n:9}  {name}" for name, n in names.most_common(10)]
with open(report_path, "w", encoding="utf-8") as out:
    out.write("\n".join(summary) + "\n\nall names (count, name):\n")
    out.writelines(f"{n} {name}\n" for name, n in sorted(names.items()))
print("\n".join(summary))
if problems:
    sys.exit(f"check-spans: {len(problems)} problem(s)")
EOF
}

# tp_names REPORT: the distinct span names of a tp_check_spans report, one per line.
tp_names() {
  sed -n '/^all names/,$p' "$1" | tail -n +2 | cut -d' ' -f2- | sort
}

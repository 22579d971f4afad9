#!/usr/bin/env bash
# autospan-rewrite on a real third-party project: a Debian source package is fetched, rewritten,
# built with g++-12 against libautospan, its own test suite run (spans must arrive), rewritten a
# second time (must change nothing), and restored with --remove (must be byte-identical to the
# unpacked package). Prints the rewriter's speed, which docs/rewriter-tool.md quotes.
#
# usage: scripts/rewrite-thirdparty.sh [PACKAGE]       (default: tinyxml2)
#
# Known packages (name, namespace to instrument, how to build and test):
#   tinyxml2   namespace tinyxml2, CMake, ctest runs xmltest (hundreds of checks)
#   libjsoncpp namespace Json, CMake, ctest runs the unit tests and the JSON test runner
#
# Environment:
#   AUTOSPAN_BUILD_DIR   autospan build tree with bin/autospan-rewrite and the runtime (build/)
#   AUTOSPAN_TP_WORK     work directory, wiped first (/tmp/autospan-thirdparty/PACKAGE)
#
# The source package comes from the Debian archive the system already uses, through a private
# apt configuration (a deb-src entry in the work directory): the system's apt state is untouched.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PACKAGE="${1:-tinyxml2}"
BUILD_DIR="${AUTOSPAN_BUILD_DIR:-$AUTOSPAN_ROOT/build}"
WORK="${AUTOSPAN_TP_WORK:-/tmp/autospan-thirdparty/$PACKAGE}"
TOOL="$BUILD_DIR/bin/autospan-rewrite"
RUNTIME_DIR="$BUILD_DIR/runtime"
INCLUDE_DIR="$AUTOSPAN_ROOT/include"

case "$PACKAGE" in
tinyxml2)
  NAMESPACE=tinyxml2
  CMAKE_ARGS=(-Dtinyxml2_BUILD_TESTING=ON)
  ;;
libjsoncpp)
  NAMESPACE=Json
  CMAKE_ARGS=(-DJSONCPP_WITH_TESTS=ON -DJSONCPP_WITH_POST_BUILD_UNITTEST=OFF
              -DJSONCPP_WITH_PKGCONFIG_SUPPORT=OFF -DJSONCPP_WITH_CMAKE_PACKAGE=OFF
              -DBUILD_OBJECT_LIBS=OFF)
  ;;
*)
  echo "rewrite-thirdparty: unknown package '$PACKAGE' (known: tinyxml2, libjsoncpp)" >&2
  exit 2
  ;;
esac

step() { printf '\n== %s\n' "$*"; }
fail() { echo "rewrite-thirdparty: FAIL: $*" >&2; exit 1; }

[[ -x "$TOOL" ]] || fail "no $TOOL (build the autospan-rewrite target first)"
[[ -e "$RUNTIME_DIR/libautospan.so" ]] || fail "no $RUNTIME_DIR/libautospan.so (build the autospan target)"

step "fetching the Debian source package $PACKAGE into $WORK"
rm -rf "$WORK"
mkdir -p "$WORK/apt/sources.list.d" "$WORK/apt/lists/partial" "$WORK/download"
# The archive and suite of the system's own deb entry, as deb-src.
CODENAME="$(. /etc/os-release && echo "$VERSION_CODENAME")"
cat >"$WORK/apt/sources.list.d/src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $CODENAME
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$WORK/apt/sources.list.d"
          -o "Dir::State::Lists=$WORK/apt/lists" -o "APT::Sandbox::User=root")
apt-get "${APT_OPTS[@]}" -qq update
(cd "$WORK/download" && apt-get "${APT_OPTS[@]}" -qq source --download-only "$PACKAGE")
dpkg-source -x --no-check "$WORK"/download/*.dsc "$WORK/src" >/dev/null
cp -a "$WORK/src" "$WORK/pristine"
SRC="$WORK/src"
BLD="$WORK/build"

step "configuring with g++-12 (compile database for the rewriter)"
cmake -S "$SRC" -B "$BLD" -G Ninja -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_C_COMPILER=gcc-12 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_CXX_FLAGS="-I$INCLUDE_DIR" \
  -DCMAKE_CXX_STANDARD_LIBRARIES="-L$RUNTIME_DIR -lautospan -Wl,-rpath,$RUNTIME_DIR" \
  "${CMAKE_ARGS[@]}" >"$WORK/configure.log"

# Every C++ translation unit of the project's own tree.
mapfile -t SOURCES < <(python3 - "$BLD/compile_commands.json" "$SRC" <<'EOF'
import json, os, sys
db, root = sys.argv[1], os.path.realpath(sys.argv[2])
seen = []
for e in json.load(open(db)):
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if f.startswith(root + os.sep) and f.endswith((".cpp", ".cc", ".cxx")) and f not in seen:
        seen.append(f)
print("\n".join(seen))
EOF
)
[[ ${#SOURCES[@]} -gt 0 ]] || fail "no C++ sources in the compile database"
echo "${#SOURCES[@]} translation units"

step "rewriting (--namespace $NAMESPACE --in-place)"
(cd "$SRC" && "$TOOL" -p "$BLD" --namespace "$NAMESPACE" --in-place "${SOURCES[@]}") \
  2>&1 | grep -v '^\[[0-9]*/[0-9]*\] Processing' | tee "$WORK/rewrite.log"
SITES=$(grep -r --include='*.h' --include='*.hpp' --include='*.cpp' --include='*.cc' --include='*.inl' \
  -c 'AUTOSPAN_FUNCTION("' "$SRC" | awk -F: '{s += $2} END {print s + 0}')
[[ "$SITES" -gt 0 ]] || fail "nothing was instrumented"
echo "$SITES sites in the tree"

step "building the rewritten project with g++-12"
cmake --build "$BLD" -j "${AUTOSPAN_JOBS:-2}" >"$WORK/build.log" 2>&1 || {
  tail -30 "$WORK/build.log"
  fail "the rewritten project does not build"
}

step "running the project's own test suite with the file exporter"
SPANS="$WORK/spans.jsonl"
# Short calls are dropped so that a test suite of millions of calls writes a modest file.
(cd "$BLD" && OTEL_TRACES_EXPORTER=file AUTOSPAN_FILE="$SPANS" AUTOSPAN_MIN_DURATION=20us \
  OTEL_SERVICE_NAME="$PACKAGE-tests" ctest --output-on-failure) | tail -5
[[ -s "$SPANS" ]] || fail "no span arrived"
python3 - "$SPANS" "$NAMESPACE" <<'EOF'
import json, sys
from collections import Counter
names = Counter()
for line in open(sys.argv[1]):
    for rs in json.loads(line).get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            names.update(s["name"] for s in ss.get("spans", []))
ours = sum(n for name, n in names.items() if name.startswith(sys.argv[2] + "::"))
print(f"{sum(names.values())} spans, {len(names)} distinct names, {ours} under {sys.argv[2]}::")
for name, n in names.most_common(5):
    print(f"  {n:8}  {name}")
if ours == 0:
    sys.exit("rewrite-thirdparty: FAIL: no span of the project's namespace")
EOF

step "second rewrite: must change nothing"
SECOND=$(cd "$SRC" && "$TOOL" -p "$BLD" --namespace "$NAMESPACE" --quiet "${SOURCES[@]}" 2>/dev/null)
[[ -z "$SECOND" ]] || { echo "$SECOND" | head -40; fail "the second rewrite is not a no-op"; }
(cd "$SRC" && "$TOOL" -p "$BLD" --namespace "$NAMESPACE" --check --quiet "${SOURCES[@]}" 2>/dev/null) \
  || fail "--check fails on the rewritten tree"
echo "no edit, --check passes"

step "--remove: must restore the package byte for byte"
(cd "$SRC" && "$TOOL" -p "$BLD" --remove --in-place "${SOURCES[@]}") 2>&1 | tail -1
# The test suite may write output files into the source tree: compare the C/C++ sources the
# rewriter could have touched, and make sure it left none of its own behind.
python3 - "$WORK/pristine" "$SRC" <<'EOF'
import os, sys
a, b = sys.argv[1], sys.argv[2]
exts = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".inl", ".inc")
def files(root):
    return {os.path.relpath(os.path.join(d, f), root)
            for d, _, fs in os.walk(root) for f in fs}
fa, fb = files(a), files(b)
bad = [f for f in sorted(fa) if f.endswith(exts) and
       open(os.path.join(a, f), "rb").read() != open(os.path.join(b, f), "rb").read()]
extra = [f for f in sorted(fb - fa) if f.endswith(exts) or ".autospan-" in f]
if bad or extra:
    sys.exit(f"rewrite-thirdparty: FAIL: differs after --remove: {bad[:10]} extra: {extra[:10]}")
print(f"{sum(1 for f in fa if f.endswith(exts))} C/C++ files byte-identical to the package")
EOF

step "speed"
grep '^autospan-rewrite:' "$WORK/rewrite.log" | tail -1
echo "PASS: $PACKAGE"

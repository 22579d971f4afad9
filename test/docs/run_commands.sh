#!/usr/bin/env bash
# ctest docs.commands: runs the command blocks of docs/*.md marked `<!-- test: run ID -->` as they
# are written there (placeholders aside: /opt/autospan and /path/to are the installed tree), in
# scratch directories laid out the way each page assumes, and checks what they do. Blocks with
# their own test: ccache.* (docs.ccache), recipe.* (docs.recipes), demo.* (docs.demo).
#
#   run_commands.sh ROOT BUILD PREFIX WORK
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
OPT=("/opt/autospan=>$PREFIX")

# A directory where `build/` is the build tree, as getting-started.md assumes.
sandbox="$WORK/sandbox"
mkdir -p "$sandbox"
ln -s "$BUILD" "$sandbox/build"

## clang-plugin.md: the two flags
mkdir -p "$WORK/plugin" && cd "$WORK/plugin"
cp "$HERE/fixtures/loader.cpp" .
run_block plugin.compile "/path/to=>$PREFIX"
nm -u loader.o | grep -q 'U autospan_enter_v[0-9]' || fail "plugin.compile: loader.o is not instrumented"
nm -u loader.o | grep -q 'U autospan_exit_v[0-9]' || fail "plugin.compile: loader.o has no exit hook"
# The page's filter file (the block after the command) is accepted as written.
doc_code --after plugin.compile --lang text >filter.txt
grep -q '^namespace: lib::\*::api$' filter.txt || fail "clang-plugin.md: the filter file example moved"
clang++-19 -fplugin="$PREFIX/lib/autospan/autospan-plugin.so" -fplugin-arg-autospan-filter-file=filter.txt \
  -fplugin-arg-autospan-verbose -c loader.cpp -o filtered.o 2>"$WORK/filter-file.out" ||
  fail "clang-plugin.md: the filter file example is rejected: $(cat "$WORK/filter-file.out")"
grep -q "instrumented 'app::Loader::load'" "$WORK/filter-file.out" ||
  fail "clang-plugin.md: with the filter file example, app::Loader::load is not instrumented: $(cat "$WORK/filter-file.out")"

## cmake.md: find_package + autospan_instrument, plugin mode (clang++-19) and rewrite mode (g++-12)
# The project is the page's CMakeLists.txt, with the consumer test's sources.
project_cmake="$(doc_code --after cmake.plugin-project --before --lang cmake)"
for mode in plugin rewrite; do
  mkdir -p "$WORK/cmake-$mode" && cd "$WORK/cmake-$mode"
  cp -r "$ROOT/test/consumer/project/src" src
  chmod -R u+w src
  if [[ $mode == plugin ]]; then
    printf '%s\n' "$project_cmake" >CMakeLists.txt
  else
    # The page's MODE rewrite line in place of the plugin one.
    line="$(doc_code --after cmake.rewrite-project --before --lang cmake)"
    printf '%s\n' "$project_cmake" | python3 -c '
import re, sys
text, line = sys.stdin.read(), sys.argv[1].strip()
new, n = re.subn(r"^autospan_instrument\(.*$", lambda m: line, text, count=1, flags=re.M)
assert n == 1, "no autospan_instrument() line in the page project"
sys.stdout.write(new)' "$line" >CMakeLists.txt
    grep -q 'MODE rewrite' CMakeLists.txt || fail "cmake.rewrite-project: no MODE rewrite line"
  fi
  run_block "cmake.$mode-project" "${OPT[@]}"
  OTEL_TRACES_EXPORTER=console ./build/shop >"$WORK/shop-$mode.out" 2>&1
  grep -q '└─ shop::checkout' "$WORK/shop-$mode.out" || fail "cmake.$mode-project: ./build/shop has no shop::checkout span"
  grep -q 'shop::detail' "$WORK/shop-$mode.out" && fail "cmake.$mode-project: shop::detail was instrumented despite EXCLUDE"
  diff -r "$ROOT/test/consumer/project/src" src >/dev/null || fail "cmake.$mode-project: the sources were modified"
done
grep -q -- '-fplugin=' "$WORK/cmake-plugin/build/compile_commands.json" 2>/dev/null ||
  grep -rq -- '-fplugin=' "$WORK/cmake-plugin/build/build.ninja" || fail "cmake.plugin-project: no -fplugin flag in the build"
[[ -f "$WORK/cmake-rewrite/build/autospan-rewrite/shop/src/shop.cpp" ]] ||
  fail "cmake.rewrite-project: no rewritten copy of src/shop.cpp in the build tree"

## cmake.md: pkg-config
cd "$WORK"
run_block cmake.pkg-config "${OPT[@]}"
# What the page's comments say each command prints (<prefix>, flags) is what it printed. The .pc
# files compute the prefix from their own location (relocatable): <dir>/lib/pkgconfig/../..
"${DOCBLOCKS[@]}" extract --root "$ROOT" --id cmake.pkg-config >"$WORK/pkg-config.doc"
python3 - "$WORK/pkg-config.doc" "$WORK/cmake.pkg-config.out" "$PREFIX" <<'EOF'
import re, sys
doc, out, prefix = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
spellings = [prefix, prefix + "/lib/pkgconfig/../.."]
words = set(out.split())
checked = 0
for comment in re.findall(r"#(.*)", doc):
    for token in comment.split():
        if token.startswith("<prefix>") or (token.startswith("-") and len(token) > 1):
            assert any(token.replace("<prefix>", p) in words for p in spellings), \
                f"the page says pkg-config prints {token}; it printed:\n{out}"
            checked += 1
assert checked >= 8, checked
print(f"cmake.pkg-config: the {checked} paths and flags the page shows are printed")
EOF

## configuration.md: AUTOSPAN_FILTER on a program instrumented in namespace acme
mkdir -p "$WORK/filter" && cd "$WORK/filter"
clang++-19 -std=c++17 -I"$PREFIX/include" -fplugin="$PREFIX/lib/autospan/autospan-plugin.so" \
  -fplugin-arg-autospan-namespace=acme "$HERE/fixtures/server.cpp" -L"$PREFIX/lib" -lautospan \
  -Wl,-rpath,"$PREFIX/lib" -o server
OTEL_TRACES_EXPORTER=file AUTOSPAN_FILE=spans.jsonl run_block config.filter
autospan summary --sort name spans.jsonl >"$WORK/filter.summary"
names="$(awk 'NR > 1 && $1 ~ /::/ {print $1}' "$WORK/filter.summary" | tr '\n' ' ')"
[[ "$names" == "acme::billing::charge acme::billing::total " ]] ||
  fail "config.filter: traced '$names', expected only acme::billing::charge and ::total (Ledger and **::detail off, everything else off because of the on rule)"

## getting-started.md: the demo's run step, your own program, a collector
cd "$sandbox"
mkdir -p build/demo # the demo's step 3: scripts/demo.sh has made the directory
run_block start.demo-run
expect_documented start.demo-run <(doc_code --after start.demo-run --lang text)
[[ -s build/demo/demo-20261121-064914.jsonl ]] || fail "start.demo-run: no file written"
autospan tree build/demo/demo-20261121-064914.jsonl | grep -q 'pipeline.id=demo-20261121-064914' ||
  fail "start.demo-run: the file lacks the pipeline id"
rm -f build/demo/demo-20261121-064914.jsonl

doc_code --after start.own-program --before --lang cpp >main.cpp
run_block start.own-program
# Unordered: on a terminal `done` comes first, into a file stdout is flushed only at exit.
expect_documented start.own-program --unordered <(doc_code --after start.own-program --lang text)

start_receiver
run_block start.collector "http://collector:4318=>http://$RECEIVER_HOSTPORT"
receiver_get /spans >"$WORK/collector.json"
python3 - "$WORK/collector.json" <<'EOF'
import json, sys
spans = json.load(open(sys.argv[1]))
spans = spans.get("spans", spans) if isinstance(spans, dict) else spans
names = sorted(s["name"] for s in spans)
assert names == ["myapp::load", "myapp::run", "myapp::save"], names
assert all(s["resource"]["attributes"]["service.name"] == "my-service" for s in spans)
EOF
stop_receiver

## rewriter-tool.md: diff, in place, check, undo
mkdir -p "$WORK/rewriter/src" "$WORK/rewriter/build" && cd "$WORK/rewriter"
cp "$HERE/fixtures/loader.cpp" "$HERE/fixtures/cache.cpp" src/
python3 - "$PREFIX" <<'EOF' >build/compile_commands.json
import json, os, sys
d = os.getcwd()
print(json.dumps([{"directory": d, "file": f"src/{f}", "command":
                   f"clang++-19 -std=c++17 -I{sys.argv[1]}/include -c src/{f}"}
                  for f in ("cache.cpp", "loader.cpp")], indent=1))
EOF
cp -r src pristine
# Before: --check finds the selected functions not instrumented.
autospan-rewrite -p build --namespace app --check src/*.cpp >"$WORK/check-before.out" 2>&1 && fail "--check passed on uninstrumented sources"
grep -q "error: 'app::Loader::load' is not instrumented" "$WORK/check-before.out" || fail "--check: $(cat "$WORK/check-before.out")"
run_block rewriter.usage
expect rewriter.usage '^\+\+\+ b/src/loader.cpp'
expect rewriter.usage 'AUTOSPAN_FUNCTION\("app::Loader::load"\)'
diff -r pristine src >/dev/null || fail "rewriter.usage: --remove --in-place did not restore the sources byte for byte"

## viewing.md: console, summary, convert, html, errors
mkdir -p "$WORK/viewing" && cd "$WORK/viewing"
ln -s "$BUILD/test/cli/autospan_cli_traced_app" traced_app
run_block viewing.console
expect_documented viewing.console
OTEL_TRACES_EXPORTER=file AUTOSPAN_FILE=run.jsonl ./traced_app # the page's table: "a file to look at later"
run_block viewing.summary
expect_documented viewing.summary --unordered
run_block viewing.convert
python3 - <<'EOF'
import json
t = json.load(open("trace.json"))
x = [e for e in t["traceEvents"] if e.get("ph") == "X"]
assert len(x) == 105, len(x)
EOF
run_block viewing.html
grep -q "Content-Security-Policy" report.html || fail "viewing.html: report.html lacks its CSP"
grep -q "shop::handle_order" report.html || fail "viewing.html: report.html lacks the spans"
# broken.jsonl: a good line, a line cut after a member name (column 301), a bad trace id.
python3 - <<'EOF'
lines = open("run.jsonl").read().splitlines()
cut = '{"' + "a" * 297 + '"'
assert len(cut) == 300
bad = lines[0].replace(lines[0].split('"traceId":"')[1].split('"')[0], "xyz", 1)
open("broken.jsonl", "w").write("\n".join([lines[0], cut, bad]) + "\n")
EOF
run_block viewing.broken --status 1
expect_documented viewing.broken

all_ran --except ccache. recipe. demo.

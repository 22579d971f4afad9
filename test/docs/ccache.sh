#!/usr/bin/env bash
# ctest docs.ccache: docs/cmake.md, "Rebuilds and compiler caches", with the real ccache and
# sccache (Debian 12 packages). A compiler cache must never hand back an object compiled with
# another plugin:
#   - the page's CMake configuration through ccache, then the same through sccache: an installed
#     plugin that is replaced in place (an upgrade) must give cache misses and instrumented
#     objects, going back must give the old objects, and a clean rebuild must hit;
#   - the plugin adds nothing to the preprocessed source (no header, no macro: it synthesises its
#     declarations in the AST), so preprocessor-mode caching sees no difference and must key on
#     the plugin file itself: ccache in preprocessor mode, plugin replaced, must miss;
#   - the page's CCACHE_EXTRAFILES command for a filter file outside CMake.
# "Another plugin" is a stand-in shared library that clang loads and that instruments nothing.
# consumer.ccache covers the FILTER_FILE of autospan_instrument() with ccache.
#
#   ccache.sh ROOT BUILD PREFIX WORK
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
command -v ccache >/dev/null || fail "ccache is not installed (scripts/setup.sh installs it)"
command -v sccache >/dev/null || fail "sccache is not installed (scripts/setup.sh installs it)"

# A private copy of the installed tree (relocatable): this test replaces its plugin.
P="$WORK/prefix"
cp -a "$PREFIX" "$P"
plugin="$P/lib/autospan/autospan-plugin.so"
cp "$plugin" "$WORK/real-plugin.so"
echo 'int autospan_docs_not_a_plugin = 1;' | clang++-19 -shared -fPIC -x c++ - -o "$WORK/other-plugin.so"
# use_plugin real|other: replace the installed plugin in place, with a new modification time.
use_plugin() {
  sleep 1 # coarse file system timestamps
  cp "$WORK/$1-plugin.so" "$plugin"
}

# Private caches and configuration: the developer's play no part.
export CCACHE_DIR="$WORK/ccache" CCACHE_CONFIGPATH="$WORK/ccache.conf"
echo "max_size = 200M" >"$CCACHE_CONFIGPATH"
export SCCACHE_DIR="$WORK/sccache" SCCACHE_CACHE_SIZE=200M SCCACHE_IDLE_TIMEOUT=0
SCCACHE_SERVER_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export SCCACHE_SERVER_PORT
# The server in the foreground of a background job: `sccache --start-server` gives up after 10 s,
# too short on a loaded machine. Then wait for its port.
SCCACHE_START_SERVER=1 SCCACHE_NO_DAEMON=1 sccache >"$WORK/sccache-server.log" 2>&1 &
sccache_pid=$!
trap 'kill "$sccache_pid" 2>/dev/null || true; wait "$sccache_pid" 2>/dev/null || true' EXIT
python3 - "$SCCACHE_SERVER_PORT" <<'EOF' || fail "the sccache server did not start: $(cat "$WORK/sccache-server.log")"
import socket, sys, time
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
EOF

# stats TOOL: "<hits> <misses>" since the last reset.
stats() {
  if [[ $1 == ccache ]]; then
    ccache --print-stats | awk -F'\t' '$1 ~ /^(direct|preprocessed)_cache_hit$/ {h += $2}
      $1 == "cache_miss" {m = $2} END {print h + 0, m + 0}'
  else
    sccache --show-stats --stats-format=json | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
print(sum(s["cache_hits"]["counts"].values()), sum(s["cache_misses"]["counts"].values()))'
  fi
}
zero() {
  if [[ $1 == ccache ]]; then ccache --zero-stats >/dev/null; else sccache --zero-stats >/dev/null; fi
}
# build TOOL LABEL HITS MISSES INSTRUMENTED(yes|no): build shop (no clean), check the cache's
# counters and whether the objects and the program carry the instrumentation.
build() {
  local tool="$1" label="$2" hits="$3" misses="$4" instrumented="$5" got
  zero "$tool"
  cmake --build build --target shop >"$WORK/build.log" 2>&1 || {
    cat "$WORK/build.log"
    fail "$tool, $label: build failed"
  }
  got="$(stats "$tool")"
  echo "$tool, $label: hits/misses $got"
  [[ "$got" == "$hits $misses" ]] || fail "$tool, $label: expected $hits hits and $misses misses, got $got"
  local out
  out="$(OTEL_TRACES_EXPORTER=console ./build/shop 2>&1)"
  if [[ $instrumented == yes ]]; then
    nm -u build/CMakeFiles/shop.dir/src/shop.cpp.o | grep -q 'autospan_enter_v[0-9]' ||
      fail "$tool, $label: a stale object: shop.cpp.o is not instrumented"
    grep -q 'shop::checkout' <<<"$out" || fail "$tool, $label: no shop::checkout span"
  else
    nm -u build/CMakeFiles/shop.dir/src/shop.cpp.o | grep -q 'autospan_enter_v[0-9]' &&
      fail "$tool, $label: a stale object: shop.cpp.o is instrumented, the plugin is not autospan's"
    grep -q 'shop::checkout' <<<"$out" && fail "$tool, $label: shop::checkout span from a stale object"
  fi
  return 0
}

for tool in ccache sccache; do
  mkdir -p "$WORK/$tool" && cd "$WORK/$tool"
  cp -r "$ROOT/test/consumer/project/src" "$ROOT/test/consumer/project/CMakeLists.txt" .
  chmod -R u+w .
  use_plugin other
  if [[ $tool == ccache ]]; then
    run_block ccache.configure "/opt/autospan=>$P"
  else # the same configuration with sccache as the launcher
    "${DOCBLOCKS[@]}" extract --root "$ROOT" --id ccache.configure --commands \
      --sub "/opt/autospan=>$P" --sub "LAUNCHER=ccache=>LAUNCHER=sccache" >configure.sh
    grep -q LAUNCHER=sccache configure.sh || fail "no sccache launcher in $(cat configure.sh)"
    bash -e configure.sh >"$WORK/configure.log" 2>&1 || fail "$(cat "$WORK/configure.log")"
  fi
  build "$tool" "first build, another plugin" 0 2 no
  use_plugin real
  build "$tool" "autospan's plugin installed in its place" 0 2 yes
  cmake --build build --target clean >/dev/null
  build "$tool" "clean rebuild" 2 0 yes
  use_plugin other
  if [[ $tool == ccache ]]; then
    # ccache keys on the plugin's mtime (compiler_check = mtime): a new copy misses.
    build "$tool" "the other plugin again" 0 2 no
  else
    # sccache keys on the content-named path: the other plugin's objects are still cached.
    build "$tool" "the other plugin again" 2 0 no
  fi
  use_plugin real
done

# Preprocessor mode: what the plugin does is not in the preprocessed source.
mkdir -p "$WORK/cpp" && cd "$WORK/cpp"
cp "$ROOT/test/consumer/project/src/shop.cpp" "$ROOT/test/consumer/project/src/shop.h" .
flags=(-std=c++17 -I"$P/include")
pflags=(-fplugin="$plugin" -fplugin-arg-autospan-namespace=shop)
clang++-19 "${flags[@]}" -E shop.cpp -o plain.ii
clang++-19 "${flags[@]}" "${pflags[@]}" -E shop.cpp -o plugin.ii
cmp -s plain.ii plugin.ii || fail "the plugin changes the preprocessed source"
pp_compile() { # LABEL HITS MISSES
  zero ccache
  CCACHE_NODIRECT=1 ccache clang++-19 "${flags[@]}" "${pflags[@]}" -c shop.cpp -o shop.o
  local got
  got="$(stats ccache)"
  echo "ccache preprocessor mode, $1: hits/misses $got"
  [[ "$got" == "$2 $3" ]] || fail "ccache preprocessor mode, $1: expected $2 hits and $3 misses, got $got"
}
pp_compile "first compile" 0 1
pp_compile "again" 1 0
use_plugin other
pp_compile "another plugin at the same path" 0 1
nm -u shop.o | grep -q 'autospan_enter_v[0-9]' && fail "ccache preprocessor mode: stale instrumented object"
use_plugin real

# Without CMake, sccache: the page's SCCACHE_EXTRAFILES naming the plugin.
sc_compile() { # LABEL HITS MISSES
  zero sccache
  SCCACHE_EXTRAFILES="$plugin" sccache clang++-19 "${flags[@]}" "${pflags[@]}" -c shop.cpp -o shop.o
  local got
  got="$(stats sccache)"
  echo "sccache, SCCACHE_EXTRAFILES, $1: hits/misses $got"
  [[ "$got" == "$2 $3" ]] || fail "sccache, SCCACHE_EXTRAFILES, $1: expected $2 hits and $3 misses, got $got"
}
sc_compile "first compile" 0 1
sc_compile "again" 1 0
use_plugin other
sc_compile "another plugin at the same path" 0 1
nm -u shop.o | grep -q 'autospan_enter_v[0-9]' && fail "sccache, SCCACHE_EXTRAFILES: stale instrumented object"
use_plugin real

# Without CMake: the page's CCACHE_EXTRAFILES command.
mkdir -p "$WORK/extrafiles" && cd "$WORK/extrafiles"
cp "$ROOT/test/consumer/project/src/shop.cpp" "$ROOT/test/consumer/project/src/shop.h" .
printf 'namespace: shop\nexclude: shop::detail\n' >filter.txt
extrafiles() { # LABEL HITS MISSES
  zero ccache
  run_block ccache.extrafiles "-fplugin=...=>-fplugin=$plugin"
  local got
  got="$(stats ccache)"
  echo "CCACHE_EXTRAFILES, $1: hits/misses $got"
  [[ "$got" == "$2 $3" ]] || fail "CCACHE_EXTRAFILES, $1: expected $2 hits and $3 misses, got $got"
}
extrafiles "first compile" 0 1
cp shop.o all.o
extrafiles "again" 1 0
printf 'namespace: shop\nexclude: shop::detail\nexclude: shop::parse\n' >filter.txt
extrafiles "filter file edited" 0 1
cmp -s all.o shop.o && fail "CCACHE_EXTRAFILES: the object did not change with the filter file"

all_ran ccache.

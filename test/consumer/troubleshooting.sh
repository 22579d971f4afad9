#!/usr/bin/env bash
# Runs every command of docs/troubleshooting.md against the consumer test's plugin build and the
# installed tree, and checks that each shows what the page says it shows.
#
#   troubleshooting.sh PREFIX BUILD SRC
#     PREFIX  the installed autospan (consumer.install)
#     BUILD   the consumer project built in plugin mode (consumer.plugin): ./shop is there
#     SRC     test/consumer/project/src
set -euo pipefail
PREFIX="$1"
BUILD="$2"
SRC="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$BUILD"
# The developer's shell must not leak settings into the runs.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(OTEL_[A-Z_]*\|AUTOSPAN_[A-Z_]*\|TRACEPARENT\|TRACESTATE\|BAGGAGE\)=.*/\1/p')

fail() {
  echo "troubleshooting.sh: $*" >&2
  exit 1
}
# expect NAME PATTERN TEXT: TEXT must match the extended regex PATTERN.
expect() {
  grep -Eq -- "$2" <<<"$3" || fail "$1: expected /$2/ in:
$3"
}

# "First: what did the program record?"
out="$(OTEL_TRACES_EXPORTER=console ./shop 2>&1)"
expect console '└─ shop::checkout' "$out"
expect console 'shop::price .*ERROR std::invalid_argument: unknown item: kiwi' "$out"

# "No spans at all" 1: is the runtime there and on?
out="$(AUTOSPAN_LOG_LEVEL=info OTEL_TRACES_EXPORTER=console ./shop 2>&1 >/dev/null)"
expect log-level "autospan: info: started: clock [a-z]+, exporters 'console', min duration 0 ns" "$out"
out="$(ldd ./shop | grep autospan)"
expect ldd "libautospan\.so\.0 => $PREFIX/lib/libautospan\.so\.0" "$out"
out="$(OTEL_SDK_DISABLED=true OTEL_TRACES_EXPORTER=console ./shop 2>&1)"
if grep -q 'shop::' <<<"$out"; then fail "OTEL_SDK_DISABLED=true still exported spans"; fi

# 2: was anything instrumented?
out="$(nm -u CMakeFiles/shop.dir/src/shop.cpp.o | grep autospan_)"
expect nm 'U autospan_thread_gate_v2' "$out"
expect nm 'U autospan_filter_off_v2' "$out"
expect nm 'U autospan_enter_v2' "$out"
expect nm 'U autospan_exit_v2' "$out"

# 3: which functions, and why not the others?
out="$(clang++-19 -std=c++17 -I"$PREFIX/include" \
  -fplugin="$PREFIX/lib/autospan/autospan-plugin.so" \
  -fplugin-arg-autospan-namespace=shop -fplugin-arg-autospan-exclude=shop::detail \
  -fplugin-arg-autospan-verbose -c "$SRC/shop.cpp" -o "$work/shop.o" 2>&1)"
expect verbose "shop\.cpp:33:5: remark: autospan: instrumented 'shop::price'" "$out"
expect verbose "remark: autospan: not instrumented 'shop::detail::lookup': excluded by 'shop::detail'" "$out"
out="$("$PREFIX/bin/autospan-rewrite" --verbose --namespace shop --exclude shop::detail \
  --min-statements 3 "$SRC/shop.cpp" -- -std=c++17 -I"$PREFIX/include" 2>&1 >/dev/null)"
expect rewrite-verbose "not instrumented 'shop::detail::lookup': excluded by 'shop::detail'" "$out"
expect rewrite-verbose "not instrumented 'shop::discount': 1 statement, fewer than min-statements=3" "$out"

# "Spans do not reach the collector"
out="$(OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9 OTEL_BSP_EXPORT_TIMEOUT=2000 ./shop 2>&1 >/dev/null)"
expect collector-down 'autospan: warning: export to http://127\.0\.0\.1:9/v1/traces failed after [0-9]+ attempts?: curl error 7' "$out"
expect collector-down 'autospan: warning: dropped 7 span\(s\): .*7 export failed' "$out"
out="$(cd "$work" && OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9 OTEL_BSP_EXPORT_TIMEOUT=2000 \
  OTEL_TRACES_EXPORTER=otlp,file AUTOSPAN_FILE=spans.jsonl "$BUILD/shop" 2>/dev/null && "$PREFIX/bin/autospan" tree spans.jsonl)"
expect otlp-file 'trace [0-9a-f]{32}  7 spans' "$out"

# "Wrong parent": a TRACEPARENT in the environment makes the process continue that trace.
out="$(cd "$work" && TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 \
  OTEL_TRACES_EXPORTER=file AUTOSPAN_FILE=remote.jsonl "$BUILD/shop" >/dev/null && "$PREFIX/bin/autospan" tree remote.jsonl)"
expect traceparent 'trace 0af7651916cd43dd8448eb211c80319c  7 spans .*\(partial: some parents not received\)' "$out"

# "Version mismatch" and "The plugin does not load"
out="$(clang++-14 -fplugin="$PREFIX/lib/autospan/autospan-plugin.so" -c "$SRC/shop.cpp" -o "$work/x.o" 2>&1 || true)"
expect clang14 "error: autospan-plugin\.so was built for Clang 19, but this compiler is '.*clang version 14" "$out"
out="$(clang++-19 -fplugin=/opt/autospan/lib/autospan-plugin.so -c "$SRC/shop.cpp" -o "$work/x.o" 2>&1 || true)"
expect wrong-path "error: unable to load plugin '/opt/autospan/lib/autospan-plugin\.so'" "$out"
out="$(clang++-19 -fplugin="$PREFIX/lib/autospan/autospan-plugin.so" -fplugin-arg-autospan-namspace=shop \
  -c "$SRC/shop.cpp" -o "$work/x.o" 2>&1 || true)"
expect bad-argument "error: autospan: unknown argument 'namspace=shop'" "$out"

echo "troubleshooting.sh: every command of docs/troubleshooting.md behaves as documented"

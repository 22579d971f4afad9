#!/usr/bin/env bash
# The autospan demo: builds examples/pipeline with the Clang plugin and runs it with no collector.
# The span tree is printed on the terminal (console exporter, stderr) and the same spans are
# written as OTLP JSON lines (file exporter).
#
#   scripts/demo.sh [--receiver] [pipeline args, e.g. --records 8]
#
#   --receiver   also start the project's OTLP receiver (test/peers) and export to it over
#                OTLP/HTTP, to see the spans arrive the way a collector gets them
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT="$AUTOSPAN_ROOT"
BUILD_DIR="${AUTOSPAN_BUILD_DIR:-$ROOT/build}"

with_receiver=0
args=()
for a in "$@"; do
  if [[ "$a" == "--receiver" ]]; then with_receiver=1; else args+=("$a"); fi
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup (installs only what is missing)"
"$ROOT/scripts/setup.sh"

step "build the plugin, the runtime and examples/pipeline into ${BUILD_DIR#"$ROOT"/}"
mkdir -p "$BUILD_DIR"
autospan_configure "$BUILD_DIR" >"$BUILD_DIR/configure.log" 2>&1 || {
  cat "$BUILD_DIR/configure.log"
  exit 1
}
cmake --build "$BUILD_DIR" --target pipeline_example autospan-cli -j "${AUTOSPAN_JOBS:-2}"

program="$BUILD_DIR/examples/pipeline_example"
# The compile line CMake used (from compile_commands.json), to show that nothing but compiler
# flags instrumented the code.
node -e '
  const [db, file] = process.argv.slice(1);
  const command = (e) => e.command || e.arguments.join(" ");
  const entry = require(db).find((e) => e.file.endsWith(file) && command(e).includes("-fplugin="));
  if (entry) {
    const flags = command(entry).split(/\s+/).filter((f) => /^-fplugin/.test(f));
    console.log("compiled with:\n  clang++-19 " + flags.join(" \\\n    ") + " ...");
  }' "$BUILD_DIR/compile_commands.json" examples/pipeline/pipeline.cpp || true

pipeline_id="demo-$(date +%Y%m%d-%H%M%S)"
out_dir="$BUILD_DIR/demo"
mkdir -p "$out_dir"
jsonl="$out_dir/$pipeline_id.jsonl"

exporters="console,file"
endpoint=""
receiver_pid=""
cleanup() { [[ -n "$receiver_pid" ]] && kill "$receiver_pid" 2>/dev/null || true; }
trap cleanup EXIT
if ((with_receiver)); then
  ready="$out_dir/receiver-ready.json"
  rm -f "$ready"
  node "$ROOT/test/peers/receiver.js" --port-file "$ready" --out "$out_dir/$pipeline_id.received.jsonl" --lifetime 120 >/dev/null &
  receiver_pid=$!
  for _ in $(seq 50); do [[ -s "$ready" ]] && break; sleep 0.1; done
  endpoint="$(node -p "require('$ready').endpoint")"
  exporters="console,file,otlp"
fi

step "run it: OTEL_TRACES_EXPORTER=$exporters AUTOSPAN_PIPELINE_ID=$pipeline_id"
echo "(program output on stdout, span tree from the console exporter on stderr)"
echo
env OTEL_TRACES_EXPORTER="$exporters" \
  AUTOSPAN_PIPELINE_ID="$pipeline_id" \
  AUTOSPAN_FILE="$jsonl" \
  OTEL_SERVICE_NAME=pipeline-demo \
  ${endpoint:+OTEL_EXPORTER_OTLP_ENDPOINT="$endpoint"} \
  "$program" "${args[@]}"

step "result"
if [[ -s "$jsonl" ]]; then
  spans="$(node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
    let n = 0;
    for (const l of lines) for (const rs of JSON.parse(l).resourceSpans || [])
      for (const ss of rs.scopeSpans || []) n += (ss.spans || []).length;
    console.log(n);' "$jsonl")"
  echo "OTLP JSON lines ($spans spans): $jsonl"
  # The same file, offline: a self-contained HTML timeline (docs/viewing.md).
  report="$out_dir/$pipeline_id.html"
  if "$BUILD_DIR/cli/autospan" html "$jsonl" -o "$report"; then
    echo "HTML timeline (open it in a browser; no network needed): $report"
  fi
else
  echo "no OTLP JSON lines file was written at $jsonl" >&2
  exit 1
fi
if ((with_receiver)); then
  received="$out_dir/$pipeline_id.received.jsonl"
  echo "received over OTLP/HTTP by test/peers/receiver.js: $(wc -l <"$received") spans ($received)"
fi
cat <<EOF

Next:
  send the spans to a collector instead:  OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 $program
  instrument your own code:               docs/getting-started.md
EOF

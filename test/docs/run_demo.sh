#!/usr/bin/env bash
# ctest docs.demo: docs/getting-started.md, "1. The demo": `./scripts/demo.sh` from the top of the
# repository, on this build (AUTOSPAN_BUILD_DIR; the page's `build/` is the default), then with
# `--receiver`. Its setup and build steps are no-ops on a built tree; the run must print what the
# page shows: the two plugin flags, the span tree, the file and the HTML report.
#
#   run_demo.sh ROOT BUILD PREFIX WORK
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
export AUTOSPAN_BUILD_DIR="$BUILD"
# The demo configures with AUTOSPAN_BUILD_TYPE (default RelWithDebInfo): keep this build's type,
# or it would rebuild the runtime under the other tests.
AUTOSPAN_BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
export AUTOSPAN_BUILD_TYPE
cd "$ROOT"
run_block demo.script
expect demo.script '^  clang\+\+-19 -fplugin=.*/lib/autospan/autospan-plugin\.so'
expect demo.script '^ *-fplugin-arg-autospan-namespace=pipeline_example_app'
expect_documented demo.script <(doc_code --after start.demo-run --lang text)
expect demo.script '^OTLP JSON lines \(21 spans\): '
jsonl="$(sed -n 's/^OTLP JSON lines (21 spans): //p' "$WORK/demo.script.out")"
report="$(sed -n 's/^HTML timeline (open it in a browser; no network needed): //p' "$WORK/demo.script.out")"
[[ -s "$jsonl" && -s "$report" ]] || fail "demo.script: no spans file or no report"
rm -f "$jsonl" "$report"

# The page's `./scripts/demo.sh --receiver`: the same spans over OTLP/HTTP.
./scripts/demo.sh --receiver >"$WORK/receiver.out" 2>&1 || { cat "$WORK/receiver.out"; fail "demo.sh --receiver"; }
grep -Eq '^received over OTLP/HTTP by test/peers/receiver.js: 21 spans' "$WORK/receiver.out" ||
  fail "demo.sh --receiver: $(tail -5 "$WORK/receiver.out")"
all_ran demo.

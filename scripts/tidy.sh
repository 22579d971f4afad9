#!/usr/bin/env bash
# Runs clang-tidy (config: .clang-tidy at the top) over autospan's own sources, from a build
# directory's compile_commands.json. Prints the findings and exits non-zero when there are any.
#
#   scripts/tidy.sh [BUILD_DIR] [PATH_PREFIX...]     e.g. scripts/tidy.sh build runtime/core
#
# BUILD_DIR defaults to build/ (configure it first: scripts/test.sh or cmake). Without prefixes
# every source under runtime/, clang-plugin/, rewriter-tool/ and cli/ is checked (several minutes:
# the plugin and rewriter sources parse Clang's headers). AUTOSPAN_JOBS sets the parallelism (2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
shift || true
TIDY="${CLANG_TIDY:-$(command -v clang-tidy-19 || true)}"
[[ -n "$TIDY" ]] || { echo "tidy.sh: clang-tidy-19 not found (apt-get install clang-tidy-19)" >&2; exit 2; }
[[ -f "$BUILD/compile_commands.json" ]] || { echo "tidy.sh: no $BUILD/compile_commands.json" >&2; exit 2; }
prefixes=("$@")
((${#prefixes[@]})) || prefixes=(runtime clang-plugin rewriter-tool cli)
mapfile -t files < <(python3 - "$BUILD/compile_commands.json" "$ROOT" "${prefixes[@]}" <<'PY'
import json, os, sys
db, root, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]
seen = set()
for entry in json.load(open(db)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if rel not in seen and any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in prefixes):
        seen.add(rel)
        print(path)
PY
)
((${#files[@]})) || { echo "tidy.sh: no sources match ${prefixes[*]}" >&2; exit 2; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
printf '%s\n' "${files[@]}" |
  xargs -P "${AUTOSPAN_JOBS:-2}" -n 4 "$TIDY" -p "$BUILD" --quiet 2>/dev/null >"$out" || true
grep -E '(warning|error): ' "$out" | sort -u || true
n="$(grep -cE '(warning|error): ' "$out" || true)"
echo "tidy.sh: ${#files[@]} files, $n finding(s)"
((n == 0))

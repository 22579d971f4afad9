# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Sourced by the docs.* test scripts: runs the command blocks of docs/*.md as written.
#
#   script.sh ROOT BUILD PREFIX WORK
#     ROOT    the source tree (docs/ is read from here)
#     BUILD   the build tree (getting-started's `build/`)
#     PREFIX  the installed tree (consumer.install): docs' `/opt/autospan`, `$PREFIX`
#     WORK    a scratch directory, emptied first
ROOT="$1"
BUILD="$2"
PREFIX="$3"
WORK="$4"
DOCBLOCKS=(python3 "$ROOT/test/docs/docblocks.py")
rm -rf "$WORK"
mkdir -p "$WORK"
RAN="$WORK/ran.txt"
: >"$RAN"

# The developer's shell must not leak settings into the runs.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(OTEL_[A-Z_]*\|AUTOSPAN_[A-Z_]*\|TRACEPARENT\|TRACESTATE\|BAGGAGE\|PKG_CONFIG_PATH\|CCACHE_[A-Z_]*\|SCCACHE_[A-Z_]*\)=.*/\1/p')
# As a user of the installed tree has it: `autospan` and `autospan-rewrite` on PATH.
export PATH="$PREFIX/bin:$PATH"
export PREFIX

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run_block ID [--status N] [FROM=>TO]...: runs the commands of the block marked
# `<!-- test: run ID -->` in the current directory (bash -e -o pipefail, the environment of the
# caller), with the placeholders replaced. Output (stdout and stderr) goes to $WORK/ID.out. The
# block must exit with N (0 by default).
run_block() {
  local id="$1" want=0 rc=0
  shift
  if [[ "${1:-}" == --status ]]; then
    want="$2"
    shift 2
  fi
  local subs=()
  for s in "$@"; do subs+=("--sub=$s"); done
  "${DOCBLOCKS[@]}" extract --root "$ROOT" --id "$id" --commands "${subs[@]}" >"$WORK/$id.sh"
  echo "==== $id (in ${PWD#"$WORK"/})"
  sed 's/^/  | /' "$WORK/$id.sh"
  bash -e -o pipefail "$WORK/$id.sh" >"$WORK/$id.out" 2>&1 || rc=$?
  sed 's/^/  > /' "$WORK/$id.out" | head -40
  ((rc == want)) || fail "$id: exit status $rc, the docs' command should exit $want"
  echo "$id" >>"$RAN"
}

# expect ID PATTERN: the output of block ID matches the extended regex PATTERN.
expect() {
  grep -Eq -- "$2" "$WORK/$1.out" || fail "$1: expected /$2/ in its output"
}

# expect_documented ID [--unordered] [DOC-OUTPUT-FILE]: the output the page shows for block ID
# (a `console` block's own output, or the given file) is what the command printed, numbers,
# ids and spacing aside.
expect_documented() {
  local id="$1" flags=() doc
  shift
  if [[ "${1:-}" == --unordered ]]; then
    flags+=(--unordered)
    shift
  fi
  doc="${1:-}"
  if [[ -z "$doc" ]]; then
    doc="$WORK/$id.doc"
    "${DOCBLOCKS[@]}" extract --root "$ROOT" --id "$id" --output >"$doc"
  fi
  "${DOCBLOCKS[@]}" compare "${flags[@]}" "$doc" "$WORK/$id.out" || fail "$id: output differs from the page"
}

# The block of language LANG next to the block marked ID (after it; --before: before it).
doc_code() {
  "${DOCBLOCKS[@]}" code --root "$ROOT" "$@"
}

# all_ran PREFIX...: every `run` block whose id starts with one of the prefixes was run here.
# all_ran --except PREFIX...: every `run` block whose id starts with none of them.
all_ran() {
  local id p missing=() except=0 match
  if [[ "${1:-}" == --except ]]; then
    except=1
    shift
  fi
  while read -r id; do
    match=0
    for p in "$@"; do [[ "$id" == "$p"* ]] && match=1; done
    if ((match != except)) && ! grep -qx -- "$id" "$RAN"; then missing+=("$id"); fi
  done < <("${DOCBLOCKS[@]}" ids --root "$ROOT")
  ((${#missing[@]} == 0)) || fail "blocks marked run but not run by $(basename "$0"): ${missing[*]}"
  echo "ran $(sort -u "$RAN" | wc -l) documented command blocks: $(sort -u "$RAN" | tr '\n' ' ')"
}

# The project's OTLP receiver (test/peers), standing in for a collector or backend.
RECEIVER_PID=""
start_receiver() {
  local ready="$WORK/receiver.json"
  rm -f "$ready"
  node "$ROOT/test/peers/receiver.js" --port-file "$ready" --lifetime 300 --quiet >/dev/null &
  RECEIVER_PID=$!
  for _ in $(seq 300); do
    [[ -s "$ready" ]] && break
    sleep 0.1
  done
  [[ -s "$ready" ]] || fail "the OTLP receiver did not start"
  RECEIVER_HOSTPORT="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%s:%s" % (r["host"], r["port"]))' "$ready")"
  RECEIVER_CONTROL="http://127.0.0.1:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["controlPort"])' "$ready")"
}
stop_receiver() {
  if [[ -n "$RECEIVER_PID" ]]; then
    kill "$RECEIVER_PID" 2>/dev/null || true
    wait "$RECEIVER_PID" 2>/dev/null || true
    RECEIVER_PID=""
  fi
}
trap stop_receiver EXIT
# receiver_get PATH [curl args]: the receiver's control endpoint (/spans, /requests, /reset).
receiver_get() {
  local path="$1"
  shift
  curl -fsS "$@" "$RECEIVER_CONTROL$path"
}

#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test autospan, then the npm
# packages of the test peers. Idempotent: when everything is present it only checks and exits.
#
#   scripts/setup.sh            install what is missing
#   scripts/setup.sh --check    list what is missing, change nothing (exit 1 if anything is)
#
# Needs root (or sudo) only when something has to be installed.
set -euo pipefail

# The one list of Debian packages the project needs. Add yours here, with a word on why.
APT_PACKAGES=(
  # Clang 19: the compiler the plugin is built for and loads into, its dev files, and the
  # compiler-rt/lld pieces the sanitizer and XRay builds use.
  clang-19 libclang-19-dev llvm-19-dev libclang-rt-19-dev lld-19
  # Build tools.
  cmake ninja-build g++
  # Runtime and test dependencies.
  libfmt-dev catch2 libcurl4-openssl-dev zlib1g-dev
  # protoc for the OTLP schema; openssl for the TLS test certificates.
  protobuf-compiler openssl ca-certificates
  # Consumer tests (test/consumer): a plain Makefile through pkg-config, and ccache correctness.
  make pkg-config ccache
  sccache python3-yaml # test/docs: docs.ccache (sccache correctness), docs.recipes (YAML).
  dpkg-dev # test/thirdparty: dpkg-source unpacks the Debian source package JsonCpp comes from.
  # The exporters' HTTPS test server (test/unit/export) links libssl.
  libssl-dev
  # The rewriter's test driver (test/rewriter) and the HTML report's browser test (test/cli).
  python3 chromium
)
# Node.js runs the OTLP receiver and the end-to-end tests. A node that is already installed
# (e.g. from NodeSource, which bundles npm) is used as it is; Debian's are installed otherwise.
NODE_PACKAGES=(nodejs npm)
# The other Clang majors the plugin is built for (AUTOSPAN_CLANG_VERSIONS, default in
# scripts/common.sh): their compilers, to test with, and their headers, to build against.
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
for major in $AUTOSPAN_CLANG_VERSIONS; do
  [[ "$major" == 19 ]] || APT_PACKAGES+=("clang-$major" "llvm-$major-dev" "libclang-$major-dev")
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS_DIR="$ROOT/test/peers"
CHECK_ONLY=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1

say() { printf 'setup: %s\n' "$*" >&2; }

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done
if ! command -v node >/dev/null 2>&1; then
  missing+=("${NODE_PACKAGES[@]}")
elif ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if ((${#missing[@]})); then
  if ((CHECK_ONLY)); then
    say "missing Debian packages: ${missing[*]}"
    exit 1
  fi
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { say "need root or sudo to install: ${missing[*]}"; exit 1; }
    SUDO=(sudo)
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages of the test peers, exactly as locked. The stamp records which lock file the
# installed tree came from, so an unchanged lock file costs nothing on the next run.
stamp="$PEERS_DIR/node_modules/.autospan-lock-sha256"
want="$(sha256sum "$PEERS_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  if ((CHECK_ONLY)); then
    say "npm packages in test/peers are not installed or out of date"
    exit 1
  fi
  say "npm ci in test/peers"
  (cd "$PEERS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 18)); then
  say "node $(node --version) is too old: the test peers need Node 18.19 or newer (20 recommended)"
  exit 1
fi
((CHECK_ONLY)) && say "everything is installed"
exit 0

# Shared by scripts/*.sh (sourced, not run): the one way the project configures a build.
AUTOSPAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Clang majors the plugin is built and tested for (setup.sh installs their compilers and
# development files, test.sh passes them to CMake). 19 is always built; each other major adds
# about a minute to setup + build + test (docs/clang-plugin.md, "Clang versions").
AUTOSPAN_CLANG_VERSIONS="${AUTOSPAN_CLANG_VERSIONS:-14 15 16 19}"

# autospan_configure DIR [cmake args...]: Ninja + Clang 19, the compiler the plugin loads into.
autospan_configure() {
  local dir="$1"
  shift
  cmake -S "$AUTOSPAN_ROOT" -B "$dir" -G Ninja \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_BUILD_TYPE="${AUTOSPAN_BUILD_TYPE:-RelWithDebInfo}" "$@"
}

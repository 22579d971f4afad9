# CLI11: a header-only C++11 command-line parser, heavy on templates (type traits, lexical_cast,
# add_option<T>); its tests are 20 Catch2 executables plus 49 example runs whose output ctest
# matches against regular expressions. Sourced by scripts/thirdparty-*.sh.
TP_PACKAGE=cli11
TP_VERSION=2.1.2+ds-1
TP_SHAPE="header-only template library"
TP_NAMESPACE=CLI
# The project's own warning set (-Wall -Wextra -pedantic -Wshadow -Wsign-conversion ...) stays on,
# without -Werror: Catch2 2.13's TEMPLATE_TEST_CASE trips Clang 19's -Wc++20-extensions in the
# plain build already. The scripts compare the warnings of both builds instead.
TP_CMAKE_ARGS=(-DCLI11_BUILD_TESTS=ON -DCLI11_BUILD_EXAMPLES=ON -DCLI11_BUILD_DOCS=OFF
               -DCLI11_WARNINGS_AS_ERRORS=OFF -DCLI11_SINGLE_FILE=OFF)
TP_CTEST_JOBS=2
# Lines of the tests' own output that count what ran (Catch2's totals), compared between builds.
TP_DETAIL_REGEX='^(All tests passed|test cases:|No tests ran).*'
# Files the test suite itself writes into the source tree (none: it runs in the build tree).
TP_TEST_OUTPUTS=()

# cmake -DMAKE=... -DMAKEFILE=make/Makefile -DOUT=... -DPREFIX=... -DCLANGXX=... -DGXX=...
#       -DNODE=... -DCHECK=check_spans.mjs -DVERSION=... -DSOURCE_DIR=... -P pkgconfig_check.cmake
#
# Builds make/Makefile against the installed tree found through PKG_CONFIG_PATH only, then
# runs each program and checks its spans.
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${OUT}")
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/lib/pkgconfig")
execute_process(COMMAND "${MAKE}" -f "${MAKEFILE}" "OUT=${OUT}" "CLANGXX=${CLANGXX}" "GXX=${GXX}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make failed (${rc})")
endif()

# The rewriter wrote its copies into the build directory; the sources are untouched.
file(READ "${OUT}/src/shop.cpp" rewritten)
file(READ "${SOURCE_DIR}/shop.cpp" original)
if(NOT rewritten MATCHES "AUTOSPAN_FUNCTION" OR original MATCHES "AUTOSPAN_FUNCTION")
  message(FATAL_ERROR "expected AUTOSPAN_FUNCTION in ${OUT}/src/shop.cpp only")
endif()

set(check "${NODE}" "${CHECK}" --version "${VERSION}" "--source-dir=${SOURCE_DIR}")
foreach(run IN ITEMS "shop-plugin;shop;plugin" "shop-rewritten;shop;rewrite" "manual;manual;plugin"
                     "manual-static;manual;plugin")
  list(GET run 0 program)
  list(GET run 1 expect)
  list(GET run 2 mode)
  execute_process(COMMAND ${check} --program "${OUT}/${program}" --expect ${expect} --mode ${mode}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${program}: spans differ from the expectation")
  endif()
endforeach()

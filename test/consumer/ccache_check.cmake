# cmake -DCCACHE=... -DCXX=clang++-19 -DPROJECT=project -DBUILD=... -DPREFIX=... -DGENERATOR=...
#       -P ccache_check.cmake
#
# A compiler cache must never hand back an object built with an older selection. ccache hashes
# the command line and the -fplugin file but not the files the plugin reads, so
# autospan_instrument() names the FILTER_FILE it passes by its content (docs/cmake.md). Here: build
# through ccache, edit the filter file, rebuild without cleaning: the objects must be compiled
# again (cache misses) and the program must follow the new selection; restoring the file must
# give cache hits again.
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${BUILD}")
file(MAKE_DIRECTORY "${BUILD}")
# A private cache and configuration: the developer's ~/.ccache plays no part.
set(ENV{CCACHE_DIR} "${BUILD}/cache")
set(ENV{CCACHE_CONFIGPATH} "${BUILD}/ccache.conf")
file(WRITE "${BUILD}/ccache.conf" "max_size = 200M\n")
set(filter "${BUILD}/filter.txt")
set(selection_all "namespace: shop\nexclude: shop::detail\n")
set(selection_no_parse "namespace: shop\nexclude: shop::detail\nexclude: shop::parse\n")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
endfunction()

# ccache's counters since the last reset: sets <prefix>_hits and <prefix>_misses.
function(stats prefix)
  execute_process(COMMAND "${CCACHE}" --print-stats OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ccache --print-stats failed")
  endif()
  set(hits 0)
  foreach(key direct_cache_hit preprocessed_cache_hit)
    if(out MATCHES "(^|\n)${key}\t([0-9]+)")
      math(EXPR hits "${hits} + ${CMAKE_MATCH_2}")
    endif()
  endforeach()
  set(misses 0)
  if(out MATCHES "(^|\n)cache_miss\t([0-9]+)")
    set(misses ${CMAKE_MATCH_2})
  endif()
  set(${prefix}_hits ${hits} PARENT_SCOPE)
  set(${prefix}_misses ${misses} PARENT_SCOPE)
endfunction()

# Build (no clean), run the program with the file exporter, return its span names.
function(build_and_run expect_hits expect_misses label)
  run("${CCACHE}" --zero-stats)
  run("${CMAKE_COMMAND}" --build "${BUILD}/build" --target shop)
  stats(s)
  message(STATUS "${label}: ${s_hits} cache hits, ${s_misses} misses")
  if(NOT s_hits EQUAL expect_hits OR NOT s_misses EQUAL expect_misses)
    message(FATAL_ERROR "${label}: expected ${expect_hits} hits and ${expect_misses} misses")
  endif()
  file(REMOVE "${BUILD}/spans.jsonl")
  set(ENV{OTEL_TRACES_EXPORTER} file)
  set(ENV{AUTOSPAN_FILE} "${BUILD}/spans.jsonl")
  run("${BUILD}/build/shop")
  file(READ "${BUILD}/spans.jsonl" spans)
  set(spans "${spans}" PARENT_SCOPE)
endfunction()

file(WRITE "${filter}" "${selection_all}")
run("${CMAKE_COMMAND}" -S "${PROJECT}" -B "${BUILD}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DCONSUMER_FILTER_FILE=${filter}")

build_and_run(0 2 "first build")
if(NOT spans MATCHES "\"shop::parse\"")
  message(FATAL_ERROR "first build: no shop::parse span")
endif()

# Clean and rebuild: everything comes from the cache.
run("${CMAKE_COMMAND}" --build "${BUILD}/build" --target clean)
build_and_run(2 0 "clean rebuild")

# A new selection: both objects must be compiled again, and parse() must lose its span.
file(WRITE "${filter}" "${selection_no_parse}")
build_and_run(0 2 "after excluding shop::parse")
if(spans MATCHES "\"shop::parse\"" OR NOT spans MATCHES "\"shop::price\"")
  message(FATAL_ERROR "the new filter file was not applied (stale object?):\n${spans}")
endif()

# The old selection again: its objects are still in the cache.
file(WRITE "${filter}" "${selection_all}")
build_and_run(2 0 "back to the first filter file")
if(NOT spans MATCHES "\"shop::parse\"")
  message(FATAL_ERROR "back to the first filter file: no shop::parse span")
endif()

# Without CMake (a Makefile passing -fplugin-arg-autospan-filter-file itself): ccache's
# extra_files_to_hash (CCACHE_EXTRAFILES) adds the filter file's content to the hash.
set(ENV{CCACHE_EXTRAFILES} "${filter}")
get_filename_component(plugin "${PREFIX}/lib/autospan/autospan-plugin.so" ABSOLUTE)
set(compile "${CCACHE}" "${CXX}" -std=c++17 "-I${PREFIX}/include" "-fplugin=${plugin}"
    "-fplugin-arg-autospan-filter-file=${filter}" -c "${PROJECT}/src/shop.cpp"
    -o "${BUILD}/direct.o")
function(direct_compile expect_hits expect_misses label)
  run("${CCACHE}" --zero-stats)
  run(${compile})
  stats(s)
  message(STATUS "${label}: ${s_hits} cache hits, ${s_misses} misses")
  if(NOT s_hits EQUAL expect_hits OR NOT s_misses EQUAL expect_misses)
    message(FATAL_ERROR "${label}: expected ${expect_hits} hits and ${expect_misses} misses")
  endif()
endfunction()
file(WRITE "${filter}" "${selection_all}\n# direct\n")
direct_compile(0 1 "direct compile, CCACHE_EXTRAFILES")
direct_compile(1 0 "same again")
file(WRITE "${filter}" "${selection_no_parse}\n# direct\n")
direct_compile(0 1 "direct compile after editing the filter file")

# A new plugin (here: a new timestamp, what an upgrade gives) is part of ccache's hash by itself:
# ccache hashes every -fplugin= file (per its compiler_check setting, mtime by default).
direct_compile(1 0 "unchanged plugin")
execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep 1)
file(TOUCH "${plugin}")
direct_compile(0 1 "after touching the plugin")

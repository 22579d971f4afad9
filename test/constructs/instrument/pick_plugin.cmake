# cmake -DCXX=<clang++-N> -DSOURCE_DIR=<autospan> -DWORK=<dir> -DGENERATOR=<g> -DHAVE=<majors>
#       -P pick_plugin.cmake
#
# Lays out plugins for 19 and the majors HAVE (ascending) as an installed package does (lib/autospan/
# autospan-plugin.so for 19, clang-<N>/autospan-plugin.so for every major) and configures
# instrument/ with CXX. When CXX's major is in HAVE, autospan_instrument() must pass exactly
# that plugin; otherwise configuring must fail and name the majors there are plugins for.
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND "${CXX}" -dumpversion OUTPUT_VARIABLE version
                OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX MATCH "^[0-9]+" major "${version}")
list(APPEND HAVE 19) # the primary plugin is always there
file(REMOVE_RECURSE "${WORK}")
set(dir "${WORK}/lib/autospan")
# Empty files: nothing is compiled, only configured.
file(WRITE "${dir}/autospan-plugin.so" "")
foreach(m IN LISTS HAVE)
  if(NOT m STREQUAL "19")
    file(WRITE "${dir}/clang-${m}/autospan-plugin.so" "")
  endif()
endforeach()
file(MAKE_DIRECTORY "${dir}/clang-19")
file(CREATE_LINK ../autospan-plugin.so "${dir}/clang-19/autospan-plugin.so" SYMBOLIC)

execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/test/constructs/instrument" -B "${WORK}/build"
          -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" "-DAUTOSPAN_SOURCE_DIR=${SOURCE_DIR}"
          "-DAUTOSPAN_PLUGIN_FILE=${dir}/autospan-plugin.so" -DAUTOSPAN_PLUGIN_CLANG_MAJOR=19
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[ \t\r\n]+" " " flat "${err}")
if(major IN_LIST HAVE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring with ${CXX} (Clang ${major}) failed:\n${err}")
  endif()
  file(READ "${WORK}/build/compile-options.txt" options)
  set(want "-fplugin=${dir}/clang-${major}/autospan-plugin.so")
  if(major STREQUAL "19")
    set(want "-fplugin=${dir}/autospan-plugin.so")
  endif()
  if(NOT options MATCHES "(^|;)${want}(;|$)")
    message(FATAL_ERROR "Clang ${major} should get ${want}; the options are: ${options}")
  endif()
  message(STATUS "Clang ${major}: ${want}")
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "configuring with ${CXX} (Clang ${major}) succeeded without a plugin for it")
endif()
set(have "")
foreach(m 19 ${HAVE})
  if(NOT "Clang ${m}" IN_LIST have)
    list(APPEND have "Clang ${m}")
  endif()
endforeach()
list(JOIN have ", " have)
foreach(needle IN ITEMS "autospan_instrument(app)" "(${have})" "Clang ${version}"
                        "-DAUTOSPAN_CLANG_VERSIONS" "MODE rewrite")
  string(FIND "${flat}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the configure error does not say '${needle}':\n${err}")
  endif()
endforeach()
message(STATUS "Clang ${major}: ${flat}")

# cmake -DCXX=<not clang++-19> -DPROJECT=... -DBUILD=... -DPREFIX=... -DGENERATOR=...
#       -P expect_configure_error.cmake
#
# autospan_instrument(MODE plugin) with a compiler the plugin cannot load into must stop at
# configure time with a message that names the fix (Clang 19, or MODE rewrite).
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${BUILD}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${PROJECT}" -B "${BUILD}" -G "${GENERATOR}"
          "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCONSUMER_MODE=plugin
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "configure with ${CXX}: exit ${rc}\n${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "configuring MODE plugin with ${CXX} succeeded; it must fail")
endif()
string(REGEX REPLACE "[ \t\r\n]+" " " flat "${err}")
foreach(needle IN ITEMS "autospan_instrument(shop)" "Clang 19" "MODE rewrite")
  string(FIND "${flat}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the configure error does not say '${needle}'")
  endif()
endforeach()

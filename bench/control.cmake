# The run-time control benchmark (bench/control_paths.cpp): filtered-off and outside-a-trace
# calls against the disabled path, same run. Included by bench/CMakeLists.txt:
#   include(control.cmake)
# `ctest -L bench` runs a smoke pass that checks the harness, never a timing.
add_executable(autospan_bench_control "${CMAKE_CURRENT_LIST_DIR}/control_paths.cpp")
target_link_libraries(autospan_bench_control PRIVATE autospan::runtime)
autospan_target_warnings(autospan_bench_control)
if(AUTOSPAN_BUILD_TESTS)
  add_test(NAME bench.control.smoke COMMAND autospan_bench_control --smoke)
  set_tests_properties(bench.control.smoke PROPERTIES LABELS bench TIMEOUT 120)
endif()

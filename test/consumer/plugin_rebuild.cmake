# cmake -DBUILD=<consumer build dir> -DPLUGIN=<installed autospan-plugin.so> -P plugin_rebuild.cmake
#
# The plugin changes what the compiler emits but never appears in a depfile: autospan_instrument()
# makes every object of an instrumented target depend on it, precompiled headers included. Touch
# the plugin and ask the build tool (dry run) what it would rebuild: the instrumented objects, and
# not the others.
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer build is not up to date to begin with")
endif()
# A second later than any object: file systems with coarse timestamps see the change too.
execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep 1)
file(TOUCH "${PLUGIN}")
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD}" -- -n -v
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
message(STATUS "dry run after touching the plugin:\n${out}")
foreach(object IN ITEMS main.cpp.o shop.cpp.o)
  if(NOT out MATCHES "shop.dir/src/${object}")
    message(FATAL_ERROR "touching the plugin does not rebuild shop's ${object}")
  endif()
endforeach()
if(NOT out MATCHES "-o [^ ]*shop_pch.dir/cmake_pch.hxx.pch")
  message(FATAL_ERROR "touching the plugin does not remake shop_pch's precompiled header")
endif()
if(out MATCHES "manual.cpp.o")
  message(FATAL_ERROR "an uninstrumented object (manual_static's) depends on the plugin")
endif()
# Leave the build consistent for later tests.
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "rebuild after touching the plugin failed")
endif()

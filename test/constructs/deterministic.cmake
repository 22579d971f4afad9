# Compiles SOURCE twice with the plugin (-O2 -g) and requires identical object files.
foreach(_i 1 2)
  execute_process(COMMAND ${COMPILER} -std=c++17 -O2 -g -fplugin=${PLUGIN}
                          -fplugin-arg-autospan-namespace=app -c ${SOURCE} -o ${OUT}.${_i}.o
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "compilation ${_i} failed")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1.o ${OUT}.2.o RESULT_VARIABLE _same)
if(NOT _same EQUAL 0)
  message(FATAL_ERROR "two compilations of ${SOURCE} differ")
endif()

# autospan_instrument(<target> NAMESPACES <pattern>... [EXCLUDE <pattern>...]
#                     [FILTER_FILE <file>] [MIN_STATEMENTS <n>] [MODE plugin|rewrite])
#
# Instruments every function of <target> defined in the selected namespaces and links the
# runtime. Used in-tree (examples, tests) and shipped in the installed CMake package.
#
# Inputs (set by the including scope): AUTOSPAN_PLUGIN_FILE (path, or generator expression, of
# autospan-plugin.so), AUTOSPAN_PLUGIN_TARGET (in-tree target to depend on, optional),
# AUTOSPAN_PLUGIN_CLANG_MAJOR (the Clang major the plugin was built for).
include_guard(GLOBAL)

function(autospan_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 AS "" "MODE;FILTER_FILE;MIN_STATEMENTS" "NAMESPACES;EXCLUDE")
  if(AS_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "autospan_instrument(${target}): unknown arguments: ${AS_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT AS_MODE)
    set(AS_MODE plugin)
  endif()
  if(NOT AS_NAMESPACES AND NOT AS_FILTER_FILE)
    message(FATAL_ERROR "autospan_instrument(${target}): give NAMESPACES or FILTER_FILE")
  endif()

  if(AS_MODE STREQUAL "plugin")
    _autospan_instrument_plugin(${target})
  elseif(AS_MODE STREQUAL "rewrite")
    if(NOT COMMAND _autospan_instrument_rewrite)
      message(FATAL_ERROR "autospan_instrument(${target}): MODE rewrite needs autospan-rewrite")
    endif()
    _autospan_instrument_rewrite(${target})
  else()
    message(FATAL_ERROR "autospan_instrument(${target}): MODE must be 'plugin' or 'rewrite', not '${AS_MODE}'")
  endif()
  target_link_libraries(${target} PRIVATE autospan::runtime)
endfunction()

# Uses the AS_* variables of the caller (macro, so it sees them).
macro(_autospan_instrument_plugin target)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR
      "autospan_instrument(${target}): MODE plugin needs Clang ${AUTOSPAN_PLUGIN_CLANG_MAJOR}, "
      "but the C++ compiler is ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}. "
      "Configure with CXX=clang++-${AUTOSPAN_PLUGIN_CLANG_MAJOR}, or use MODE rewrite.")
  endif()
  string(REGEX MATCH "^[0-9]+" _as_major "${CMAKE_CXX_COMPILER_VERSION}")
  if(NOT _as_major STREQUAL AUTOSPAN_PLUGIN_CLANG_MAJOR)
    message(FATAL_ERROR
      "autospan_instrument(${target}): the plugin was built for Clang ${AUTOSPAN_PLUGIN_CLANG_MAJOR}, "
      "the compiler is Clang ${CMAKE_CXX_COMPILER_VERSION}. A plugin only loads into the Clang "
      "major it was built for: configure with CXX=clang++-${AUTOSPAN_PLUGIN_CLANG_MAJOR}, or use MODE rewrite.")
  endif()
  set(_as_flags "-fplugin=${AUTOSPAN_PLUGIN_FILE}")
  foreach(_as_ns IN LISTS AS_NAMESPACES)
    list(APPEND _as_flags "-fplugin-arg-autospan-namespace=${_as_ns}")
  endforeach()
  foreach(_as_ex IN LISTS AS_EXCLUDE)
    list(APPEND _as_flags "-fplugin-arg-autospan-exclude=${_as_ex}")
  endforeach()
  if(AS_FILTER_FILE)
    get_filename_component(_as_ff "${AS_FILTER_FILE}" ABSOLUTE)
    list(APPEND _as_flags "-fplugin-arg-autospan-filter-file=${_as_ff}")
  endif()
  if(DEFINED AS_MIN_STATEMENTS)
    list(APPEND _as_flags "-fplugin-arg-autospan-min-statements=${AS_MIN_STATEMENTS}")
  endif()
  target_compile_options(${target} PRIVATE ${_as_flags})
  # The plugin is not in -MD depfiles: make every object depend on it explicitly.
  get_target_property(_as_sources ${target} SOURCES)
  set(_as_deps "${AUTOSPAN_PLUGIN_FILE}")
  if(AS_FILTER_FILE)
    list(APPEND _as_deps "${_as_ff}")
  endif()
  set_property(SOURCE ${_as_sources} TARGET_DIRECTORY ${target} APPEND PROPERTY OBJECT_DEPENDS ${_as_deps})
  if(AUTOSPAN_PLUGIN_TARGET)
    add_dependencies(${target} ${AUTOSPAN_PLUGIN_TARGET})
  endif()
endmacro()

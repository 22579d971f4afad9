# autospan_instrument(<target> NAMESPACES <pattern>... [EXCLUDE <pattern>...]
#                     [FILTER_FILE <file>] [MIN_STATEMENTS <n>] [MODE plugin|rewrite]
#                     [INLINE_CHECKS])
#
# Instruments every function of <target> defined in the selected namespaces and links the
# runtime. Used in-tree (examples, tests) and shipped in the installed CMake package.
# INLINE_CHECKS (MODE plugin) passes -fplugin-arg-autospan-inline-checks: refused calls (disabled,
# sampled out, filtered off) cost less at run time, optimised builds take longer to compile
# (docs/clang-plugin.md).
#
# Inputs (set by the including scope): AUTOSPAN_PLUGIN_FILE (path, or generator expression, of
# autospan-plugin.so), AUTOSPAN_PLUGIN_TARGET (in-tree target to depend on, optional),
# AUTOSPAN_PLUGIN_CLANG_MAJOR (the Clang major the plugin was built for); plugins for other
# Clang majors either as AUTOSPAN_PLUGIN_CLANG_MAJORS (all majors) with AUTOSPAN_PLUGIN_FILE_<N>
# and AUTOSPAN_PLUGIN_TARGET_<N> (in-tree), or else found beside AUTOSPAN_PLUGIN_FILE as
# clang-<N>/autospan-plugin.so (the installed layout);
# AUTOSPAN_REWRITE_EXECUTABLE (path, or generator expression, of autospan-rewrite) and
# AUTOSPAN_REWRITE_TARGET (in-tree target to depend on, optional) for MODE rewrite.
include_guard(GLOBAL)

function(autospan_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 AS "INLINE_CHECKS" "MODE;FILTER_FILE;MIN_STATEMENTS"
                        "NAMESPACES;EXCLUDE")
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
    if(AS_INLINE_CHECKS)
      message(WARNING "autospan_instrument(${target}): INLINE_CHECKS has no effect with MODE "
                      "rewrite (the macros' entry is out of line)")
    endif()
    if(NOT COMMAND _autospan_instrument_rewrite)
      message(FATAL_ERROR "autospan_instrument(${target}): MODE rewrite needs autospan-rewrite")
    endif()
    _autospan_instrument_rewrite(${target})
  else()
    message(FATAL_ERROR "autospan_instrument(${target}): MODE must be 'plugin' or 'rewrite', not '${AS_MODE}'")
  endif()
  target_link_libraries(${target} PRIVATE autospan::runtime)
endfunction()

# _autospan_plugin_for(<major> <out-file> <out-target> <out-majors>): the plugin for Clang
# <major> (empty if there is none), the in-tree target building it (or empty), and every major
# there is a plugin for, AUTOSPAN_PLUGIN_CLANG_MAJOR first. The test suites use it too.
function(_autospan_plugin_for major out_file out_target out_majors)
  set(_majors ${AUTOSPAN_PLUGIN_CLANG_MAJOR})
  set(_file "")
  set(_target "")
  if(DEFINED AUTOSPAN_PLUGIN_CLANG_MAJORS)
    foreach(_m IN LISTS AUTOSPAN_PLUGIN_CLANG_MAJORS)
      if(NOT _m IN_LIST _majors)
        list(APPEND _majors ${_m})
      endif()
    endforeach()
    if(major IN_LIST AUTOSPAN_PLUGIN_CLANG_MAJORS)
      set(_file "${AUTOSPAN_PLUGIN_FILE_${major}}")
      set(_target "${AUTOSPAN_PLUGIN_TARGET_${major}}")
    endif()
  elseif(AUTOSPAN_PLUGIN_FILE)
    get_filename_component(_dir "${AUTOSPAN_PLUGIN_FILE}" DIRECTORY)
    file(GLOB _found LIST_DIRECTORIES false "${_dir}/clang-*/autospan-plugin.so")
    list(SORT _found COMPARE NATURAL)
    foreach(_f IN LISTS _found)
      if(_f MATCHES "/clang-([0-9]+)/autospan-plugin.so$")
        if(NOT CMAKE_MATCH_1 IN_LIST _majors)
          list(APPEND _majors ${CMAKE_MATCH_1})
        endif()
        if(CMAKE_MATCH_1 STREQUAL major)
          set(_file "${_f}")
        endif()
      endif()
    endforeach()
  endif()
  if(AUTOSPAN_PLUGIN_FILE AND major STREQUAL AUTOSPAN_PLUGIN_CLANG_MAJOR)
    set(_file "${AUTOSPAN_PLUGIN_FILE}")
    set(_target "${AUTOSPAN_PLUGIN_TARGET}")
  endif()
  set(${out_file} "${_file}" PARENT_SCOPE)
  set(${out_target} "${_target}" PARENT_SCOPE)
  set(${out_majors} "${_majors}" PARENT_SCOPE)
endfunction()

# Uses the AS_* variables of the caller (macro, so it sees them).
macro(_autospan_instrument_plugin target)
  if(NOT AUTOSPAN_PLUGIN_FILE)
    message(FATAL_ERROR "autospan_instrument(${target}): this autospan was built without the "
                        "Clang plugin (AUTOSPAN_PLUGIN_FILE is not set); use MODE rewrite.")
  endif()
  # A plugin only loads into the Clang major it was built for: pick the one matching the
  # target's compiler.
  string(REGEX MATCH "^[0-9]+" _as_major "${CMAKE_CXX_COMPILER_VERSION}")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(_as_major "")
  endif()
  _autospan_plugin_for("${_as_major}" _as_plugin _as_plugin_target _as_majors)
  if(NOT _as_plugin)
    list(TRANSFORM _as_majors PREPEND "Clang " OUTPUT_VARIABLE _as_have)
    list(JOIN _as_have ", " _as_have)
    list(TRANSFORM _as_majors PREPEND "clang++-" OUTPUT_VARIABLE _as_cxx)
    list(JOIN _as_cxx " or " _as_cxx)
    message(FATAL_ERROR
      "autospan_instrument(${target}): MODE plugin needs a Clang major this autospan has a plugin "
      "for (${_as_have}), but the C++ compiler is ${CMAKE_CXX_COMPILER_ID} "
      "${CMAKE_CXX_COMPILER_VERSION}. A plugin only loads into the Clang major it was built for: "
      "configure with CXX=${_as_cxx}, build autospan with -DAUTOSPAN_CLANG_VERSIONS=<major> for "
      "this one (Clang 14 or newer), or use MODE rewrite.")
  endif()
  # sccache (0.4, Debian 12) keys on the -fplugin path, not on the file: through sccache, pass an
  # installed plugin through a link named by its content, so that a new plugin changes the
  # command line (as the filter file below), and rerun CMake when the plugin changes
  # (CMAKE_CONFIGURE_DEPENDS). ccache hashes the file itself: nothing to do. An in-tree plugin
  # does not exist yet at configure time.
  get_target_property(_as_launchers ${target} CXX_COMPILER_LAUNCHER)
  get_target_property(_as_c_launcher ${target} C_COMPILER_LAUNCHER)
  get_property(_as_rule_launcher GLOBAL PROPERTY RULE_LAUNCH_COMPILE)
  string(JOIN ";" _as_launchers "${_as_launchers}" "${_as_c_launcher}" "${_as_rule_launcher}"
         "${CMAKE_CXX_COMPILER}")
  set(_as_plugin_arg "${_as_plugin}")
  if(_as_launchers MATCHES "sccache" AND NOT _as_plugin_target AND EXISTS "${_as_plugin}")
    file(MD5 "${_as_plugin}" _as_plugin_hash)
    set(_as_plugin_arg "${CMAKE_BINARY_DIR}/autospan-plugin/${_as_plugin_hash}/autospan-plugin.so")
    if(NOT EXISTS "${_as_plugin_arg}")
      file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/autospan-plugin/${_as_plugin_hash}")
      file(CREATE_LINK "${_as_plugin}" "${_as_plugin_arg}" SYMBOLIC)
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_as_plugin}")
  endif()
  set(_as_flags "-fplugin=${_as_plugin_arg}")
  foreach(_as_ns IN LISTS AS_NAMESPACES)
    list(APPEND _as_flags "-fplugin-arg-autospan-namespace=${_as_ns}")
  endforeach()
  foreach(_as_ex IN LISTS AS_EXCLUDE)
    list(APPEND _as_flags "-fplugin-arg-autospan-exclude=${_as_ex}")
  endforeach()
  if(AS_FILTER_FILE)
    # Compiler caches (ccache, sccache) hash the command line and the -fplugin file, not the files
    # the plugin reads: pass a copy named by its content, so an edit changes the command line.
    # configure_file() reruns CMake when the original changes.
    get_filename_component(_as_ff_src "${AS_FILTER_FILE}" ABSOLUTE)
    get_filename_component(_as_ff_name "${_as_ff_src}" NAME)
    file(MD5 "${_as_ff_src}" _as_ff_hash)
    set(_as_ff "${CMAKE_CURRENT_BINARY_DIR}/autospan-filter/${_as_ff_hash}/${_as_ff_name}")
    configure_file("${_as_ff_src}" "${_as_ff}" COPYONLY)
    list(APPEND _as_flags "-fplugin-arg-autospan-filter-file=${_as_ff}")
  endif()
  if(DEFINED AS_MIN_STATEMENTS)
    list(APPEND _as_flags "-fplugin-arg-autospan-min-statements=${AS_MIN_STATEMENTS}")
  endif()
  if(AS_INLINE_CHECKS)
    list(APPEND _as_flags "-fplugin-arg-autospan-inline-checks")
  endif()
  target_compile_options(${target} PRIVATE ${_as_flags})
  # The plugin is not in -MD depfiles: make every object depend on it explicitly.
  get_target_property(_as_sources ${target} SOURCES)
  set(_as_deps "${_as_plugin}")
  if(AS_FILTER_FILE)
    list(APPEND _as_deps "${_as_ff}")
  endif()
  set_property(SOURCE ${_as_sources} TARGET_DIRECTORY ${target} APPEND PROPERTY OBJECT_DEPENDS ${_as_deps})
  # target_precompile_headers(): CMake compiles the header from a source of its own, outside
  # SOURCES, with the same flags, so the plugin instruments it too. A precompiled header made by
  # another plugin build must be remade: its instrumentation is baked in.
  foreach(_as_pch_source cmake_pch.hxx.cxx cmake_pch.h.c)
    set_property(SOURCE "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${target}.dir/${_as_pch_source}"
                 TARGET_DIRECTORY ${target} APPEND PROPERTY OBJECT_DEPENDS ${_as_deps})
  endforeach()
  if(_as_plugin_target)
    add_dependencies(${target} ${_as_plugin_target})
  endif()
endmacro()

# MODE rewrite: any compiler. Each C++ source of the target below its SOURCE_DIR is rewritten by
# autospan-rewrite into ${CMAKE_CURRENT_BINARY_DIR}/autospan-rewrite/<target>/ (a mirror of
# SOURCE_DIR holding every project file the source reads, edited or not), and the target compiles
# the mirror instead; the source tree is never modified. The mirror's copies of the target's own
# include directories come first, so rewritten headers win. Each rewrite reruns when the source,
# a file it includes (depfile), the tool or the filter file changes. The tool reads the compile
# commands CMake writes for the mirrored sources (EXPORT_COMPILE_COMMANDS), so it sees exactly
# the flags the compiler gets. Uses the AS_* variables of the caller (macro, so it sees them).
macro(_autospan_instrument_rewrite target)
  if(NOT AUTOSPAN_REWRITE_EXECUTABLE)
    message(FATAL_ERROR "autospan_instrument(${target}): MODE rewrite needs autospan-rewrite "
                        "(set AUTOSPAN_REWRITE_EXECUTABLE)")
  endif()
  if(NOT CMAKE_GENERATOR MATCHES "Ninja|Makefiles")
    message(FATAL_ERROR "autospan_instrument(${target}): MODE rewrite needs a Ninja or Makefile "
                        "generator (compile commands export), not ${CMAKE_GENERATOR}")
  endif()
  set_property(TARGET ${target} PROPERTY EXPORT_COMPILE_COMMANDS ON)
  get_target_property(_as_src_dir ${target} SOURCE_DIR)
  get_target_property(_as_bin_dir ${target} BINARY_DIR)
  get_target_property(_as_sources ${target} SOURCES)
  set(_as_out "${_as_bin_dir}/autospan-rewrite/${target}")

  set(_as_args)
  foreach(_as_ns IN LISTS AS_NAMESPACES)
    list(APPEND _as_args "--namespace=${_as_ns}")
  endforeach()
  foreach(_as_ex IN LISTS AS_EXCLUDE)
    list(APPEND _as_args "--exclude=${_as_ex}")
  endforeach()
  set(_as_deps)
  if(AS_FILTER_FILE)
    get_filename_component(_as_ff "${AS_FILTER_FILE}" ABSOLUTE)
    list(APPEND _as_args "--filter-file=${_as_ff}")
    list(APPEND _as_deps "${_as_ff}")
  endif()
  if(DEFINED AS_MIN_STATEMENTS)
    list(APPEND _as_args "--min-statements=${AS_MIN_STATEMENTS}")
  endif()
  if(AUTOSPAN_REWRITE_TARGET)
    list(APPEND _as_deps ${AUTOSPAN_REWRITE_TARGET})
  endif()

  set(_as_new_sources)
  foreach(_as_src IN LISTS _as_sources)
    get_filename_component(_as_abs "${_as_src}" ABSOLUTE BASE_DIR "${_as_src_dir}")
    get_source_file_property(_as_generated "${_as_abs}" GENERATED)
    file(RELATIVE_PATH _as_rel "${_as_src_dir}" "${_as_abs}")
    if(NOT _as_src MATCHES "\\.(cc|cpp|cxx|c\\+\\+|C)$" OR _as_generated OR _as_rel MATCHES "^\\.\\./")
      list(APPEND _as_new_sources "${_as_src}") # headers, C, generated or outside: as they are
      continue()
    endif()
    set(_as_copy "${_as_out}/${_as_rel}")
    add_custom_command(OUTPUT "${_as_copy}"
      COMMAND "${AUTOSPAN_REWRITE_EXECUTABLE}" -p "${CMAKE_BINARY_DIR}" --quiet
              "--source-root=${_as_src_dir}" "--output-dir=${_as_out}" "--depfile=${_as_copy}.d"
              ${_as_args} "${_as_abs}"
      DEPENDS "${_as_abs}" ${_as_deps}
      DEPFILE "${_as_copy}.d"
      COMMENT "autospan-rewrite ${target}: ${_as_rel}"
      VERBATIM)
    list(APPEND _as_new_sources "${_as_copy}")
  endforeach()
  set_property(TARGET ${target} PROPERTY SOURCES ${_as_new_sources})

  # `#include "x.h"` next to a source finds the mirror's copy by itself; -I directories below
  # SOURCE_DIR get their mirror in front.
  get_target_property(_as_includes ${target} INCLUDE_DIRECTORIES)
  set(_as_mirrored_includes)
  foreach(_as_inc IN LISTS _as_includes)
    if(_as_inc MATCHES "\\$<" OR NOT IS_ABSOLUTE "${_as_inc}")
      continue()
    endif()
    file(RELATIVE_PATH _as_rel "${_as_src_dir}" "${_as_inc}")
    if(NOT _as_rel MATCHES "^\\.\\./")
      list(APPEND _as_mirrored_includes "${_as_out}/${_as_rel}")
    endif()
  endforeach()
  if(_as_mirrored_includes)
    target_include_directories(${target} BEFORE PRIVATE ${_as_mirrored_includes})
  endif()
endmacro()

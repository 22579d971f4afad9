# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DSTAGE=... -DPREFIX=... -DHAS_PLUGIN=ON|OFF
#       -DHAS_REWRITER=ON|OFF -DPLUGIN_MAJORS=<majors> -P install_tree.cmake
#
# Installs the build into STAGE with `cmake --install`, then moves the tree to PREFIX: every
# consumer test uses a tree that no longer sits where it was installed, so an absolute path
# baked in anywhere breaks them. Then checks the layout of docs/cmake.md and that no installed
# file names the build tree, the source tree or the install location.
cmake_minimum_required(VERSION 3.20)
foreach(var BUILD_DIR SOURCE_DIR STAGE PREFIX)
  if(NOT ${var})
    message(FATAL_ERROR "install_tree.cmake: -D${var}= is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${STAGE}" "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${STAGE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}); is everything built?\n${out}\n${err}")
endif()
file(RENAME "${STAGE}" "${PREFIX}")
message(STATUS "installed into ${STAGE}, moved to ${PREFIX}")

set(problems "")

# The layout (CONTRACT.md "Pieces and how they are used").
set(expected
  bin/autospan
  lib/libautospan.so
  lib/libautospan.a
  lib/cmake/autospan/autospanConfig.cmake
  lib/cmake/autospan/autospanConfigVersion.cmake
  lib/cmake/autospan/autospanTargets.cmake
  lib/cmake/autospan/AutospanInstrument.cmake
  lib/pkgconfig/autospan.pc
  lib/pkgconfig/autospan-static.pc)
if(HAS_PLUGIN)
  list(APPEND expected lib/autospan/autospan-plugin.so)
  # One plugin per Clang major, lib/autospan/clang-<N>/ (the default major's is a symlink).
  foreach(major IN LISTS PLUGIN_MAJORS)
    list(APPEND expected lib/autospan/clang-${major}/autospan-plugin.so)
  endforeach()
endif()
if(HAS_REWRITER)
  list(APPEND expected bin/autospan-rewrite)
endif()
# Every public header, detail/ included, and nothing else under include/.
file(GLOB_RECURSE headers RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/include/autospan/*.h")
list(APPEND expected ${headers})
foreach(f IN LISTS expected)
  if(NOT EXISTS "${PREFIX}/${f}")
    string(APPEND problems "missing: ${f}\n")
  endif()
endforeach()
file(GLOB_RECURSE installed_headers RELATIVE "${PREFIX}" "${PREFIX}/include/*")
foreach(f IN LISTS installed_headers)
  if(NOT f IN_LIST headers)
    string(APPEND problems "unexpected file under include/: ${f}\n")
  endif()
endforeach()

# Text files: no absolute path of the build, the sources or where the tree was installed.
file(GLOB_RECURSE text_files "${PREFIX}/lib/cmake/*" "${PREFIX}/lib/pkgconfig/*")
foreach(f IN LISTS text_files)
  file(READ "${f}" content)
  foreach(dir IN ITEMS "${BUILD_DIR}" "${SOURCE_DIR}" "${STAGE}")
    string(FIND "${content}" "${dir}" at)
    if(NOT at EQUAL -1)
      string(APPEND problems "${f} contains ${dir}\n")
    endif()
  endforeach()
endforeach()

# Binaries: no RPATH/RUNPATH into the build or source tree or the install location.
find_program(READELF NAMES readelf llvm-readelf-19 llvm-readelf)
if(NOT READELF)
  message(FATAL_ERROR "readelf not found (binutils)")
endif()
file(GLOB_RECURSE binaries "${PREFIX}/bin/*" "${PREFIX}/lib/*.so" "${PREFIX}/lib/autospan/*.so")
foreach(f IN LISTS binaries)
  execute_process(COMMAND "${READELF}" -d "${f}" OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(APPEND problems "readelf -d ${f} failed\n")
    continue()
  endif()
  string(REGEX MATCHALL "\\((RPATH|RUNPATH)\\)[^\n]*" paths "${dyn}")
  foreach(p IN LISTS paths)
    foreach(dir IN ITEMS "${BUILD_DIR}" "${SOURCE_DIR}" "${STAGE}")
      string(FIND "${p}" "${dir}" at)
      if(NOT at EQUAL -1)
        string(APPEND problems "${f}: ${p}\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "installed tree ${PREFIX}:\n${problems}")
endif()
list(LENGTH expected n)
message(STATUS "layout ok: ${n} expected files, no build/source/stage paths in RPATHs or package files")

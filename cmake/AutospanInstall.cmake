# The installed package: headers, the CMake package (config, version, exported targets,
# autospan_instrument()) and pkg-config files. Included at the end of the top-level CMakeLists.txt,
# after every component has defined its targets.
#
# The binaries' own install rules live beside their targets (runtime/, clang-plugin/,
# rewriter-tool/, cli/); the runtime's rule puts autospan and autospan_static into the export set
# autospanTargets that this file writes out. test/consumer checks the whole layout, so a rule
# that goes missing fails a test rather than a user's build.
#
# Relocatable by construction: the config file and the .pc files compute every path from their
# own location, and no installed file names the build or source tree.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(AUTOSPAN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/autospan" CACHE STRING
    "Where the CMake package (autospanConfig.cmake) is installed, relative to the prefix")
set(AUTOSPAN_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
    "Where autospan.pc is installed, relative to the prefix")
mark_as_advanced(AUTOSPAN_INSTALL_CMAKEDIR AUTOSPAN_INSTALL_PKGCONFIGDIR)
# Fixed by clang-plugin/CMakeLists.txt's install rule (the contract's lib/autospan/).
set(AUTOSPAN_INSTALL_PLUGINDIR "${CMAKE_INSTALL_LIBDIR}/autospan")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/autospan"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h")

# The runtime targets link autospan_headers publicly, so it must be in the same export set.
set_target_properties(autospan_headers PROPERTIES EXPORT_NAME headers)
install(TARGETS autospan_headers EXPORT autospanTargets)
install(EXPORT autospanTargets
        NAMESPACE autospan::
        FILE autospanTargets.cmake
        DESTINATION "${AUTOSPAN_INSTALL_CMAKEDIR}")

# Installed binaries carry no build-tree RPATH (CMake drops it at install; none of the tools links
# libautospan). The rewriter needs LLVM's shared libraries: a path outside both trees, recorded
# unless it is one of the toolchain's standard library directories.
if(TARGET autospan-rewrite AND LLVM_LIBRARY_DIR
   AND NOT LLVM_LIBRARY_DIR IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  set_target_properties(autospan-rewrite PROPERTIES INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
endif()

# What the config file tells autospan_instrument(): only pieces that were built are advertised.
set(AUTOSPAN_PACKAGE_HAS_PLUGIN OFF)
if(TARGET autospan-plugin)
  set(AUTOSPAN_PACKAGE_HAS_PLUGIN ON)
endif()
set(AUTOSPAN_PACKAGE_HAS_REWRITER OFF)
if(TARGET autospan-rewrite)
  set(AUTOSPAN_PACKAGE_HAS_REWRITER ON)
endif()
if(NOT AUTOSPAN_PLUGIN_CLANG_MAJOR)
  set(AUTOSPAN_PLUGIN_CLANG_MAJOR 19)
endif()
# autospan_static carries its private dependencies in its link interface (a static archive has
# no DT_NEEDED); the config file must find them before the exported targets refer to them.
set(AUTOSPAN_PACKAGE_STATIC_DEPS "")
if(TARGET autospan_export)
  set(AUTOSPAN_PACKAGE_STATIC_DEPS "ZLIB") # libcurl is dlopen'ed, not linked
endif()

# autospan-static.pc gets the same link interface as autospan::runtime_static, read from the
# target (this file runs after runtime/ has defined it), so the two cannot drift apart.
set(AUTOSPAN_PC_STATIC_LIBS "")
get_target_property(_autospan_static_libs autospan_static INTERFACE_LINK_LIBRARIES)
foreach(_autospan_item IN LISTS _autospan_static_libs)
  if(_autospan_item MATCHES "^(autospan_headers|\\$<.*)$")
    continue() # the headers are in Cflags; generator expressions wrap the same items
  elseif(_autospan_item STREQUAL "Threads::Threads")
    list(APPEND AUTOSPAN_PC_STATIC_LIBS -pthread)
  elseif(_autospan_item STREQUAL "CURL::libcurl")
    list(APPEND AUTOSPAN_PC_STATIC_LIBS -lcurl)
  elseif(_autospan_item STREQUAL "ZLIB::ZLIB")
    list(APPEND AUTOSPAN_PC_STATIC_LIBS -lz)
  elseif(_autospan_item MATCHES "^-")
    list(APPEND AUTOSPAN_PC_STATIC_LIBS "${_autospan_item}")
  elseif(_autospan_item MATCHES "::")
    message(FATAL_ERROR "autospan: no pkg-config spelling for ${_autospan_item} "
                        "(autospan_static's link interface); add one in ${CMAKE_CURRENT_LIST_FILE}")
  else()
    list(APPEND AUTOSPAN_PC_STATIC_LIBS "-l${_autospan_item}")
  endif()
endforeach()
get_target_property(_autospan_static_options autospan_static INTERFACE_LINK_OPTIONS)
foreach(_autospan_item IN LISTS _autospan_static_options)
  string(REGEX REPLACE "^LINKER:" "-Wl," _autospan_item "${_autospan_item}")
  list(APPEND AUTOSPAN_PC_STATIC_LIBS "${_autospan_item}")
endforeach()
list(REMOVE_DUPLICATES AUTOSPAN_PC_STATIC_LIBS)
list(JOIN AUTOSPAN_PC_STATIC_LIBS " " AUTOSPAN_PC_STATIC_LIBS)

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/autospanConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/autospan-package/autospanConfig.cmake"
  INSTALL_DESTINATION "${AUTOSPAN_INSTALL_CMAKEDIR}"
  PATH_VARS AUTOSPAN_INSTALL_PLUGINDIR CMAKE_INSTALL_BINDIR)
# 0.x: a minor release may change the ABI (its version is in the symbol names, so a mismatch
# fails to link rather than misbehaving).
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/autospan-package/autospanConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/autospan-package/autospanConfig.cmake"
  "${PROJECT_BINARY_DIR}/autospan-package/autospanConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/AutospanInstrument.cmake"
  DESTINATION "${AUTOSPAN_INSTALL_CMAKEDIR}")

# pkg-config: prefix relative to ${pcfiledir}, so the tree can be moved.
file(RELATIVE_PATH AUTOSPAN_PC_PREFIX_FROM_PCFILEDIR
     "/prefix/${AUTOSPAN_INSTALL_PKGCONFIGDIR}" "/prefix")
string(REGEX REPLACE "/$" "" AUTOSPAN_PC_PREFIX_FROM_PCFILEDIR "${AUTOSPAN_PC_PREFIX_FROM_PCFILEDIR}")
foreach(_autospan_pc autospan autospan-static)
  configure_file("${CMAKE_CURRENT_LIST_DIR}/${_autospan_pc}.pc.in"
                 "${PROJECT_BINARY_DIR}/autospan-package/${_autospan_pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/autospan-package/${_autospan_pc}.pc"
          DESTINATION "${AUTOSPAN_INSTALL_PKGCONFIGDIR}")
endforeach()

# How the module and device SDK (target OutpostClient, src/client) is installed; included at
# the end of src/client/CMakeLists.txt. The library is the install component `client`, all the
# rest the component `sdk` (`cmake --install build --component client`, then `--component sdk`),
# so packagers ship them apart from the daemons, and apart from each other (liboutpostclient0,
# liboutpostclient-dev: cmake/OutpostPackaging.cmake):
#   <libdir>/libOutpostClient.so.<version>, .so.<soversion>        the library (client)
#   <libdir>/libOutpostClient.so                                    the link to build against
#   <includedir>/outpost/client/*.h                                 the public headers
#   <libdir>/cmake/Outpost/                                         find_package(Outpost COMPONENTS Client)
#   <libdir>/pkgconfig/outpost-client.pc                            pkg-config outpost-client
# Templates: packaging/sdk/. Checked by tests/packaging (sdk_hello_test.sh, check_install_layout.sh).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_outpost_sdk_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/Outpost)

# Imported as Outpost::Client. Its users compile the headers as C++20 (the library is built
# so), the one requirement they inherit: the library's own dependencies (OpenSSL, the C++
# runtime) are private and shared, found by the dynamic loader through its DT_NEEDED
# entries, so its link interface is empty and OutpostConfig.cmake calls no find_dependency().
set_target_properties(OutpostClient PROPERTIES EXPORT_NAME Client)
target_compile_features(OutpostClient INTERFACE cxx_std_20)

install(TARGETS OutpostClient EXPORT OutpostClientTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT client NAMELINK_COMPONENT sdk)
# Debian wants each package's licence in /usr/share/doc/<package>/copyright.
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/liboutpostclient0
  RENAME copyright COMPONENT client)
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/liboutpostclient-dev
  RENAME copyright COMPONENT sdk)
install(DIRECTORY ${OUTPOST_INCLUDE_DIR}/outpost/client/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/outpost/client COMPONENT sdk
  FILES_MATCHING PATTERN "*.h")
install(EXPORT OutpostClientTargets NAMESPACE Outpost:: FILE OutpostClientTargets.cmake
  DESTINATION ${_outpost_sdk_cmake_dir} COMPONENT sdk)

configure_package_config_file(${CMAKE_SOURCE_DIR}/packaging/sdk/OutpostConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/OutpostConfig.cmake
  INSTALL_DESTINATION ${_outpost_sdk_cmake_dir})
# Same major version, as the library's SONAME (SOVERSION) promises.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/OutpostConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/OutpostConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/OutpostConfigVersion.cmake
  DESTINATION ${_outpost_sdk_cmake_dir} COMPONENT sdk)

# pkg-config wants absolute paths, and the prefix is known only when installing
# (`cmake --install build --prefix /opt/outpost`): the .pc file is written then, into a
# scratch folder of its own (two installs may run at once), and installed from there, so
# DESTDIR and the install manifest apply as to every other file.
foreach(_outpost_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_outpost_dir}}")
    set(_outpost_pc_${_outpost_dir} "${CMAKE_INSTALL_${_outpost_dir}}")
  else()
    set(_outpost_pc_${_outpost_dir} "\${prefix}/${CMAKE_INSTALL_${_outpost_dir}}")
  endif()
endforeach()
install(CODE "
  set(OUTPOST_PC_LIBDIR [==[${_outpost_pc_LIBDIR}]==])
  set(OUTPOST_PC_INCLUDEDIR [==[${_outpost_pc_INCLUDEDIR}]==])
  set(OUTPOST_PC_VERSION [==[${PROJECT_VERSION}]==])
  set(_outpost_pc_template [==[${CMAKE_SOURCE_DIR}/packaging/sdk/outpost-client.pc.in]==])
  set(_outpost_pc_build_dir [==[${CMAKE_CURRENT_BINARY_DIR}]==])" COMPONENT sdk)
install(CODE [[
  set(OUTPOST_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  string(REPLACE "\${prefix}" "${OUTPOST_PC_PREFIX}" _outpost_pc_destination "${OUTPOST_PC_LIBDIR}/pkgconfig")
  string(RANDOM LENGTH 12 _outpost_pc_random)
  set(_outpost_pc_scratch "${_outpost_pc_build_dir}/pkgconfig-${_outpost_pc_random}")
  configure_file("${_outpost_pc_template}" "${_outpost_pc_scratch}/outpost-client.pc" @ONLY)
  file(INSTALL "${_outpost_pc_scratch}/outpost-client.pc" DESTINATION "${_outpost_pc_destination}")
  file(REMOVE_RECURSE "${_outpost_pc_scratch}")
]] COMPONENT sdk)

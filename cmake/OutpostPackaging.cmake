# Debian packages with CPack: `cmake --build build --target package` (or `cd build && cpack -G DEB`)
# writes four .deb files into the build folder, one per install component
# (packaging/README.md "Debian packages"; tests/packaging/deb_install_test.sh installs them
# into a clean bookworm root):
#   outpost             component outpost: outpostd, outpost-agent, outpost-hub, the CLI (also
#                       `iotedge`), the sample modules, outpostd.service, /etc/outpost/config.yaml
#   outpost-cloud       component cloud: outpost-cloud, outpost-cloud.service, /etc/outpost-cloud/cloud.yaml
#   liboutpostclient0   component client: libOutpostClient.so.0 (the SDK at run time)
#   liboutpostclient-dev component sdk: headers, the .so link, the CMake package, the .pc file
# Debian names a library's package after its SONAME, in lower case (libOutpostClient.so.0 ->
# liboutpostclient0), and its development files `-dev` without the number.
# Depends are computed by dpkg-shlibdeps from the Debian libraries the binaries link (dpkg-dev).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME outpost)
set(CPACK_PACKAGE_VENDOR "The Outpost authors")
set(CPACK_PACKAGE_CONTACT "The Outpost authors <outpost@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each package's Description: CPACK_DEBIAN_<COMPONENT>_DESCRIPTION below, its first line the
# synopsis (no CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPack would put it before each).
# Absolute destinations (/etc/outpost, /lib/systemd/system) land inside the package only when
# installed with DESTDIR.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)  # a RelWithDebInfo build's debug info would be most of the size
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)  # as Debian's own packages
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL outpost cloud client sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Architecture: dpkg --print-architecture (CPack's default).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libOutpostClient.so.0, which the agent, the CLI and the sample modules link, is found in the
# build; the Depends on it comes from the component dependencies below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/lib)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(_outpost_deb ${CMAKE_SOURCE_DIR}/packaging/deb)

set(CPACK_DEBIAN_OUTPOST_PACKAGE_NAME outpost)
set(CPACK_DEBIAN_OUTPOST_PACKAGE_SECTION admin)
set(CPACK_COMPONENT_OUTPOST_DEPENDS client)
set(CPACK_DEBIAN_OUTPOST_DESCRIPTION "Edge runtime that does the job of Azure IoT Edge
outpostd (the security daemon: identities, keys, the workload and management
APIs, the module runtimes), outpost-agent ($edgeAgent), outpost-hub ($edgeHub),
the CLI outpost (also installed as iotedge) and two sample modules. Configure
/etc/outpost/config.yaml, then: systemctl enable --now outpostd.")
# The system CAs: the hub's and the agent's TLS to IoT Hub, the CLI's check.
set(CPACK_DEBIAN_OUTPOST_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_OUTPOST_PACKAGE_SUGGESTS docker.io)
set(CPACK_DEBIAN_OUTPOST_PACKAGE_CONTROL_EXTRA
    ${_outpost_deb}/outpost/conffiles ${_outpost_deb}/outpost/postinst
    ${_outpost_deb}/outpost/prerm ${_outpost_deb}/outpost/postrm)

set(CPACK_DEBIAN_CLOUD_PACKAGE_NAME outpost-cloud)
set(CPACK_DEBIAN_CLOUD_PACKAGE_SECTION net)
# postinst adds the system user outpost-cloud.
set(CPACK_DEBIAN_CLOUD_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_CLOUD_DESCRIPTION "Self-hosted IoT Hub for Outpost and the Azure IoT SDKs
outpost-cloud: the device registry, twins, deployments, cloud-to-device messages
and telemetry storage, over IoT Hub's MQTT and REST APIs. Configure
/etc/outpost-cloud/cloud.yaml, then: systemctl enable --now outpost-cloud.")
set(CPACK_DEBIAN_CLOUD_PACKAGE_CONTROL_EXTRA
    ${_outpost_deb}/outpost-cloud/conffiles ${_outpost_deb}/outpost-cloud/postinst
    ${_outpost_deb}/outpost-cloud/prerm ${_outpost_deb}/outpost-cloud/postrm)

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME liboutpostclient0)
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION libs)
# DEBIAN/shlibs, so other packages' dpkg-shlibdeps find who ships libOutpostClient.so.0 (only
# this package has a shared library; CPack has no per-component switch); CPack also adds the
# ldconfig calls.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_CLIENT_DESCRIPTION "Outpost module and device SDK (shared library)
libOutpostClient: modules and devices talk to an edge hub or to IoT Hub with it.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME liboutpostclient-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_SDK_DEPENDS client)
set(CPACK_DEBIAN_SDK_DESCRIPTION "Outpost module and device SDK (development files)
The C++20 headers of libOutpostClient, its CMake package
(find_package(Outpost COMPONENTS Client)) and pkg-config file (outpost-client).")

include(CPack)

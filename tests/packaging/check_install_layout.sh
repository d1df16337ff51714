#!/usr/bin/env bash
# Stages `cmake --install` into a temp folder and checks the layout packaging/README.md
# promises: the binaries (iotedge a link to outpost), bash completion for both names,
# /etc/outpost/config.yaml (and that it passes --check), the systemd
# unit (and that systemd-analyze accepts it, where systemd-analyze exists), the module SDK's
# library, headers, CMake package and pkg-config file. Usage: BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
stage=$(mktemp -d /tmp/outpost-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
fail() { echo "install layout: $*" >&2; exit 1; }
for f in usr/bin/outpostd usr/bin/outpost-agent usr/bin/outpost-hub usr/bin/outpost-cloud usr/bin/outpost; do
  [ -x "$stage/$f" ] || fail "/$f is missing or not executable"
done
[ -L "$stage/usr/bin/iotedge" ] && [ "$(readlink "$stage/usr/bin/iotedge")" = outpost ] || fail "/usr/bin/iotedge is not a symlink to outpost"
for name in outpost iotedge; do
  grep -q '^complete -F _outpost outpost iotedge$' "$stage/usr/share/bash-completion/completions/$name" ||
    fail "/usr/share/bash-completion/completions/$name is missing or does not complete $name"
done
[ -f "$stage/etc/outpost/config.yaml" ] || fail "/etc/outpost/config.yaml is missing"
[ -f "$stage/lib/systemd/system/outpostd.service" ] || fail "/lib/systemd/system/outpostd.service is missing"
[ -f "$stage/usr/share/doc/outpost/DAEMON.md" ] || fail "/usr/share/doc/outpost/DAEMON.md is missing"
[ -L "$stage/usr/bin/iotedge" ] || fail "/usr/bin/iotedge (a link to outpost) is missing"
[ -d "$stage/var/lib/outpost" ] || fail "/var/lib/outpost (outpostd's homedir) is missing"
[ -f "$stage/usr/lib/tmpfiles.d/outpost.conf" ] || fail "/usr/lib/tmpfiles.d/outpost.conf is missing"
# The cloud (component cloud, the package outpost-cloud).
[ -f "$stage/etc/outpost-cloud/cloud.yaml" ] || fail "/etc/outpost-cloud/cloud.yaml is missing"
[ -f "$stage/lib/systemd/system/outpost-cloud.service" ] || fail "/lib/systemd/system/outpost-cloud.service is missing"
grep -q '^ExecStart=/usr/bin/outpostd -c /etc/outpost/config.yaml$' "$stage/lib/systemd/system/outpostd.service" ||
  fail "the unit does not start /usr/bin/outpostd with /etc/outpost/config.yaml"
grep -q '^KillMode=process$' "$stage/lib/systemd/system/outpostd.service" || fail "the unit would kill the modules with outpostd"
# The module SDK (component sdk; tests/packaging/sdk_hello_test.sh builds and runs against it).
[ -f "$stage/usr/include/outpost/client/outpost_client.h" ] || fail "/usr/include/outpost/client/outpost_client.h is missing"
sdk_lib=$(find "$stage/usr/lib" -name libOutpostClient.so | head -n 1)
[ -n "$sdk_lib" ] || fail "libOutpostClient.so is missing under /usr/lib"
libdir=${sdk_lib%/libOutpostClient.so}
ls "$libdir"/libOutpostClient.so.[0-9]* >/dev/null 2>&1 || fail "${libdir#"$stage"}/libOutpostClient.so.<soversion> is missing"
[ -f "$libdir/cmake/Outpost/OutpostConfig.cmake" ] || fail "${libdir#"$stage"}/cmake/Outpost/OutpostConfig.cmake is missing"
pc="$libdir/pkgconfig/outpost-client.pc"
[ -f "$pc" ] || fail "${libdir#"$stage"}/pkgconfig/outpost-client.pc is missing"
grep -q '^prefix=/usr$' "$pc" || fail "outpost-client.pc does not say prefix=/usr (DESTDIR must not show): $(grep '^prefix=' "$pc")"
# The shipped config, with its homedir pointed into the stage, passes outpostd's own check.
sed "s|^homedir: .*|homedir: $stage/var/lib/outpost|" "$stage/etc/outpost/config.yaml" > "$stage/check.yaml"
"$stage/usr/bin/outpostd" -c "$stage/check.yaml" --check
if command -v systemd-analyze >/dev/null 2>&1; then
  for unit in outpostd outpost-cloud; do
    systemd-analyze verify "$stage/lib/systemd/system/$unit.service" 2>&1 |
      grep -v "$unit: No such file\|Command .* is not executable" || true
  done
fi
echo "install layout: ok ($(cd "$stage" && find . -type f | wc -l) files)"

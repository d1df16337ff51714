#!/usr/bin/env bash
# The Debian packages as an operator gets them (packaging/README.md "Debian packages"):
#   1. cpack builds outpost, outpost-cloud, liboutpostclient0 and liboutpostclient-dev from
#      the build into a temp folder;
#   2. dpkg-deb -I / dpkg -c: names, version, architecture, Depends (from dpkg-shlibdeps),
#      conffiles, maintainer scripts, and the layout packaging/README.md promises;
#   3. a clean Debian bookworm root (debootstrap --variant=minbase from this machine's Debian
#      mirror; cached as a tarball in BUILD_DIR/deb-test-cache, made again after 7 days)
#      gets them with `apt-get install /tmp/debs/*.deb`, apt fetching the Depends from the
#      mirror, no systemd in there;
#   4. inside: outpostd --check of the shipped config.yaml, outpost --help and version, the
#      iotedge name, every binary's libraries found, outpost-cloud --check as its own user,
#      what postinst made (the user, the state folders); outpost-cloud started as its user
#      (free ports), READY=1 and STOPPING=1 to a stand-in for systemd's notify socket,
#      /healthz, SIGTERM -> exit 0;
#   5. apt-get remove keeps the conffiles and the state; apt-get purge --autoremove leaves
#      nothing behind but adduser's backups of /etc/passwd and friends and its lock in /run
#      (the system user outpost-cloud stays, as Debian does).
# Needs root (chroot, mount). Exit 77 (ctest: skipped), saying why, when a tool is missing,
# when not root, or when the Debian mirror cannot be reached. OUTPOST_DEBIAN_MIRROR overrides
# the mirror. Usage: deb_install_test.sh BUILD_DIR [CPACK]
set -euo pipefail

build=$(realpath "$1")
cpack_bin=${2:-cpack}
cache="$build/deb-test-cache"
started=$SECONDS

work=$(mktemp -d /tmp/outpost-deb.XXXXXX)
root="$work/root"
mounted=()
pids=()  # what this script started in the background
cleanup() {
  local status=$? m p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for m in "${mounted[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  # Never delete through a mount point that is still there.
  if [ -d "$root" ] && grep -q " $root/" /proc/mounts; then
    echo "deb-install: $root still has mounts; not removed" >&2
  else
    rm -rf "$work"
  fi
  exit $status
}
trap cleanup EXIT INT TERM

step() { echo "--- deb-install ($((SECONDS - started)) s): $*"; }
fail() { echo "deb-install: FAILED: $*" >&2; exit 1; }
skip() { echo "SKIPPED LOUDLY: deb-install: $*" >&2; exit 77; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, mount)"
for tool in "$cpack_bin" dpkg-deb dpkg-shlibdeps dpkg-architecture debootstrap chroot mount curl tar flock file readelf; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (scripts/install-deps installs it)"
done
[ -f "$build/CPackConfig.cmake" ] || fail "$build/CPackConfig.cmake is missing (configured with OUTPOST_UNIT_ONLY?)"

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in CPackConfig.cmake"
deb_version="$version-1"
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# --- 1. The packages.
step "cpack -G DEB (version $deb_version, $arch)"
"$cpack_bin" --config "$build/CPackConfig.cmake" -G DEB -B "$work/packages" > "$work/cpack.log" 2>&1 ||
  { tail -n 40 "$work/cpack.log" >&2; fail "cpack failed"; }
debs="$work/packages"
declare -A deb
for name in outpost outpost-cloud liboutpostclient0 liboutpostclient-dev; do
  deb[$name]="$debs/${name}_${deb_version}_${arch}.deb"
  [ -f "${deb[$name]}" ] || fail "${name}_${deb_version}_${arch}.deb was not made: $(ls "$debs")"
done
(cd "$debs" && ls -l ./*.deb)

# --- 2. Control fields and layout.
step "dpkg-deb -I: control fields, Depends, conffiles, maintainer scripts"
field() { dpkg-deb -f "$1" "$2"; }
for name in "${!deb[@]}"; do
  file=${deb[$name]}
  [ "$(field "$file" Package)" = "$name" ] || fail "$name: Package is '$(field "$file" Package)'"
  [ "$(field "$file" Version)" = "$deb_version" ] || fail "$name: Version is '$(field "$file" Version)'"
  [ "$(field "$file" Architecture)" = "$arch" ] || fail "$name: Architecture is '$(field "$file" Architecture)'"
  [ -n "$(field "$file" Description)" ] || fail "$name: no Description"
  echo "$name: Depends: $(field "$file" Depends)"
done
# dpkg-shlibdeps found the Debian libraries the binaries link.
for name in outpost outpost-cloud liboutpostclient0; do
  depends=$(field "${deb[$name]}" Depends)
  grep -q 'libc6 (>= ' <<<"$depends" || fail "$name: Depends has no libc6 from dpkg-shlibdeps: '$depends'"
  grep -q 'libstdc++6 (>= ' <<<"$depends" || fail "$name: Depends has no libstdc++6: '$depends'"
done
grep -q "liboutpostclient0 (= $deb_version)" <<<"$(field "${deb[outpost]}" Depends)" ||
  fail "outpost does not depend on liboutpostclient0 (= $deb_version)"
grep -q "liboutpostclient0 (= $deb_version)" <<<"$(field "${deb[liboutpostclient-dev]}" Depends)" ||
  fail "liboutpostclient-dev does not depend on liboutpostclient0 (= $deb_version)"
grep -q "adduser" <<<"$(field "${deb[outpost-cloud]}" Depends)" || fail "outpost-cloud does not depend on adduser"
control() { dpkg-deb --info "$1" "$2" 2>/dev/null; }
[ "$(control "${deb[outpost]}" conffiles)" = "/etc/outpost/config.yaml" ] ||
  fail "outpost: conffiles is '$(control "${deb[outpost]}" conffiles)'"
[ "$(control "${deb[outpost-cloud]}" conffiles)" = "/etc/outpost-cloud/cloud.yaml" ] ||
  fail "outpost-cloud: conffiles is '$(control "${deb[outpost-cloud]}" conffiles)'"
for name in outpost outpost-cloud; do
  for script in postinst prerm postrm; do
    control "${deb[$name]}" "$script" | head -n 1 | grep -q '^#!/bin/sh' || fail "$name has no $script"
  done
done
control "${deb[liboutpostclient0]}" shlibs | grep -q "^libOutpostClient 0 liboutpostclient0 " ||
  fail "liboutpostclient0: no shlibs line for libOutpostClient 0: '$(control "${deb[liboutpostclient0]}" shlibs)'"
control "${deb[liboutpostclient0]}" postinst | grep -q ldconfig || fail "liboutpostclient0: postinst does not run ldconfig"

step "dpkg -c: the layout of packaging/README.md"
# contents NAME: "path mode" lines (symlinks: "path -> target").
contents() {
  dpkg -c "${deb[$1]}" | awk '{ p = $6; sub(/^\.\//, "/", p); if ($1 ~ /^l/) print p " -> " $8; else print p " " $1 }'
}
has() {  # has NAME PATH [MODE or -> TARGET]
  local name=$1 path=$2 want=${3:-}
  local line
  line=$(contents "$name" | grep -E "^${path//./\\.}( |/ )" | head -n 1) || true
  [ -n "$line" ] || fail "$name does not ship $path"
  [ -z "$want" ] || [[ "$line" == *" $want" ]] || fail "$name: $line, expected $want"
}
for b in outpostd outpost-agent outpost-hub outpost outpost-simulated-temperature-sensor outpost-temperature-filter; do
  has outpost /usr/bin/$b -rwxr-xr-x
done
has outpost /usr/bin/iotedge "-> outpost"
has outpost /etc/outpost/config.yaml -rw-------
has outpost /lib/systemd/system/outpostd.service -rw-r--r--
has outpost /usr/lib/tmpfiles.d/outpost.conf
has outpost /var/lib/outpost drwxr-xr-x
for f in copyright DAEMON.md AGENT.md HUB.md; do has outpost /usr/share/doc/outpost/$f; done
has outpost-cloud /usr/bin/outpost-cloud -rwxr-xr-x
has outpost-cloud /etc/outpost-cloud/cloud.yaml -rw-r--r--
has outpost-cloud /lib/systemd/system/outpost-cloud.service
for f in copyright CLOUD.md; do has outpost-cloud /usr/share/doc/outpost-cloud/$f; done
has liboutpostclient0 "/usr/lib/$multiarch/libOutpostClient.so.$version" -rw-r--r--
has liboutpostclient0 "/usr/lib/$multiarch/libOutpostClient.so.0" "-> libOutpostClient.so.$version"
has liboutpostclient0 /usr/share/doc/liboutpostclient0/copyright
has liboutpostclient-dev "/usr/lib/$multiarch/libOutpostClient.so" "-> libOutpostClient.so.0"
has liboutpostclient-dev /usr/include/outpost/client/outpost_client.h
has liboutpostclient-dev "/usr/lib/$multiarch/cmake/Outpost/OutpostConfig.cmake"
has liboutpostclient-dev "/usr/lib/$multiarch/cmake/Outpost/OutpostClientTargets.cmake"
has liboutpostclient-dev "/usr/lib/$multiarch/pkgconfig/outpost-client.pc"
has liboutpostclient-dev /usr/share/doc/liboutpostclient-dev/copyright
# Each file in one package only; the binaries stripped.
all_files=$(for name in "${!deb[@]}"; do contents "$name" | grep -v '/ d' | awk '{print $1}'; done | sort)
dupes=$(uniq -d <<<"$all_files")
[ -z "$dupes" ] || fail "files in more than one package: $dupes"
dpkg-deb -x "${deb[outpost]}" "$work/x"
file "$work/x/usr/bin/outpostd" | grep -q 'stripped' && ! file "$work/x/usr/bin/outpostd" | grep -q 'not stripped' ||
  fail "outpostd is not stripped: $(file "$work/x/usr/bin/outpostd")"

# --- 3. A clean bookworm root.
# The mirror this machine's apt uses: deb822 .sources stanzas, then one-line sources.list.
apt_uri() {  # apt_uri SUITE: the first URI serving SUITE
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0; off = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uri = u[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
          if ($i ~ /^Enabled:[ \t]*no/) off = 1
        }
        if (ok && !off && uri != "") { print uri; exit } }' "$f"
  done | head -n 1
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    sed -e 's/\[[^]]*\]//' | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }'
}
first_uri() { apt_uri "$1" | head -n 1 || true; }
mirror=${OUTPOST_DEBIAN_MIRROR:-$(first_uri bookworm)}
mirror=${mirror:-http://deb.debian.org/debian}
security=$(first_uri bookworm-security)
updates=$(first_uri bookworm-updates)
curl -fsS --max-time 20 -o /dev/null "$mirror/dists/bookworm/Release" ||
  skip "the Debian mirror $mirror cannot be reached (curl $mirror/dists/bookworm/Release failed): no bookworm root to install into"

mkdir -p "$cache"
tarball="$cache/bookworm-minbase.tar"
exec 9>"$cache/lock"
flock 9
if [ -f "$tarball" ] && [ "$(cat "$tarball.mirror" 2>/dev/null)" = "$mirror" ] && [ -z "$(find "$tarball" -mtime +7)" ]; then
  step "bookworm root from the cache ($tarball)"
else
  step "debootstrap --variant=minbase bookworm from $mirror (cached in $tarball)"
  fresh="$work/fresh"
  debootstrap --variant=minbase bookworm "$fresh" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; fail "debootstrap failed (the mirror answered)"; }
  {
    echo "deb $mirror bookworm main"
    [ -z "$updates" ] || echo "deb $updates bookworm-updates main"
    [ -z "$security" ] || echo "deb $security bookworm-security main"
  } > "$fresh/etc/apt/sources.list"
  cp /etc/resolv.conf "$fresh/etc/resolv.conf"
  chroot "$fresh" apt-get update -qq > "$work/apt-update.log" 2>&1 ||
    { cat "$work/apt-update.log" >&2; fail "apt-get update in the new root failed"; }
  chroot "$fresh" apt-get clean
  tar -C "$fresh" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  echo "$mirror" > "$tarball.mirror"
  rm -rf "$fresh"
fi
mkdir "$root"
tar -C "$root" -xf "$tarball"
flock -u 9
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mounted+=("$root/proc")
# Debian packages that apt fetched before, kept across runs (warm: no download).
mkdir -p "$cache/archives"
cp "$cache/archives/"*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true

# What the root holds before, to compare after the purge.
snapshot() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./sys -o -path ./tmp \
     -o -path ./var/cache/apt -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/log \
     -o -path ./run/systemd -o -path ./usr/bin/systemctl \) -prune -o -print | sort)
}
snapshot > "$work/before.txt"

# --- 4. Install, as an operator does.
step "apt-get install ./outpost*.deb ./liboutpostclient*.deb in the bookworm root"
mkdir -p "$root/tmp/debs"
cp "${deb[@]}" "$root/tmp/debs/"
install_debs() { in_root sh -c 'apt-get install -y --no-install-recommends /tmp/debs/*.deb' > "$work/install.log" 2>&1; }
if ! install_debs; then
  # The cached root's package lists may name versions the mirror no longer has.
  step "apt-get install failed ($(grep -m1 -E '^(E|W):' "$work/install.log" || true)); apt-get update, again"
  in_root apt-get update -qq > "$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; fail "apt-get update failed"; }
  install_debs || { tail -n 40 "$work/install.log" >&2; fail "apt-get install of the packages failed"; }
fi
cp -n "$root/var/cache/apt/archives/"*.deb "$cache/archives/" 2>/dev/null || true
grep -E 'Setting up (outpost|liboutpostclient)' "$work/install.log" || true
for name in "${!deb[@]}"; do
  status=$(in_root dpkg-query -W -f='${Status} ${Version}' "$name")
  [ "$status" = "install ok installed $deb_version" ] || fail "$name: dpkg says '$status'"
done
# (No /dev/pts in the root: apt says it cannot log dpkg's terminal output, and that is all.)
problems=$(grep -E '^(W|E): |^dpkg: (warning|error)|postinst|prerm|postrm' "$work/install.log" |
           grep -v 'Can not write log (Is /dev/pts mounted?)' || true)
[ -z "$problems" ] || fail "apt-get install printed warnings or errors: $problems"

step "inside the root: outpostd --check, outpost, iotedge, outpost-cloud --check"
out=$(in_root outpostd -c /etc/outpost/config.yaml --check 2>&1) || fail "outpostd --check of the shipped config.yaml: $out"
echo "$out"
[[ "$out" == *"config.yaml: ok (device 'edge1', provisioning manual, home /var/lib/outpost)"* ]] ||
  fail "outpostd --check did not print what docs/DAEMON.md says: $out"
in_root outpost --help > "$work/help.txt" 2>&1 || fail "outpost --help: $(cat "$work/help.txt")"
grep -q '^usage: outpost ' "$work/help.txt" || fail "outpost --help: $(cat "$work/help.txt")"
# `outpost version` prints the package's version.
out=$(in_root outpost version 2>&1) || fail "outpost version: $out"
echo "outpost version: $out"
[[ "$out" == *"$version"* ]] || fail "outpost version does not say $version: $out"
[ "$(readlink "$root/usr/bin/iotedge")" = outpost ] || fail "/usr/bin/iotedge is not a link to outpost"
in_root iotedge --help 2>&1 | grep -q '^usage: outpost ' || fail "iotedge --help does not run the CLI"
for b in outpostd outpost-agent outpost-hub outpost outpost-cloud outpost-simulated-temperature-sensor outpost-temperature-filter; do
  missing=$(in_root ldd /usr/bin/$b | grep 'not found' || true)
  [ -z "$missing" ] || fail "/usr/bin/$b: libraries not found in the root (Depends incomplete): $missing"
done
in_root getent passwd outpost-cloud > /dev/null || fail "postinst did not add the user outpost-cloud"
owner=$(in_root stat -c '%U:%G %a' /var/lib/outpost-cloud 2>&1 || true)
[ "$owner" = "outpost-cloud:outpost-cloud 750" ] || fail "/var/lib/outpost-cloud: $owner"
[ -d "$root/var/lib/outpost" ] && [ -d "$root/run/outpost" ] || fail "postinst did not make /var/lib/outpost and /run/outpost"
out=$(in_root chroot --userspec=outpost-cloud:outpost-cloud / outpost-cloud --config /etc/outpost-cloud/cloud.yaml --check 2>&1) ||
  fail "outpost-cloud --check of the shipped cloud.yaml, as the user outpost-cloud: $out"
echo "$out"

# The packaged outpost-cloud runs as its user with its state folder, and tells systemd (the
# unit is Type=notify) READY=1 and, on SIGTERM, STOPPING=1: the shipped cloud.yaml with free
# ports (other tests may hold 1884 and 8080), a datagram socket in the root's /tmp standing for
# systemd's.
step "inside the root: outpost-cloud as the user outpost-cloud, sd_notify, SIGTERM"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (it stands for systemd's notify socket)"
sed -e 's|"127.0.0.1:1884"|"127.0.0.1:0"|' -e 's|"127.0.0.1:8080"|"127.0.0.1:0"|' "$root/etc/outpost-cloud/cloud.yaml" \
  > "$root/tmp/cloud.yaml"
python3 - "$root/tmp/notify.sock" > "$work/notify.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
s.settimeout(30)
for _ in range(2):
    try:
        print(s.recv(512).decode().replace("\n", " "), flush=True)
    except socket.timeout:
        break
PY
listener=$!
pids+=("$listener")
for _ in $(seq 100); do [ -S "$root/tmp/notify.sock" ] && break; sleep 0.1; done
# (chroot and env exec: $! is outpost-cloud itself, whom the SIGTERM below is for.)
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NOTIFY_SOCKET=/tmp/notify.sock \
  chroot --userspec=outpost-cloud:outpost-cloud / \
  outpost-cloud --config /tmp/cloud.yaml --ready-file /var/lib/outpost-cloud/ready.json > "$work/cloud.log" 2>&1 &
cloud=$!
pids+=("$cloud")
for _ in $(seq 200); do grep -q READY=1 "$work/notify.txt" && break; sleep 0.1; done
grep -q '^READY=1' "$work/notify.txt" ||
  { kill "$cloud" 2>/dev/null || true; cat "$work/cloud.log" >&2; fail "outpost-cloud sent no READY=1 within 20 s"; }
http=$(sed -n 's/.*"http":\([0-9]*\).*/\1/p' "$root/var/lib/outpost-cloud/ready.json")
[ -n "$http" ] || fail "no http port in ready.json: $(cat "$root/var/lib/outpost-cloud/ready.json")"
curl -fsS --max-time 5 "http://127.0.0.1:$http/healthz" > /dev/null || fail "outpost-cloud does not answer /healthz on $http"
kill -TERM "$cloud"
code=0; wait "$cloud" || code=$?
wait "$listener" || true
pids=()  # both ended: their ids may be another's now
[ "$code" -eq 0 ] || { cat "$work/cloud.log" >&2; fail "outpost-cloud exited $code on SIGTERM"; }
grep -q '^STOPPING=1' "$work/notify.txt" || fail "outpost-cloud sent no STOPPING=1: $(cat "$work/notify.txt")"
owner=$(in_root stat -c '%U' /var/lib/outpost-cloud/registry.db 2>&1 || true)
[ "$owner" = outpost-cloud ] || fail "/var/lib/outpost-cloud/registry.db: $owner"
echo "outpost-cloud: $(tr '\n' ';' < "$work/notify.txt") exit 0, registry.db in /var/lib/outpost-cloud"
rm -f "$root/tmp/cloud.yaml" "$root/tmp/notify.sock"

# --- 5. With systemd: an upgrade, then remove and purge.
# A stand-in for a booted systemd: /run/systemd/system tells the maintainer scripts systemd
# runs, and systemctl only writes down what it is asked (nothing starts).
step "with a systemd stand-in: apt-get install --reinstall (an upgrade's scripts)"
mkdir -p "$root/run/systemd/system"
printf '#!/bin/sh\necho "$*" >> /tmp/systemctl.log\n' > "$root/usr/bin/systemctl"
chmod 755 "$root/usr/bin/systemctl"
in_root sh -c 'apt-get install -y --reinstall /tmp/debs/outpost_*.deb /tmp/debs/outpost-cloud_*.deb' \
  > "$work/reinstall.log" 2>&1 || { tail -n 30 "$work/reinstall.log" >&2; fail "apt-get install --reinstall failed"; }
systemctl_log="$root/tmp/systemctl.log"
for call in "daemon-reload" "try-restart outpostd.service" "try-restart outpost-cloud.service"; do
  grep -q -- "$call" "$systemctl_log" 2>/dev/null || fail "postinst on an upgrade did not call systemctl $call: $(cat "$systemctl_log" 2>&1)"
done
! grep -qE '(^| )(start|enable|restart|stop) ' "$systemctl_log" ||
  fail "postinst started, enabled or stopped a unit: $(cat "$systemctl_log")"

state=/var/lib/outpost/keys/master.key  # stands for the state outpostd makes
mkdir -p "$root/var/lib/outpost/keys" && echo state > "$root$state"
step "apt-get remove: units stopped, binaries gone, conffiles and state kept"
in_root apt-get remove -y outpost outpost-cloud liboutpostclient-dev liboutpostclient0 > "$work/remove.log" 2>&1 ||
  { tail -n 30 "$work/remove.log" >&2; fail "apt-get remove failed"; }
for unit in outpostd.service outpost-cloud.service; do
  grep -q -- "stop $unit" "$systemctl_log" || fail "prerm did not stop $unit: $(cat "$systemctl_log")"
done
echo "systemctl was asked: $(sort "$systemctl_log" | uniq -c | tr -s ' \n' ' ')"
for name in "${!deb[@]}"; do
  status=$(in_root dpkg-query -W -f='${Status}' "$name" 2>&1 || true)
  case $name in
    # liboutpostclient0 too: dpkg keeps a package with a postrm (ldconfig's) until the purge.
    outpost|outpost-cloud|liboutpostclient0)
      [ "$status" = "deinstall ok config-files" ] || fail "$name after remove: '$status'" ;;
    *) [[ "$status" == *"no packages found"* ]] || fail "$name after remove: '$status'" ;;
  esac
done
for f in /usr/bin/outpostd /usr/bin/iotedge /usr/bin/outpost-cloud /lib/systemd/system/outpostd.service "/usr/lib/$multiarch/libOutpostClient.so.0"; do
  [ ! -e "$root$f" ] && [ ! -L "$root$f" ] || fail "$f is still there after apt-get remove"
done
for f in /etc/outpost/config.yaml /etc/outpost-cloud/cloud.yaml "$state" /var/lib/outpost-cloud; do
  [ -e "$root$f" ] || fail "$f is gone after apt-get remove (Debian keeps it until purge)"
done

step "apt-get purge --autoremove: nothing left"
in_root apt-get purge -y --autoremove outpost outpost-cloud liboutpostclient0 > "$work/purge.log" 2>&1 ||
  { tail -n 30 "$work/purge.log" >&2; fail "apt-get purge failed"; }
for name in "${!deb[@]}"; do
  status=$(in_root dpkg-query -W -f='${Status}' "$name" 2>/dev/null || true)
  [ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] || fail "$name after purge: '$status'"
done
snapshot > "$work/after.txt"
# adduser's backups of the files it changed and its lock in /run (a tmpfs on a booted system),
# and the system user itself, are all that may stay.
left=$(comm -13 "$work/before.txt" "$work/after.txt" | grep -vxE '\./etc/(passwd|group|shadow|gshadow)-|\./run/adduser' || true)
[ -z "$left" ] || fail "left behind after purge: $(tr '\n' ' ' <<<"$left")"
gone=$(comm -23 "$work/before.txt" "$work/after.txt" || true)
[ -z "$gone" ] || fail "gone after purge, though there before: $(tr '\n' ' ' <<<"$gone")"

step "ok in $((SECONDS - started)) s"
echo "deb-install: ok"

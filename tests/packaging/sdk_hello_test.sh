#!/usr/bin/env bash
# The module SDK as a module author gets it: installs the `client` (the library) and `sdk`
# (the rest; the packages liboutpostclient0 and liboutpostclient-dev) components of a build into a
# temp prefix and checks what is there (library and SONAME links, what it exports,
# self-contained headers, the CMake package with its version and component checks,
# outpost-client.pc); builds examples/sdk-hello against that prefix only — with CMake
# (find_package) and with the pkg-config one-liner of its README — and checks that both
# binaries load the installed library, not build/lib; runs them against an outpost-hub started
# here (TLS, a random loopback address, ports from the ready file): the module's output, a
# refused key's exit 1, the hub's received counter, and the messages routed to another
# module's input. Exit 77 (ctest: skipped) only when a tool it needs is missing.
# Usage: sdk_hello_test.sh BUILD_DIR [CXX_COMPILER [CMAKE]]
set -euo pipefail

build=$(realpath "$1")
cxx=${2:-c++}
cmake_bin=${3:-cmake}
source_dir=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
example="$source_dir/examples/sdk-hello"
hub_bin="$build/bin/outpost-hub"
cli_bin="$build/bin/outpost"

work=$(mktemp -d /tmp/outpost-sdk-hello.XXXXXX)
prefix="$work/prefix"
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "--- sdk-hello: $*"; }
fail() {
  echo "sdk-hello: FAILED: $*" >&2
  if [ -s "$work/hub.log" ]; then
    echo "--- hub.log (last 30 lines)" >&2
    tail -n 30 "$work/hub.log" >&2
  fi
  exit 1
}
skip() { echo "SKIPPED LOUDLY: sdk-hello: $*" >&2; exit 77; }
# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.1 s until it succeeds, at most SECONDS.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${seconds} s waiting for $what"
    sleep 0.1
  done
}

for tool in "$cmake_bin" "$cxx" openssl pkg-config curl readelf ldd timeout; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
[ -x "$hub_bin" ] || fail "$hub_bin is not built"
[ -x "$cli_bin" ] || fail "$cli_bin is not built"
ls "$build"/lib/libOutpostClient.so* >/dev/null 2>&1 || fail "libOutpostClient.so is not built in $build/lib"

# --- 1. The client and sdk components, and only they, in a temp prefix.
for component in client sdk; do
  step "cmake --install --component $component --prefix $prefix"
  "$cmake_bin" --install "$build" --prefix "$prefix" --component $component > "$work/install.log" ||
    { cat "$work/install.log" >&2; fail "cmake --install --component $component failed"; }
done
[ ! -e "$prefix/bin" ] || fail "the client or sdk component installed $prefix/bin: $(ls "$prefix/bin")"
[ ! -e "$prefix/etc" ] && [ ! -e "$prefix/lib/systemd" ] || fail "the client or sdk component installed the daemon's files"

library=$(find "$prefix" -name 'libOutpostClient.so' | head -n 1)
[ -n "$library" ] || fail "no libOutpostClient.so under $prefix"
libdir=$(dirname "$library")
soname=$(readelf -d "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -n "$soname" ] || fail "libOutpostClient.so has no SONAME"
[ -L "$library" ] || fail "libOutpostClient.so is not a link (to $soname)"
[ -L "$libdir/$soname" ] || fail "$soname is not a link to the versioned library"
real=$(readlink -f "$library")
[ -f "$real" ] && [ ! -L "$real" ] && [ "$(dirname "$real")" = "$libdir" ] ||
  fail "libOutpostClient.so does not lead to a library file in $libdir"
case "$(basename "$real")" in "$soname".*) ;; *) fail "$(basename "$real") is not named after its SONAME $soname" ;; esac
if readelf -d "$real" | grep 'R\(UN\)\?PATH' >/dev/null; then
  fail "the installed library keeps a RPATH/RUNPATH: $(readelf -d "$real" | grep PATH)"
fi
# Only the SDK's own symbols are exported: what it links of ours (core, iothub, ...) stays inside.
readelf --dyn-syms -W "$real" | awk '$5 != "LOCAL" && $7 != "UND" {print $8}' > "$work/exported.txt"
grep -q '7outpost6client' "$work/exported.txt" || fail "libOutpostClient.so exports no outpost::client symbol"
if grep '7outpost[0-9]' "$work/exported.txt" | grep -v '7outpost6client' > "$work/leaked.txt"; then
  fail "libOutpostClient.so exports internals: $(head -n 5 "$work/leaked.txt")"
fi

[ -f "$prefix/include/outpost/client/outpost_client.h" ] || fail "the headers are not in $prefix/include/outpost/client"
[ "$(ls "$prefix/include/outpost")" = "client" ] ||
  fail "headers other than outpost/client were installed: $(ls "$prefix/include/outpost")"
# Self-contained: each header compiles alone and includes only the standard library and its siblings.
for header in "$prefix"/include/outpost/client/*.h; do
  if grep -H '^[[:space:]]*#[[:space:]]*include' "$header" | grep -v -e '<[a-z_]*>' -e '"outpost/client/[a-z_]*\.h"' >&2; then
    fail "$(basename "$header") includes more than the standard library and outpost/client"
  fi
  echo "#include <outpost/client/$(basename "$header")>" |
    "$cxx" -std=c++20 -fsyntax-only -x c++ - -I "$prefix/include" ||
    fail "$(basename "$header") does not compile alone with only $prefix/include"
done

cmake_dir="$libdir/cmake/Outpost"
for f in OutpostConfig.cmake OutpostConfigVersion.cmake OutpostClientTargets.cmake; do
  [ -f "$cmake_dir/$f" ] || fail "$cmake_dir/$f is missing"
done
# The link interface is the library alone: none of its own dependencies leaks to its users.
if grep 'INTERFACE_LINK_LIBRARIES' "$cmake_dir"/OutpostClientTargets*.cmake >&2; then
  fail "Outpost::Client has a link interface"
fi
version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$cmake_dir/OutpostConfigVersion.cmake")
[ -n "$version" ] || fail "no PACKAGE_VERSION in OutpostConfigVersion.cmake"

# --- 2. The CMake package: its component, none, one that does not exist, a version too new.
step "find_package(Outpost $version COMPONENTS ...)"
probe() {  # probe NAME FIND_PACKAGE_ARGS: configures a tiny project; output in $work/probe-NAME.log
  mkdir -p "$work/probe-$1"
  cat > "$work/probe-$1/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(probe LANGUAGES CXX)  # as a real project: on Debian that also searches lib/<arch>/cmake
find_package(Outpost $2)
if(TARGET Outpost::Client)
  get_target_property(features Outpost::Client INTERFACE_COMPILE_FEATURES)
  message(STATUS "Outpost::Client features: \${features}")
endif()
CMAKE
  "$cmake_bin" -S "$work/probe-$1" -B "$work/probe-$1/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF > "$work/probe-$1.log" 2>&1
}
probe client "$version REQUIRED COMPONENTS Client" ||
  { cat "$work/probe-client.log" >&2; fail "find_package(Outpost $version REQUIRED COMPONENTS Client) failed"; }
grep -q 'Outpost::Client features: .*cxx_std_20' "$work/probe-client.log" ||
  fail "Outpost::Client does not ask for C++20: $(cat "$work/probe-client.log")"
probe plain "REQUIRED" || { cat "$work/probe-plain.log" >&2; fail "find_package(Outpost REQUIRED) without components failed"; }
grep -q 'Outpost::Client features' "$work/probe-plain.log" || fail "find_package(Outpost) without components gave no Outpost::Client"
if probe bogus "REQUIRED COMPONENTS Client Bogus"; then fail "find_package(Outpost COMPONENTS Client Bogus) succeeded"; fi
grep -q 'no component "Bogus"' "$work/probe-bogus.log" || fail "an unknown component is not named: $(cat "$work/probe-bogus.log")"
if probe future "99 REQUIRED COMPONENTS Client"; then fail "find_package(Outpost 99) accepted version $version"; fi

# --- 3. The example, built with CMake against the prefix, outside this tree's build.
step "examples/sdk-hello with CMake (CMAKE_PREFIX_PATH=$prefix)"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
"$cmake_bin" -S "$example" -B "$work/example" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  > "$work/example-configure.log" 2>&1 ||
  { cat "$work/example-configure.log" >&2; fail "configuring examples/sdk-hello failed"; }
grep -q "^Outpost_DIR:PATH=$cmake_dir\$" "$work/example/CMakeCache.txt" ||
  fail "the example found another Outpost: $(grep '^Outpost_DIR' "$work/example/CMakeCache.txt")"
"$cmake_bin" --build "$work/example" > "$work/example-build.log" 2>&1 ||
  { cat "$work/example-build.log" >&2; fail "building examples/sdk-hello failed"; }
if grep -e "$source_dir/include" -e "$build/" "$work/example/compile_commands.json" >&2; then
  fail "the example's compile line names the source or the build tree"
fi
cmake_binary="$work/example/sdk-hello"
readelf -d "$cmake_binary" | grep "R\(UN\)\?PATH.*$libdir" >/dev/null ||
  fail "sdk-hello has no RUNPATH to $libdir: $(readelf -d "$cmake_binary" | grep PATH)"
loaded_from() {  # loaded_from BINARY [VAR=VALUE...]: the file the dynamic loader picks for $soname
  local binary=$1
  shift
  env -u LD_LIBRARY_PATH "$@" ldd "$binary" | awk -v so="$soname" '$1 == so {print $3}'
}
[ "$(loaded_from "$cmake_binary")" = "$libdir/$soname" ] ||
  fail "sdk-hello loads $soname from '$(loaded_from "$cmake_binary")', not from $libdir"

# --- 4. The pkg-config one-liner of examples/sdk-hello/README.md.
step "examples/sdk-hello with pkg-config (PKG_CONFIG_PATH=$libdir/pkgconfig)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ -f "$PKG_CONFIG_PATH/outpost-client.pc" ] || fail "$PKG_CONFIG_PATH/outpost-client.pc is missing"
[ "$(pkg-config --variable=prefix outpost-client)" = "$prefix" ] ||
  fail "outpost-client.pc has prefix '$(pkg-config --variable=prefix outpost-client)', not the install prefix $prefix"
[ "$(pkg-config --modversion outpost-client)" = "$version" ] ||
  fail "outpost-client.pc says version $(pkg-config --modversion outpost-client), the CMake package $version"
pc_binary="$work/sdk-hello-pc"
# shellcheck disable=SC2046  # word splitting of pkg-config's flags is the point
(cd "$example" && "$cxx" -std=c++20 main.cpp -o "$pc_binary" $(pkg-config --cflags --libs outpost-client)) ||
  fail "g++ -std=c++20 main.cpp \$(pkg-config --cflags --libs outpost-client) failed"
[ "$(loaded_from "$pc_binary" LD_LIBRARY_PATH="$libdir")" = "$libdir/$soname" ] ||
  fail "with LD_LIBRARY_PATH=$libdir the pkg-config build loads $soname from '$(loaded_from "$pc_binary" LD_LIBRARY_PATH="$libdir")'"

# --- 5. A hub to run them against: TLS on a random loopback address, ports from the ready file.
step "outpost-hub with TLS"
read -r b1 b2 b3 < <(od -An -N3 -tu1 /dev/urandom)
address="127.$((1 + b1 % 250)).$((1 + b2 % 250)).$((1 + b3 % 250))"
(
  cd "$work"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sdk-hello test CA" -keyout ca.key -out ca.pem
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:$address,DNS:localhost" -addext basicConstraints=CA:FALSE \
    -CA ca.pem -CAkey ca.key -keyout server.key -out server.pem
) > "$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; fail "openssl could not make the test certificates"; }
hello_key=$(openssl rand -base64 32)
listener_key=$(openssl rand -base64 32)
cat > "$work/identities.json" <<JSON
[ { "deviceId": "edge1", "moduleId": "hello", "primaryKey": "$hello_key" },
  { "deviceId": "edge1", "moduleId": "listener", "primaryKey": "$listener_key" } ]
JSON
cat > "$work/edgehub.json" <<'JSON'
{ "schemaVersion": "1.1",
  "routes": { "helloToListener": "FROM /messages/modules/hello/outputs/output1 INTO BrokeredEndpoint(\"/modules/listener/inputs/input1\")" } }
JSON
cat > "$work/hub.yaml" <<YAML
hostname: myhub.local
device_id: edge1
listen: { mqtt: "$address:0", mqtts: "$address:0", metrics: "$address:0" }
tls: { cert: server.pem, key: server.key }
storage: { folder: hub-data }
identities: identities.json
desired: edgehub.json
log_level: debug
YAML
"$hub_bin" --config "$work/hub.yaml" --ready-file "$work/ready.json" > "$work/hub.log" 2>&1 &
hub_pid=$!
hub_ready() {
  kill -0 "$hub_pid" 2>/dev/null || fail "outpost-hub exited at start"
  [ -s "$work/ready.json" ]
}
wait_for 20 "outpost-hub to write its ready file" hub_ready
port() { grep -o "\"$1\":[0-9]*" "$work/ready.json" | cut -d: -f2; }
mqtt=$(port mqtt)
mqtts=$(port mqtts)
metrics=$(port metrics)
[ -n "$mqtt" ] && [ -n "$mqtts" ] && [ -n "$metrics" ] || fail "the ready file lacks a port: $(cat "$work/ready.json")"
connection_string="HostName=myhub.local;DeviceId=edge1;ModuleId=hello;SharedAccessKey=$hello_key;GatewayHostName=$address:$mqtts"

# --- 6. Run them: the CMake build with OUTPOST_CONNECTION_STRING; the pkg-config build with
# what fromEnvironment() reads when that is unset (EdgeHubConnectionString, as IoT Edge sets it).
check_output() {  # check_output NAME: the module's stdout in $work/NAME.out
  grep -q '^connected as edge1/hello$' "$work/$1.out" || fail "$1 did not say it connected: $(cat "$work/$1.out")"
  grep -q '^sent "hello from sdk-hello" on output1$' "$work/$1.out" || fail "$1 did not say it sent: $(cat "$work/$1.out")"
  grep -q '^twin: {.*"desired"' "$work/$1.out" || fail "$1 printed no twin with desired properties: $(cat "$work/$1.out")"
  grep -q '^twin: {.*"reported"' "$work/$1.out" || fail "$1 printed no twin with reported properties: $(cat "$work/$1.out")"
}
step "run the CMake build (OUTPOST_CONNECTION_STRING, OUTPOST_CA_FILE)"
status=0
env -u LD_LIBRARY_PATH -u EdgeHubConnectionString -u IotHubConnectionString \
  OUTPOST_CONNECTION_STRING="$connection_string" OUTPOST_CA_FILE="$work/ca.pem" \
  timeout 90 "$cmake_binary" > "$work/cmake-build.out" 2> "$work/cmake-build.err" || status=$?
[ "$status" -eq 0 ] || fail "sdk-hello (CMake build) exited $status: $(cat "$work/cmake-build.out" "$work/cmake-build.err")"
check_output cmake-build
cat "$work/cmake-build.out"

step "run the pkg-config build (fromEnvironment: EdgeHubConnectionString, EdgeModuleCACertificateFile)"
status=0
env -u OUTPOST_CONNECTION_STRING -u OUTPOST_CA_FILE -u IotHubConnectionString LD_LIBRARY_PATH="$libdir" \
  EdgeHubConnectionString="$connection_string" EdgeModuleCACertificateFile="$work/ca.pem" \
  timeout 90 "$pc_binary" > "$work/pc-build.out" 2> "$work/pc-build.err" || status=$?
[ "$status" -eq 0 ] || fail "sdk-hello (pkg-config build) exited $status: $(cat "$work/pc-build.out" "$work/pc-build.err")"
check_output pc-build

step "run with a key the hub refuses: exit 1 with the error and its code"
status=0
refused="HostName=myhub.local;DeviceId=edge1;ModuleId=hello;SharedAccessKey=$listener_key;GatewayHostName=$address:$mqtts"
env -u LD_LIBRARY_PATH OUTPOST_CONNECTION_STRING="$refused" OUTPOST_CA_FILE="$work/ca.pem" \
  timeout 90 "$cmake_binary" > "$work/refused.out" 2> "$work/refused.err" || status=$?
[ "$status" -eq 1 ] || fail "sdk-hello with a wrong key exited $status, not 1: $(cat "$work/refused.out" "$work/refused.err")"
grep -q '^sdk-hello: .*(auth_refused)$' "$work/refused.err" || fail "no auth_refused error printed: $(cat "$work/refused.err")"
cat "$work/refused.err"

# --- 7. What the hub saw: two messages from edge1/hello on output1, routed to listener's input1.
step "the hub counted both messages and routed them"
received_two() {
  curl -s --max-time 5 "http://$address:$metrics/metrics" > "$work/metrics.txt" || return 1
  grep -E '^edgehub_messages_received_total\{[^}]*route_output="output1"[^}]*id="edge1/hello"[^}]*\} 2$' \
    "$work/metrics.txt" >/dev/null
}
wait_for 10 "edgehub_messages_received_total{route_output=\"output1\",id=\"edge1/hello\"} to be 2" received_two
if command -v mosquitto_sub >/dev/null 2>&1; then
  token=$("$cli_bin" sas-token --hub myhub.local --device edge1 --module listener --key "$listener_key")
  mosquitto_sub -h "$address" -p "$mqtt" -q 1 -v -C 2 -W 20 -i edge1/listener \
    -u 'myhub.local/edge1/listener/?api-version=2021-04-12' -P "$token" \
    -t 'devices/edge1/modules/listener/inputs/#' > "$work/listener.out" 2>&1 ||
    fail "module listener did not get the two routed messages within 20 s: $(cat "$work/listener.out")"
  [ "$(grep -c '^devices/edge1/modules/listener/inputs/input1/.*%24.cmid=hello.* hello from sdk-hello$' "$work/listener.out")" -eq 2 ] ||
    fail "the routed messages are not sdk-hello's: $(cat "$work/listener.out")"
else
  echo "sdk-hello: NOTE: mosquitto_sub is not installed; the routed messages were not read (the counter was checked)"
fi

echo "sdk-hello: ok (SDK $version in a temp prefix; its CMake and pkg-config builds ran against outpost-hub)"

#!/usr/bin/env bash
# Module -> hub -> module through the Outpost module SDK (C++, bench/sdk/sdk_module_bench.cpp)
# and through the official Azure IoT Node SDK (bench/node/sdk_module_bench.js), side by side
# in one run against one outpost-hub (durable store, group-commit fsync), with outpost-load
# (raw pipelined MQTT, bench/load) through the same hub as the reference for what the hub
# itself carries: over TLS like the SDKs (the mqtts listener) and over plain TCP. Each
# client: latency at a fixed rate, then throughput with a window of 100 unacknowledged
# messages; each SDK's throughput again with A and B in two processes, as deployed. Prints
# the raw JSON lines and a Markdown table for docs/PERFORMANCE.md, and the ratio SDK max /
# outpost-load max. Asserts nothing about time: a run fails only when a tool fails.
#
#   bench/scripts/sdk_vs_node.sh [build dir]
#   env: RATE (1000) RATE_SECONDS (10) MAX_SECONDS (10) SIZE (256) WINDOW (100)
#        LOAD_COUNT (messages for outpost-load at max rate, 300000) REPEAT (1)
#        KEEP=1 keeps the work folder (hub log, each tool's output) in /tmp
#   needs: cmake --build build --target outpost-hub outpost-load outpost-sdk-bench, and
#          tests/node/node_modules (npm ci in tests/node)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$BUILD/bin
RATE=${RATE:-1000}
RATE_SECONDS=${RATE_SECONDS:-10}
MAX_SECONDS=${MAX_SECONDS:-10}
SIZE=${SIZE:-256}
WINDOW=${WINDOW:-100}
LOAD_COUNT=${LOAD_COUNT:-300000}
REPEAT=${REPEAT:-1}
NODE_BENCH=$SRC/bench/node/sdk_module_bench.js
for f in "$BIN/outpost-hub" "$BIN/outpost-load" "$BIN/outpost-sdk-bench"; do
  [ -x "$f" ] || { echo "missing $f (cmake --build $BUILD --target $(basename "$f"))" >&2; exit 2; }
done
[ -d "$SRC/tests/node/node_modules/azure-iot-device" ] || { echo "missing tests/node/node_modules (npm ci in tests/node)" >&2; exit 2; }

DIR=$(mktemp -d /tmp/outpost-sdkbench-XXXXXX)
HUB_PID=
trap '[ -n "$HUB_PID" ] && kill $HUB_PID 2>/dev/null; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] && echo "kept $DIR" >&2 || rm -rf "$DIR"' EXIT
cd "$DIR"
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; exit 1; }
key() { head -c 32 /dev/urandom | base64; }
# The hub's CPU time so far (user + system), in clock ticks.
hub_ticks() { awk '{print $14 + $15}' /proc/$HUB_PID/stat; }
TICK=$(getconf CLK_TCK)

# A throw-away CA and a server certificate for 127.0.0.1 (both SDKs verify the hub's name).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=Outpost bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null

# Three pairs of modules, one route each: a pair's queue never holds another tool's messages.
declare -A KEYS
for m in cppA cppB nodeA nodeB loadA loadB; do KEYS[$m]=$(key); done
python3 - "${KEYS[cppA]}" "${KEYS[cppB]}" "${KEYS[nodeA]}" "${KEYS[nodeB]}" "${KEYS[loadA]}" "${KEYS[loadB]}" <<'PY'
import json, sys
names = ["cppA", "cppB", "nodeA", "nodeB", "loadA", "loadB"]
json.dump([{"deviceId": "edge1", "moduleId": n, "primaryKey": k} for n, k in zip(names, sys.argv[1:])],
          open("identities.json", "w"))
route = 'FROM /messages/modules/{0}A/outputs/{1} INTO BrokeredEndpoint("/modules/{0}B/inputs/{2}")'
json.dump({"schemaVersion": "1.1",
           "routes": {"cpp": route.format("cpp", "out", "in"), "node": route.format("node", "out", "in"),
                      "load": route.format("load", "out1", "in1")},
           "storeAndForwardConfiguration": {"timeToLiveSecs": 7200}}, open("edgehub.json", "w"))
PY
cat > hub.yaml <<YAML
hostname: sdkbench.local
device_id: edge1
listen: { mqtt: "127.0.0.1:0", mqtts: "127.0.0.1:0" }
tls: { cert: server.pem, key: server.key }
storage: { folder: hubstore }
identities: identities.json
desired: edgehub.json
log_level: warning
YAML
"$BIN/outpost-hub" --config hub.yaml --ready-file hub.ready > hub.log 2>&1 &
HUB_PID=$!
wait_file hub.ready
MQTT=$(json hub.ready '["mqtt"]')
MQTTS=$(json hub.ready '["mqtts"]')
cs() { echo "HostName=sdkbench.local;DeviceId=edge1;ModuleId=$1;SharedAccessKey=${KEYS[$1]};GatewayHostName=127.0.0.1:$MQTTS"; }

# run NAME command...: the tool's JSON line in $DIR/NAME.json (or {} when it failed), the
# hub's CPU microseconds during the run in $DIR/NAME.hub.
run() {
  local name=$1; shift
  local t0; t0=$(hub_ticks)
  if "$@" > "$name.out" 2> "$name.err"; then :; else
    echo "run $name failed (exit $?)" >&2
  fi
  echo $(( ($(hub_ticks) - t0) * 1000000 / TICK )) > "$name.hub"
  local line; line=$(grep '^{' "$name.out" | tail -1 || true)
  [ -n "$line" ] || line='{}'
  echo "$line" > "$name.json"
  [ -s "$name.err" ] && sed "s/^/  $name stderr: /" "$name.err" | head -20 >&2
  echo "raw: $name $(cat "$name.json")"
}

sdk_args() { echo --sender-cs "$(cs "$1A")" --receiver-cs "$(cs "$1B")" --ca ca.pem --size "$SIZE" --window "$WINDOW"; }

# run_split NAME PAIR command...: the same bench with module A and module B in two processes
# (as modules are deployed), at max rate; NAME.json is the receiver's line with the sender's
# counts and the CPU of both processes.
run_split() {
  local name=$1 pair=$2; shift 2
  local t0 tag=$name$RANDOM; t0=$(hub_ticks)
  rm -f "$name.ready"
  "$@" --role receive --tag "$tag" --ready-file "$name.ready" --receiver-cs "$(cs "${pair}B")" --ca ca.pem \
    --size "$SIZE" --window "$WINDOW" --rate 0 --seconds "$MAX_SECONDS" > "$name.recv.out" 2> "$name.err" &
  local receiver=$!
  for _ in $(seq 600); do [ -s "$name.ready" ] && break; kill -0 $receiver 2>/dev/null || break; sleep 0.05; done
  "$@" --role send --tag "$tag" --sender-cs "$(cs "${pair}A")" --ca ca.pem --size "$SIZE" --window "$WINDOW" \
    --rate 0 --seconds "$MAX_SECONDS" > "$name.send.out" 2>> "$name.err" || echo "run $name: the sender failed" >&2
  wait $receiver || echo "run $name: the receiver failed" >&2
  echo $(( ($(hub_ticks) - t0) * 1000000 / TICK )) > "$name.hub"
  python3 - "$name" <<'PY'
import json, sys
name = sys.argv[1]
def line(path):
    try: return json.loads([l for l in open(path) if l.startswith("{")][-1])
    except (OSError, IndexError, ValueError): return {}
recv, send = line(f"{name}.recv.out"), line(f"{name}.send.out")
if recv and send:
    recv.update(sent=send["sent"], acked=send["acked"], sender_cpu_s=send["cpu_s"], receiver_cpu_s=recv["cpu_s"])
    recv["cpu_us_per_msg"] = (send["cpu_s"] + recv["cpu_s"]) * 1e6 / max(recv["received"], 1)
    recv["switches_per_msg"] = send["switches_per_msg"] * send["acked"] / max(recv["received"], 1) + recv["switches_per_msg"]
json.dump(recv if send else {}, open(f"{name}.json", "w"))
PY
  [ -s "$name.err" ] && sed "s/^/  $name stderr: /" "$name.err" | head -20 >&2
  echo "raw: $name $(cat "$name.json")"
}
load_args=(--iothub-host sdkbench.local --pub-identity edge1/loadA --pub-key "${KEYS[loadA]}"
           --sub-identity edge1/loadB --sub-key "${KEYS[loadB]}" --size "$SIZE" --qos 1 --window "$WINDOW" --timeout 600)

one_round() {
  local r=$1
  # outpost-load's CPU from /usr/bin/time (it does not report it); the SDK benches report their own.
  run "loadtls_max$r" /usr/bin/time -o "loadtls_max$r.time" -f '%U %S' \
    "$BIN/outpost-load" pubsub --port "$MQTTS" --tls-ca ca.pem "${load_args[@]}" --count "$LOAD_COUNT"
  run "load_max$r" /usr/bin/time -o "load_max$r.time" -f '%U %S' \
    "$BIN/outpost-load" pubsub --port "$MQTT" "${load_args[@]}" --count "$LOAD_COUNT"
  run "cpp_rate$r" "$BIN/outpost-sdk-bench" $(sdk_args cpp) --rate "$RATE" --seconds "$RATE_SECONDS"
  run "cpp_max$r" "$BIN/outpost-sdk-bench" $(sdk_args cpp) --rate 0 --seconds "$MAX_SECONDS"
  run "node_rate$r" node "$NODE_BENCH" $(sdk_args node) --rate "$RATE" --seconds "$RATE_SECONDS"
  run "node_max$r" node "$NODE_BENCH" $(sdk_args node) --rate 0 --seconds "$MAX_SECONDS"
  run_split "cpp_split$r" cpp "$BIN/outpost-sdk-bench"
  run_split "node_split$r" node node "$NODE_BENCH"
  run "loadtls_rate$r" "$BIN/outpost-load" pubsub --port "$MQTTS" --tls-ca ca.pem "${load_args[@]}" \
    --count $((RATE * RATE_SECONDS)) --rate "$RATE"
  run "load_rate$r" "$BIN/outpost-load" pubsub --port "$MQTT" "${load_args[@]}" --count $((RATE * RATE_SECONDS)) --rate "$RATE"
}

# The table of round $1, from the JSON lines and CPU figures left in $DIR.
table() {
  python3 - "$1" "$RATE" "$WINDOW" "$(date -u +%F)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, os, sys
r, rate, window, day, load = sys.argv[1:]
def get(name):
    try: return json.load(open(f"{name}{r}.json"))
    except (OSError, ValueError): return {}
def lat(d):
    l = d.get("latency_us")
    return f"{l['p50']:.0f} / {l['p99']:.0f} / {l['max']:,.0f} µs" if l else "failed"
def tp(d): return f"{d['throughput_msg_s']:,.0f} msg/s" if "throughput_msg_s" in d else "failed"
def counts(d):
    if "received" not in d: return "failed"
    sent = d.get("sent", d.get("acked", 0))
    return f"{sent:,} / {d['received']:,} / {d.get('lost', max(sent - d['received'], 0)):,}"
def hubcpu(name, d):
    us = int(open(f"{name}{r}.hub").read())
    return f"{us / d['received']:.1f} µs" if d.get("received") else "?"
def clientcpu(name, d):
    if not d.get("received"): return "?"
    if os.path.exists(f"{name}{r}.time"):
        user, system = map(float, open(f"{name}{r}.time").read().split()[:2])
        return f"{(user + system) * 1e6 / d['received']:.1f} µs (whole run)"
    return f"{d['cpu_us_per_msg']:.1f} µs, {d['switches_per_msg']:.1f} context switches"
cr, cm, nr, nm, tr, tm, lr, lm, cs, ns = (get(n) for n in ("cpp_rate", "cpp_max", "node_rate", "node_max",
                                                           "loadtls_rate", "loadtls_max", "load_rate", "load_max",
                                                           "cpp_split", "node_split"))
node_sdk = nr.get("sdk") or nm.get("sdk") or "azure-iot-device"
rows = [
    (f"{day}, load average {load}", "Outpost SDK (C++)", "Node SDK", "outpost-load, TLS", "outpost-load, plain TCP"),
    ("---",) * 5,
    ("client", "libOutpostClient (its own MQTT link: Asio, OpenSSL, one I/O thread)", node_sdk, "raw pipelined MQTT, one thread", "the same"),
    (f"latency p50 / p99 / max at {int(rate):,} msg/s", lat(cr), lat(nr), lat(tr), lat(lr)),
    (f"sent / received / lost at {int(rate):,} msg/s", counts(cr), counts(nr), counts(tr), counts(lr)),
    (f"max throughput, window {window} (received)", f"**{tp(cm)}**", tp(nm), tp(tm), tp(lm)),
    ("sent / received / lost at max", counts(cm), counts(nm), counts(tm), counts(lm)),
    ("client CPU per message at max (both modules in one process)", clientcpu("cpp_max", cm), clientcpu("node_max", nm),
     clientcpu("loadtls_max", tm), clientcpu("load_max", lm)),
    ("hub CPU per message at max", hubcpu("cpp_max", cm), hubcpu("node_max", nm), hubcpu("loadtls_max", tm), hubcpu("load_max", lm)),
    ("max throughput, A and B in two processes", tp(cs), tp(ns), "", ""),
    ("sent / received / lost, two processes", counts(cs), counts(ns), "", ""),
    ("client CPU per message, two processes (A + B)", clientcpu("cpp_split", cs), clientcpu("node_split", ns), "", ""),
]
print()
for row in rows: print("| " + " | ".join(row) + " |")
print()
c, n, t, l, c2, n2 = (d.get("throughput_msg_s") for d in (cm, nm, tm, lm, cs, ns))
for name, x in (("C++ SDK", c), ("Node SDK", n), ("C++ SDK, two processes,", c2), ("Node SDK, two processes,", n2)):
    for ref_name, ref in (("outpost-load TLS", t), ("outpost-load plain TCP", l)):
        if x and ref: print(f"ratio {name} max / {ref_name} max: {x / ref:.2f} ({x:,.0f} / {ref:,.0f} msg/s)")
if c and n: print(f"C++ SDK / Node SDK at max: {c / n:.2f}")
PY
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r);" \
     "node $(node --version); tree $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo "?")" \
     "$(git -C "$SRC" status --porcelain 2>/dev/null | grep -q . && echo '(uncommitted changes in the tree)')"
for r in $(seq "$REPEAT"); do
  one_round "$r"
  table "$r"
done
if grep -qiE 'error|warn' hub.log; then echo "hub log (warnings and errors):"; grep -iE 'error|warn' hub.log | tail -20; fi

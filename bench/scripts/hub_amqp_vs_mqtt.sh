#!/usr/bin/env bash
# Module A -> route -> module B through one outpost-hub (durable store, default group-commit
# fsync) listening for MQTT and AMQP 1.0 (plain TCP, loopback), both protocols in one run:
# throughput (pipelined, window 100 and 1000; AMQP: the hub settles each message once it is
# durable, as its PUBACK), latency p50/p99 at a fixed 1,000 msg/s, the hub's CPU time a
# message, and the hub's RSS idle,
# with CLIENTS idle module connections of each protocol, after each protocol's load, and its
# peak. Prints a Markdown table.
#
#   bench/scripts/hub_amqp_vs_mqtt.sh [build dir]      (make build first)
#   COUNT=50000 RATE_COUNT=10000 bench/scripts/hub_amqp_vs_mqtt.sh    (a quick run)
set -euo pipefail
BUILD=${1:-build}
LOAD=$BUILD/bin/outpost-load
HUB=$BUILD/bin/outpost-hub
COUNT=${COUNT:-200000}
RATE_COUNT=${RATE_COUNT:-20000}
SIZE=${SIZE:-256}
CLIENTS=${CLIENTS:-20}
WORK=$(mktemp -d /tmp/outpost-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/broker_bench_lib.sh"

key() { head -c 32 /dev/urandom | base64; }
KEY_A=$(key); KEY_B=$(key); KEY_C=$(key)  # C: the idle modules

# ---- one hub, two listeners; modules M1..Mn (MQTT), Q1..Qn (AMQP) and W1 only connect ----
MQTT_PORT=$(free_port); AMQP_PORT=$(free_port); METRICS_PORT=$(free_port)
{
  printf '[{"deviceId":"edge1","moduleId":"A","primaryKey":"%s"},{"deviceId":"edge1","moduleId":"B","primaryKey":"%s"}' "$KEY_A" "$KEY_B"
  for i in $(seq "$CLIENTS"); do printf ',{"deviceId":"edge1","moduleId":"%s%s","primaryKey":"%s"}' M "$i" "$KEY_C" Q "$i" "$KEY_C"; done
  printf ',{"deviceId":"edge1","moduleId":"W1","primaryKey":"%s"}' "$KEY_C"
  echo ']'
} > "$WORK/identities.json"
cat > "$WORK/edgehub.json" <<'JSON'
{"schemaVersion":"1.1","routes":{"AtoB":"FROM /messages/modules/A/outputs/out1 INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"},
 "storeAndForwardConfiguration":{"timeToLiveSecs":7200}}
JSON
cat > "$WORK/hub.yaml" <<YAML
hostname: myhub.local
device_id: edge1
listen: { mqtt: "127.0.0.1:$MQTT_PORT", amqp: "127.0.0.1:$AMQP_PORT", metrics: "127.0.0.1:$METRICS_PORT" }
storage: { folder: $WORK/hubstore }
identities: identities.json
desired: edgehub.json
log_level: warning
YAML
$HUB --config "$WORK/hub.yaml" > "$WORK/hub.log" 2>&1 &
HUB_PID=$!
wait_port $MQTT_PORT; wait_port $AMQP_PORT; wait_port $METRICS_PORT
sleep 1
HUB_IDLE=$(rss_kb $HUB_PID)

connected_clients() {
  curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^edgehub_connected_clients[ {]/ {print int($NF)}'
}
# The hub's RSS (kB) once $4 idle modules $3{1..$4} of protocol $1 (on port $2) are connected;
# they leave afterwards. Each waits on its inputs, as a module does.
rss_with_clients() {
  local pids=() i
  for i in $(seq "$4"); do
    $LOAD subscribe --protocol "$1" --port "$2" --iothub-host myhub.local --sub-identity "edge1/$3$i" --sub-key "$KEY_C" \
      --count 1 --timeout 600 > /dev/null 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 300); do [ "$(connected_clients)" = "$4" ] && break; sleep 0.1; done
  [ "$(connected_clients)" = "$4" ] || { echo "only $(connected_clients) of $4 $1 clients connected" >&2; exit 1; }
  sleep 1
  rss_kb $HUB_PID
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 100); do [ "$(connected_clients)" = "0" ] && break; sleep 0.1; done
}
# One module over each protocol first: what the first connection of a kind costs once is not
# a connection's cost.
rss_with_clients mqtt $MQTT_PORT W 1 > /dev/null; rss_with_clients amqp $AMQP_PORT W 1 > /dev/null
MQTT_BEFORE=$(rss_kb $HUB_PID); MQTT_CLIENTS=$(rss_with_clients mqtt $MQTT_PORT M "$CLIENTS")
AMQP_BEFORE=$(rss_kb $HUB_PID); AMQP_CLIENTS=$(rss_with_clients amqp $AMQP_PORT Q "$CLIENTS")

# ---- load: each protocol's runs together, MQTT first ----
cpu_ticks() { awk '{print $14 + $15}' /proc/$HUB_PID/stat; }  # the hub's user + system time
run() {  # protocol port extra-args...
  local protocol=$1 port=$2; shift 2
  $LOAD pubsub --protocol "$protocol" --port "$port" --iothub-host myhub.local --pub-identity edge1/A --pub-key "$KEY_A" \
    --sub-identity edge1/B --sub-key "$KEY_B" --size "$SIZE" --timeout 600 "$@"
}
T0=$(cpu_ticks)
MQTT_TP100=$(run mqtt $MQTT_PORT --count $COUNT --window 100)
MQTT_TP1000=$(run mqtt $MQTT_PORT --count $COUNT --window 1000)
MQTT_CPU=$(( $(cpu_ticks) - T0 ))
MQTT_LAT=$(run mqtt $MQTT_PORT --count $RATE_COUNT --rate 1000 --window 100)
MQTT_AFTER=$(rss_kb $HUB_PID); MQTT_PEAK=$(hwm_kb $HUB_PID)
T0=$(cpu_ticks)
AMQP_TP100=$(run amqp $AMQP_PORT --count $COUNT --window 100)
AMQP_TP1000=$(run amqp $AMQP_PORT --count $COUNT --window 1000)
AMQP_CPU=$(( $(cpu_ticks) - T0 ))
AMQP_LAT=$(run amqp $AMQP_PORT --count $RATE_COUNT --rate 1000 --window 100)
AMQP_AFTER=$(rss_kb $HUB_PID); AMQP_PEAK=$(hwm_kb $HUB_PID)
kill $HUB_PID; wait $HUB_PID 2>/dev/null || true

for r in MQTT_TP100 MQTT_TP1000 MQTT_LAT AMQP_TP100 AMQP_TP1000 AMQP_LAT; do echo "raw: $r ${!r}"; done
echo "raw: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
tp() { echo "$(field "$1" 'round(d["throughput_msg_s"])') msg/s"; }
lat() { echo "$(field "$1" 'd["latency_us"]["p50"]') / $(field "$1" 'd["latency_us"]["p99"]') µs"; }
cpu_us() { echo "$(( $1 * 1000000 / $(getconf CLK_TCK) / (2 * COUNT) )) µs"; }  # over both throughput runs
clients() { echo "$(mb $2) MB (+$(( ($2 - $1) / CLIENTS )) kB a client)"; }
echo
echo "| $(date -u +%F), outpost-hub, module→module, ${SIZE} B, durable | MQTT 3.1.1 (QoS 1) | AMQP 1.0 (settled on durable) |"
echo "|---|---|---|"
echo "| throughput, window 100 | $(tp "$MQTT_TP100") | $(tp "$AMQP_TP100") |"
echo "| throughput, window 1000 | $(tp "$MQTT_TP1000") | $(tp "$AMQP_TP1000") |"
echo "| latency p50 / p99 at 1,000 msg/s | $(lat "$MQTT_LAT") | $(lat "$AMQP_LAT") |"
echo "| hub CPU (user + system) a message, throughput runs | $(cpu_us $MQTT_CPU) | $(cpu_us $AMQP_CPU) |"
echo "| hub RSS idle | $(mb $HUB_IDLE) MB | (same hub) |"
echo "| hub RSS with $CLIENTS idle modules connected | $(clients $MQTT_BEFORE $MQTT_CLIENTS) | $(clients $AMQP_BEFORE $AMQP_CLIENTS) |"
echo "| hub RSS after the protocol's load / peak so far (MQTT ran first) | $(mb $MQTT_AFTER) / $(mb $MQTT_PEAK) MB | $(mb $AMQP_AFTER) / $(mb $AMQP_PEAK) MB |"

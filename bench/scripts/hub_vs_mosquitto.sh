#!/usr/bin/env bash
# Module -> module QoS 1 through outpost-hub (durable store, default group-commit fsync) and
# the same traffic through Debian's mosquitto (in memory), in one run, on this machine.
# Measures: throughput (pipelined, window 100), latency p50/p99 at a fixed 1,000 msg/s,
# RSS idle and the peak RSS under load. Prints a Markdown table for docs/PERFORMANCE.md.
#
#   bench/scripts/hub_vs_mosquitto.sh [build dir]      (make build first)
set -euo pipefail
BUILD=${1:-build}
LOAD=$BUILD/bin/outpost-load
HUB=$BUILD/bin/outpost-hub
COUNT=${COUNT:-200000}
RATE_COUNT=${RATE_COUNT:-20000}
SIZE=${SIZE:-256}
WORK=$(mktemp -d /tmp/outpost-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/broker_bench_lib.sh"

key() { head -c 32 /dev/urandom | base64; }
KEY_A=$(key); KEY_B=$(key)

# ---- outpost-hub ----
HUB_PORT=$(free_port)
cat > "$WORK/identities.json" <<JSON
[{"deviceId":"edge1","moduleId":"A","primaryKey":"$KEY_A"},{"deviceId":"edge1","moduleId":"B","primaryKey":"$KEY_B"}]
JSON
cat > "$WORK/edgehub.json" <<'JSON'
{"schemaVersion":"1.1","routes":{"AtoB":"FROM /messages/modules/A/outputs/out1 INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"},
 "storeAndForwardConfiguration":{"timeToLiveSecs":7200}}
JSON
cat > "$WORK/hub.yaml" <<YAML
hostname: myhub.local
device_id: edge1
listen: { mqtt: "127.0.0.1:$HUB_PORT" }
storage: { folder: $WORK/hubstore }
identities: identities.json
desired: edgehub.json
log_level: warning
YAML
$HUB --config "$WORK/hub.yaml" > "$WORK/hub.log" 2>&1 &
HUB_PID=$!
wait_port $HUB_PORT
sleep 1
HUB_IDLE=$(rss_kb $HUB_PID)
hub_args=(--port $HUB_PORT --iothub-host myhub.local --pub-identity edge1/A --pub-key "$KEY_A"
          --sub-identity edge1/B --sub-key "$KEY_B" --size $SIZE --qos 1 --timeout 600)
HUB_TP=$($LOAD pubsub "${hub_args[@]}" --count $COUNT --window 100)
HUB_LAT=$($LOAD pubsub "${hub_args[@]}" --count $RATE_COUNT --rate 1000 --window 100)
HUB_PEAK=$(hwm_kb $HUB_PID)
kill $HUB_PID; wait $HUB_PID 2>/dev/null || true

# ---- mosquitto ----
start_mosquitto
MQ_IDLE=$(rss_kb $MQ_PID)
mq_args=(--port $MQ_PORT --pub-client-id edge1/A --pub-topic devices/edge1/modules/A/messages/events/out1
         --sub-client-id edge1/B --sub-filter devices/edge1/modules/A/messages/events/out1 --size $SIZE --qos 1 --timeout 600)
MQ_TP=$($LOAD pubsub "${mq_args[@]}" --count $COUNT --window 100)
MQ_LAT=$($LOAD pubsub "${mq_args[@]}" --count $RATE_COUNT --rate 1000 --window 100)
MQ_PEAK=$(hwm_kb $MQ_PID)
kill $MQ_PID; wait $MQ_PID 2>/dev/null || true

echo "raw: hub throughput $HUB_TP"
echo "raw: hub 1000/s $HUB_LAT"
echo "raw: mosquitto throughput $MQ_TP"
echo "raw: mosquitto 1000/s $MQ_LAT"
echo
echo "| $(date -u +%F) | outpost-hub (durable, group fsync) | mosquitto $(mosquitto_version) (in memory) |"
echo "|---|---|---|"
echo "| QoS 1 module→module throughput, ${SIZE} B, window 100 | $(field "$HUB_TP" 'round(d["throughput_msg_s"])') msg/s | $(field "$MQ_TP" 'round(d["throughput_msg_s"])') msg/s |"
echo "| latency p50 / p99 at 1,000 msg/s | $(field "$HUB_LAT" 'd["latency_us"]["p50"]') / $(field "$HUB_LAT" 'd["latency_us"]["p99"]') µs | $(field "$MQ_LAT" 'd["latency_us"]["p50"]') / $(field "$MQ_LAT" 'd["latency_us"]["p99"]') µs |"
echo "| RSS idle | $(mb $HUB_IDLE) MB | $(mb $MQ_IDLE) MB |"
echo "| peak RSS under load | $(mb $HUB_PEAK) MB | $(mb $MQ_PEAK) MB |"

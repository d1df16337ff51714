#!/usr/bin/env bash
# Plain MQTT (issue 14): publish -> subscribe on ordinary topics through outpost-hub's broker
# (mqtt_broker, anonymous clients) and through Debian's mosquitto (in memory, TCP_NODELAY), in
# one run, on this machine, with the same load tool and the same wildcard subscription.
# Measures: QoS 1 and QoS 0 throughput (QoS 1 pipelined with a window of 100; QoS 0 unpaced),
# one-way latency p50/p99 at a fixed 1,000 msg/s for each QoS, a fan-out to 1,000 subscribers
# of 'fan/+/t' (QoS 1, 100 msg/s -> 100,000 deliveries/s asked for), RSS idle and peak; and
# QoS 1 throughput and latency to a persistent session (cleanSession=0): the hub puts each
# message in its durable store (fsync per group) before the PUBACK, mosquitto keeps it in memory.
# Prints a Markdown table for docs/PERFORMANCE.md.
#
#   bench/scripts/plain_vs_mosquitto.sh [build dir]      (make build first)
set -euo pipefail
BUILD=${1:-build}
LOAD=$BUILD/bin/outpost-load
HUB=$BUILD/bin/outpost-hub
COUNT=${COUNT:-200000}
RATE_COUNT=${RATE_COUNT:-20000}
SIZE=${SIZE:-256}
FAN_SUBS=${FAN_SUBS:-1000}
FAN_COUNT=${FAN_COUNT:-200}
FAN_RATE=${FAN_RATE:-100}
WORK=$(mktemp -d /tmp/outpost-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/broker_bench_lib.sh"
ulimit -n 8192  # 1,000 subscribers: both ends of each connection live on this machine


# One broker's runs; sets R_* variables. $1: port, $2: pid.
measure() {
  local args=(--port $1 --pub-client-id bench-pub --pub-topic bench/line1/t --sub-client-id bench-sub
              --sub-filter 'bench/+/t' --size $SIZE --timeout 120)
  R_IDLE=$(rss_kb $2)
  R_TP1=$($LOAD pubsub "${args[@]}" --qos 1 --count $COUNT --window 100)
  R_LAT1=$($LOAD pubsub "${args[@]}" --qos 1 --count $RATE_COUNT --rate 1000 --window 100)
  R_TPS=$($LOAD pubsub "${args[@]}" --sub-client-id bench-keeper --sub-clean 0 --qos 1 --count $COUNT --window 100)
  R_LATS=$($LOAD pubsub "${args[@]}" --sub-client-id bench-keeper2 --sub-clean 0 --qos 1 --count $RATE_COUNT \
           --rate 1000 --window 100)
  # QoS 0 may lose messages by design: the line says how many arrived.
  R_TP0=$($LOAD pubsub "${args[@]}" --qos 0 --count $COUNT --timeout 30 || true)
  R_LAT0=$($LOAD pubsub "${args[@]}" --qos 0 --count $RATE_COUNT --rate 1000 --timeout 60 || true)
  R_FAN=$($LOAD fanout --port $1 --subscribers $FAN_SUBS --sub-filter 'fan/+/t' --pub-topic fan/line1/t \
          --count $FAN_COUNT --rate $FAN_RATE --qos 1 --size 64 --timeout 120 || true)
  R_PEAK=$(hwm_kb $2)
}

# ---- outpost-hub: anonymous plain clients on its TCP listener ----
HUB_PORT=$(free_port)
echo '[]' > "$WORK/identities.json"
echo '{"schemaVersion":"1.1","routes":{},"storeAndForwardConfiguration":{"timeToLiveSecs":7200}}' > "$WORK/edgehub.json"
cat > "$WORK/hub.yaml" <<YAML
hostname: myhub.local
device_id: edge1
listen: { mqtt: "127.0.0.1:$HUB_PORT" }
storage: { folder: $WORK/hubstore }
identities: identities.json
desired: edgehub.json
log_level: warning
limits: { max_unauthenticated_connections: 4096 }
mqtt_broker: { allow_anonymous: [mqtt] }
YAML
$HUB --config "$WORK/hub.yaml" > "$WORK/hub.log" 2>&1 &
HUB_PID=$!
wait_port $HUB_PORT
sleep 1
measure $HUB_PORT $HUB_PID
H_IDLE=$R_IDLE H_TP1=$R_TP1 H_LAT1=$R_LAT1 H_TPS=$R_TPS H_LATS=$R_LATS H_TP0=$R_TP0 H_LAT0=$R_LAT0 H_FAN=$R_FAN H_PEAK=$R_PEAK
kill $HUB_PID; wait $HUB_PID 2>/dev/null || true

# ---- mosquitto ----
start_mosquitto
measure $MQ_PORT $MQ_PID
kill $MQ_PID; wait $MQ_PID 2>/dev/null || true

for name in H_TP1 H_LAT1 H_TPS H_LATS H_TP0 H_LAT0 H_FAN R_TP1 R_LAT1 R_TPS R_LATS R_TP0 R_LAT0 R_FAN; do echo "raw: $name ${!name:-(none)}"; done
# Table cells from the tool's JSON lines ("failed" when a run printed nothing).
cell() {
  [ -n "$2" ] || { echo failed; return; }
  python3 - "$1" "$2" <<'PY'
import json, sys
kind, d = sys.argv[1], json.loads(sys.argv[2])
lat = d.get("latency_us", {})
if kind == "tp":
    print(f"{round(d['throughput_msg_s']):,} msg/s ({d['received']:,} received)")
elif kind == "lat":
    print(f"{lat['p50']} / {lat['p99']} µs")
else:
    print(f"{round(d['deliveries_per_s']):,} deliveries/s ({d['deliveries']:,} of {d['expected']:,}), "
          f"p50 / p99 {lat['p50']} / {lat['p99']} µs")
PY
}
tp() { cell tp "$1"; }
lat() { cell lat "$1"; }
fan() { cell fan "$1"; }
echo
echo "| $(date -u +%F) | outpost-hub (plain topics) | mosquitto $(mosquitto_version) (in memory, TCP_NODELAY) |"
echo "|---|---|---|"
echo "| QoS 1 pub→sub throughput, ${SIZE} B, window 100 | $(tp "$H_TP1") | $(tp "$R_TP1") |"
echo "| QoS 1 latency p50 / p99 at 1,000 msg/s | $(lat "$H_LAT1") | $(lat "$R_LAT1") |"
echo "| QoS 1 to a persistent session: throughput (hub: durable before PUBACK) | $(tp "$H_TPS") | $(tp "$R_TPS") |"
echo "| QoS 1 to a persistent session: latency p50 / p99 at 1,000 msg/s | $(lat "$H_LATS") | $(lat "$R_LATS") |"
echo "| QoS 0 pub→sub throughput, ${SIZE} B, unpaced, of $COUNT | $(tp "$H_TP0") | $(tp "$R_TP0") |"
echo "| QoS 0 latency p50 / p99 at 1,000 msg/s | $(lat "$H_LAT0") | $(lat "$R_LAT0") |"
echo "| fan-out: $FAN_SUBS subscribers of fan/+/t, QoS 1, $FAN_RATE msg/s | $(fan "$H_FAN") | $(fan "$R_FAN") |"
echo "| RSS idle / peak | $(mb $H_IDLE) / $(mb $H_PEAK) MB | $(mb $R_IDLE) / $(mb $R_PEAK) MB |"

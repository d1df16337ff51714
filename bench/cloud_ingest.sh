#!/usr/bin/env bash
# Telemetry ingestion rate of outpost-cloud with many connected devices (docs/PERFORMANCE.md).
# Registers DEVICES devices, connects them all over MQTT (plain TCP on loopback, so the
# figure is the cloud's and not TLS's), has each publish COUNT QoS 1 messages of SIZE bytes
# with WINDOW in flight, and reports how fast the cloud acknowledged them. A PUBACK from
# outpost-cloud means the event is durable in its SQLite telemetry log (group commit).
#   usage: bench/cloud_ingest.sh [build dir]   env: DEVICES COUNT WINDOW SIZE FSYNC
set -euo pipefail
BUILD=${1:-build}
DEVICES=${DEVICES:-200}
COUNT=${COUNT:-500}
WINDOW=${WINDOW:-10}
SIZE=${SIZE:-256}
FSYNC=${FSYNC:-true}
CLOUD=$(realpath "$BUILD/bin/outpost-cloud")
LOAD=$(realpath "$BUILD/bin/outpost-load")
OUTPOST=$(realpath "$BUILD/bin/outpost")
DIR=$(mktemp -d /tmp/outpost-cloud-bench-XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

cat > "$DIR/cloud.yaml" <<YAML
hostname: bench.local
listen: { mqtt: "127.0.0.1:0", http: "127.0.0.1:0" }
storage: { folder: store }
telemetry: { fsync: $FSYNC, retention: { max_age_secs: 3600, max_bytes: 0 } }
log_level: warning
YAML
OWNER=$("$CLOUD" --config "$DIR/cloud.yaml" --print-connection-string iothubowner)
DEVICE_KEY=$("$CLOUD" --config "$DIR/cloud.yaml" --print-connection-string device | sed 's/.*SharedAccessKey=//')
"$CLOUD" --config "$DIR/cloud.yaml" --ready-file "$DIR/ready.json" > "$DIR/cloud.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -f "$DIR/ready.json" ] && break; sleep 0.1; done
MQTT=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['mqtt'])" "$DIR/ready.json")
HTTP=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['http'])" "$DIR/ready.json")
TOKEN=$("$OUTPOST" sas-token --connection-string "$OWNER" --ttl 7200)
for i in $(seq 0 $((DEVICES - 1))); do
  curl -sf -o /dev/null -X PUT -H "Authorization: $TOKEN" -H 'Content-Type: application/json' \
       -d '{}' "http://127.0.0.1:$HTTP/devices/bench-$i?api-version=2021-04-12"
done
echo "cloud: $DEVICES devices registered; $DEVICES x $COUNT messages of $SIZE B, window $WINDOW, fsync=$FSYNC" >&2
"$LOAD" fleet --port "$MQTT" --devices "$DEVICES" --device-prefix bench- --count "$COUNT" --window "$WINDOW" \
        --size "$SIZE" --iothub-host bench.local --policy device --policy-key "$DEVICE_KEY"
curl -s "http://127.0.0.1:$HTTP/metrics" | grep -E '^outpost_cloud_(events_stored_total|events_held|telemetry_received_total|connected_clients)' >&2
echo "peak RSS of outpost-cloud: $(grep VmHWM /proc/$PID/status | awk '{print $2 " " $3}')" >&2

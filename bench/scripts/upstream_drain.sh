#!/usr/bin/env bash
# Upstream drain rate after an outage: messages/s from outpost-hub into outpost-cloud, durable
# on both sides (the hub's store keeps each message until the cloud's PUBACK, which the cloud
# sends once the event is in its SQLite store). Steps: cloud up, hub linked, cloud stopped,
# COUNT messages published into the hub (all acknowledged from its store), cloud started
# again, time until the hub's $upstream queue is empty and the cloud has counted them all.
# PROTOCOL=mqtt|amqp picks the hub's upstream protocol; IDENTITIES=n spreads the messages over
# n modules, each of which the hub carries to the cloud on its own behalf (MQTT: a connection
# each; AMQP: sessions of one connection) — the most TCP connections to the cloud seen during
# the drain are printed too.
#   usage: bench/scripts/upstream_drain.sh [build dir]    env: COUNT SIZE WINDOW PROTOCOL IDENTITIES
set -euo pipefail
BUILD=$(realpath "${1:-build}")
COUNT=${COUNT:-100000}
SIZE=${SIZE:-256}
WINDOW=${WINDOW:-256}
PROTOCOL=${PROTOCOL:-mqtt}
IDENTITIES=${IDENTITIES:-1}
BIN=$BUILD/bin
DIR=$(mktemp -d /tmp/outpost-drain-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
cd "$DIR"
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; exit 1; }
# Established TCP connections to these local ports (from /proc: ss needs netlink, not everywhere).
connections_to() {
  awk -v a="$(printf '%04X' "$1")" -v b="$(printf '%04X' "$2")" \
    'NR > 1 && $4 == "01" { split($3, r, ":"); if (r[2] == a || r[2] == b) n++ } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6
}
metric() { curl -s "$1/metrics" | awk -v n="$2" '$0 ~ "^"n"[{ ]" {s+=$NF} END {print s+0}'; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null

cat > cloud.yaml <<YAML
hostname: drain.local
listen: { mqtts: "127.0.0.1:0", amqps: "127.0.0.1:0", http: "127.0.0.1:0" }
tls: { cert: server.pem, key: server.key }
storage: { folder: cloud }
telemetry: { retention: { max_age_secs: 3600, max_bytes: 0 } }
log_level: warning
YAML
OWNER=$("$BIN/outpost-cloud" --config cloud.yaml --print-connection-string iothubowner)
"$BIN/outpost-cloud" --config cloud.yaml --ready-file cloud.ready > cloud.log 2>&1 & pids+=($!); CLOUD_PID=$!
wait_file cloud.ready
CLOUD_HTTP=http://127.0.0.1:$(json cloud.ready '["http"]'); CLOUD_MQTTS=$(json cloud.ready '["mqtts"]'); CLOUD_AMQPS=$(json cloud.ready '["amqps"]')
sed -i "s/mqtts: \"127.0.0.1:0\", amqps: \"127.0.0.1:0\", http: \"127.0.0.1:0\"/mqtts: \"127.0.0.1:$CLOUD_MQTTS\", amqps: \"127.0.0.1:$CLOUD_AMQPS\", http: \"127.0.0.1:${CLOUD_HTTP##*:}\"/" cloud.yaml
api() { curl -sf -X "$1" -H "Authorization: $("$BIN/outpost" sas-token --connection-string "$OWNER")" \
             -H 'Content-Type: application/json' ${3:+--data "$3"} "$CLOUD_HTTP$2?api-version=2021-04-12"; }
api PUT /devices/edge1 '{"capabilities":{"iotEdge":true}}' > /dev/null
EDGEHUB_KEY=$(api GET '/devices/edge1/modules/$edgeHub' | python3 -c 'import json,sys; print(json.load(sys.stdin)["authentication"]["symmetricKey"]["primaryKey"])')
module_key() { api PUT "/devices/edge1/modules/$1" '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["authentication"]["symmetricKey"]["primaryKey"])'; }
A_KEY=$(module_key A)
declare -a KEYS
for i in $(seq 1 "$IDENTITIES"); do KEYS[$i]=$(module_key "M$i"); done
api PATCH '/twins/edge1/modules/$edgeHub' '{"properties":{"desired":{"schemaVersion":"1.1","routes":{"up":"FROM /messages/* INTO $upstream"},"storeAndForwardConfiguration":{"timeToLiveSecs":7200}}}}' > /dev/null

echo '[]' > identities.json
echo '{"schemaVersion":"1.1","routes":{},"storeAndForwardConfiguration":{"timeToLiveSecs":7200}}' > edgehub.json
cat > hub.yaml <<YAML
hostname: drain.local
device_id: edge1
listen: { mqtt: "127.0.0.1:0", metrics: "127.0.0.1:0" }
storage: { folder: hub }
identities: identities.json
desired: edgehub.json
log_level: warning
upstream: { connection_string: "HostName=drain.local;DeviceId=edge1;ModuleId=\$edgeHub;SharedAccessKey=$EDGEHUB_KEY", protocol: $PROTOCOL, mqtt: "127.0.0.1:$CLOUD_MQTTS", amqp: "127.0.0.1:$CLOUD_AMQPS", api: "$CLOUD_HTTP", ca: ca.pem, window: $WINDOW }
YAML
"$BIN/outpost-hub" --config hub.yaml --ready-file hub.ready > hub.log 2>&1 & pids+=($!); HUB_PID=$!
wait_file hub.ready
HUB_MQTT=$(json hub.ready '["mqtt"]'); HUB_HTTP=http://127.0.0.1:$(json hub.ready '["metrics"]')
# Wait until the hub has the routes and the identities from the cloud (A can connect).
for _ in $(seq 100); do
  "$BIN/outpost-load" publish --port "$HUB_MQTT" --iothub-host drain.local --pub-identity edge1/A --pub-key "$A_KEY" --count 1 --size 32 > /dev/null 2>&1 && break
  sleep 0.2
done
for _ in $(seq 100); do [ "$(metric "$CLOUD_HTTP" outpost_cloud_telemetry_received_total)" -ge 1 ] && break; sleep 0.1; done

kill $CLOUD_PID; wait $CLOUD_PID 2>/dev/null || true
echo "cloud stopped; publishing $COUNT messages of $SIZE B into the hub from $IDENTITIES modules" >&2
for i in $(seq 1 "$IDENTITIES"); do
  "$BIN/outpost-load" publish --port "$HUB_MQTT" --iothub-host drain.local --pub-identity "edge1/M$i" --pub-key "${KEYS[$i]}" \
    --count $((COUNT / IDENTITIES)) --size "$SIZE" --window 100 > /dev/null
done
QUEUED=$(metric "$HUB_HTTP" edgehub_queue_length)
echo "hub queue while offline: $QUEUED messages; store $(metric "$HUB_HTTP" outpost_store_bytes) bytes" >&2

T0=$(date +%s.%N)
"$BIN/outpost-cloud" --config cloud.yaml > cloud2.log 2>&1 & pids+=($!)
# The hub reconnects on its own (backoff 1-60 s with jitter): time that separately.
until [ "$(metric "$CLOUD_HTTP" outpost_cloud_telemetry_received_total 2>/dev/null)" -gt 0 ]; do sleep 0.02; done
T1=$(date +%s.%N)
PEAK_CONNECTIONS=0
while [ "$(metric "$HUB_HTTP" edgehub_queue_length)" -gt 0 ]; do
  n=$(connections_to "$CLOUD_MQTTS" "$CLOUD_AMQPS")
  [ "$n" -gt "$PEAK_CONNECTIONS" ] && PEAK_CONNECTIONS=$n
  sleep 0.02
done
T2=$(date +%s.%N)
RECEIVED=$(metric "$CLOUD_HTTP" outpost_cloud_telemetry_received_total)
python3 - "$T0" "$T1" "$T2" "$QUEUED" "$RECEIVED" "$SIZE" "$WINDOW" "$PROTOCOL" "$IDENTITIES" "$PEAK_CONNECTIONS" <<'PY'
import sys
t0, t1, t2, queued, received, size, window = map(float, sys.argv[1:8])
protocol, identities, connections = sys.argv[8], int(sys.argv[9]), int(sys.argv[10])
print(f"| {protocol} | {identities} identities, {int(queued)} queued messages ({int(size)} B), window {int(window)} | "
      f"first delivery {t1 - t0:.2f} s after the cloud started | drained in {t2 - t1:.2f} s: {queued / (t2 - t1):,.0f} msg/s | "
      f"cloud counted {int(received)} | {connections} connections to the cloud |")
PY
echo "hub peak RSS: $(grep VmHWM /proc/$HUB_PID/status | awk '{print $2 " " $3}')" >&2

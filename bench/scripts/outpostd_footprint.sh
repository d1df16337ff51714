#!/usr/bin/env bash
# outpostd's start-up time (exec to sockets ready, as --ready-file reports it) and its
# resident memory idle and with 10 modules, with the process runtime on this machine.
# The agent is a shell script that deploys 10 modules (each /bin/sleep) through the
# management API, as the real agent would. Prints a Markdown table for docs/PERFORMANCE.md.
# No peer runs here: IoT Edge's aziot-edged is not packaged in Debian and its images need a
# registry this machine cannot reach.
#
#   bench/scripts/outpostd_footprint.sh [build dir]      (make build first)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
OUTPOSTD=$BUILD/bin/outpostd
RUNS=${RUNS:-10}
WORK=$(mktemp -d /tmp/outpostd-bench-XXXXXX)
cleanup() {
  pkill -f "outpostd -c $WORK" 2>/dev/null || true
  for f in "$WORK"/home*/modules/*/module.json; do
    [ -f "$f" ] || continue
    pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid",0))' "$f")
    [ "$pid" -gt 0 ] && kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
now_us() { date +%s%6N; }
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
hwm_kb() { awk '/VmHWM/ {print $2}' /proc/$1/status; }

cat > "$WORK/agent.sh" <<'SH'
#!/bin/sh
mgmt=${IOTEDGE_MANAGEMENTURI#unix://}
[ -n "$MODULES" ] || exec sleep 100000
i=1
while [ $i -le "$MODULES" ]; do
  spec="{\"name\":\"m$i\",\"type\":\"docker\",\"config\":{\"settings\":{\"image\":\"bench/sleep:1\",\"createOptions\":{\"Cmd\":[\"100000\"]}},\"env\":[]}}"
  curl -s -o /dev/null --unix-socket "$mgmt" -X POST -H 'Content-Type: application/json' -d "$spec" "http://localhost/modules?api-version=2020-07-07"
  curl -s -o /dev/null --unix-socket "$mgmt" -X POST "http://localhost/modules/m$i/start?api-version=2020-07-07"
  i=$((i+1))
done
echo deployed > deployed
exec sleep 100000
SH
chmod +x "$WORK/agent.sh"

config() {  # $1: home folder, $2: modules the agent deploys
  cat > "$WORK/config-$2.yaml" <<YAML
provisioning: { source: local }
hostname: benchgw
homedir: $1
connect: { management_uri: "unix://$1/run/mgmt.sock", workload_uri: "unix://$1/run/workload.sock" }
runtime: process
log_level: warning
agent: { env: { MODULES: "$2" } }
images: { "mcr.microsoft.com/azureiotedge-agent:*": "process://$WORK/agent.sh", "bench/sleep:*": "process:///bin/sleep" }
YAML
  echo "$WORK/config-$2.yaml"
}

start() {  # $1: config; leaves the start-up time in ms in $MS and the pid in $PID
  rm -f "$WORK/ready.json"
  local t0 t1
  t0=$(now_us)
  "$OUTPOSTD" -c "$1" --ready-file "$WORK/ready.json" >>"$WORK/outpostd.log" 2>&1 &
  PID=$!
  while [ ! -f "$WORK/ready.json" ]; do :; done
  t1=$(now_us)
  MS=$(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))
}
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; }

cold=() warm=()
for i in $(seq "$RUNS"); do
  config "$WORK/home-cold-$i" "" >/dev/null; cfg="$WORK/config-.yaml"
  start "$cfg"; cold+=("$MS"); stop      # first start: makes the keys and the edge CA
  start "$cfg"; warm+=("$MS"); stop      # a restart: loads them
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cfg=$(config "$WORK/home-idle" "")
start "$cfg"
sleep 3
idle_rss=$(rss_kb "$PID"); idle_hwm=$(hwm_kb "$PID"); stop

cfg=$(config "$WORK/home-10" 10)
start "$cfg"
for _ in $(seq 300); do [ -f "$WORK/home-10/modules/edgeAgent/work/deployed" ] && break; sleep 0.1; done
[ -f "$WORK/home-10/modules/edgeAgent/work/deployed" ] || { echo "the agent did not deploy its modules" >&2; cat "$WORK/outpostd.log" >&2; exit 1; }
sleep 3
running=$(curl -s --unix-socket "$WORK/home-10/run/mgmt.sock" "http://localhost/modules?api-version=2020-07-07" | grep -o '"status":"running"' | wc -l)
ten_rss=$(rss_kb "$PID"); ten_hwm=$(hwm_kb "$PID"); stop

echo "| outpostd ($(uname -m), $(nproc) cores) | value |"
echo "|---|---|"
echo "| start-up to sockets ready, first start (keys + edge CA made), median of $RUNS | $(median "${cold[@]}") ms |"
echo "| start-up to sockets ready, restart, median of $RUNS | $(median "${warm[@]}") ms |"
echo "| RSS idle (agent running) | $((idle_rss / 1024)).$((idle_rss % 1024 * 10 / 1024)) MiB (peak $((idle_hwm / 1024)) MiB) |"
echo "| RSS with 10 modules ($running running, agent included) | $((ten_rss / 1024)).$((ten_rss % 1024 * 10 / 1024)) MiB (peak $((ten_hwm / 1024)) MiB) |"

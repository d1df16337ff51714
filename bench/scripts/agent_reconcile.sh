#!/usr/bin/env bash
# outpost-agent's reconcile latency, offline boot and resident memory, as outpostd runs it on a
# device without a cloud (provisioning: local; the deployment is the file beside config.yaml, as
# in tests/agent/agent_process_test.cpp). Modules run `sh -c "exec sleep 600"` (image
# test/shell:1.0, restartPolicy always; busybox's sleep in a container). Prints Markdown tables for docs/PERFORMANCE.md.
#
#   bench/scripts/agent_reconcile.sh <build dir>       (needs outpostd, outpost-agent; no build)
#   RUNTIME=docker bench/scripts/agent_reconcile.sh <build dir>
#
#   RUNTIME  process (default): modules and the agent are processes. docker: as outpostd runs
#            them with `runtime: docker` — the agent is a container too; both run a local image
#            built FROM scratch (Debian's static busybox, outpost-agent and the libraries it
#            links), no registry; a Docker engine is started where none answers.
#   REPEAT   runs of each size and of the boot (default 3); min / median are shown
#   SIZES    module counts (default "1 10 50"; the boot and the RSS use the largest)
#
# Per size: deployment.json is written (tmp + mv) and the clock starts; the management API is
# polled (curl + jq, or python3 without jq) every ~10 ms until every module lists as running.
# The agent's own log line "deployment version V accepted" splits that time into the wait for
# the agent to notice the file (it looks once a second, with its runtime poll) and the
# reconcile proper (accepted → all running: what a twin desired patch costs, which wakes the
# agent at once). Then an empty deployment, timed until no module but edgeAgent is listed.
# Offline boot: outpostd stopped with SIGTERM (the agent stops its modules), started again,
# timed from the start until all modules run. RSS from /proc/<pid>/status.
# The poll itself costs ~20 ms a round (a curl and a jq process) on the same 2 vCPUs: figures
# are good to about ±25 ms. Docker (containers) is not measured yet.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <build dir>" >&2; exit 2; }
BUILD=$(realpath "$1")
REPEAT=${REPEAT:-3}
SIZES=${SIZES:-"1 10 50"}
RUNTIME=${RUNTIME:-process}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for b in outpostd outpost-agent; do [ -x "$BUILD/bin/$b" ] || { echo "$BUILD/bin/$b: not built" >&2; exit 2; }; done
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/agent-reconcile-XXXXXX)
PREFIX=""               # module and container names (Docker's are global on the machine)
AGENT_NAME=edgeAgent
IMAGE=outpost-bench/agent:latest
if [ "$RUNTIME" = docker ]; then
  PREFIX="obench$$-"
  AGENT_NAME="${PREFIX}agent"
fi
HOMEDIR=$WORK/home
MGMT=$WORK/run/mgmt.sock
DAEMON_PID=
cleanup() {
  set +e
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"
    for _ in $(seq 400); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null
    wait "$DAEMON_PID" 2>/dev/null
  fi
  # Modules left running by a daemon that did not stop cleanly: each is its own process group;
  # kill a group only if its leader is still the process module.json names (same start time).
  python3 - "$HOMEDIR" <<'PY' 2>/dev/null
import glob, json, os, signal, sys
for f in glob.glob(sys.argv[1] + "/modules/*/module.json"):
    try:
        m = json.load(open(f))
        pid = int(m.get("pid") or 0)
        if m.get("state") != "running" or pid <= 0:
            continue
        stat = open(f"/proc/{pid}/stat").read()
        if int(stat[stat.rindex(")") + 2:].split()[19]) == int(m.get("startTicks", -1)):
            os.killpg(pid, signal.SIGKILL)
    except Exception:
        pass
PY
  if [ "$RUNTIME" = docker ]; then
    docker ps -aq --filter "name=${PREFIX}" | xargs -r docker rm -f >/dev/null
    docker network rm "${PREFIX}net" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo "${EPOCHREALTIME/./}"; }
ms_between() { echo $(( ($2 - $1) / 1000 )); }  # µs stamps → whole ms
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
agent_pid() {
  if [ "$RUNTIME" = docker ]; then docker inspect -f '{{.State.Pid}}' "$AGENT_NAME"; return; fi
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid") or 0)' "$HOMEDIR/modules/edgeAgent/module.json"
}
agent_log() {
  if [ "$RUNTIME" = docker ]; then docker logs "$AGENT_NAME" 2>&1; return; fi
  cat "$HOMEDIR/modules/edgeAgent/output.log" 2>/dev/null
}

# "running listed": modules other than edgeAgent that list as running, and that list at all.
if command -v jq >/dev/null; then
  PARSER=jq
  count() { jq -r --arg agent "$AGENT_NAME" '[.modules[] | select(.name != $agent)] | "\(map(select(.status.runtimeStatus.status == "running")) | length) \(length)"'; }
else
  PARSER=python3
  count() {
    python3 -c 'import json,sys
m = [x for x in json.load(sys.stdin)["modules"] if x["name"] != sys.argv[1]]
print(sum(((x.get("status") or {}).get("runtimeStatus") or {}).get("status") == "running" for x in m), len(m))' "$AGENT_NAME"
  }
fi
modules_state() {
  local body
  body=$(curl -sf --max-time 5 --unix-socket "$MGMT" "http://localhost/modules?api-version=2020-07-07" 2>/dev/null) || { echo "-1 -1"; return; }
  count <<<"$body" 2>/dev/null || echo "-1 -1"
}
# wait_state RUNNING LISTED [limit s]: polls every ~10 ms; leaves the µs stamp it saw it in $SEEN.
wait_state() {
  local want="$1 $2" limit=${3:-120} start state
  start=$(now_us)
  while :; do
    state=$(modules_state)
    SEEN=$(now_us)
    [ "$state" = "$want" ] && return 0
    if (( SEEN - start > limit * 1000000 )); then
      echo "timed out after ${limit} s waiting for '$want' (running listed), last '$state'" >&2
      tail -n 30 "$WORK/outpostd.log" >&2
      agent_log | tail -n 30 >&2 || true
      exit 1
    fi
    sleep 0.01
  done
}

VERSION=0
# deploy N: writes a deployment of N modules atomically; its $version in $VERSION.
deploy() {
  VERSION=$((VERSION + 1))
  python3 - "$1" "$VERSION" "$PREFIX" "$RUNTIME" >"$WORK/deployment.json.tmp" <<'PY'
import json, sys
n, version, prefix, runtime = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
# The process runtime's program is /bin/sh itself; a container needs it named (no entrypoint),
# and as its PID 1 a shell must take SIGTERM itself, or each stop waits out Docker's grace time.
options = ({"Cmd": ["/bin/sh", "-c", "trap 'exit 0' TERM; /bin/busybox sleep 600 & wait"]} if runtime == "docker"
           else {"Cmd": ["-c", "exec sleep 600"]})
module = {"version": "1.0", "type": "docker", "status": "running", "restartPolicy": "always", "imagePullPolicy": "never",
          "settings": {"image": "test/shell:1.0", "createOptions": json.dumps(options)}}
print(json.dumps({"modulesContent": {
    "$edgeAgent": {"properties.desired": {
        "$version": version, "schemaVersion": "1.1",
        "runtime": {"type": "docker", "settings": {"minDockerVersion": "v1.25"}},
        "systemModules": {"edgeAgent": {"type": "docker",
                                        "settings": {"image": "mcr.microsoft.com/azureiotedge-agent:1.5"}}},
        "modules": {f"{prefix}m{i}": module for i in range(1, n + 1)}}},
    "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": {}}}}}))
PY
  mv "$WORK/deployment.json.tmp" "$WORK/deployment.json"
}
# accepted_us V: the agent's own stamp of "deployment version V accepted" (its log reaches
# output.log through outpostd's spool within a second or two), or empty.
accepted_us() {
  local line
  for _ in $(seq 100); do
    line=$(agent_log | grep -F "agent: deployment version $1 accepted" | tail -n 1 || true)
    if [ -n "$line" ]; then
      # the spool's stamp then the agent's own (process runtime); the agent's alone (docker)
      date -u -d "$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z' <<<"$line" | tail -n 1)" +%s%6N
      return
    fi
    sleep 0.05
  done
}

start_daemon() {  # leaves the µs stamp of the exec in $STARTED, of ready.json in $READY
  rm -f "$WORK/ready.json"
  STARTED=$(now_us)
  "$BUILD/bin/outpostd" -c "$WORK/config.yaml" --ready-file "$WORK/ready.json" >>"$WORK/outpostd.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 2000); do [ -f "$WORK/ready.json" ] && break; sleep 0.005; done
  [ -f "$WORK/ready.json" ] || { echo "outpostd not ready within 10 s" >&2; cat "$WORK/outpostd.log" >&2; exit 1; }
  READY=$(now_us)
}
stop_daemon() {  # SIGTERM, wait (the agent stops its modules first; outpostd gives it 30 s)
  kill -TERM "$DAEMON_PID"
  local rc=0
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=
  [ "$rc" -eq 0 ] || { echo "outpostd exited with $rc" >&2; tail -n 30 "$WORK/outpostd.log" >&2; exit 1; }
}

mkdir -p "$WORK/run" "$WORK/agent"
if [ "$RUNTIME" = docker ]; then
  "$ROOT/scripts/start-dockerd" >&2 || { echo "no Docker engine could be started" >&2; exit 2; }
  [ -x /bin/busybox ] || { echo "/bin/busybox is missing (scripts/install-deps installs busybox-static)" >&2; exit 2; }
  # The image: busybox as /bin/sh, and outpost-agent with the libraries ldd lists, at their paths.
  mkdir -p "$WORK/image/root/bin"
  cp /bin/busybox "$WORK/image/root/bin/busybox"; cp /bin/busybox "$WORK/image/root/bin/sh"
  for f in "$BUILD/bin/outpost-agent" $(ldd "$BUILD/bin/outpost-agent" | grep -oE '/[^ ]+'); do
    real=$(readlink -f "$f"); mkdir -p "$WORK/image/root$(dirname "$f")"; cp "$real" "$WORK/image/root$f"
  done
  printf 'FROM scratch\nCOPY root/ /\n' >"$WORK/image/Dockerfile"
  docker build -q -t "$IMAGE" "$WORK/image" >/dev/null
  AGENT_OPTIONS=$(python3 -c 'import json,sys; print(json.dumps(json.dumps({"Cmd": [sys.argv[1]], "HostConfig": {"Binds": [sys.argv[2] + ":" + sys.argv[2]]}})))' "$BUILD/bin/outpost-agent" "$WORK")
  RUNTIME_YAML="runtime: docker
moby_runtime: { network: \"${PREFIX}net\" }
agent: { name: \"$AGENT_NAME\", type: docker, env: { StorageFolder: \"$WORK/agent\" }, config: { image: \"mcr.microsoft.com/azureiotedge-agent:1.5\", createOptions: $AGENT_OPTIONS } }
images: { \"mcr.microsoft.com/azureiotedge-agent:*\": \"$IMAGE\", \"test/shell:*\": \"$IMAGE\" }"
else
  RUNTIME_YAML="runtime: process
images: { \"mcr.microsoft.com/azureiotedge-agent:*\": \"process://$BUILD/bin/outpost-agent\", \"test/shell:*\": \"process:///bin/sh\" }"
fi
cat >"$WORK/config.yaml" <<YAML
provisioning: { source: local, device_id: edge1, iothub_hostname: hub.local }
hostname: edgegw
homedir: $HOMEDIR
connect: { management_uri: "unix://$MGMT", workload_uri: "unix://$WORK/run/workload.sock" }
log_level: info
$RUNTIME_YAML
YAML

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "outpost-agent reconcile bench: RUNTIME=$RUNTIME REPEAT=$REPEAT SIZES='$SIZES', parser $PARSER, work dir $WORK" >&2

# No deployment yet: the agent starts, finds no file (417) and idles.
start_daemon
wait_state 0 0 10
sleep 2
AGENT=$(agent_pid)
[ "$AGENT" -gt 0 ] || { echo "no agent pid in module.json" >&2; exit 1; }
rss_agent_idle=$(rss_kb "$AGENT"); rss_daemon_idle=$(rss_kb "$DAEMON_PID")

declare -A DEPLOY NOTICE RECONCILE REMOVE UNDEPLOY
for r in $(seq "$REPEAT"); do
  for n in $SIZES; do
    deploy "$n"; t0=$(now_us); v=$VERSION
    wait_state "$n" "$n"; t1=$SEEN
    acc=$(accepted_us "$v")
    DEPLOY[$n]+=" $(ms_between "$t0" "$t1")"
    if [ -n "$acc" ]; then
      NOTICE[$n]+=" $(ms_between "$t0" "$acc")"; RECONCILE[$n]+=" $(ms_between "$acc" "$t1")"
    fi
    sleep 1  # let the agent's pass and report finish
    deploy 0; t0=$(now_us); v=$VERSION
    wait_state 0 0; t1=$SEEN
    acc=$(accepted_us "$v")
    REMOVE[$n]+=" $(ms_between "$t0" "$t1")"
    [ -z "$acc" ] || UNDEPLOY[$n]+=" $(ms_between "$acc" "$t1")"
    echo "run $r, $n modules: deploy → all running ${DEPLOY[$n]##* } ms (accepted → running ${RECONCILE[$n]:+${RECONCILE[$n]##* }} ms), remove ${REMOVE[$n]##* } ms" >&2
    sleep 1
  done
done
sleep 2
rss_agent_zero=$(rss_kb "$AGENT")

BIG=$(tr ' ' '\n' <<<"$SIZES" | grep . | sort -n | tail -n 1)
deploy "$BIG"; wait_state "$BIG" "$BIG"
sleep 3
rss_agent_big=$(rss_kb "$AGENT"); hwm_agent_big=$(hwm_kb "$AGENT"); rss_daemon_big=$(rss_kb "$DAEMON_PID")

BOOT=() READYMS=() STOPMS=()
for r in $(seq "$REPEAT"); do
  t0=$(now_us); stop_daemon; t1=$(now_us)
  STOPMS+=("$(ms_between "$t0" "$t1")")
  if [ "$RUNTIME" = docker ]; then
    left=$(docker ps -q --filter "name=${PREFIX}" | wc -l)
  else
    left=$(python3 - "$HOMEDIR" <<'PY'
import glob, json, sys
print(sum(json.load(open(f)).get("state") == "running" for f in glob.glob(sys.argv[1] + "/modules/*/module.json")))
PY
)
  fi
  [ "$left" -eq 0 ] || { echo "$left modules still running after outpostd stopped" >&2; exit 1; }
  start_daemon
  wait_state "$BIG" "$BIG"; t2=$SEEN
  BOOT+=("$(ms_between "$STARTED" "$t2")"); READYMS+=("$(ms_between "$STARTED" "$READY")")
  echo "boot $r: outpostd stop ${STOPMS[-1]} ms, start → ready ${READYMS[-1]} ms, start → $BIG running ${BOOT[-1]} ms" >&2
  sleep 2
done
AGENT=$(agent_pid)
sleep 1
rss_agent_boot=$(rss_kb "$AGENT"); rss_daemon_boot=$(rss_kb "$DAEMON_PID")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

minmed() {  # "min / median" of the numbers given
  local sorted
  sorted=$(printf '%s\n' "$@" | grep . | sort -n) || true
  [ -n "$sorted" ] || { echo "n/a"; return; }
  awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%d / %d", a[1], m}' <<<"$sorted"
}

echo
echo "Each cell: min / median of $REPEAT runs."
echo "Machine: $(nproc) vCPU, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load average $LOAD_BEFORE before, $LOAD_AFTER after; RUNTIME=$RUNTIME, REPEAT=$REPEAT, parser $PARSER."
echo
echo "| modules | deployment.json written → all running | of which: until the agent noticed the file | accepted → all running (the reconcile) | empty deployment written → none listed | accepted → none listed |"
echo "|---|---|---|---|---|---|"
for n in $SIZES; do
  # shellcheck disable=SC2086
  echo "| $n | $(minmed ${DEPLOY[$n]}) ms | $(minmed ${NOTICE[$n]:-}) ms | $(minmed ${RECONCILE[$n]:-}) ms | $(minmed ${REMOVE[$n]}) ms | $(minmed ${UNDEPLOY[$n]:-}) ms |"
done
echo
echo "| offline boot, $BIG modules | min / median |"
echo "|---|---|"
echo "| outpostd SIGTERM → exited (the agent stops $BIG modules first) | $(minmed "${STOPMS[@]}") ms |"
echo "| outpostd start → ready (sockets bound, agent started) | $(minmed "${READYMS[@]}") ms |"
echo "| outpostd start → all $BIG running | $(minmed "${BOOT[@]}") ms |"
echo
echo "| resident memory (VmRSS) | outpost-agent | outpostd |"
echo "|---|---|---|"
echo "| no deployment (agent idle) | $(mib "$rss_agent_idle") MiB | $(mib "$rss_daemon_idle") MiB |"
echo "| $BIG modules running | $(mib "$rss_agent_big") MiB (peak $(mib "$hwm_agent_big")) | $(mib "$rss_daemon_big") MiB |"
echo "| back to 0 modules after the runs | $(mib "$rss_agent_zero") MiB | |"
echo "| $BIG modules, after an offline boot (fresh agent) | $(mib "$rss_agent_boot") MiB | $(mib "$rss_daemon_boot") MiB |"


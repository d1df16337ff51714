# Helpers shared by the broker benchmarks (hub_vs_mosquitto.sh, plain_vs_mosquitto.sh);
# sourced, not run. Expects $WORK (a scratch folder).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
hwm_kb() { awk '/VmHWM/ {print $2}' /proc/$1/status; }
mb() { echo "$(($1/1024)).$(( ($1%1024)*10/1024 ))"; }  # kB -> "12.3"
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($2)" "$1"; }

# Debian's mosquitto, in memory, Nagle off, anonymous, 100 QoS 1 messages in flight per client;
# sets MQ_PORT and MQ_PID once it listens.
start_mosquitto() {
  MQ_PORT=$(free_port)
  printf 'listener %s 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 100\n' \
    "$MQ_PORT" > "$WORK/mosquitto.conf"
  mosquitto -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
  MQ_PID=$!
  wait_port "$MQ_PORT"
  sleep 1
}
mosquitto_version() { mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'; }

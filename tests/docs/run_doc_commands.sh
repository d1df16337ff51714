#!/usr/bin/env bash
# Runs the commands a page of the docs tells a newcomer to type, in an empty temp folder,
# against the binaries in BIN_DIR — so the quick starts in docs/HUB.md and docs/CLOUD.md
# stay true. Usage: run_doc_commands.sh DOC.md BIN_DIR
#
# What the page marks (everything else in it is ignored):
#   ```sh doc-test              commands run in order in one shell (variables carry over);
#                               a failing command fails the test
#   ```sh doc-test background   a long-running command (a daemon, a subscriber), started
#                               in the background with its output kept
#   ```text doc-test expect     output that must appear (any background command's, or a
#                               foreground one's) within 20 s; "..." in a line matches anything
#   <!-- doc-test: wait-for-port HOST:PORT -->   wait (20 s at most) until HOST:PORT accepts
#   <!-- doc-test: stop-background -->           stop the background commands (Ctrl-C)
# The ports a page names are fixed, so ctest runs these tests under RESOURCE_LOCK fixed_ports.
set -euo pipefail

doc=$(realpath "$1")
bin_dir=$(realpath "$2")
work=$(mktemp -d /tmp/outpost-doc-test.XXXXXX)
logs="$work/.doc-test"
mkdir -p "$logs"
steps="$logs/steps.sh"
name=$(basename "$doc")

# The page's marked parts, turned into one script with the helper calls in between.
awk -v name="$name" '
  function heredoc(tag) { return "DOC_TEST_" tag "_" NR }
  mode == "" && /^```sh doc-test background[[:space:]]*$/ {
    mode = "bg"; printf "doc_step %d\ndoc_background %d <<'\''%s'\''\n", NR, NR, heredoc("BG"); end = heredoc("BG"); next }
  mode == "" && /^```sh doc-test[[:space:]]*$/ { mode = "fg"; printf "doc_step %d\n", NR; next }
  mode == "" && /^```text doc-test expect[[:space:]]*$/ {
    mode = "expect"; printf "doc_expect %d <<'\''%s'\''\n", NR, heredoc("EXPECT"); end = heredoc("EXPECT"); next }
  mode == "" && /^<!-- doc-test: wait-for-port [^ ]+ -->$/ { printf "doc_wait_for_port %d %s\n", NR, $4; next }
  mode == "" && /^<!-- doc-test: stop-background -->$/ { printf "doc_stop_background %d\n", NR; next }
  mode == "" && /^(```|<!--).*doc-test/ { printf "doc_fail %d \"unknown doc-test marker (see run_doc_commands.sh)\"\n", NR; next }
  mode != "" && /^```[[:space:]]*$/ { if (mode != "fg") print end; mode = ""; next }
  mode != "" { print }
  END { if (mode != "") printf "doc_fail %d \"unclosed doc-test block\"\n", NR }
' "$doc" > "$steps"
if ! grep -q '^doc_expect' "$steps"; then
  echo "run_doc_commands: $name has no \`\`\`text doc-test expect block: nothing would be checked" >&2
  exit 1
fi

cat > "$logs/helpers.sh" <<'EOF'
set -E -u -o pipefail
set -m  # each background command gets its own process group, stopped as a whole
doc_current=0
doc_fail() { echo "DOC-TEST FAILED at $DOC_NAME:$1: $2" >&2; exit 1; }
doc_step() { doc_current=$1; echo "--- $DOC_NAME:$1"; }
trap 'doc_fail "$doc_current" "a command of this block exited with status $?"' ERR
doc_background() {  # the command comes on stdin
  local script="$DOC_LOGS/bg-$1.sh"
  cat > "$script"
  # A subshell sees the page's variables so far; a daemon stopped later is not a failure.
  (trap - ERR; source "$script") > "$DOC_LOGS/bg-$1.log" 2>&1 &
  echo "$!" >> "$DOC_LOGS/background.pids"
  echo "(started in the background: pid $!, output in bg-$1.log)"
}
doc_wait_for_port() {
  local host=${2%:*} port=${2##*:}
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  doc_fail "$1" "nothing accepted connections on $2 within 20 s"
}
doc_matches() {  # does any output so far hold this line ("..." matches anything)?
  local pattern
  pattern=$(printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g' -e 's/\\\.\\\.\\\./.*/g')
  grep -q -E -- "$pattern" "$DOC_LOGS"/*.log 2>/dev/null
}
doc_expect() {
  local line missing
  local -a lines=()
  while IFS= read -r line; do [ -n "$line" ] && lines+=("$line"); done
  for _ in $(seq 200); do
    missing=""
    for line in "${lines[@]}"; do doc_matches "$line" || { missing=$line; break; }; done
    [ -z "$missing" ] && { echo "(seen: ${#lines[@]} expected line(s))"; return 0; }
    sleep 0.1
  done
  doc_fail "$1" "this output did not appear within 20 s: $missing"
}
doc_stop_background() {
  [ -f "$DOC_LOGS/background.pids" ] || return 0
  local pid
  while read -r pid; do kill -INT -- "-$pid" 2>/dev/null || true; done < "$DOC_LOGS/background.pids"
  while read -r pid; do
    for _ in $(seq 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done < "$DOC_LOGS/background.pids"
  rm -f "$DOC_LOGS/background.pids"
}
EOF

stop_leftovers() {  # whatever way the steps ended, nothing they started outlives the test
  [ -f "$logs/background.pids" ] || return 0
  while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done < "$logs/background.pids"
}
finish() {
  local status=$?
  stop_leftovers
  if [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    for f in "$logs"/bg-*.log; do
      [ -f "$f" ] && { echo "===== $(basename "$f")"; cat "$f"; }
    done
    echo "run_doc_commands: $name failed; its folder is kept: $work" >&2
  fi
}
trap finish EXIT

cd "$work"
start=$(date +%s.%N)
env PATH="$bin_dir:$PATH" DOC_NAME="$name" DOC_LOGS="$logs" \
  timeout -k 5 150 bash -c "source '$logs/helpers.sh'; exec > >(tee -a '$logs/foreground.log') 2>&1; source '$steps'; doc_stop_background"
echo "run_doc_commands: every marked command of $name ran and the expected output appeared ($(
  awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f s", e - s }'))"

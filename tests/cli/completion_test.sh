#!/usr/bin/env bash
# The bash completion (packaging/completion/outpost.bash), sourced and driven as bash drives
# it: registered for outpost and iotedge; commands, subcommands and options; module names
# from `outpost list` when it answers, and nothing (silently) when it does not. `outpost`
# here is a fake on PATH printing what `outpost list` prints. Usage: SOURCE_DIR
set -uo pipefail
source_dir=$1
work=$(mktemp -d /tmp/outpost-completion.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=/dev/null
source "$source_dir/packaging/completion/outpost.bash"

failures=0
expect() {  # what, wanted, got
  if [[ "$3" == "$2" ]]; then
    echo "ok: $1"
  else
    echo "FAIL: $1: wanted [$2], got [$3]"
    failures=$((failures + 1))
  fi
}
# The completions of a command line whose last word is being typed.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _outpost
  echo "${COMPREPLY[*]}"
}

expect "registered for outpost" "complete -F _outpost outpost" "$(complete -p outpost)"
expect "registered for iotedge" "complete -F _outpost iotedge" "$(complete -p iotedge)"

expect "outpost sys<TAB>" "system" "$(complete_line outpost sys)"
expect "outpost config <TAB>" "check apply import --help" "$(complete_line outpost config '')"
expect "iotedge system <TAB>" "status logs restart --help" "$(complete_line iotedge system '')"
expect "outpost config apply --<TAB>" "--config --to --no-restart --help" "$(complete_line outpost config apply --)"
expect "outpost config import --f<TAB>" "--from --force" "$(complete_line outpost config import --f)"
expect "outpost check -o <TAB>" "text json" "$(complete_line outpost check -o '')"
expect "outpost cloud device <TAB>" "create list show delete --help" "$(complete_line outpost cloud device '')"
expect "outpost logs edgeHub --t<TAB>" "--tail --timestamps" "$(complete_line outpost logs edgeHub --t)"
touch "$work/config.yaml"
expect "outpost config check -c <file>" "$work/config.yaml" "$(complete_line outpost config check -c "$work/conf")"

# Module names, from the program being completed (outpost or iotedge), when outpostd answers.
mkdir "$work/bin"
cat >"$work/bin/outpost" <<'EOF'
#!/bin/sh
[ "$1" = list ] || exit 2
[ -e "$(dirname "$0")/down" ] && { echo "outpost list: connect: No such file or directory" >&2; exit 1; }
echo "NAME                     STATUS       DESCRIPTION                  CONFIG"
echo "edgeAgent                running      Up 3 minutes                 mcr.microsoft.com/azureiotedge-agent:1.5"
echo "edgeHub                  running      Up 3 minutes                 mcr.microsoft.com/azureiotedge-hub:1.5"
echo "SimulatedTemperatureSensor running    Up 2 minutes                 mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.5"
EOF
chmod +x "$work/bin/outpost"
ln -s outpost "$work/bin/iotedge"
PATH="$work/bin:$PATH"
expect "outpost logs <TAB>" "edgeAgent edgeHub SimulatedTemperatureSensor" "$(complete_line outpost logs '')"
expect "iotedge restart edge<TAB>" "edgeAgent edgeHub" "$(complete_line iotedge restart edge)"
touch "$work/bin/down"
expect "outpost logs <TAB>, outpostd down: nothing, silently" "" "$(complete_line outpost logs '' 2>&1)"

if ((failures)); then
  echo "$failures completion(s) wrong"
  exit 1
fi
echo "bash completion: ok"

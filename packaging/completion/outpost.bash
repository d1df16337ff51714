# bash completion for outpost, also installed as iotedge (the same program): commands,
# subcommands, options, files where a file is asked for, and module names for logs and
# restart — from `outpost list`, only when outpostd answers, silently otherwise.
# Installed as share/bash-completion/completions/outpost and …/iotedge.

# The modules of `outpost list` (NAME is the first column), asked of the same program (so
# IOTEDGE_HOST is honoured); nothing when outpostd does not answer within 2 s.
_outpost_modules() {
  local list
  if command -v timeout >/dev/null 2>&1; then
    list=$(timeout 2 "$1" list 2>/dev/null) || return 0
  else
    list=$("$1" list 2>/dev/null) || return 0
  fi
  printf '%s\n' "$list" | awk 'NR > 1 && NF { print $1 }'
}

_outpost() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  local program=${COMP_WORDS[0]}
  local command=${COMP_WORDS[1]-}
  local sub=${COMP_WORDS[2]-}
  local words=""
  COMPREPLY=()

  # Options that take a value: complete the value, not another option.
  case $prev in
    --config | -c | --from | --to | --output | --ca-file)
      # `check -o` is text|json; elsewhere --output is a file.
      if [[ $command == check && ($prev == --output) ]]; then
        COMPREPLY=($(compgen -W "text json" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
      fi
      return 0
      ;;
    -o)
      [[ $command == check || $command == cloud ]] && COMPREPLY=($(compgen -W "text json" -- "$cur"))
      return 0
      ;;
    -H | --host | --tail | --since | --until | --ttl | --key | --hub | --device | --module | --policy | \
      --connection-string | --url | --count | --timeout | --desired | --tags | --target-condition | --id | --priority)
      return 0
      ;;
  esac

  if ((COMP_CWORD == 1)); then
    words="list logs restart check support-bundle system config deployment cloud sas-token version help"
    COMPREPLY=($(compgen -W "$words --help --version" -- "$cur"))
    return 0
  fi

  case $command in
    list) words="-H --host --config --help" ;;
    logs | restart)
      if ((COMP_CWORD == 2)) && [[ $cur != -* ]]; then
        COMPREPLY=($(compgen -W "$(_outpost_modules "$program")" -- "$cur"))
        return 0
      fi
      if [[ $command == logs ]]; then
        words="--tail --since --until --timestamps -f --follow -H --host --config --help"
      else
        words="-H --host --config --help"
      fi
      ;;
    check) words="-c --config -H --host -o --output --verbose --help" ;;
    support-bundle) words="--output --since --until --edge-runtime-only -H --host --config --help" ;;
    system)
      if ((COMP_CWORD == 2)); then
        words="status logs restart --help"
      else
        case $sub in
          status) words="-H --host -c --config --help" ;;
          logs) words="-- --help" ;;
          restart) words="--help" ;;
        esac
      fi
      ;;
    config)
      if ((COMP_CWORD == 2)); then
        words="check apply import --help"
      else
        case $sub in
          check) words="-c --config --help" ;;
          apply) words="-c --config --to --no-restart --help" ;;
          import) words="--from --to --force --help" ;;
        esac
      fi
      ;;
    deployment)
      if ((COMP_CWORD == 2)); then
        words="apply --help"
      elif ((COMP_CWORD == 3)) && [[ $cur != -* ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
        return 0
      else
        words="--config --help"
      fi
      ;;
    cloud)
      if ((COMP_CWORD == 2)); then
        words="device deployment twin invoke monitor --help"
      elif ((COMP_CWORD == 3)); then
        case $sub in
          device) words="create list show delete" ;;
          twin) words="show update" ;;
          deployment) words="apply" ;;
        esac
        words+=" --help"
      else
        words="--connection-string --url --ca-file --help"
        case $sub in
          device) words+=" --edge --key -o" ;;
          twin) words+=" --desired --tags" ;;
          deployment) words+=" --device --target-condition --id --priority" ;;
          invoke) words+=" --timeout" ;;
          monitor) words+=" --device --from --count" ;;
        esac
      fi
      ;;
    sas-token) words="--connection-string --hub --device --module --policy --key --ttl --help" ;;
    version) words="--help" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  return 0
}

complete -F _outpost outpost iotedge

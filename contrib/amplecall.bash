# bash completion for amplecall(1)                                  -*- shell-script -*-
# Completes commands, their options, profile names from the config file, and file names
# where a file is expected. It never contacts the API.

_amplecall_profiles()
{
    local cfg=${AMPLECALL_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/amplecall/config}
    [[ -r $cfg ]] || return
    sed -n 's/^[[:space:]]*\[[[:space:]]*profile[[:space:]]\{1,\}\([^]]*[^][:space:]]\)[[:space:]]*\].*/\1/p' "$cfg"
}

_amplecall()
{
    local cur prev words cword
    _init_completion || return

    local commands="log tasks dispositions users calls whoami import outbox history config ctl"
    local global="--profile --config --base-url --user --timeout --help"
    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --profile | --config | --base-url | --user | --timeout) ((i++)) ;;
            --*=* | -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    case $prev in
        --profile) COMPREPLY=($(compgen -W "$(_amplecall_profiles)" -- "$cur")); return ;;
        --config | --transcription-file) _filedir; return ;;
        --answered | --human) COMPREPLY=($(compgen -W "yes no" -- "$cur")); return ;;
        --base-url | --user | --timeout | --from | --to | --duration | --task | \
            --disposition | --transcription | --recording-url | --max-wait | --email | \
            --since | --until | --limit | --status | --type)
            return ;;
    esac

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts=""
    case $cmd in
        log) opts="--from --to --duration --answered --human --task --user --disposition
                   --transcription --transcription-file --recording-url --json --max-wait
                   --prompt" ;;
        tasks) opts="--status --any-status --type --any-type --json" ;;
        dispositions | whoami) opts="--json" ;;
        users) opts="--email --all --json" ;;
        calls) opts="--to --from --since --until --all-users --limit --json" ;;
        import)
            opts="--dry-run --json"
            if [[ $cur != -* ]]; then
                _filedir csv
                return
            fi ;;
        outbox)
            opts="--json --yes"
            if [[ $cur != -* && ${words[cword - 1]} == outbox ]]; then
                COMPREPLY=($(compgen -W "list flush drop" -- "$cur"))
                return
            fi ;;
        history) opts="--json --limit" ;;
        ctl)
            opts="--to --from --duration --answered"
            if [[ $cur != -* && ${words[cword - 1]} == ctl ]]; then
                COMPREPLY=($(compgen -W "call-start call-answered call-end status" -- "$cur"))
                return
            fi ;;
        config)
            opts="--json"
            if [[ $cur != -* && ${words[cword - 1]} == config ]]; then
                COMPREPLY=($(compgen -W "show path" -- "$cur"))
                return
            fi ;;
    esac
    COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
} &&
    complete -F _amplecall amplecall

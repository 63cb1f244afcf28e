# SPDX-License-Identifier: GPL-3.0-or-later
# What zsh offers for a command line, one match a line: zsh -f zsh-complete.zsh FPATH_DIR 'LINE'.
# Runs an interactive zsh in a pty (zpty) with compinit on FPATH_DIR, types LINE and Tab, and
# prints every match compadd receives (wrapped). Exit 2 when zsh cannot do it, 1 on timeout.
zmodload zsh/zpty || exit 2
zpty z zsh -f -i || exit 2
zpty -w z "PROMPT='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false; zstyle ':completion:*' menu no"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; local __x; for __x in $__h; do print -r -- "HI""T:$__x"; done; builtin compadd "$@"; }'
zpty -w z 'comppostfuncs=(__amp_done); __amp_done() { print -r -- "END""OFCOMPLETION"; }'
zpty -w z 'print -r -- "READY""NOW"'
zpty -w -n z "$2"$'\t'
integer n=0
local line
while (( n < 200 )); do
    if zpty -r -t z line; then
        line=${line//[$'\r\n']/}
        [[ $line == *ENDOFCOMPLETION* ]] && break
        [[ $line == *HIT:* ]] && print -r -- ${line#*HIT:}
    else
        sleep 0.05; (( n++ ))
    fi
done
zpty -d z
(( n < 200 ))

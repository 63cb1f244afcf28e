#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash completion script (contrib/amplecall.bash, generated from contrib/completion.spec): commands, options, profile names from
# the config file. bash-completion's helpers are replaced by minimal stand-ins so the test
# runs without the bash-completion package. TAP output.
set -u
srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

_init_completion()
{
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
}
_filedir() { COMPREPLY=(FILES); }
complete() { :; }

# shellcheck source=/dev/null
. "${AMPLECALL_TEST_BUILDDIR:-$srcdir}/contrib/amplecall.bash"

n=0
failed=0
# expect "description" "expected words (sorted, space separated)" word...
expect()
{
    local what=$1 want=$2
    shift 2
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _amplecall
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
    n=$((n + 1))
    if [[ $got == "$want" ]]; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        echo "# want: '$want'"
        echo "#  got: '$got'"
        failed=$((failed + 1))
    fi
}

mkdir -p "$tmp/amplecall"
printf 'user = a@b.c\n[profile work]\nuser = d@e.f\n[ profile  sandbox ]\n' >"$tmp/amplecall/config"
export XDG_CONFIG_HOME=$tmp
unset AMPLECALL_CONFIG

echo "1..10"
expect "command names complete" "import" amplecall im
expect "every command is offered" \
    "calls config ctl dispositions history import log outbox tasks users whoami" amplecall ""
expect "global options complete before the command" "--profile" amplecall --pro
expect "profile names come from the config file" "sandbox work" amplecall --profile ""
expect "a command after a global option gets its own options" "--answered" \
    amplecall --profile work log --ans
expect "yes and no after --human" "no yes" amplecall log --human ""
expect "import completes files" "FILES" amplecall import ""
expect "config offers its subcommands" "path show" amplecall config ""
expect "ctl offers its requests" "call-answered call-end call-start status" amplecall ctl ""
expect "calls options include --since" "--since" amplecall calls --si
exit $((failed > 0))

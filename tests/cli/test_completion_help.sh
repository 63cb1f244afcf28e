#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every option the program's --help texts print (amplecall --help and each command's
# --help) is completed by the bash, zsh and fish completions generated from
# contrib/completion.spec, and every command is offered. Real shells: bash with
# bash-completion's helpers stubbed, fish's `complete -C`, zsh in a pty (zsh-complete.zsh).
# TAP, one line per shell and help text.
set -u
srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${AMPLECALL_TEST_BUILDDIR:-$srcdir}
amp=$builddir/src/amplecall
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# No config file or profile of the user's leaks into what is offered.
export XDG_CONFIG_HOME=$tmp HOME=$tmp
unset AMPLECALL_CONFIG
mkdir -p "$tmp/zfunc"
cp "$builddir/contrib/_amplecall" "$tmp/zfunc/_amplecall" || exit 1

# The options a help text prints: every --option in its Usage lines (up to the first blank
# line), and the option an indented line of the option list starts with.
help_options()
{
    awk 'NR == 1 { usage = 1 } usage && /^$/ { usage = 0 }
         usage { while (match($0, /--[a-z][a-z-]*/)) { print substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH) } next }
         /^ +--[a-z]/ { sub(/^ +/, ""); sub(/[ =].*/, ""); print }' | LC_ALL=C sort -u
}
commands=$("$amp" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }')
[ -n "$commands" ] || { echo "Bail out! amplecall --help lists no commands"; exit 1; }

# bash: the generated script with bash-completion's helpers stubbed.
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
. "$builddir/contrib/amplecall.bash" || exit 1

# offered SHELL LINE: what SHELL completes at the end of LINE (its last word may be empty).
offered()
{
    case $1 in
    bash)
        read -r -a COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _amplecall
        printf '%s\n' "${COMPREPLY[@]}"
        ;;
    fish) fish --no-config -c "source '$builddir/contrib/amplecall.fish'; complete -C '$2'" | cut -f1 ;;
    zsh) timeout 20 zsh -f "$srcdir/tests/cli/zsh-complete.zsh" "$tmp/zfunc" "$2" ;;
    esac
}

n=0
failed=0
result()
{
    n=$((n + 1))
    if [ -z "$3" ]; then
        echo "ok $n - $1: $2"
    else
        echo "not ok $n - $1: $2; not offered:$3"
        failed=$((failed + 1))
    fi
}
# check SHELL WHAT LINE WANTED...: every WANTED word is offered for LINE.
check()
{
    local sh=$1 what=$2 line=$3 got missing= w
    shift 3
    got=$(offered "$sh" "$line" 2>/dev/null)
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" || missing="$missing $w"
    done
    result "$sh" "$what" "$missing"
}

echo "1..$((3 * ($(echo "$commands" | wc -l) + 2)))"
for sh in bash zsh fish; do
    if [ "$sh" != bash ] && ! command -v "$sh" >/dev/null; then
        for _ in $(seq $(($(echo "$commands" | wc -l) + 2))); do
            result "$sh" "installed" " (install $sh: ./bootstrap does)"
        done
        continue
    fi
    # shellcheck disable=SC2046
    check "$sh" "every command is offered" "amplecall " $commands
    # shellcheck disable=SC2046
    check "$sh" "amplecall --help's options" "amplecall --" $("$amp" --help | help_options)
    for c in $commands; do
        opts=$("$amp" "$c" --help | help_options)
        # shellcheck disable=SC2086
        check "$sh" "amplecall $c --help's options ($(echo $opts | wc -w))" "amplecall $c --" $opts
    done
done
[ $failed -eq 0 ]

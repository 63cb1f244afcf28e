#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The layers of src/ point down only (doc/architecture.md):
#   main -> cli, tui -> app -> store -> net -> conf -> core
# For every source file: each "layer/x.h" it includes is its own layer or one below; the
# libraries a layer must not reach are not included; its opening comment (first 6 lines: an SPDX line may come first) names its layer.
# TAP, one line per layer.
set -u
srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$srcdir/src" || exit 1

# layer: the layers it may include, then the system headers it must not.
allowed() {
    case $1 in
    core) echo "core|curl/|sqlite3.h|curses.h|term.h|readline/" ;;
    conf) echo "conf core|curl/|sqlite3.h|curses.h|term.h|readline/" ;;
    net) echo "net conf core|sqlite3.h|curses.h|term.h|readline/" ;;
    store) echo "store net conf core|curses.h|term.h|readline/" ;;
    app) echo "app store net conf core|curses.h|term.h|readline/" ;;
    tui) echo "tui app store net conf core|" ;;
    cli) echo "cli app store net conf core|" ;;
    esac
}
titles="core:Core conf:Conf net:Net store:Store app:App tui:TUI cli:CLI"

n=0
failed=0
echo "1..7"
for pair in $titles; do
    layer=${pair%%:*}
    title=${pair#*:}
    spec=$(allowed "$layer")
    ok_layers=${spec%%|*}
    banned=$(echo "${spec#*|}" | tr '|' ' ')
    problems=
    for f in "$layer"/*.c "$layer"/*.h; do
        [ -e "$f" ] || continue
        for inc in $(sed -n 's/^#include "\([a-z]*\)\/.*/\1/p' "$f" | sort -u); do
            case " $ok_layers " in
            *" $inc "*) ;;
            *) problems="$problems $f includes $inc/;" ;;
            esac
        done
        for b in $banned; do
            if grep -q "^#include <$b" "$f"; then
                problems="$problems $f includes <$b>;"
            fi
        done
        if ! head -n 6 "$f" | grep -q "$title layer"; then
            problems="$problems $f does not say it is in the $title layer;"
        fi
    done
    n=$((n + 1))
    if [ -z "$problems" ]; then
        echo "ok $n - $layer: includes only $ok_layers"
    else
        echo "not ok $n - $layer:$problems"
        failed=$((failed + 1))
    fi
done
[ $failed -eq 0 ]

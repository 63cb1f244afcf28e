#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Put the licence's SPDX line at the top of every source file (COPYING: GPL-3.0-or-later).
# Idempotent: a file whose first 3 lines already carry the identifier is left alone.
#   build-aux/add-spdx.sh            every source file of the tree
#   build-aux/add-spdx.sh FILE...    those files only
#   build-aux/add-spdx.sh --list     print the files that must carry the line (one a line);
#                                    tests/arch/check-spdx.sh checks exactly these
# C-like files (.c .h .pml) get "/* SPDX-License-Identifier: GPL-3.0-or-later */" as line 1;
# shell, Python, awk, make and autoconf files get "# SPDX-..." as line 1, or line 2 after a
# "#!" line.
set -eu
ID='SPDX-License-Identifier: GPL-3.0-or-later'
top=$(cd "$(dirname "$0")/.." && pwd)

list() {
    cd "$top"
    # Source directories; fuzz corpora are data, and build outputs have other names.
    find src tests bench contrib debian -type f \
        \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' -o -name '*.pml' \
           -o -name '*.awk' -o -name '*.mk' -o -name '*.spec' -o -name '*.bash' -o -name '*.zsh' \
           -o -name rules -o -name gen-completion \) \
        -not -path 'tests/fuzz/corpus/*' -not -path 'debian/.debhelper/*' \
        -not -path 'debian/amplecall/*' 2>/dev/null |
        LC_ALL=C sort
    # build-aux holds automake's own scripts too (their licences, not ours): only this one.
    for f in build-aux/add-spdx.sh bootstrap .ci/run configure.ac Makefile.am; do
        [ -f "$f" ] && echo "$f"
    done
    return 0
}

add() {
    f=$1
    head -n 3 "$f" | grep -q "$ID" && return 0
    case $f in
    *.c | *.h | *.pml) line="/* $ID */" ;;
    *) line="# $ID" ;;
    esac
    tmp=$f.spdx-tmp
    if head -n 1 "$f" | grep -q '^#!'; then
        { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$tmp"
    else
        { echo "$line"; cat "$f"; } >"$tmp"
    fi
    chmod --reference="$f" "$tmp" 2>/dev/null || true
    mv "$tmp" "$f"
    echo "add-spdx: $f"
}

if [ "${1:-}" = --list ]; then
    list
    exit 0
fi
if [ $# -eq 0 ]; then
    cd "$top"
    list | while IFS= read -r f; do add "$f"; done
else
    for f in "$@"; do add "$f"; done
fi

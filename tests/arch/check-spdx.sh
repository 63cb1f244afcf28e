#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file names its licence (COPYING, GPL-3.0-or-later) in an SPDX line within its
# first 3 lines. The files are those build-aux/add-spdx.sh --list names; that script adds
# the line where it is missing. TAP, one line per directory.
set -u
srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ID='SPDX-License-Identifier: GPL-3.0-or-later'
cd "$srcdir" || exit 1
files=$(sh build-aux/add-spdx.sh --list) || { echo "1..0 # add-spdx.sh --list failed"; exit 1; }
[ -n "$files" ] || { echo "Bail out! no source files listed"; exit 1; }
dirs=$(echo "$files" | awk -F/ '{ print (NF > 1 ? $1 : ".") }' | LC_ALL=C sort -u)

n=0
failed=0
echo "1..$(echo "$dirs" | wc -l)"
for d in $dirs; do
    count=0
    missing=
    for f in $files; do
        case $d in
        .) case $f in */*) continue ;; esac ;;
        *) case $f in "$d"/*) ;; *) continue ;; esac ;;
        esac
        count=$((count + 1))
        head -n 3 "$f" | grep -q "$ID" || missing="$missing $f"
    done
    n=$((n + 1))
    if [ -z "$missing" ]; then
        echo "ok $n - $d: $count files carry the SPDX line"
    else
        echo "not ok $n - $d: no '$ID' in the first 3 lines of:$missing"
        echo "# run build-aux/add-spdx.sh to add it"
        failed=$((failed + 1))
    fi
done
[ $failed -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The licence is stated where a user and a packager look: COPYING holds the GPL version 3,
# `amplecall --version` prints the licence line, NEWS has an entry for this version. TAP.
set -u
srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${AMPLECALL_TEST_BUILDDIR:-$srcdir}
n=0
failed=0
check() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
    fi
}
echo "1..4"
grep -q '^ *GNU GENERAL PUBLIC LICENSE$' "$srcdir/COPYING" 2>/dev/null &&
    grep -q '^ *Version 3, 29 June 2007$' "$srcdir/COPYING"
check $? "COPYING is the GNU GPL version 3"
out=$("$builddir/src/amplecall" --version)
check $? "amplecall --version exits 0"
echo "$out" | grep -q '^License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>\.$'
check $? "amplecall --version prints the licence line"
version=$(echo "$out" | sed -n '1s/^amplecall //p')
grep -q "^\* Version $version\( \|$\)" "$srcdir/NEWS" 2>/dev/null
check $? "NEWS has an entry for version $version"
[ $failed -eq 0 ]

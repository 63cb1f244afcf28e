#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The mutation runner mutates the tree it lives in, whatever the current directory. CI runs
# it from another checkout of the same sources; when its file list was taken relative to the
# current directory, 14 mutants of the CI sample went to that checkout's src/, where no test
# saw them, and counted as survivors. TAP.
set -u
srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
runner="$srcdir/tests/mutate/mutate.py"
command -v python3 >/dev/null 2>&1 || { echo "Bail out! python3 is not installed (bootstrap installs it)"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# a decoy checkout: the same relative names as the real tree's
mkdir -p "$tmp/src/core" "$tmp/src/store" &&
    cp "$srcdir/src/core/call.c" "$tmp/src/core/" && cp "$srcdir/src/store/store.c" "$tmp/src/store/" || exit 1
cd "$tmp" || exit 1
echo "1..3"

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; printf '%s\n' "$2" | sed 's/^/# /'; }

out=$(python3 "$runner" --ci --list 2>&1)
files=$(printf '%s\n' "$out" | sed -n 's/^\([^ :]*\.c\):[0-9]*: .*/\1/p' | LC_ALL=C sort -u)
bad=$(printf '%s\n' "$files" | grep -v '^src/' || true)
if [ -n "$files" ] && [ -z "$bad" ] && printf '%s\n' "$out" | grep -q '^[0-9][0-9]* mutants$'; then
    ok "the CI sample, listed from another checkout, names only the runner's own src/ files"
else
    not_ok "the CI sample, listed from another checkout, names only the runner's own src/ files" "$bad
$out"
fi

out=$(python3 "$runner" --list 2>&1 | tail -n 1)
case "$out" in
*" mutants") ok "the whole set, listed from another checkout, is the runner's own tree's" ;;
*) not_ok "the whole set, listed from another checkout, is the runner's own tree's" "$out" ;;
esac

# a file named from here that is not in the runner's tree is refused, not mutated there
if out=$(python3 "$runner" --list src/core/call.c 2>&1); then
    not_ok "a file outside the runner's tree is refused" "$out"
else
    case "$out" in
    *"is not a source file under"*) ok "a file outside the runner's tree is refused" ;;
    *) not_ok "a file outside the runner's tree is refused" "$out" ;;
    esac
fi

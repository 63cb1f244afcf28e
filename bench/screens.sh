#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make screenshots`: README.md's screens from the real form (bench/screens.c) against
# tests/fake/fakeapi on 127.0.0.1; each replaces the code block between
# "<!-- screen:NAME -->" and "<!-- /screen -->". Usage: screens.sh BUILDDIR SRCDIR.
set -u
B=$(cd "$1" && pwd) || exit 1
S=$(cd "$2" && pwd) || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-screens-XXXXXX") || exit 1
fake=
cleanup() { [ -n "$fake" ] && kill "$fake" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkfifo "$T/fifo"
"$B/tests/fake/fakeapi" --port 0 --tasks 45 --max-lifetime 120 >"$T/fifo" 2>"$T/fake.err" &
fake=$!
exec {fd}<"$T/fifo"
read -r -t 5 -u "$fd" line && [ "${line#port=}" != "$line" ] ||
    { echo "screenshots: the fake server did not start: $(cat "$T/fake.err")" >&2; exit 1; }
export AMPLEMARKET_API_KEY=test-key AMPLECALL_USER=0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d
export AMPLECALL_BASE_URL=http://127.0.0.1:${line#port=} BENCH_AMPLECALL=$B/src/amplecall
"$B/bench/screens" >"$T/screens.txt" || { echo "screenshots: the form did not get there" >&2; exit 1; }
# the fake server's port is not part of what a reader should see
sed -i 's/127\.0\.0\.1:[0-9]*/127.0.0.1/' "$T/screens.txt"
awk -v shots="$T/screens.txt" '
    BEGIN {
        while ((getline l < shots) > 0) {
            if (l ~ /^@@ /) { name = substr(l, 4); continue }
            screen[name] = screen[name] l "\n"
        }
    }
    /^<!-- screen:[a-z]+ -->$/ {
        print; name = $0; sub(/^<!-- screen:/, "", name); sub(/ -->$/, "", name)
        if (!(name in screen)) { print "screenshots: no screen " name > "/dev/stderr"; exit 1 }
        printf "```\n%s```\n", screen[name]; skip = 1; next
    }
    /^<!-- \/screen -->$/ { skip = 0 }
    !skip { print }' "$S/README.md" >"$T/README.md" || exit 1
cp "$T/README.md" "$S/README.md"
echo "screenshots: README.md updated"

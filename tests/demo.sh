#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `make demo`: start the bundled fake Amplemarket API on a free loopback port with seeded
# data, then open amplecall against it (the form on a terminal; a scripted `amplecall log`
# otherwise). The fake server stops when this script ends.
set -eu
builddir=${1:-.}
fake="$builddir/tests/fake/fakeapi"
app="$builddir/src/amplecall"
state=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-demo-XXXXXX")
portfile="$state/port"

"$fake" --port 0 --key demo-key --tasks 45 --max-lifetime 0 >"$portfile" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null; rm -rf "$state"' EXIT INT TERM
i=0
until grep -q '^port=' "$portfile" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "demo: the fake API did not start" >&2; exit 1; }
    sleep 0.05
done
port=$(sed -n 's/^port=//p' "$portfile")

export AMPLEMARKET_API_KEY=demo-key
export AMPLECALL_BASE_URL="http://127.0.0.1:$port"
export AMPLECALL_USER=dana@acme.example
export XDG_STATE_HOME="$state/state" XDG_CONFIG_HOME="$state/config"
echo "demo: fake Amplemarket API on $AMPLECALL_BASE_URL (user $AMPLECALL_USER)"

if [ -t 0 ] && [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
    "$app"
else
    echo "demo: no terminal, logging one call from the command line:"
    echo "  amplecall log --from '+1 415 555 0100' --to '+1 212 555 0199' --duration 184 \\"
    echo "      --answered yes --human yes --task 0199f0a2-1c3e-7a10-9b7e-000000000001 \\"
    echo "      --disposition 0199f0a2-2d4f-7b21-8c90-3a5b6c7d8e9f --user $AMPLECALL_USER"
    "$app" log --from '+1 415 555 0100' --to '+1 212 555 0199' --duration 184 \
        --answered yes --human yes --task 0199f0a2-1c3e-7a10-9b7e-000000000001 \
        --disposition 0199f0a2-2d4f-7b21-8c90-3a5b6c7d8e9f
fi

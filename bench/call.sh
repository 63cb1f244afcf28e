#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make bench-call`: only the keystroke figures of `make bench` (bench/bench_call.c): a rep's
# typical answered and unanswered calls through the form on a pty, against tests/fake/fakeapi
# on 127.0.0.1. Prints a Markdown table (min / median / max of BENCH_RUNS runs, default 5).
# Usage: call.sh BUILDDIR SRCDIR.
set -u
B=$(cd "$1" && pwd) || exit 1
RUNS=${BENCH_RUNS:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-bench-call-XXXXXX") || exit 1
fake=
cleanup() { [ -n "$fake" ] && kill "$fake" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mkfifo "$T/fifo"
"$B/tests/fake/fakeapi" --port 0 --tasks 45 --log "$T/fake.log" --max-lifetime 600 \
    >"$T/fifo" 2>"$T/fake.err" &
fake=$!
exec {fd}<"$T/fifo"
read -r -t 5 -u "$fd" line && [ "${line#port=}" != "$line" ] ||
    { echo "bench-call: the fake server did not start: $(cat "$T/fake.err")" >&2; exit 1; }
export AMPLEMARKET_API_KEY=test-key AMPLECALL_USER=0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d
export AMPLECALL_BASE_URL=http://127.0.0.1:${line#port=} BENCH_AMPLECALL=$B/src/amplecall
# one session per run, each on a fresh seed (the calls complete tasks on the server)
: >"$T/samples.tsv"
for i in $(seq "$RUNS"); do
    curl -sS -o /dev/null -X POST "$AMPLECALL_BASE_URL/_fake/reset"
    "$B/bench/bench_call" 1 >>"$T/samples.tsv" || { echo "bench-call: run $i failed" >&2; rc=1; }
done
cp "$T/samples.tsv" "$B/bench/call-samples.tsv"
awk -F'\t' '
    { k = $2 "\t" $1; if (!(k in n)) order[++nk] = k; v[k, ++n[k]] = $3 + 0 }
    END {
        print "| call | figure | runs | min | median | max |"
        print "|---|---|---:|---:|---:|---:|"
        for (i = 1; i <= nk; i++) {
            k = order[i]; m = n[k]
            for (a = 1; a <= m; a++) s[a] = v[k, a]
            for (a = 2; a <= m; a++) { x = s[a]; b = a - 1
                while (b >= 1 && s[b] > x) { s[b + 1] = s[b]; b-- } s[b + 1] = x }
            med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
            split(k, p, "\t")
            printf "| %s | %s | %d | %g | %g | %g |\n", p[1], p[2], m, s[1], med, s[m]
        }
    }' "$T/samples.tsv"
exit ${rc:-0}

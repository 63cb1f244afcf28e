#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The send protocol's model (tests/model/outbox.pml) checked exhaustively with spin: the model
# as doc/outbox.md has it must verify with no error, and every broken variant must give a
# counterexample, which proves the checker can fail. TAP output, one line per check; all
# skipped only when spin is not installed (./bootstrap installs it).
#
#   tests/model/run.sh              MODEL_TRAILS=1 also prints each counterexample's events
# Environment: CC (default cc), MODEL_CFLAGS (default -O0: gcc takes longer to optimise pan.c
# than the optimised pan saves in searching), MODEL_WORKDIR (default: a new temporary dir,
# removed after).
set -euo pipefail

srcdir=${AMPLECALL_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
model=$srcdir/tests/model/outbox.pml
cc=${CC:-cc}
cflags=${MODEL_CFLAGS:--O0}

# name|spin -D options|what it is. The first is the model itself; the rest must fail.
checks=(
    "correct||the send protocol (doc/outbox.md as amended in outbox.pml): no call lost, none twice"
    "resend_on_5xx|-DBUG_RESEND_ON_5XX|a 5xx taken as not stored and resent"
    "no_ownership|-DBUG_NO_OWNERSHIP|the look-up takes a call another row owns"
    "inconclusive_is_absent|-DBUG_INCONCLUSIVE_IS_ABSENT|an incomplete look-up taken as not found"
    "no_settle|-DBUG_NO_SETTLE|a look-up while the row's POST is still in flight"
    "no_sending_check|-DBUG_NO_SENDING_CHECK|a look-up concluding while a same-content row is sending"
    "doc_review_owns|-DDOC_REVIEW_OWNS|finding: review candidates owned by the review row (as doc/outbox.md says)"
    "human_while_sending|-DHUMAN_WHILE_SENDING|finding: resolve while a same-content row is sending"
    "lease_expiry|-DLEASE_EXPIRY|finding: a live holder's lease expires while its 201 is on the way"
)

echo "1..${#checks[@]}"
if ! command -v spin >/dev/null 2>&1; then
    # Under CI a check that cannot run fails (SKIP is not a pass).
    if [ -n "${AMPLECALL_NO_SKIP:-}${CI:-}" ]; then
        echo "not ok 1 - spin is not installed: the model cannot be checked (SKIP fails under CI)"
        exit 1
    fi
    n=0
    for c in "${checks[@]}"; do
        n=$((n + 1))
        IFS='|' read -r name _ _ <<<"$c"
        echo "ok $n - $name # SKIP spin is not installed"
    done
    exit 0
fi

if [ -n "${MODEL_WORKDIR:-}" ]; then
    work=$MODEL_WORKDIR
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-model.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

# verify NAME DEFINES: generate and build pan in $work/NAME, search the whole state space.
# pan's report goes to $work/NAME/pan.out; nonzero when spin or the compiler fails.
verify() {
    local dir=$work/$1 defs=$2
    mkdir -p "$dir"
    cp "$model" "$dir/outbox.pml"
    # shellcheck disable=SC2086 # defs is a list of words
    (cd "$dir" && spin $defs -a outbox.pml >spin.out 2>&1) || { sed 's/^/# /' "$dir/spin.out"; return 1; }
    # -w: pan.c is generated code, and gcc's array bound warnings about it are noise
    # shellcheck disable=SC2086
    (cd "$dir" && "$cc" $cflags -w -DSAFETY -o pan pan.c >cc.out 2>&1) || { sed 's/^/# /' "$dir/cc.out"; return 1; }
    # pan's exit status does not tell whether it found an error: its report does
    (cd "$dir" && ./pan -m100000 >pan.out 2>&1) || true
}

# The events of the counterexample pan wrote (the model's MSC: lines), as TAP comments.
trail() {
    local dir=$work/$1 defs=$2
    # shellcheck disable=SC2086
    (cd "$dir" && spin $defs -t outbox.pml 2>&1) | grep -E 'MSC:|violated' | sed 's/^ *MSC: /#   /; s/^spin: /#   spin: /' || true
}

n=0
status=0
for c in "${checks[@]}"; do
    n=$((n + 1))
    IFS='|' read -r name defs what <<<"$c"
    out=$work/$name/pan.out
    if ! verify "$name" "$defs"; then
        echo "not ok $n - $name: $what (spin or cc failed)"
        status=1
        continue
    fi
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
    if [ -z "$errors" ]; then
        echo "not ok $n - $name: $what (no 'errors:' in pan's report)"
        sed 's/^/# /' "$out"
        status=1
        continue
    fi
    if [ $n -eq 1 ]; then
        # Clean, and complete: the whole space searched, the final check reached.
        if [ "$errors" -eq 0 ] && ! grep -q 'max search depth too small\|Search not completed' "$out" &&
            grep -A1 'unreached in proctype Quiescence' "$out" | grep -q '(0 of'; then
            echo "ok $n - $name: $what"
        else
            echo "not ok $n - $name: $what ($errors errors)"
            grep -E 'pan:|error' "$out" | sed 's/^/# /' || true
            [ "$errors" -eq 0 ] || trail "$name" "$defs"
            status=1
        fi
        grep -E 'State-vector|states, stored|transitions|total actual memory|elapsed time' "$out" |
            sed 's/^[[:space:]]*/# /'
    else
        if [ "$errors" -gt 0 ] && grep -q 'assertion violated\|invalid end state' "$out"; then
            echo "ok $n - $name: $what (counterexample found)"
            grep -m1 -E 'assertion violated|invalid end state' "$out" | sed 's/^/#   /'
            [ -z "${MODEL_TRAILS:-}" ] || trail "$name" "$defs"
        else
            echo "not ok $n - $name: $what (verified clean: the model no longer catches it)"
            status=1
        fi
    fi
done
exit $status

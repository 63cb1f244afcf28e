#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make bench`: measure amplecall against dialog and curl on this machine and write
# doc/performance.md (bench/README.md). Usage: run.sh BUILDDIR SRCDIR.
# Environment: BENCH_RUNS (runs per figure, default 15; at least 15 for a published report),
# BENCH_OUT (report path, default SRCDIR/doc/performance.md), BENCH_CFLAGS (recorded only).
# Everything runs on 127.0.0.1 against tests/fake/fakeapi; the fake API key is passed through
# the environment and a header file, never on a command line.
set -u
B=$(cd "$1" && pwd) || exit 1
S=$(cd "$2" && pwd) || exit 1
RUNS=${BENCH_RUNS:-15}
OUT=${BENCH_OUT:-$S/doc/performance.md}
AMP=$B/src/amplecall
FAKE=$B/tests/fake/fakeapi
TTY=$B/bench/bench_tty
SCALE=$B/bench/bench_scale
CALL=$B/bench/bench_call
SCALE_SIZES="100 1000 10000"

T=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-bench-XXXXXX") || exit 1
SAMPLES=$T/samples.tsv
: >"$SAMPLES"
fake_pids=()
cleanup()
{
    for p in "${fake_pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${fake_pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf 'bench: %s\n' "$*" >&2; }
problems=0
problem() { say "PROBLEM: $*"; echo "$*" >>"$T/problems"; problems=$((problems + 1)); }

# ---- tools (installed like ./bootstrap does, only when missing) ----------------------------
need_tools()
{
    local missing=""
    command -v dialog >/dev/null || missing="$missing dialog"
    [ -x /usr/bin/time ] || missing="$missing time"
    command -v curl >/dev/null || missing="$missing curl"
    command -v hyperfine >/dev/null || missing="$missing hyperfine"
    command -v valgrind >/dev/null || missing="$missing valgrind"
    command -v callgrind_annotate >/dev/null || missing="$missing valgrind"
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing:$missing"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; } ||
            { say "apt-get install$missing failed"; exit 1; }
    else
        say "make bench needs:$missing  (Debian/Ubuntu: sudo apt-get install$missing)"
        exit 1
    fi
}
need_tools
for f in "$AMP" "$FAKE" "$TTY" "$SCALE" "$CALL"; do
    [ -x "$f" ] || { say "missing $f (run via make bench)"; exit 1; }
done

# ---- fake servers ------------------------------------------------------------------------
declare -A fake_pid fake_tasks
# start_fake NAME NTASKS: sets URL_<NAME>; the server's log is $T/NAME.log.
start_fake()
{
    local name=$1 n=$2 fifo=$T/$1.fifo line fd
    rm -f "$fifo"
    mkfifo "$fifo"
    "$FAKE" --port 0 --tasks "$n" --log "$T/$name.log" --max-lifetime 1500 \
        >"$fifo" 2>"$T/$name.err" &
    fake_pids+=($!)
    fake_pid[$name]=$!
    fake_tasks[$name]=$n
    exec {fd}<"$fifo" # kept open for the script's life so the server never gets SIGPIPE
    if ! read -r -t 5 -u "$fd" line || [ "${line#port=}" = "$line" ]; then
        say "fake server $name did not start: $(cat "$T/$name.err")"
        exit 1
    fi
    printf -v "URL_$name" 'http://127.0.0.1:%s' "${line#port=}"
}
# ensure_fake NAME: restart the server if something on this shared machine ended it (its
# state is only the seed, so a restart changes nothing measured); noted in the report.
ensure_fake()
{
    kill -0 "${fake_pid[$1]}" 2>/dev/null && return 0
    echo "fake server $1 was gone (ended from outside) and was restarted" >>"$T/notes"
    say "restarting fake server $1"
    start_fake "$1" "${fake_tasks[$1]}"
    [ "$1" = main ] && export AMPLECALL_BASE_URL=$URL_main
    return 0
}
start_fake main 45
for n in $SCALE_SIZES; do
    start_fake "s$n" "$n"
done

USER_ID=0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d
TASK_ID=0199f0a2-1c3e-7a10-9b7e-000000000001
export AMPLEMARKET_API_KEY=test-key AMPLECALL_USER=$USER_ID AMPLECALL_BASE_URL=$URL_main
export BENCH_AMPLECALL=$AMP
export HOME=$T/home XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/config
mkdir -p "$HOME" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME"
unset AMPLECALL_PROFILE NO_COLOR

printf 'Authorization: Bearer %s\nAccept: application/json\nContent-Type: application/json\n' \
    "$AMPLEMARKET_API_KEY" >"$T/headers"
printf '{"from":"+1 415 555 0100","to":"+1 415 555 0199","duration":42,"answered":true,"human":true,"task_id":"%s","user_id":"%s"}' \
    "$TASK_ID" "$USER_ID" >"$T/body.json"
LOG_ARGS=(log --from "+1 415 555 0100" --to "+1 415 555 0199" --duration 42 --answered yes
    --human yes --task "$TASK_ID" --user "$USER_ID" --json)
CURL_ARGS=(-sS -H "@$T/headers" --data-binary "@$T/body.json")

sample() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$SAMPLES"; }
fake_ctl() { curl -sS -o /dev/null -X POST "$URL_main/_fake/$1" ${2:+--data-binary "$2"}; }
connections() { grep -o '"connection":[0-9]*' "$1" | sort -u | wc -l; }
requests() { grep -c '"seq"' "$1"; }
# ms between two $EPOCHREALTIME values
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }
callgrind_total() { awk '/^totals:/ { print $2 }' "$1"; }

tty_bench()
{
    say "bench_tty $*"
    "$TTY" "$@" >>"$SAMPLES" 2>>"$T/tty.err" || problem "bench_tty $* failed (see its output)"
}
tty_main() { ensure_fake main; tty_bench "$@"; }

START=$EPOCHREALTIME
say "runs per figure: $RUNS; scratch: $T"

# ---- terminal: first paint, bytes, Esc, form RSS -----------------------------------------
for s in echo dialog amplecall; do
    tty_main paint "$s" "$RUNS"
done
for s in dialog amplecall; do
    tty_main keys "$s" "$RUNS"
    tty_main resize "$s" "$RUNS"
    tty_main rss "$s" "$RUNS"
    tty_main esc "$s" "$RUNS"
done
tty_main timer $((RUNS + 1))

# ---- a call in keys: typical answered and unanswered calls through the form ---------------
say "bench_call $RUNS"
for i in $(seq "$RUNS"); do
    ensure_fake main
    fake_ctl reset # a fresh seed per session: its calls complete tasks on the server
    "$CALL" 1 >>"$SAMPLES" 2>>"$T/tty.err" || problem "bench_call run $i failed (see its output)"
done
fake_ctl reset

# ---- peak RSS: amplecall log vs curl, the same JSON to the same server --------------------
say "peak RSS of amplecall log and curl"
ensure_fake main
"$AMP" "${LOG_ARGS[@]}" >/dev/null 2>"$T/log.err" || problem "amplecall log failed: $(cat "$T/log.err")"
for i in $(seq "$RUNS"); do
    if /usr/bin/time -f %M -o "$T/rss" "$AMP" "${LOG_ARGS[@]}" >/dev/null 2>"$T/log.err"; then
        sample rss_kib "amplecall log" "$(tail -1 "$T/rss")"
    else
        problem "amplecall log failed: $(cat "$T/log.err")"
    fi
    /usr/bin/time -f %M -o "$T/rss" curl "${CURL_ARGS[@]}" -o /dev/null "$URL_main/calls" &&
        sample rss_kib "curl" "$(tail -1 "$T/rss")"
done

# ---- submit: wall time (hyperfine) and instructions (callgrind) --------------------------
# hyperfine_times NAME COMMAND: one sample per run, in ms.
hyperfine_times()
{
    local name=$1
    shift
    hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$T/hf.json" "$@" \
        >/dev/null 2>"$T/hf.err" || { problem "hyperfine $name: $(cat "$T/hf.err")"; return; }
    awk '/"times": \[/ { on = 1; next } on && /\]/ { on = 0 } on { gsub(/[ ,]/, ""); print $0 * 1000 }' \
        "$T/hf.json" | while read -r ms; do sample submit_ms "$name" "$ms"; done
}
say "submit wall time"
ensure_fake main
q="'"
hyperfine_times "amplecall log" "$AMP log --from ${q}+1 415 555 0100${q} --to ${q}+1 415 555 0199${q} --duration 42 --answered yes --human yes --task $TASK_ID --user $USER_ID --json"
hyperfine_times "curl" "curl -sS -o /dev/null -H @$T/headers --data-binary @$T/body.json $URL_main/calls"

say "submit instructions (callgrind)"
ensure_fake main
for i in 1 2 3; do
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.log" "$AMP" "${LOG_ARGS[@]}" \
        >/dev/null 2>"$T/cg.err" && sample submit_instr "amplecall log" "$(callgrind_total "$T/cg.log")"
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.curl" curl "${CURL_ARGS[@]}" \
        -o /dev/null "$URL_main/calls" 2>"$T/cg.err" &&
        sample submit_instr "curl" "$(callgrind_total "$T/cg.curl")"
done
cp "$T/cg.log" "$T/keep.cg.log" 2>/dev/null

# ---- outbox: 20 pending calls flushed by one process, vs 20 POSTs from one curl ----------
say "outbox flush of 20 calls"
urls=()
for i in $(seq 20); do urls+=("$URL_main/calls"); done
for r in $(seq "$RUNS"); do
    ensure_fake main
    st=$T/outbox$r
    mkdir -p "$st"
    fake_ctl faults '{"status":503,"path":"/calls","method":"POST"}'
    for i in $(seq 20); do
        XDG_STATE_HOME=$st "$AMP" "${LOG_ARGS[@]}" >/dev/null 2>&1
    done
    fake_ctl reset
    t0=$EPOCHREALTIME
    XDG_STATE_HOME=$st /usr/bin/time -f %M -o "$T/rss" "$AMP" outbox flush >/dev/null 2>"$T/flush.err"
    rc=$?
    t1=$EPOCHREALTIME
    if [ "$rc" != 0 ]; then
        problem "amplecall outbox flush exited $rc: $(head -3 "$T/flush.err")"
    fi
    sample flush_ms "amplecall outbox flush" "$(elapsed_ms "$t0" "$t1")"
    sample flush_rss_kib "amplecall outbox flush" "$(tail -1 "$T/rss")"
    sample flush_posts "amplecall outbox flush" "$(grep -c '"method":"POST","path":"/calls"' "$T/main.log")"
    sample flush_requests "amplecall outbox flush" "$(requests "$T/main.log")"
    sample flush_connections "amplecall outbox flush" "$(connections "$T/main.log")"

    fake_ctl reset
    t0=$EPOCHREALTIME
    curl "${CURL_ARGS[@]}" "${urls[@]}" >/dev/null
    t1=$EPOCHREALTIME
    sample flush_ms "curl (20 URLs)" "$(elapsed_ms "$t0" "$t1")"
    sample flush_posts "curl (20 URLs)" "$(grep -c '"method":"POST","path":"/calls"' "$T/main.log")"
    sample flush_requests "curl (20 URLs)" "$(requests "$T/main.log")"
    sample flush_connections "curl (20 URLs)" "$(connections "$T/main.log")"
done
fake_ctl reset

# ---- scale: 100 / 1,000 / 10,000 tasks ---------------------------------------------------
for n in $SCALE_SIZES; do
    ensure_fake "s$n"
    url_var=URL_s$n
    url=${!url_var}
    subj="$n tasks"
    say "scale: $subj"
    # The first run decides how many more fit in the time budget: the list's load time is
    # mostly the server's when it is slow to page (see doc/performance.md).
    AMPLECALL_BASE_URL=$url "$SCALE" run "$subj" 1 >"$T/probe" 2>>"$T/scale.err" ||
        problem "bench_scale run $n failed: $(tail -2 "$T/scale.err")"
    cat "$T/probe" >>"$SAMPLES"
    probe_ms=$(awk -F'\t' '$1 == "api_load_ms" { printf "%d", $3 }' "$T/probe")
    srun=$RUNS
    if [ "${probe_ms:-0}" -gt 3000 ]; then
        srun=3
        echo "$subj: the list took ${probe_ms} ms to load, so $srun runs instead of $RUNS" >>"$T/notes"
    fi
    AMPLECALL_BASE_URL=$url "$SCALE" run "$subj" $((srun - 1)) >>"$SAMPLES" 2>>"$T/scale.err" ||
        problem "bench_scale run $n failed"
    # One callgrind run counts the load, the picker fill and the filter keystrokes.
    if AMPLECALL_BASE_URL=$url valgrind --tool=callgrind --callgrind-out-file="$T/cg.s$n" \
        "$SCALE" callgrind "$subj" 1 >"$T/cg.s$n.out" 2>"$T/cg.err"; then
        keys=$(awk -F'\t' '$1 == "filter_keys" { print $3 }' "$T/cg.s$n.out")
        callgrind_annotate --inclusive=yes "$T/cg.s$n" >"$T/cg.s$n.txt" 2>/dev/null
        instr()
        {
            awk -v fn="$1" '{ for (i = 1; i <= NF; i++) if ($i ~ (":" fn "$")) { x = $1; gsub(/,/, "", x); print x; exit } }' "$T/cg.s$n.txt"
        }
        v=$(instr api_tasks) && [ -n "$v" ] && sample load_instr "$subj" "$v"
        v=$(instr picker_fill) && [ -n "$v" ] && sample fill_instr "$subj" "$v"
        v=$(instr picker_filter_append)
        [ -n "$v" ] && [ -n "$keys" ] && sample filter_instr_per_key "$subj" $((v / keys))
    else
        problem "callgrind of bench_scale $n failed: $(tail -2 "$T/cg.err")"
    fi
    ensure_fake "s$n"
    url_var=URL_s$n
    url=${!url_var}
    AMPLECALL_BASE_URL=$url tty_bench scale "$n" "$srun"
done

END=$EPOCHREALTIME
BENCH_SECONDS=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.0f", b - a }')
say "measured in $BENCH_SECONDS s; writing $OUT"
export RUNS BENCH_SECONDS SAMPLES T S B OUT SCALE_SIZES USER_ID TASK_ID
mkdir -p "$(dirname "$OUT")"
bash "$S/bench/report.sh" >"$T/report.md" || { say "report failed"; exit 1; }
cp "$T/report.md" "$OUT"
[ -s "$T/tty.err" ] && { say "bench_tty said:"; tail -40 "$T/tty.err" >&2; }
cp "$SAMPLES" "$B/bench/samples.tsv"
say "done: $OUT (raw samples: $B/bench/samples.tsv)"
[ "$problems" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Build the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) straight from
# the pure sources, independent of the configured compiler, and run each one for
# $FUZZ_SECONDS (default 60) on a copy of its seed corpus. Prints the executions per target;
# exits non-zero when a target fails to build or the fuzzer finds a crash, leak or broken
# property (the work directory with the crash file is then kept and named).
#
#   tests/fuzz/run.sh [TARGET...]        e.g. FUZZ_SECONDS=12 tests/fuzz/run.sh
# Environment: FUZZ_SECONDS, FUZZ_WORKDIR (default: a new /tmp dir, removed when all pass),
# FUZZ_CC (default: the first clang that links -fsanitize=fuzzer).
set -u

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
all_targets="fuzz_apierr fuzz_lists fuzz_call_record fuzz_sanitize fuzz_validate fuzz_config
fuzz_csv"
targets=${*:-$all_targets}

# The pure modules each target compiles, under src/ (core util/buf/jsonx are always added).
modules_for() {
    case $1 in
    fuzz_apierr) echo "core/apierr.c core/call.c" ;;
    fuzz_lists) echo "net/api.c net/lists.c net/http.c net/curl_dl.c core/apierr.c core/call.c core/sanitize.c core/text.c core/redact.c core/charset.c core/fold.c" ;;
    fuzz_call_record) echo "core/call.c" ;;
    fuzz_sanitize) echo "core/sanitize.c core/text.c core/charset.c" ;;
    fuzz_validate) echo "core/validate.c core/call.c" ;;
    fuzz_config) echo "conf/settings.c conf/keycmd.c core/validate.c core/call.c core/safepath.c core/redact.c core/sanitize.c core/charset.c" ;;
    fuzz_csv) echo "core/csv.c" ;;
    *) return 1 ;;
    esac
}

if [ -n "${FUZZ_WORKDIR:-}" ]; then
    work=$FUZZ_WORKDIR
    mkdir -p "$work" || exit 1
    is_temp=0
else
    work=$(mktemp -d /tmp/amplecall-fuzz.XXXXXX) || exit 1
    is_temp=1
fi

# A clang whose runtime has libFuzzer (Debian: libclang-rt-NN-dev).
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
    >"$work/probe.c"
cc=
for c in ${FUZZ_CC:-} clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null 2>&1 &&
        "$c" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
        cc=$c
        break
    fi
done
if [ -z "$cc" ]; then
    echo "fuzz: no clang with libFuzzer found (Debian: apt-get install clang libclang-rt-dev)"
    exit 2
fi

# A config.h of our own, so no configured build tree is needed.
version=$(sed -n 's/^AC_INIT(\[amplecall\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
cat >"$work/config.h" <<EOC
#define PACKAGE "amplecall"
#define PACKAGE_NAME "amplecall"
#define PACKAGE_VERSION "${version:-0}"
#define VERSION "${version:-0}"
EOC

deps="$(pkg-config --cflags --libs json-c libcurl sqlite3 2>/dev/null) -lunistring" ||
    deps="-ljson-c -lcurl -lsqlite3 -lunistring"
cflags="-g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
 -fno-omit-frame-pointer -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=600
 -D_XOPEN_SOURCE_EXTENDED
 -I$work -I$srcdir/src -I$srcdir/tests/fuzz"

status=0
total=0
summary=
for t in $targets; do
    mods=$(modules_for "$t") || { echo "fuzz: unknown target $t"; status=1; continue; }
    srcs="$srcdir/tests/fuzz/$t.c"
    for m in core/util.c core/buf.c core/jsonx.c $mods; do
        srcs="$srcs $srcdir/src/$m"
    done
    # shellcheck disable=SC2086 # word splitting of the flag and file lists is intended
    if ! $cc $cflags $srcs $deps -o "$work/$t" >"$work/$t.build.log" 2>&1; then
        echo "$t: BUILD FAILED"
        cat "$work/$t.build.log"
        status=1
        continue
    fi
    rm -rf "$work/corpus-$t"
    mkdir -p "$work/corpus-$t"
    cp "$srcdir/tests/fuzz/corpus/$t/"* "$work/corpus-$t/" 2>/dev/null
    seeds=$(ls "$work/corpus-$t" | wc -l)
    # UBSan must abort so that libFuzzer records the input; leaks count as failures.
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
        "$work/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/$t-" "$work/corpus-$t" \
        >"$work/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
    execs=${execs:-0}
    inputs=$(ls "$work/corpus-$t" | wc -l)
    total=$((total + execs))
    if [ $rc -eq 0 ]; then
        line="$t: $execs execs in ${seconds}s, corpus $seeds -> $inputs inputs, ok"
    else
        line="$t: $execs execs, FAILED (exit $rc)"
        status=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*property failed|.*runtime error)' "$work/$t.log" |
            head -n 5
        ls "$work/$t-"* 2>/dev/null | sed 's/^/  crash input: /'
        echo "  log: $work/$t.log"
    fi
    echo "$line"
    summary="$summary$line
"
done

echo "fuzz: $total execs in all"
if [ $status -eq 0 ] && [ $is_temp -eq 1 ]; then
    rm -rf "$work"
elif [ $status -ne 0 ]; then
    echo "fuzz: FAILED; inputs and logs kept in $work"
fi
exit $status

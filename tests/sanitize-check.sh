#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Build amplecall out of tree with --enable-sanitizers (AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer) and run `make check` there. Prints the failing tests' logs and
# one line "sanitizers: N passed, N failed" summing the TAP results; exits non-zero on any
# failure (a sanitizer report makes the test that triggered it fail).
#
#   tests/sanitize-check.sh [BUILD_DIR]     (default: a new /tmp dir, removed when all pass)
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 1 ]; then
    build=$1
    mkdir -p "$build" || exit 1
    is_temp=0
else
    build=$(mktemp -d /tmp/amplecall-asan.XXXXXX) || exit 1
    is_temp=1
fi
if [ ! -x "$srcdir/configure" ]; then
    (cd "$srcdir" && autoreconf -fi) || exit 1
fi
cd "$build" || exit 1
if [ ! -f Makefile ]; then
    "$srcdir/configure" -q --enable-sanitizers || { echo "sanitizers: configure failed"; exit 1; }
fi

# Leaks fail the run; UBSan reports abort (configure adds -fno-sanitize-recover=undefined).
ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# glibc's locale cache only (see the file); every other leak still fails the run
LSAN_OPTIONS=suppressions=$srcdir/tests/lsan.supp:print_suppressions=0
# valgrind cannot run ASan-instrumented binaries; the valgrind test skips itself.
AMPLECALL_NO_VALGRIND=1
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS AMPLECALL_NO_VALGRIND

make -j2 >build.log 2>&1 || { tail -n 40 build.log; echo "sanitizers: build failed"; exit 1; }
make -j2 check >check.log 2>&1
status=$?

passed=0
failed=0
for trs in $(find . -name '*.trs'); do
    p=$(grep -cE '^:test-result: (PASS|XFAIL|SKIP)' "$trs")
    f=$(grep -cE '^:test-result: (FAIL|XPASS|ERROR)' "$trs")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        log=${trs%.trs}.log
        echo "---- $log"
        grep -E '^(not ok|Bail out)|ERROR: |runtime error|SUMMARY:' "$log" | head -n 20
    fi
done
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then
    tail -n 30 check.log
    failed=1
fi
echo "sanitizers: $passed passed, $failed failed"
if [ $failed -eq 0 ] && [ $is_temp -eq 1 ]; then
    cd / && rm -rf "$build"
elif [ $failed -ne 0 ]; then
    echo "sanitizers: logs kept in $build"
fi
[ $failed -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The LOG_COMPILER of every test: run one test program under a time limit, so a hang fails
# that test (as a TAP "Bail out!", which the driver counts as an error) and make check goes on
# to the next one instead of stopping.  AMPLECALL_TEST_TIMEOUT: seconds (default 900, above
# the slowest program, the fault campaign); SIGKILL 10 s after the SIGTERM if it is ignored.
# The time the program took ends its log as a TAP comment: the mutation runner
# (tests/mutate) sets its per-program limits from it instead of running the suite again.
limit=${AMPLECALL_TEST_TIMEOUT:-900}
t0=$(date +%s%N)
timeout -k 10 "$limit" "$@"
rc=$?
case $rc in
124 | 137) echo "Bail out! $1 did not finish within ${limit} s: a hang is a failure" ;;
esac
t1=$(date +%s%N)
echo "# timelimit: ran for $(( (t1 - t0) / 1000000 )) ms"
exit $rc

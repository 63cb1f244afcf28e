/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared includes for cmocka unit tests. */
#ifndef AMPLECALL_TEST_UNIT_H
#define AMPLECALL_TEST_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include "noskip.h"

/* Run a group with TAP output so every case counts in the suite's summary. */
#define RUN_TAP(tests) \
    (cmocka_set_message_output(CM_OUTPUT_TAP), cmocka_run_group_tests(tests, NULL, NULL))
#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests: SKIP is not a pass.  Under CI (CI or AMPLECALL_NO_SKIP set, as .ci/run does) a test
 * that cannot run its real part (a missing tool, no TLS, no locale, not root) fails with the
 * reason instead of reporting SKIP; elsewhere it still skips, saying why. */
#ifndef AMPLECALL_TESTS_NOSKIP_H
#define AMPLECALL_TESTS_NOSKIP_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline bool noskip_is_set(const char *name)
{
    const char *v = getenv(name);

    return v && *v && strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

/* True when a SKIP must fail: under CI. */
static inline bool noskip_is_strict(void)
{
    return noskip_is_set("AMPLECALL_NO_SKIP") || noskip_is_set("CI");
}

/* Inside a cmocka test: skip (saying why), or fail under CI. */
#define noskip_skip(why)                                                                      \
    do {                                                                                      \
        if (noskip_is_strict())                                                               \
            fail_msg("cannot run its real part (%s); SKIP is a failure under CI", (why));     \
        fprintf(stderr, "# SKIP %s\n", (why));                                                \
        skip();                                                                               \
    } while (0)

#endif

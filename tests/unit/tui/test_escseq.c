/* SPDX-License-Identifier: GPL-3.0-or-later */
/* escseq.c: escape sequences curses left undecoded are read to their end and named or
 * swallowed, whatever TERM said. */
#include "config.h"
#include "unit.h"

#include <string.h>
#include <curses.h>

#include "tui/escseq.h"

/* The state after feeding s byte by byte: MORE until the last byte. */
static enum escseq_state fed(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 1; i < n; i++)
        if (escseq_state(s, i) != ESCSEQ_MORE)
            return escseq_state(s, i);
    return escseq_state(s, n);
}

static void escseq__sequences_end_at_their_final_byte(void **state)
{
    (void)state;
    assert_int_equal(fed("[F"), ESCSEQ_DONE);
    assert_int_equal(fed("[1;5F"), ESCSEQ_DONE);
    assert_int_equal(fed("[15~"), ESCSEQ_DONE);
    assert_int_equal(fed("[?25;1$y"), ESCSEQ_DONE);
    assert_int_equal(fed("[<0;6;5M"), ESCSEQ_DONE);
    assert_int_equal(fed("OH"), ESCSEQ_DONE);
    assert_int_equal(fed("[[A"), ESCSEQ_DONE);
    assert_int_equal(fed("[M !!"), ESCSEQ_DONE); /* X10 mouse: three raw bytes */
    assert_int_equal(escseq_state("[M !", 4), ESCSEQ_MORE);
    assert_int_equal(escseq_state("[1;5", 4), ESCSEQ_MORE);
    assert_int_equal(escseq_state("x", 1), ESCSEQ_NOT); /* Alt+x */
    assert_int_equal(escseq_state("", 0), ESCSEQ_MORE);
    /* a byte no sequence has ends it there (and is not typed either) */
    assert_int_equal(escseq_state("[1\x01", 3), ESCSEQ_DONE);
}

static void escseq__common_keys_are_named_the_rest_swallowed(void **state)
{
    (void)state;
    assert_int_equal(escseq_key("[H", 2), KEY_HOME);
    assert_int_equal(escseq_key("[F", 2), KEY_END);
    assert_int_equal(escseq_key("OF", 2), KEY_END);
    assert_int_equal(escseq_key("[1~", 3), KEY_HOME);
    assert_int_equal(escseq_key("[4~", 3), KEY_END);
    assert_int_equal(escseq_key("[21~", 4), KEY_F(10));
    assert_int_equal(escseq_key("[24~", 4), KEY_F(12));
    assert_int_equal(escseq_key("[[A", 3), KEY_F(1));
    assert_int_equal(escseq_key("OP", 2), KEY_F(1));
    assert_int_equal(escseq_key("[Z", 2), KEY_BTAB);
    assert_int_equal(escseq_key("[1;5F", 5), 0);
    assert_int_equal(escseq_key("[99~", 4), 0);
    assert_int_equal(escseq_key("[200~", 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escseq__sequences_end_at_their_final_byte),
        cmocka_unit_test(escseq__common_keys_are_named_the_rest_swallowed),
    };
    return RUN_TAP(tests);
}

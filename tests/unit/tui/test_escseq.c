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

/* Rule: every sequence xterm, rxvt and the Linux console send for the keys the form uses
 * is that key: the table written out again here, from the terminals' documentation. */
static void escseq__every_named_sequence_is_its_key(void **state)
{
    static const struct {
        const char *seq;
        int key;
    } want[] = {
        {"[A", KEY_UP},      {"[B", KEY_DOWN},    {"[C", KEY_RIGHT},   {"[D", KEY_LEFT},
        {"OA", KEY_UP},      {"OB", KEY_DOWN},    {"OC", KEY_RIGHT},   {"OD", KEY_LEFT},
        {"[H", KEY_HOME},    {"OH", KEY_HOME},    {"[1~", KEY_HOME},   {"[7~", KEY_HOME},
        {"[F", KEY_END},     {"OF", KEY_END},     {"[4~", KEY_END},    {"[8~", KEY_END},
        {"[Z", KEY_BTAB},    {"OM", KEY_ENTER},   {"[2~", KEY_IC},     {"[3~", KEY_DC},
        {"[5~", KEY_PPAGE},  {"[6~", KEY_NPAGE},  {"OP", KEY_F(1)},    {"OQ", KEY_F(2)},
        {"OR", KEY_F(3)},    {"OS", KEY_F(4)},    {"[11~", KEY_F(1)},  {"[12~", KEY_F(2)},
        {"[13~", KEY_F(3)},  {"[14~", KEY_F(4)},  {"[15~", KEY_F(5)},  {"[17~", KEY_F(6)},
        {"[18~", KEY_F(7)},  {"[19~", KEY_F(8)},  {"[20~", KEY_F(9)},  {"[21~", KEY_F(10)},
        {"[23~", KEY_F(11)}, {"[24~", KEY_F(12)}, {"[[A", KEY_F(1)},   {"[[B", KEY_F(2)},
        {"[[C", KEY_F(3)},   {"[[D", KEY_F(4)},   {"[[E", KEY_F(5)},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        size_t n = strlen(want[i].seq);
        if (escseq_key(want[i].seq, n) != want[i].key)
            fail_msg("Esc %s gave %d, not %d", want[i].seq, escseq_key(want[i].seq, n),
                     want[i].key);
        /* a prefix of it is no key */
        assert_int_equal(escseq_key(want[i].seq, n - 1), 0);
    }
}

/* Rule: CSI bytes by ECMA-48's ranges: 0x20-0x3F continue a sequence, 0x40-0x7E end it,
 * anything else ends it as broken; a sequence that never ends stops at ESCSEQ_MAX bytes. */
static void escseq__byte_ranges_at_both_sides_and_the_length_cap(void **state)
{
    char long_seq[ESCSEQ_MAX + 1];

    (void)state;
    assert_int_equal(escseq_state("[\x1f", 2), ESCSEQ_DONE);
    assert_int_equal(escseq_state("[ ", 2), ESCSEQ_MORE);   /* 0x20 */
    assert_int_equal(escseq_state("[?", 2), ESCSEQ_MORE);   /* 0x3F */
    assert_int_equal(escseq_state("[@", 2), ESCSEQ_DONE);   /* 0x40 */
    assert_int_equal(escseq_state("[~", 2), ESCSEQ_DONE);   /* 0x7E */
    assert_int_equal(escseq_state("[\x7f", 2), ESCSEQ_DONE);
    assert_int_equal(escseq_state("O", 1), ESCSEQ_MORE);
    assert_int_equal(escseq_state("[", 1), ESCSEQ_MORE);
    assert_int_equal(escseq_state("[[", 2), ESCSEQ_MORE);
    assert_int_equal(escseq_state("[M", 2), ESCSEQ_MORE);
    assert_int_equal(escseq_state("[M !", 4), ESCSEQ_MORE);
    assert_int_equal(escseq_state("[M !!", 5), ESCSEQ_DONE);
    long_seq[0] = '[';
    memset(long_seq + 1, '1', ESCSEQ_MAX);
    assert_int_equal(escseq_state(long_seq, ESCSEQ_MAX - 1), ESCSEQ_MORE);
    assert_int_equal(escseq_state(long_seq, ESCSEQ_MAX), ESCSEQ_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escseq__sequences_end_at_their_final_byte),
        cmocka_unit_test(escseq__common_keys_are_named_the_rest_swallowed),
        cmocka_unit_test(escseq__every_named_sequence_is_its_key),
        cmocka_unit_test(escseq__byte_ranges_at_both_sides_and_the_length_cap),
    };
    return RUN_TAP(tests);
}

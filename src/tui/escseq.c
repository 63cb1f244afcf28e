/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: decoding the escape sequences curses left undecoded (escseq.h): CSI (Esc [),
 * SS3 (Esc O), the Linux console's Esc [ [ and X10 mouse reports, by ECMA-48's byte ranges. */
#include "config.h"
#include "tui/escseq.h"

#include <string.h>
#include <curses.h>

#include "core/util.h"

enum escseq_state escseq_state(const char *seq, size_t len)
{
    if (len == 0)
        return ESCSEQ_MORE;
    if (seq[0] == 'O') /* SS3: one final byte */
        return len >= 2 ? ESCSEQ_DONE : ESCSEQ_MORE;
    if (seq[0] != '[')
        return ESCSEQ_NOT;
    if (len >= 2 && seq[1] == '[') /* Linux console F1-F5: Esc [ [ A..E */
        return len >= 3 ? ESCSEQ_DONE : ESCSEQ_MORE;
    if (len >= 2 && seq[1] == 'M') /* X10 mouse: Esc [ M and three raw bytes */
        return len >= 5 ? ESCSEQ_DONE : ESCSEQ_MORE;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)seq[i];
        if (c >= 0x40 && c <= 0x7e)
            return ESCSEQ_DONE; /* the final byte */
        if (c < 0x20 || c > 0x3f)
            return ESCSEQ_DONE; /* not parameter or intermediate: broken, end it here */
    }
    return len >= ESCSEQ_MAX ? ESCSEQ_DONE : ESCSEQ_MORE;
}

struct named {
    const char *seq;
    int key;
};

static const struct named named[] = {
    {"[A", KEY_UP},       {"[B", KEY_DOWN},      {"[C", KEY_RIGHT},     {"[D", KEY_LEFT},
    {"[H", KEY_HOME},     {"[F", KEY_END},       {"[Z", KEY_BTAB},      {"OA", KEY_UP},
    {"OB", KEY_DOWN},     {"OC", KEY_RIGHT},     {"OD", KEY_LEFT},      {"OH", KEY_HOME},
    {"OF", KEY_END},      {"OM", KEY_ENTER},     {"OP", KEY_F(1)},      {"OQ", KEY_F(2)},
    {"OR", KEY_F(3)},     {"OS", KEY_F(4)},      {"[1~", KEY_HOME},     {"[7~", KEY_HOME},
    {"[4~", KEY_END},     {"[8~", KEY_END},      {"[2~", KEY_IC},       {"[3~", KEY_DC},
    {"[5~", KEY_PPAGE},   {"[6~", KEY_NPAGE},    {"[11~", KEY_F(1)},    {"[12~", KEY_F(2)},
    {"[13~", KEY_F(3)},   {"[14~", KEY_F(4)},    {"[15~", KEY_F(5)},    {"[17~", KEY_F(6)},
    {"[18~", KEY_F(7)},   {"[19~", KEY_F(8)},    {"[20~", KEY_F(9)},    {"[21~", KEY_F(10)},
    {"[23~", KEY_F(11)},  {"[24~", KEY_F(12)},   {"[[A", KEY_F(1)},     {"[[B", KEY_F(2)},
    {"[[C", KEY_F(3)},    {"[[D", KEY_F(4)},     {"[[E", KEY_F(5)},
};

int escseq_key(const char *seq, size_t len)
{
    /* modified keys (Esc [ 1 ; 5 F is Ctrl+End) mean nothing here: swallowed */
    for (size_t i = 0; i < ARRAY_LEN(named); i++)
        if (strlen(named[i].seq) == len && memcmp(named[i].seq, seq, len) == 0)
            return named[i].key;
    return 0;
}

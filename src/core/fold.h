/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FOLD_H
#define AMPLECALL_FOLD_H
/* Core layer: search text folded for matching as people type: case and accents do not matter ("zoe"
 * finds "Zoë", "ruck" finds "Rückruf"), and matches are ranked: a prefix of the name first,
 * then a prefix of a word, then anywhere. Unicode rules from libunistring (compatibility
 * decomposition, full case folding, combining marks dropped). Pure; no curses, no locale. */
#include <stdbool.h>
#include <stddef.h>

/* Separates the fields of a hay: a word of the filter never matches across two fields. */
#define FOLD_SEP '\x1f'

/* How one word of a filter matched a hay, best first. */
enum fold_match {
    FOLD_NAME_PREFIX = 0, /* the name (the first field) starts with it */
    FOLD_WORD_PREFIX,     /* a word of any field starts with it */
    FOLD_SUBSTRING,       /* it occurs inside a field */
    FOLD_NO_MATCH,
};

/* s folded: NFKD, case folded, combining marks and controls dropped. Invalid UTF-8 is
 * folded byte by byte as ASCII. Owned; NULL gives "". */
char *fold_text(const char *s);

/* a and b are the same text but for case (full Unicode case folding; accents and every
 * other difference count), e.g. two email addresses. NULL equals nothing. */
bool fold_equal_nocase(const char *a, const char *b);

/* The searchable text of a row: each of the n fields (NULL = empty) folded and joined by
 * FOLD_SEP, the name first. Owned. */
char *fold_hay(const char *const *fields, size_t n);

/* A filter split into folded words (on spaces), plus the whole of it as one phrase. */
struct fold_query {
    char *buf;          /* owned: the folded filter, its spaces turned into NULs */
    const char **words; /* owned array of pointers into buf */
    size_t n;
    char *phrase;       /* owned: the folded words joined by single spaces */
};

/* filter NULL or blank gives a query of no words, which matches everything at rank 0. */
void fold_query_init(struct fold_query *q, const char *filter);
void fold_query_done(struct fold_query *q);

/* How the one folded word matches hay (from fold_hay). */
enum fold_match fold_match_word(const char *hay, const char *word);

/* Where a row with this hay ranks for q: -1 when some word matches nowhere; otherwise lower
 * is better. A name that starts with the whole phrase ranks first, then rows by their worst
 * word's match, then by the sum over the words. Rows of equal rank keep their order. */
int fold_rank(const struct fold_query *q, const char *hay);

#endif

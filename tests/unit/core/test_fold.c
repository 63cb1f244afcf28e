/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Folding and ranking for the pickers' filter (core/fold.c): case and accents never decide a
 * match, names that start with the filter come first, then word prefixes, then the rest. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/fold.h"
#include "core/util.h"

static void expect_fold(const char *in, const char *want)
{
    char *got = fold_text(in);
    if (strcmp(got, want))
        fail_msg("fold(\"%s\") = \"%s\", want \"%s\"", in ? in : "(null)", got, want);
    free(got);
}

/* rank of filter against a row whose fields are given (the name first) */
static int rank_of(const char *filter, const char *const *fields, size_t n)
{
    struct fold_query q;
    char *hay = fold_hay(fields, n);
    int r;

    fold_query_init(&q, filter);
    r = fold_rank(&q, hay);
    fold_query_done(&q);
    free(hay);
    return r;
}

static int rank1(const char *filter, const char *name)
{
    return rank_of(filter, (const char *const[]){name}, 1);
}

/* ---- NULL and empty ---- */

static void fold__null_and_empty_give_empty_text_and_match_everything(void **state)
{
    struct fold_query q;
    char *hay;

    expect_fold(NULL, "");
    expect_fold("", "");
    hay = fold_hay(NULL, 0);
    assert_string_equal(hay, "");
    free(hay);
    hay = fold_hay((const char *const[]){NULL, NULL}, 2);
    assert_string_equal(hay, "\x1f");
    free(hay);
    fold_query_init(&q, NULL);
    assert_int_equal(q.n, 0);
    assert_int_equal(fold_rank(&q, "anything"), 0);
    assert_int_equal(fold_rank(&q, NULL), 0);
    fold_query_done(&q);
    fold_query_init(&q, "   ");
    assert_int_equal(q.n, 0);
    assert_string_equal(q.phrase, "");
    fold_query_done(&q);
    assert_int_equal(fold_match_word(NULL, "a"), FOLD_NO_MATCH);
    assert_int_equal(fold_match_word("abc", ""), FOLD_NAME_PREFIX);
}

/* ---- folding ---- */

static void fold__drops_case_and_accents(void **state)
{
    expect_fold("Zoë Brontë", "zoe bronte");
    expect_fold("Rückruf", "ruckruf");
    expect_fold("JOSÉ Álvarez", "jose alvarez");
    expect_fold("Jürgen Müller", "jurgen muller");
    expect_fold("Nguyễn Văn An", "nguyen van an"); /* two marks on one letter */
    expect_fold("Chloé", "chloe");
    expect_fold("Chloe\xcc\x81", "chloe"); /* decomposed input folds the same */
    expect_fold("Ольга", "ольга");              /* other scripts: case only */
    expect_fold("ΕΛΈΝΗ", "ελενη");
}

static void fold__applies_full_case_folding_and_compatibility_forms(void **state)
{
    expect_fold("Straße", "strasse");
    expect_fold("\xef\xac\x81le", "file");           /* the ligature U+FB01 */
    expect_fold("\xef\xbc\xa1\xef\xbc\xa2", "ab");   /* full-width A B */
    expect_fold("a\xc2\xa0" "b", "a b");             /* no-break space is a space */
    expect_fold("王小明", "王小明");
}

static void fold__drops_controls_and_keeps_bad_utf8_readable(void **state)
{
    expect_fold("a\x1f" "b\x01" "c", "abc"); /* never the field separator */
    expect_fold("call\tback\nlater", "call back later");
    expect_fold("AB\xff" "C", "ab\xff" "c"); /* not UTF-8: ASCII rules */
}

/* ---- matching ---- */

static void fold__the_issue_examples_match(void **state)
{
    assert_true(rank1("zoe", "Zoë Brontë 🚀") >= 0);
    assert_true(rank1("ruck", "Rückruf") >= 0);
    assert_true(rank1("jose", "José Álvarez") >= 0);
    assert_true(rank1("JOSÉ", "jose alvarez") >= 0);
    assert_true(rank1("ольга", "Ольга Петрова") >= 0);
    assert_true(rank1("小明", "王小明") >= 0);
    assert_int_equal(rank1("zoey", "Zoë"), -1);
}

static void fold__classifies_name_prefix_word_prefix_and_substring(void **state)
{
    const char *const f[] = {"Pat Lee", "pat@prospect.example", "Acme", "call back"};
    char *hay = fold_hay(f, 4);

    assert_int_equal(fold_match_word(hay, "pat"), FOLD_NAME_PREFIX);
    assert_int_equal(fold_match_word(hay, "lee"), FOLD_WORD_PREFIX);
    assert_int_equal(fold_match_word(hay, "prospect"), FOLD_WORD_PREFIX); /* after '@' */
    assert_int_equal(fold_match_word(hay, "example"), FOLD_WORD_PREFIX);  /* after '.' */
    assert_int_equal(fold_match_word(hay, "acme"), FOLD_WORD_PREFIX);     /* field start */
    assert_int_equal(fold_match_word(hay, "cme"), FOLD_SUBSTRING);
    assert_int_equal(fold_match_word(hay, "ee"), FOLD_SUBSTRING);
    assert_int_equal(fold_match_word(hay, "leepat"), FOLD_NO_MATCH);
    assert_int_equal(fold_match_word(hay, "acmecall"), FOLD_NO_MATCH); /* not across fields */
    free(hay);
}

static void fold__ranks_name_prefix_then_word_prefix_then_substring(void **state)
{
    int prefix = rank1("ann", "Anna Berg");
    int word = rank1("ann", "Maria Anna");
    int sub = rank1("ann", "Joanna");

    assert_true(prefix >= 0 && word >= 0 && sub >= 0);
    assert_true(prefix < word);
    assert_true(word < sub);
    /* an email's word prefix ranks below a name prefix, above a substring of the name */
    assert_true(rank_of("ann", (const char *const[]){"Bob", "ann@x.example"}, 2) < sub);
    assert_true(rank_of("ann", (const char *const[]){"Bob", "ann@x.example"}, 2) > prefix);
}

static void fold__every_word_must_match_and_the_phrase_counts_first(void **state)
{
    /* the dispositions of the seed, only their names searched */
    int no_answer = rank1("no a", "No answer");
    int not_interested = rank1("no a", "Not interested");
    int interested = rank1("no a", "Interested");

    assert_int_equal(no_answer, 0); /* the name starts with the whole phrase */
    assert_int_equal(not_interested, -1);
    assert_int_equal(interested, -1);
    /* words in any order still match, behind the phrase */
    assert_true(rank1("answer no", "No answer") > 0);
    assert_int_equal(rank1("  no   answer ", "No answer"), 0);
    assert_int_equal(rank1("no x", "No answer"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fold__null_and_empty_give_empty_text_and_match_everything),
        cmocka_unit_test(fold__drops_case_and_accents),
        cmocka_unit_test(fold__applies_full_case_folding_and_compatibility_forms),
        cmocka_unit_test(fold__drops_controls_and_keeps_bad_utf8_readable),
        cmocka_unit_test(fold__the_issue_examples_match),
        cmocka_unit_test(fold__classifies_name_prefix_word_prefix_and_substring),
        cmocka_unit_test(fold__ranks_name_prefix_then_word_prefix_then_substring),
        cmocka_unit_test(fold__every_word_must_match_and_the_phrase_counts_first),
    };
    return RUN_TAP(tests);
}

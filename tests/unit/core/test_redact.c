/* SPDX-License-Identifier: GPL-3.0-or-later */
/* redact.c: the key, plain, percent-encoded, JSON-escaped and inside base64 at every
 * alignment and in both alphabets, becomes "[REDACTED]"; other text is left alone, byte for
 * byte (NULs included). The base64 here is an encoder of the test's own. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "core/util.h"

#define KEY "sk-CANARY-7f3a9c2e5b1d4a60"
#define ODD_KEY "sk/ab+cd=ef\"gh\\ij~kl.mn_op"

static char *b64(const char *s, bool is_url)
{
    const char *al = is_url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                            : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(s);
    char *out = xmalloc(len * 2 + 8), *w = out;

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)s[i + 2];
        *w++ = al[v >> 18 & 63];
        *w++ = al[v >> 12 & 63];
        *w++ = i + 1 < len ? al[v >> 6 & 63] : '=';
        *w++ = i + 2 < len ? al[v & 63] : '=';
    }
    *w = '\0';
    return out;
}

static char *clean(const struct redact *r, const char *text)
{
    return redact_text(r, text, strlen(text), NULL);
}

static void expect_hidden(const struct redact *r, const char *wrapped, const char *needle)
{
    char *out = clean(r, wrapped);

    if (strstr(out, needle))
        fail_msg("'%s' still holds '%s': %s", wrapped, needle, out);
    if (!strstr(out, REDACT_MARK))
        fail_msg("no mark in %s", out);
    free(out);
}

static void redact__null_and_empty_secret_change_nothing(void **state)
{
    struct redact *r = redact_new(NULL);
    size_t n = 99;
    char *out;

    assert_int_equal(redact_needle_count(r), 0);
    out = redact_text(r, "abc", 3, &n);
    assert_string_equal(out, "abc");
    assert_int_equal(n, 3);
    free(out);
    out = redact_text(r, NULL, 0, &n);
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
    free(out);
    redact_free(r);
    r = redact_new("");
    assert_int_equal(redact_needle_count(r), 0);
    redact_free(r);
    redact_free(NULL);
    out = redact_text(NULL, "x" KEY, strlen(KEY) + 1, NULL);
    assert_string_equal(out, "x" KEY);
    free(out);
}

static void redact__replaces_every_plain_occurrence_and_keeps_the_rest(void **state)
{
    struct redact *r = redact_new(KEY);
    const char body[] = "{\"detail\":\"bad key " KEY "\",\"title\":\"" KEY KEY "\"}\0tail " KEY;
    size_t n;
    char *out = redact_text(r, body, sizeof(body) - 1, &n);

    assert_string_equal(out, "{\"detail\":\"bad key [REDACTED]\",\"title\":\"[REDACTED][REDACTED]\"}");
    /* past the NUL too: the length counts, not the string */
    assert_int_equal(n, strlen(out) + 1 + strlen("tail [REDACTED]"));
    assert_memory_equal(out + strlen(out) + 1, "tail [REDACTED]", 15);
    free(out);
    out = clean(r, "nothing to see");
    assert_string_equal(out, "nothing to see");
    free(out);
    /* a near miss is not the key */
    out = clean(r, "sk-CANARY-7f3a9c2e5b1d4a6");
    assert_string_equal(out, "sk-CANARY-7f3a9c2e5b1d4a6");
    free(out);
    redact_free(r);
}

static void redact__hides_base64_of_the_key_at_every_alignment_and_alphabet(void **state)
{
    static const char *const prefixes[] = {"", "Bearer ", "Authorization: Bearer ", ":", "u:",
                                           "ab:", "api:"};
    struct redact *r = redact_new(KEY);

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        for (int url = 0; url < 2; url++) {
            char *plain = xasprintf("%s%s tail", prefixes[i], KEY);
            char *enc = b64(plain, url);
            char *wrapped = xasprintf("{\"echo\":\"%s\"}", enc);
            char *out = clean(r, wrapped);
            /* what is left of the encoding is a few characters either side */
            char *mark = strstr(out, REDACT_MARK);

            if (!mark)
                fail_msg("base64 of '%s' (%s) not redacted: %s", plain, url ? "url" : "std", out);
            assert_true(strlen(out) - strlen(REDACT_MARK) < strlen(wrapped) - 24);
            free(out);
            free(wrapped);
            free(enc);
            free(plain);
        }
    }
    {
        char *enc = b64("Bearer " KEY, false);
        expect_hidden(r, enc, enc);
        free(enc);
        enc = b64(KEY, false);
        expect_hidden(r, enc, enc);
        free(enc);
    }
    redact_free(r);
}

static void redact__hides_percent_encoded_and_json_escaped_forms(void **state)
{
    struct redact *r = redact_new(ODD_KEY);

    expect_hidden(r, "x " ODD_KEY " y", ODD_KEY);
    expect_hidden(r, "q=sk%2Fab%2Bcd%3Def%22gh%5Cij~kl.mn_op&", "sk%2Fab");
    expect_hidden(r, "q=sk%2fab%2bcd%3def%22gh%5cij~kl.mn_op&", "sk%2fab");
    expect_hidden(r, "{\"k\":\"sk\\/ab+cd=ef\\\"gh\\\\ij~kl.mn_op\"}", "sk\\/ab");
    redact_free(r);
}

static void redact__short_secret_is_hidden_without_chance_encodings(void **state)
{
    struct redact *r = redact_new("abc");
    char *out;

    /* base64 and friends of 3 bytes would be 4 characters: too common to hunt for */
    assert_int_equal(redact_needle_count(r), 1);
    out = clean(r, "xabcx");
    assert_string_equal(out, "x[REDACTED]x");
    free(out);
    redact_free(r);
    r = redact_new(KEY);
    /* the key, %-upper = %-lower = json = key here, base64 x 3 alignments x 2 alphabets */
    assert_true(redact_needle_count(r) >= 4);
    redact_free(r);
}

/* A key whose base64 holds 62s and 63s, so the two alphabets differ at every alignment */
#define B64_KEY "sk>>>???~~~zz-7f3a"

/* Rule: base64 of the key is hidden in the standard and the URL alphabet, at each of the
 * three alignments, and exactly the characters that depend on the key alone go. */
static void redact__hides_both_base64_alphabets_where_they_differ(void **state)
{
    static const char *const cases[][2] = {
        {"c2s+Pj4/Pz9+fn56ei03ZjNhIHRhaWw=", "[REDACTED]IHRhaWw="},
        {"c2s-Pj4_Pz9-fn56ei03ZjNhIHRhaWw=", "[REDACTED]IHRhaWw="},
        {"QnNrPj4+Pz8/fn5+enotN2YzYSB0YWls", "Qn[REDACTED]SB0YWls"},
        {"QnNrPj4-Pz8_fn5-enotN2YzYSB0YWls", "Qn[REDACTED]SB0YWls"},
        {"QmVzaz4+Pj8/P35+fnp6LTdmM2EgdGFpbA==", "QmV[REDACTED]EgdGFpbA=="},
        {"QmVzaz4-Pj8_P35-fnp6LTdmM2EgdGFpbA==", "QmV[REDACTED]EgdGFpbA=="},
    };
    struct redact *r = redact_new(B64_KEY);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = clean(r, cases[i][0]);
        assert_string_equal(out, cases[i][1]);
        free(out);
    }
    /* the key, %3E and %3e forms (its JSON escape is the key itself), 3 x 2 base64 cores */
    assert_int_equal(redact_needle_count(r), 9);
    redact_free(r);
}

/* Rule: the percent forms keep exactly RFC 3986's unreserved characters, so the edges of
 * each range (A Z a z 0 9 and - . _ ~) stay as they are inside an encoded key. */
static void redact__percent_form_keeps_the_unreserved_edges(void **state)
{
    struct redact *r = redact_new("AZaz09-._~>@[`{");
    char *out;

    out = clean(r, "q=AZaz09-._~%3E%40%5B%60%7B&");
    assert_string_equal(out, "q=" REDACT_MARK "&");
    free(out);
    out = clean(r, "q=AZaz09-._~%3e%40%5b%60%7b&");
    assert_string_equal(out, "q=" REDACT_MARK "&");
    free(out);
    redact_free(r);
}

/* Rule: an encoded form shorter than 8 characters is not hunted for (too likely to occur by
 * chance); one of 8 is. "abcdef" has one base64 core of 8 (offset 0) and two of 7. */
static void redact__encodings_shorter_than_8_are_not_needles(void **state)
{
    struct redact *r = redact_new("abcdef");
    char *out;

    assert_int_equal(redact_needle_count(r), 2);
    out = clean(r, "YWJjZGVm|FiY2RlZ|hYmNkZW");
    assert_string_equal(out, REDACT_MARK "|FiY2RlZ|hYmNkZW");
    free(out);
    redact_free(r);
}

/* Rule: a form equal to one already held is held once, and every occurrence of each form
 * is replaced, the last one ending the text included. */
static void redact__each_form_once_and_every_occurrence(void **state)
{
    struct redact *r = redact_new(KEY);
    char *out;

    /* KEY's percent and JSON forms are KEY itself, and its base64 has no 62 or 63, so the
     * URL alphabet's cores are the standard ones: 1 + 3 */
    assert_int_equal(redact_needle_count(r), 4);
    out = clean(r, KEY "-" KEY);
    assert_string_equal(out, REDACT_MARK "-" REDACT_MARK);
    free(out);
    out = clean(r, "x" KEY);
    assert_string_equal(out, "x" REDACT_MARK);
    free(out);
    out = clean(r, KEY);
    assert_string_equal(out, REDACT_MARK);
    free(out);
    redact_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redact__null_and_empty_secret_change_nothing),
        cmocka_unit_test(redact__replaces_every_plain_occurrence_and_keeps_the_rest),
        cmocka_unit_test(redact__hides_base64_of_the_key_at_every_alignment_and_alphabet),
        cmocka_unit_test(redact__hides_percent_encoded_and_json_escaped_forms),
        cmocka_unit_test(redact__short_secret_is_hidden_without_chance_encodings),
        cmocka_unit_test(redact__hides_both_base64_alphabets_where_they_differ),
        cmocka_unit_test(redact__percent_form_keeps_the_unreserved_edges),
        cmocka_unit_test(redact__encodings_shorter_than_8_are_not_needles),
        cmocka_unit_test(redact__each_form_once_and_every_occurrence),
    };
    return RUN_TAP(tests);
}

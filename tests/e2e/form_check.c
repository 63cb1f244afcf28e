/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Screen assertions shared by the form's pty tests (see form_check.h). */
#include "config.h"
#include "form_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fakectl.h"
#include "core/util.h"

long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *amplecall_path(void)
{
    const char *b = getenv("AMPLECALL_TEST_BUILDDIR");

    return xasprintf("%s/src/amplecall", b && *b ? b : ".");
}

void check(struct term *t, bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "# expected: %s\n", what);
        term_dump(t, stderr);
    }
    assert_true(ok);
}

void see_text_within(struct term *t, const char *text, int ms)
{
    check(t, term_wait_text(t, text, ms), text);
}

void see_text(struct term *t, const char *text)
{
    see_text_within(t, text, WAIT_MS);
}

void see_gone(struct term *t, const char *text)
{
    check(t, term_wait_gone(t, text, WAIT_MS), text);
}

/* owned: the screen's rows joined with one space each, leading and trailing blanks dropped */
static char *joined_rows(struct term *t)
{
    int rows, cols;
    size_t len = 0;
    char *all;

    term_size(t, &rows, &cols);
    all = xcalloc(1, 1);
    for (int y = 0; y < rows; y++) {
        char *r = term_row(t, y), *p = r;
        size_t n;

        while (*p == ' ')
            p++;
        n = strlen(p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        all = xrealloc(all, len + n + 2);
        memcpy(all + len, p, n);
        len += n;
        all[len++] = ' ';
        all[len] = '\0';
        free(r);
    }
    return all;
}

void see_wrapped(struct term *t, const char *text)
{
    long long end = now_ms() + WAIT_MS;
    bool ok;

    for (;;) {
        char *all = joined_rows(t);

        ok = strstr(all, text) != NULL;
        free(all);
        if (ok || now_ms() > end)
            break;
        term_pump(t, 50);
    }
    check(t, ok, text);
}

void see_regex(struct term *t, const char *re)
{
    check(t, term_wait_regex(t, re, WAIT_MS), re);
}

void see_cursor(struct term *t, int row, int col)
{
    char what[64];

    snprintf(what, sizeof(what), "cursor at %d,%d", row, col);
    check(t, term_wait_cursor(t, row, col, WAIT_MS), what);
}

void see_exit(struct term *t, int want)
{
    int rc = term_wait_exit(t, WAIT_MS);

    if (term_raw_contains(t, "Sanitizer"))
        fprintf(stderr, "# the program reported a sanitizer error on exit\n");
    assert_false(term_raw_contains(t, "Sanitizer"));
    assert_int_equal(rc, want);
}

char *value_at(struct term *t, int row)
{
    char *r = term_row(t, row);
    char *v = xstrdup(strlen(r) > LABEL_COL ? r + LABEL_COL : "");

    free(r);
    return v;
}

void see_value(struct term *t, int row, const char *want)
{
    long long end = now_ms() + WAIT_MS;
    char *got = NULL;

    for (;;) {
        free(got);
        got = value_at(t, row);
        if (!strcmp(got, want) || now_ms() > end)
            break;
        term_pump(t, 50);
    }
    if (strcmp(got, want)) {
        fprintf(stderr, "# row %d: want '%s', got '%s'\n", row, want, got);
        term_dump(t, stderr);
    }
    assert_string_equal(got, want);
    free(got);
}

void see_form_ready(struct term *t)
{
    see_text(t, "Recording URL");
    see_regex(t, "Disposition +optional - Enter to choose \\([0-9]+\\)");
    see_regex(t, "Task +Enter to choose \\([0-9]+ tasks\\)");
    see_text(t, "user: " FAKE_USER_NAME);
    see_text(t, "online");
}

void key(struct term *t, const char *names)
{
    assert_true(term_keys(t, names));
}

void type(struct term *t, const char *text)
{
    assert_true(term_send(t, text));
}

char **form_env(const char *base_url, const char *const *own, const char *const *more)
{
    /* nothing from the developer's own environment reaches the form */
    static const char *const unset[] = {"XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                        "NO_COLOR",       "VISUAL",          "EDITOR",
                                        "AMPLECALL_PROFILE", "AMPLECALL_TIMEOUT"};
    const char *extra[64];
    size_t n = 0;
    char *url = xasprintf("AMPLECALL_BASE_URL=%s", base_url);
    char **env;

    extra[n++] = url;
    extra[n++] = "AMPLEMARKET_API_KEY=" FAKE_API_KEY;
    extra[n++] = "AMPLECALL_USER=" FAKE_USER_ID;
    for (size_t i = 0; i < sizeof(unset) / sizeof(*unset); i++)
        extra[n++] = unset[i];
    for (size_t i = 0; own && own[i] && n < 63; i++)
        extra[n++] = own[i];
    for (size_t i = 0; more && more[i] && n < 63; i++)
        extra[n++] = more[i];
    extra[n] = NULL;
    env = term_env(extra);
    free(url);
    return env;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The terminal's charset (core/charset.c) in three locales: C.UTF-8 (copies), C (ASCII,
 * transliterated) and en_US.ISO-8859-1 (generated with localedef into a temp dir; skipped
 * with the reason when that is impossible). Checks bytes, and that widths measured on
 * charset_fit agree with what reaches the terminal. */
#include "config.h"
#include "unit.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/table.h"
#include "core/charset.h"
#include "core/text.h"
#include "core/sanitize.h"
#include "core/util.h"

static char *locdir; /* LOCPATH holding en_US.ISO-8859-1, NULL when it could not be made */
static char *skip_why;

static bool use_locale(const char *name)
{
    if (!setlocale(LC_ALL, name))
        return false;
    charset_init();
    return true;
}

static void expect_bytes(char *got, const char *want)
{
    if (strcmp(got, want))
        fail_msg("got \"%s\", want \"%s\"", got, want);
    free(got);
}

static void skip_msg(const char *why)
{
    noskip_skip(why);
}

static void charset__null_and_empty(void **state)
{
    assert_true(use_locale("C"));
    expect_bytes(charset_to_display(NULL), "");
    expect_bytes(charset_fit(""), "");
    expect_bytes(charset_from_input(NULL), "");
    assert_true(use_locale("C.UTF-8"));
    expect_bytes(charset_to_display(NULL), "");
    expect_bytes(charset_from_input(""), "");
}

static void charset__utf8_locale_copies(void **state)
{
    static const char s[] = "Zoë 王小明 “q” 👩‍💻";

    assert_true(use_locale("C.UTF-8"));
    assert_true(charset_is_utf8());
    expect_bytes(charset_to_display(s), s);
    expect_bytes(charset_fit(s), s);
    expect_bytes(charset_from_input(s), s);
}

static void charset__c_locale_transliterates_to_ascii(void **state)
{
    assert_true(use_locale("C"));
    assert_false(charset_is_utf8());
    assert_string_equal(charset_name(), "ANSI_X3.4-1968");
    expect_bytes(charset_to_display("Zoë Brontë"), "Zoe Bronte");
    expect_bytes(charset_to_display("José Álvarez, Jürgen Müller"), "Jose Alvarez, Jurgen Muller");
    expect_bytes(charset_to_display("Rückruf"), "Ruckruf");
    expect_bytes(charset_to_display("Łukasz Søren"), "Lukasz Soren");
    expect_bytes(charset_to_display("“quoted” – a…"), "\"quoted\" - a...");
    expect_bytes(charset_to_display("王小明"), "???");
    expect_bytes(charset_to_display("Chloe\xcc\x81"), "Chloe");  /* a mark alone: dropped */
    expect_bytes(charset_to_display("a\xe2\x80\x8d" "b"), "ab"); /* ZWJ: invisible */
    expect_bytes(charset_to_display("bad \xff"), "bad ?");
    expect_bytes(charset_fit("Zoë 王"), "Zoe ?");
}

static void charset__c_locale_keeps_typed_utf8_and_marks_the_rest(void **state)
{
    assert_true(use_locale("C"));
    /* a UTF-8 terminal behind an unforwarded locale: keep what it typed */
    expect_bytes(charset_from_input("José"), "José");
    expect_bytes(charset_from_input("plain"), "plain");
    expect_bytes(charset_from_input("Jos\xe9"), "Jos\xef\xbf\xbd");
}

static void charset__latin1_locale_keeps_latin1_and_converts_input(void **state)
{
    char *fit;

    if (!locdir)
        skip_msg(skip_why);
    assert_true(use_locale("en_US.ISO-8859-1"));
    assert_string_equal(charset_name(), "ISO-8859-1");
    expect_bytes(charset_to_display("Zoë José"), "Zo\xeb Jos\xe9");
    expect_bytes(charset_to_display("Chloe\xcc\x81"), "Chlo\xe9"); /* composed first */
    expect_bytes(charset_to_display("Łukasz 王小明 “q”"), "Lukasz ??? \"q\"");
    /* fit is UTF-8 again, and measures what the terminal will show */
    fit = charset_fit("Zoë 王小明");
    assert_string_equal(fit, "Zoë ???");
    assert_int_equal(text_cols(fit), 7);
    free(fit);
    /* typed Latin-1 becomes UTF-8 */
    expect_bytes(charset_from_input("Jos\xe9 M\xfcller"), "José Müller");
}

static void charset__cut_text_ends_in_an_ellipsis_the_terminal_has(void **state)
{
    char *cut, *fit;

    assert_true(use_locale("C"));
    assert_string_equal(charset_ellipsis(), "...");
    fit = charset_fit("Zoë Brontë Smith");
    cut = text_cut(fit, 8);
    assert_string_equal(cut, "Zoe B...");
    assert_int_equal(text_cols(cut), 8);
    free(cut);
    free(fit);
    assert_true(use_locale("C.UTF-8"));
    assert_string_equal(charset_ellipsis(), "\xE2\x80\xA6");
    cut = text_cut("Zoë Brontë Smith", 8);
    assert_string_equal(cut, "Zoë Bro\xE2\x80\xA6");
    free(cut);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(charset__null_and_empty),
        cmocka_unit_test(charset__utf8_locale_copies),
        cmocka_unit_test(charset__c_locale_transliterates_to_ascii),
        cmocka_unit_test(charset__c_locale_keeps_typed_utf8_and_marks_the_rest),
        cmocka_unit_test(charset__latin1_locale_keeps_latin1_and_converts_input),
        cmocka_unit_test(charset__cut_text_ends_in_an_ellipsis_the_terminal_has),
    };
    char tmpl[] = "/tmp/amplecall-locale-XXXXXX";
    int rc;

    if (mkdtemp(tmpl)) {
        char *cmd = xasprintf("localedef -i en_US -f ISO-8859-1 %s/en_US.ISO-8859-1 "
                              ">/dev/null 2>&1",
                              tmpl);
        if (system(cmd) == 0) {
            locdir = xstrdup(tmpl);
            setenv("LOCPATH", locdir, 1);
        } else {
            skip_why = xstrdup("localedef cannot make en_US.ISO-8859-1 here");
        }
        free(cmd);
    } else {
        skip_why = xstrdup("no temp directory for the locale");
    }
    rc = RUN_TAP(tests);
    if (locdir) {
        char *cmd = xasprintf("rm -rf '%s'", locdir);
        if (system(cmd) != 0)
            fprintf(stderr, "# could not remove %s\n", locdir);
        free(cmd);
    } else {
        rmdir(tmpl);
    }
    return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of store/numbers.c: the From/To history shared by the form and line mode, its
 * file, and the migration of the two files it replaces. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "store/numbers.h"

static char *tmp_dir(void)
{
    char *d = xstrdup("/tmp/amplecall-numbers-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static bool exists(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool yes = stat(p, &st) == 0;

    free(p);
    return yes;
}

static void clean(char *dir)
{
    static const char *const names[] = {"numbers", "history", "numbers_history"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char *p = xasprintf("%s/%s", dir, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
    free(dir);
}

static void numbers__a_used_number_moves_to_the_newest_place(void **state)
{
    struct numbers *n = numbers_open(NULL);

    numbers_add(n, FIELD_TO, "+1 212 555 0001");
    numbers_add(n, FIELD_TO, "+1 212 555 0002");
    numbers_add(n, FIELD_TO, "+1 212 555 0001");
    numbers_add(n, FIELD_TO, "   ");
    numbers_add(n, FIELD_TO, "two\nlines");
    numbers_add(n, FIELD_DURATION, "42");
    assert_int_equal(numbers_count(n, FIELD_TO), 2);
    assert_string_equal(numbers_get(n, FIELD_TO, 0), "+1 212 555 0002");
    assert_string_equal(numbers_get(n, FIELD_TO, 1), "+1 212 555 0001");
    assert_null(numbers_get(n, FIELD_TO, 2));
    assert_int_equal(numbers_count(n, FIELD_FROM), 0);
    assert_int_equal(numbers_count(n, FIELD_DURATION), 0);
    assert_true(numbers_save(n)); /* in memory: nothing to write */
    numbers_close(n);
}

static void numbers__keeps_the_newest_hundred(void **state)
{
    struct numbers *n = numbers_open(NULL);
    char buf[32];

    for (int i = 0; i < NUMBERS_MAX + 5; i++) {
        snprintf(buf, sizeof(buf), "+1 555 %04d", i);
        numbers_add(n, FIELD_FROM, buf);
    }
    assert_int_equal(numbers_count(n, FIELD_FROM), NUMBERS_MAX);
    assert_string_equal(numbers_get(n, FIELD_FROM, 0), "+1 555 0005");
    numbers_close(n);
}

static void numbers__saved_private_and_read_back(void **state)
{
    char *dir = tmp_dir(), *path = xasprintf("%s/numbers", dir);
    struct numbers *n = numbers_open(dir);
    struct stat st;

    numbers_add(n, FIELD_FROM, "+1 415 555 0100");
    numbers_add(n, FIELD_TO, "+1 212 555 0199");
    assert_true(numbers_save(n));
    numbers_close(n);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    n = numbers_open(dir);
    assert_int_equal(numbers_count(n, FIELD_FROM), 1);
    assert_string_equal(numbers_get(n, FIELD_FROM, 0), "+1 415 555 0100");
    assert_string_equal(numbers_get(n, FIELD_TO, 0), "+1 212 555 0199");
    numbers_close(n);
    free(path);
    clean(dir);
}

/* The form's old `history` and line mode's old `numbers_history` become one file. */
static void numbers__migrates_both_old_files_once(void **state)
{
    char *dir = tmp_dir();
    struct numbers *n;

    write_file(dir, "history", "from\t+1 415 555 0100\nto\t+1 212 555 0199\nduration\t9\n");
    write_file(dir, "numbers_history", "_HiStOrY_V2_\n#1700000000\n+44 20 7946 0000\n");
    n = numbers_open(dir);
    assert_int_equal(numbers_count(n, FIELD_FROM), 2);
    assert_int_equal(numbers_count(n, FIELD_TO), 2);
    /* the form's entries are newer than line mode's */
    assert_string_equal(numbers_get(n, FIELD_FROM, 0), "+44 20 7946 0000");
    assert_string_equal(numbers_get(n, FIELD_FROM, 1), "+1 415 555 0100");
    assert_string_equal(numbers_get(n, FIELD_TO, 1), "+1 212 555 0199");
    numbers_close(n);
    assert_true(exists(dir, "numbers"));
    assert_false(exists(dir, "history"));
    assert_false(exists(dir, "numbers_history"));
    /* a later old-format file is not read over the new one */
    write_file(dir, "history", "from\t+1 999 999 9999\n");
    n = numbers_open(dir);
    assert_int_equal(numbers_count(n, FIELD_FROM), 2);
    numbers_close(n);
    clean(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers__a_used_number_moves_to_the_newest_place),
        cmocka_unit_test(numbers__keeps_the_newest_hundred),
        cmocka_unit_test(numbers__saved_private_and_read_back),
        cmocka_unit_test(numbers__migrates_both_old_files_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

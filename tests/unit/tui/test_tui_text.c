/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The terminal-free parts of the form: column-aware cutting and wrapping (tui.c), field
 * widths and readline editing through the callback interface (field.c), the picker's list
 * model (view_picker.c). No terminal is opened. */
#include "config.h"
#include "unit.h"

#include <ctype.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fold.h"
#include "tui/field.h"
#include "store/numbers.h"
#include "tui/tui.h"
#include "core/text.h"
#include "core/util.h"
#include "tui/view_picker.h"

static void tui_fit__counts_columns_not_bytes(void **state)
{
    int used = -1;

    assert_int_equal(text_fit("", 10, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit("abc", 0, &used), 0);
    assert_int_equal(text_fit("abcdef", 4, &used), 4);
    assert_int_equal(used, 4);
    /* 王 is 3 bytes and 2 columns: two fit in 5 columns, the third does not */
    assert_int_equal(text_fit("王小明", 5, &used), 6);
    assert_int_equal(used, 4);
    assert_int_equal(text_fit("Zoë", 3, &used), 4);
    assert_int_equal(used, 3);
    assert_int_equal(text_fit("abc", 10, NULL), 3);
}

static void tui_wrap__breaks_at_spaces_and_keeps_every_character(void **state)
{
    char **l;
    size_t n;

    n = text_wrap(NULL, 10, &l);
    assert_int_equal(n, 1);
    assert_string_equal(l[0], "");
    text_lines_free(l, n);

    n = text_wrap("Missing field from request: user_id", 16, &l);
    assert_int_equal(n, 3);
    assert_string_equal(l[0], "Missing field");
    assert_string_equal(l[1], "from request:");
    assert_string_equal(l[2], "user_id");
    text_lines_free(l, n);

    n = text_wrap("abcdefghij", 4, &l); /* a word longer than the line is broken */
    assert_int_equal(n, 3);
    assert_string_equal(l[0], "abcd");
    assert_string_equal(l[2], "ij");
    text_lines_free(l, n);

    n = text_wrap("one\ntwo", 40, &l);
    assert_int_equal(n, 2);
    assert_string_equal(l[1], "two");
    text_lines_free(l, n);

    n = text_wrap("王小明王小明", 5, &l); /* wide characters never straddle a line end */
    assert_int_equal(n, 3);
    assert_string_equal(l[0], "王小");
    text_lines_free(l, n);

    n = text_wrap("x", 0, &l); /* degenerate width still makes progress */
    assert_int_equal(n, 1);
    text_lines_free(l, n);
}

static void field_cols__shows_controls_as_two_columns(void **state)
{
    assert_int_equal(field_cols("", 0), 0);
    assert_int_equal(field_cols("abc", 3), 3);
    assert_int_equal(field_cols("a\tb", 3), 4);    /* ^I */
    assert_int_equal(field_cols("\033[2J", 4), 5); /* ^[ then "[2J" */
    assert_int_equal(field_cols("日本", 6), 4);
    assert_int_equal(field_cols("日本", 3), 2); /* prefix up to a byte offset */
    assert_int_equal(field_cols("\xff", 1), 1); /* invalid byte shown as one '?' */
}

static void feed_str(const char *s)
{
    while (*s)
        field_feed_char((unsigned char)*s++, false);
}

static void field__edits_with_readline_emacs_keys(void **state)
{
    field_init(NULL, NULL);
    assert_int_equal(field_active(), FIELD_NONE);
    assert_string_equal(field_text(), "");
    assert_false(field_feed_char('x', false)); /* no active field: nothing happens */

    field_begin(FIELD_TO, "world");
    assert_int_equal(field_active(), FIELD_TO);
    assert_string_equal(field_text(), "world");
    assert_false(field_feed_char(1, false)); /* C-a moves only: the text did not change */
    feed_str("hello ");
    assert_string_equal(field_text(), "hello world");
    field_feed_char(5, false); /* C-e */
    feed_str("!");
    assert_string_equal(field_text(), "hello world!");
    field_feed_char(1, false);
    field_feed_char(11, false); /* C-k kills to the end */
    assert_string_equal(field_text(), "");
    field_feed_char(25, false); /* C-y yanks it back */
    assert_string_equal(field_text(), "hello world!");
    field_feed_char(31, false); /* C-_ undoes the yank */
    assert_string_equal(field_text(), "");
    field_feed_char(31, false); /* and then the kill */
    assert_string_equal(field_text(), "hello world!");
    field_feed_char('b', true); /* M-b: back a word, then type */
    feed_str("big ");
    assert_string_equal(field_text(), "hello big world!");
    field_end();
    assert_int_equal(field_active(), FIELD_NONE);
    field_done();
}

static void field__keys_move_by_characters_in_utf8(void **state)
{
    bool changed = false;

    field_init(NULL, NULL);
    field_begin(FIELD_TRANSCRIPTION, "日本語");
    assert_true(field_feed_key(KEY_LEFT, &changed));
    assert_false(changed);
    field_feed_key(KEY_LEFT, NULL);
    assert_true(field_feed_char(L'é', false));
    assert_string_equal(field_text(), "日é本語");
    field_feed_key(KEY_BACKSPACE, &changed);
    assert_true(changed);
    assert_string_equal(field_text(), "日本語");
    field_feed_key(KEY_HOME, NULL);
    field_feed_key(KEY_DC, NULL);
    assert_string_equal(field_text(), "本語");
    assert_false(field_feed_key(KEY_F(7), NULL)); /* not a text-field key */
    field_replace("new text");
    assert_string_equal(field_text(), "new text");
    field_done();
}

static void field__accept_and_editor_requests_are_reported(void **state)
{
    field_init(NULL, NULL);
    field_begin(FIELD_FROM, "+1 555");
    assert_int_equal(field_take_request(), FIELD_REQ_NONE);
    field_feed_char(15, false); /* C-o accepts the line */
    assert_int_equal(field_take_request(), FIELD_REQ_ACCEPT);
    assert_string_equal(field_text(), "+1 555"); /* kept although readline reset its buffer */
    field_begin(FIELD_TO, "");
    field_feed_char(4, false); /* C-d on an empty line */
    assert_int_equal(field_take_request(), FIELD_REQ_EOF);
    field_begin(FIELD_TRANSCRIPTION, "notes");
    field_feed_char(24, false); /* C-x C-e */
    field_feed_char(5, false);
    assert_int_equal(field_take_request(), FIELD_REQ_EDITOR);
    assert_string_equal(field_text(), "notes");
    field_done();
}

static void field__history_is_per_field_and_persists_from_and_to(void **state)
{
    char dir[] = "/tmp/amplecall-test-XXXXXX";
    char *path;
    struct stat st;
    struct numbers *n;

    assert_non_null(mkdtemp(dir));
    path = xasprintf("%s/numbers", dir);
    n = numbers_open(dir);
    field_init(n, NULL);
    field_history_add(FIELD_FROM, "+1 555 0100");
    field_history_add(FIELD_FROM, "+1 555 0100"); /* a duplicate is not kept twice */
    field_history_add(FIELD_FROM, "");
    field_history_add(FIELD_TO, "+1 555 0199");
    field_history_add(FIELD_DURATION, "42");
    assert_null(field_history_get(FIELD_FROM, 1));
    field_begin(FIELD_FROM, "");
    field_feed_char(16, false); /* C-p: previous entry of this field only */
    assert_string_equal(field_text(), "+1 555 0100");
    field_end();
    field_begin(FIELD_TO, "");
    field_feed_char(16, false);
    assert_string_equal(field_text(), "+1 555 0199");
    field_done();
    assert_true(numbers_save(n));
    numbers_close(n);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    n = numbers_open(dir);
    field_init(n, NULL);
    assert_string_equal(field_history_get(FIELD_FROM, 0), "+1 555 0100");
    assert_string_equal(field_history_get(FIELD_TO, 0), "+1 555 0199");
    assert_null(field_history_get(FIELD_DURATION, 0)); /* only numbers persist */
    field_done();
    numbers_close(n);
    unlink(path);
    rmdir(dir);
    free(path);
}

static void add(struct picker *p, const char *id, const char *a, const char *b)
{
    const char *cells[PICKER_CELLS] = {a, b, NULL, NULL};
    picker_add_row(p, id, cells);
}

static void picker__filters_incrementally_best_match_first(void **state)
{
    struct picker *p = picker_new(PICK_TASK);

    picker_free(NULL);
    assert_null(picker_selected_id(p));
    picker_move(p, 1, 10); /* empty: nothing to move */
    add(p, "1", "Pat Lee", "pat@example.com");
    add(p, "2", "José Álvarez", "jose@example.com");
    add(p, "3", "Patricia Gomez", "pg@example.com");
    assert_int_equal(p->n_shown, 3);
    assert_string_equal(picker_selected_id(p), "1");
    picker_filter_append(p, "P");
    picker_filter_append(p, "a");
    assert_int_equal(p->n_shown, 2);
    assert_string_equal(p->rows[p->shown[0]].id, "1");
    assert_string_equal(p->rows[p->shown[1]].id, "3");
    picker_filter_append(p, " gom"); /* every word must match, case-insensitively */
    assert_int_equal(p->n_shown, 1);
    assert_string_equal(picker_selected_id(p), "3");
    picker_set_filter(p, "josé");
    assert_string_equal(picker_selected_id(p), "2");
    picker_filter_backspace(p); /* removes the whole é */
    assert_string_equal(p->filter, "jos");
    picker_set_filter(p, "nobody");
    assert_int_equal(p->n_shown, 0);
    assert_null(picker_selected_id(p));
    picker_set_filter(p, "leepat"); /* columns are not glued together */
    assert_int_equal(p->n_shown, 0);
    picker_free(p);
}

/* Typing only narrows, so the picker re-tests only the rows it shows; rows arriving in the
 * middle, backspaces and replaced filters must still give exactly the brute-force answer. */
static void picker__incremental_filter_equals_a_full_rescan(void **state)
{
    static const char *const parts[] = {"ab", "ba", "Ca", "a c", "bc", "cab", "B", "a"};
    static const char alphabet[] = "abc AB";
    struct picker *p = picker_new(PICK_TASK);
    unsigned seed = 12345;
    char id[16], a[16], b[16];

    for (int step = 0; step < 3000; step++) {
        unsigned r = rand_r(&seed) % 100;

        if (r < 10 || p->n == 0) {
            snprintf(id, sizeof(id), "%zu", p->n);
            snprintf(a, sizeof(a), "%s%s", parts[rand_r(&seed) % 8], parts[rand_r(&seed) % 8]);
            snprintf(b, sizeof(b), "%s", parts[rand_r(&seed) % 8]);
            add(p, id, a, b);
        } else if (r < 70) {
            char c[2] = {alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)], '\0'};
            picker_filter_append(p, c);
        } else if (r < 90) {
            picker_filter_backspace(p);
        } else {
            picker_set_filter(p, r < 95 ? "" : "a");
        }
        {
            /* the answer from scratch: every row ranked for the filter (fold_rank), best
             * first and in the API's order among equals */
            struct fold_query q;
            size_t want = 0;
            char *f = xstrdup(p->filter);
            int *rank = xcalloc(p->n + 1, sizeof(*rank));

            fold_query_init(&q, f);
            for (size_t i = 0; i < p->n; i++)
                rank[i] = fold_rank(&q, p->rows[i].hay);
            fold_query_done(&q);
            for (int r0 = 0; r0 <= 3000; r0++) {
                for (size_t i = 0; i < p->n; i++) {
                    if (rank[i] != r0)
                        continue;
                    if (want >= p->n_shown || p->shown[want] != i)
                        fail_msg("step %d, filter \"%s\": row %zu should be shown at %zu",
                                 step, f, i, want);
                    want++;
                }
            }
            if (want != p->n_shown)
                fail_msg("step %d, filter \"%s\": %zu shown, want %zu", step, f, p->n_shown,
                         want);
            free(rank);
            free(f);
        }
    }
    picker_free(p);
}

static void picker__folds_case_and_accents(void **state)
{
    struct picker *p = picker_new(PICK_TASK);

    add(p, "1", "Pat Lee", "pat@prospect.example");
    add(p, "2", "José Álvarez", "jose@example.com");
    add(p, "3", "Zoë Brontë 🚀", "zoe@example.com");
    add(p, "4", "Jürgen Müller", NULL);
    add(p, "5", "Rückruf Hans", NULL);
    picker_set_filter(p, "zoe");
    assert_int_equal(p->n_shown, 1);
    assert_string_equal(picker_selected_id(p), "3");
    picker_set_filter(p, "ZOË BRON");
    assert_string_equal(picker_selected_id(p), "3");
    picker_set_filter(p, "ruck");
    assert_int_equal(p->n_shown, 1);
    assert_string_equal(picker_selected_id(p), "5");
    picker_set_filter(p, "jose");
    assert_int_equal(p->n_shown, 1);
    assert_string_equal(picker_selected_id(p), "2");
    picker_set_filter(p, "muller");
    assert_string_equal(picker_selected_id(p), "4");
    picker_set_filter(p, "prospect"); /* the contact's email is searched for tasks */
    assert_string_equal(picker_selected_id(p), "1");
    picker_free(p);
}

static void picker__ranks_name_prefix_then_word_prefix_then_substring(void **state)
{
    struct picker *p = picker_new(PICK_USER);

    add(p, "1", "Joanna Kowalska", NULL);
    add(p, "2", "Maria Anna Costa", NULL);
    add(p, "3", "Anna Berg", NULL);
    add(p, "4", "Bob Stone", NULL);
    add(p, "5", "Annabel Lee", NULL);
    picker_set_filter(p, "ann");
    assert_int_equal(p->n_shown, 4);
    assert_string_equal(p->rows[p->shown[0]].id, "3"); /* name prefixes, in API order */
    assert_string_equal(p->rows[p->shown[1]].id, "5");
    assert_string_equal(p->rows[p->shown[2]].id, "2"); /* then a word prefix */
    assert_string_equal(p->rows[p->shown[3]].id, "1"); /* then inside a word */
    assert_string_equal(picker_selected_id(p), "3");
    picker_filter_append(p, "a"); /* narrowing keeps the ranking */
    assert_int_equal(p->n_shown, 4);
    assert_string_equal(p->rows[p->shown[0]].id, "3");
    assert_string_equal(p->rows[p->shown[1]].id, "5");
    assert_string_equal(p->rows[p->shown[2]].id, "2");
    assert_string_equal(p->rows[p->shown[3]].id, "1");
    picker_filter_append(p, " b"); /* "anna b": Anna Berg's phrase, then Annabel's words */
    assert_int_equal(p->n_shown, 2);
    assert_string_equal(p->rows[p->shown[0]].id, "3");
    assert_string_equal(p->rows[p->shown[1]].id, "5");
    picker_set_filter(p, "");
    assert_int_equal(p->n_shown, 5); /* no filter: the API's order */
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(p->shown[i], i);
    picker_free(p);
}

static void picker__fill_searches_names_never_descriptions(void **state)
{
    struct disposition d[] = {
        {(char[]){"d1"}, (char[]){"Interested"}, (char[]){"complete"}, NULL},
        {(char[]){"d2"}, (char[]){"Not interested"}, (char[]){"complete"}, NULL},
        {(char[]){"d3"}, (char[]){"No answer"}, (char[]){"next_stage"}, NULL},
        {(char[]){"d4"}, (char[]){"Left voicemail"}, (char[]){"next_stage"}, NULL},
    };
    struct task t[] = {
        {.id = (char[]){"t1"}, .due_on = (char[]){"2026-06-03T09:00:00Z"}, .notes = (char[]){"call back about pricing"},
         .contact_name = (char[]){"Pat Lee"}, .contact_email = (char[]){"pat@prospect.example"},
         .contact_company = (char[]){"Initech"}},
        {.id = (char[]){"t2"}, .due_on = (char[]){"2026-06-04T09:00:00Z"}, .contact_name = (char[]){"Ana Silva"}},
    };
    struct app a;
    struct picker *p = picker_new(PICK_DISPOSITION);

    memset(&a, 0, sizeof(a));
    a.dispositions.v = d;
    a.dispositions.n = ARRAY_LEN(d);
    a.tasks.v = t;
    a.tasks.n = ARRAY_LEN(t);
    picker_fill(p, &a);
    picker_set_filter(p, "no a");
    assert_int_equal(p->n_shown, 1);
    assert_string_equal(picker_selected_id(p), "d3");
    picker_set_filter(p, "complete"); /* the action and its description are not searched */
    assert_int_equal(p->n_shown, 0);
    picker_set_filter(p, "task");
    assert_int_equal(p->n_shown, 0);
    picker_free(p);

    p = picker_new(PICK_TASK);
    picker_fill(p, &a);
    picker_set_filter(p, "initech"); /* the contact's company */
    assert_int_equal(p->n_shown, 1);
    assert_string_equal(picker_selected_id(p), "t1");
    picker_set_filter(p, "pricing"); /* the notes */
    assert_string_equal(picker_selected_id(p), "t1");
    picker_set_filter(p, "2026-06-04"); /* not the due date */
    assert_int_equal(p->n_shown, 0);
    picker_set_filter(p, "ana");
    assert_string_equal(picker_selected_id(p), "t2");
    picker_free(p);
}

static void picker__moves_and_scrolls_within_the_window(void **state)
{
    struct picker *p = picker_new(PICK_DISPOSITION);
    char id[8];

    for (int i = 0; i < 45; i++) {
        snprintf(id, sizeof(id), "%d", i + 1);
        add(p, id, id, NULL);
    }
    picker_move(p, 44, 10);
    assert_string_equal(picker_selected_id(p), "45");
    assert_int_equal(p->top, 35);
    picker_move(p, 100, 10); /* clamped */
    assert_string_equal(picker_selected_id(p), "45");
    picker_move(p, -40, 10);
    assert_string_equal(picker_selected_id(p), "5");
    assert_int_equal(p->top, 4);
    picker_move(p, -100, 10);
    assert_int_equal(p->sel, 0);
    assert_int_equal(p->top, 0);
    picker_clear_rows(p);
    assert_int_equal(p->n, 0);
    picker_free(p);
}

static void picker__cells_are_sanitised(void **state)
{
    struct picker *p = picker_new(PICK_USER);

    add(p, "1", "Evil \033]52;c;aGVsbG8=\007Eve\033[2J",
        "\xc2\x9b"
        "1;1H");
    assert_null(strchr(p->rows[0].cell[0], '\033'));
    assert_null(strstr(p->rows[0].cell[1], "\xc2\x9b"));
    assert_string_equal(p->rows[0].cell[2], "");
    picker_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tui_fit__counts_columns_not_bytes),
        cmocka_unit_test(tui_wrap__breaks_at_spaces_and_keeps_every_character),
        cmocka_unit_test(field_cols__shows_controls_as_two_columns),
        cmocka_unit_test(field__edits_with_readline_emacs_keys),
        cmocka_unit_test(field__keys_move_by_characters_in_utf8),
        cmocka_unit_test(field__accept_and_editor_requests_are_reported),
        cmocka_unit_test(field__history_is_per_field_and_persists_from_and_to),
        cmocka_unit_test(picker__filters_incrementally_best_match_first),
        cmocka_unit_test(picker__incremental_filter_equals_a_full_rescan),
        cmocka_unit_test(picker__folds_case_and_accents),
        cmocka_unit_test(picker__ranks_name_prefix_then_word_prefix_then_substring),
        cmocka_unit_test(picker__fill_searches_names_never_descriptions),
        cmocka_unit_test(picker__moves_and_scrolls_within_the_window),
        cmocka_unit_test(picker__cells_are_sanitised),
    };
    /* readline must see only its defaults, not the developer's inputrc */
    setenv("INPUTRC", "/dev/null", 1);
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    return RUN_TAP(tests);
}

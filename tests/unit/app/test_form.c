/* SPDX-License-Identifier: GPL-3.0-or-later */
/* form.c: the form model (values, focus, picks, error marks, unsent state), no terminal. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "app/form.h"
#include "core/util.h"

static enum field_id last_changed;

static void count_change(struct form *f, enum field_id field, void *ud)
{
    (void)f;
    *(int *)ud += 1;
    last_changed = field;
}

static void form__fresh_form_is_empty_and_focuses_from(void **state)
{
    struct form f;

    form_init(&f);
    assert_int_equal(f.focus, FIELD_FROM);
    assert_false(form_has_unsent(&f));
    assert_false(form_has_errors(&f));
    assert_string_equal(form_value(&f, FIELD_TO), "");
    assert_int_equal(form_bool(&f, FIELD_ANSWERED), -1);
    assert_int_equal(form_bool(&f, FIELD_FROM), -1);
    assert_false(form_set(&f, FIELD_NONE, "x"));
    assert_false(form_set(&f, FIELD_TO, NULL)); /* empty to empty is no change */
    form_done(&f);
    form_done(&f); /* twice is harmless */
}

static void form__kinds_follow_the_field(void **state)
{
    assert_int_equal(form_kind(FIELD_FROM), FORM_KIND_TEXT);
    assert_int_equal(form_kind(FIELD_DURATION), FORM_KIND_TEXT);
    assert_int_equal(form_kind(FIELD_ANSWERED), FORM_KIND_BOOL);
    assert_int_equal(form_kind(FIELD_HUMAN), FORM_KIND_BOOL);
    assert_int_equal(form_kind(FIELD_DISPOSITION), FORM_KIND_PICK);
    assert_int_equal(form_kind(FIELD_TASK), FORM_KIND_PICK);
    assert_int_equal(form_kind(FIELD_USER), FORM_KIND_PICK);
    assert_int_equal(form_kind(FIELD_TRANSCRIPTION), FORM_KIND_TEXT);
    assert_int_equal(form_kind(FIELD_RECORDING_URL), FORM_KIND_TEXT);
}

static void form__set_runs_the_change_hook_only_on_a_change(void **state)
{
    struct form f;
    int n = 0;

    form_init(&f);
    form_set_change_hook(&f, count_change, &n);
    assert_true(form_set(&f, FIELD_TO, "+1 555 0100"));
    assert_int_equal(n, 1);
    assert_int_equal(last_changed, FIELD_TO);
    assert_false(form_set(&f, FIELD_TO, "+1 555 0100"));
    assert_int_equal(n, 1);
    assert_true(form_has_unsent(&f));
    assert_string_equal(form_value(&f, FIELD_TO), "+1 555 0100");
    form_done(&f);
}

static void form__focus_wraps_both_ways(void **state)
{
    struct form f;

    form_init(&f);
    form_focus_prev(&f);
    assert_int_equal(f.focus, FIELD_RECORDING_URL);
    form_focus_next(&f);
    assert_int_equal(f.focus, FIELD_FROM);
    form_focus_next(&f);
    assert_int_equal(f.focus, FIELD_TO);
    form_focus(&f, FIELD_USER);
    assert_int_equal(f.focus, FIELD_USER);
    form_focus(&f, FIELD_COUNT); /* out of range is ignored */
    assert_int_equal(f.focus, FIELD_USER);
    form_done(&f);
}

static void form__toggle_goes_unset_yes_no_yes(void **state)
{
    struct form f;

    form_init(&f);
    form_toggle(&f, FIELD_ANSWERED);
    assert_int_equal(form_bool(&f, FIELD_ANSWERED), 1);
    form_toggle(&f, FIELD_ANSWERED);
    assert_int_equal(form_bool(&f, FIELD_ANSWERED), 0);
    form_toggle(&f, FIELD_ANSWERED);
    assert_int_equal(form_bool(&f, FIELD_ANSWERED), 1);
    form_toggle(&f, FIELD_FROM); /* not a boolean: nothing */
    assert_string_equal(form_value(&f, FIELD_FROM), "");
    form_done(&f);
}

static void form__choice_keeps_sanitised_display_until_the_value_changes(void **state)
{
    struct form f;

    form_init(&f);
    form_set_choice(&f, FIELD_TASK, "t-1", "Eve\033]0;pwned\007 Smith", "note\033[2J");
    assert_string_equal(form_value(&f, FIELD_TASK), "t-1");
    assert_null(strchr(f.display[FIELD_TASK], '\033'));
    assert_null(strchr(f.note[FIELD_TASK], '\033'));
    assert_non_null(strstr(f.display[FIELD_TASK], "Eve"));
    form_describe(&f, FIELD_TASK, "other", "Other", NULL); /* different id: ignored */
    assert_non_null(strstr(f.display[FIELD_TASK], "Eve"));
    form_describe(&f, FIELD_TASK, "t-1", "Eve S.", NULL);
    assert_string_equal(f.display[FIELD_TASK], "Eve S.");
    assert_null(f.note[FIELD_TASK]);
    form_set(&f, FIELD_TASK, "t-2");
    assert_null(f.display[FIELD_TASK]);
    form_done(&f);
}

static void form__validation_marks_each_field_and_returns_the_first(void **state)
{
    struct form f;
    struct field_errors e;

    form_init(&f);
    field_errors_init(&e);
    assert_int_equal(form_mark_validation(&f, &e), FIELD_NONE);
    field_errors_add(&e, FIELD_TASK, "is required");
    field_errors_add(&e, FIELD_TO, "is required");
    assert_int_equal(form_mark_validation(&f, &e), FIELD_TO);
    assert_string_equal(f.error[FIELD_TO], "To is required");
    assert_string_equal(f.error[FIELD_TASK], "Task is required");
    assert_null(f.error[FIELD_FROM]);
    assert_int_equal(form_error_count(&f), 2);
    form_set(&f, FIELD_TO, "1"); /* editing a marked field clears its mark */
    assert_null(f.error[FIELD_TO]);
    assert_non_null(f.error[FIELD_TASK]);
    field_errors_done(&e);
    form_done(&f);
}

static void add_api_error(struct api_errors *e, const char *pointer, const char *detail)
{
    struct api_error *x;

    e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
    x = &e->v[e->n++];
    memset(x, 0, sizeof(*x));
    x->pointer = xstrdup(pointer);
    x->detail = xstrdup(detail);
    x->field = pointer ? apierr_pointer_field(pointer) : FIELD_NONE;
}

static void form__api_errors_focus_the_first_pointer_in_api_order(void **state)
{
    struct form f;
    struct api_errors e;

    form_init(&f);
    api_errors_init(&e);
    add_api_error(&e, "/user_id", "Missing field from request: user_id");
    add_api_error(&e, "/from", "Missing field from request: from");
    add_api_error(&e, "/from", "second problem");
    add_api_error(&e, "/nope", "Unknown thing\033[31m");
    add_api_error(&e, NULL, "General failure");
    assert_int_equal(form_mark_api_errors(&f, &e), FIELD_USER);
    assert_string_equal(f.error[FIELD_USER], "Missing field from request: user_id");
    assert_string_equal(f.error[FIELD_FROM], "Missing field from request: from\nsecond problem");
    assert_int_equal(f.n_general, 2);
    assert_non_null(strstr(f.general[0], "Unknown thing"));
    assert_non_null(strstr(f.general[0], "/nope"));
    assert_null(strchr(f.general[0], '\033'));
    assert_string_equal(f.general[1], "General failure");
    assert_int_equal(form_error_count(&f), 4);
    form_clear_errors(&f);
    assert_false(form_has_errors(&f));
    api_errors_done(&e);
    form_done(&f);
}

static void form__new_call_keeps_from_and_user_only(void **state)
{
    struct form f;
    int n = 0;

    form_init(&f);
    form_set_change_hook(&f, count_change, &n);
    form_set(&f, FIELD_FROM, "+1 555 0100");
    form_set(&f, FIELD_TO, "+1 555 0199");
    form_set(&f, FIELD_DURATION, "42");
    form_set_choice(&f, FIELD_USER, "u-1", "Dana", NULL);
    form_set_choice(&f, FIELD_TASK, "t-1", "Eve", "notes");
    form_mark_sent(&f);
    assert_false(form_has_unsent(&f));
    form_new_call(&f);
    assert_string_equal(form_value(&f, FIELD_FROM), "+1 555 0100");
    assert_string_equal(form_value(&f, FIELD_USER), "u-1");
    assert_string_equal(f.display[FIELD_USER], "Dana");
    assert_string_equal(form_value(&f, FIELD_TO), "");
    assert_string_equal(form_value(&f, FIELD_TASK), "");
    assert_null(f.display[FIELD_TASK]);
    assert_null(f.note[FIELD_TASK]);
    assert_false(form_has_unsent(&f));
    assert_int_equal(f.focus, FIELD_TO);
    assert_int_equal(last_changed, FIELD_NONE); /* the hook hears about the reset */
    form_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(form__fresh_form_is_empty_and_focuses_from),
        cmocka_unit_test(form__kinds_follow_the_field),
        cmocka_unit_test(form__set_runs_the_change_hook_only_on_a_change),
        cmocka_unit_test(form__focus_wraps_both_ways),
        cmocka_unit_test(form__toggle_goes_unset_yes_no_yes),
        cmocka_unit_test(form__choice_keeps_sanitised_display_until_the_value_changes),
        cmocka_unit_test(form__validation_marks_each_field_and_returns_the_first),
        cmocka_unit_test(form__api_errors_focus_the_first_pointer_in_api_order),
        cmocka_unit_test(form__new_call_keeps_from_and_user_only),
    };
    return RUN_TAP(tests);
}

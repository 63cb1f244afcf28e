/* SPDX-License-Identifier: GPL-3.0-or-later */
/* flow.c, worklist.c and calltable.c: the rules that spare a rep keys, the next task in due
 * order, and the stored-calls table, on an app with no terminal, network or store. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/calltable.h"
#include "app/flow.h"
#include "app/worklist.h"
#include "core/util.h"

static void set_bool(struct app *a, enum field_id f, const char *v)
{
    struct app_req r = {.kind = REQ_SET, .field = f, .text = v, .is_moving_on = true};

    app_handle(a, &r);
}

static void flow__y_and_n_move_on_and_no_answer_means_no_human(void **state)
{
    struct app a;

    (void)state;
    app_init(&a);
    app_handle(&a, &(struct app_req){.kind = REQ_FOCUS, .field = FIELD_ANSWERED});
    set_bool(&a, FIELD_ANSWERED, "yes");
    assert_int_equal(a.form.focus, FIELD_HUMAN);
    set_bool(&a, FIELD_HUMAN, "yes");
    assert_int_equal(a.form.focus, FIELD_DISPOSITION);
    assert_int_equal(a.ask, ASK_NONE);
    /* Answered = no: Human = no, focus skips it */
    set_bool(&a, FIELD_ANSWERED, "no");
    assert_int_equal(form_bool(&a.form, FIELD_HUMAN), 0);
    assert_int_equal(a.form.focus, FIELD_DISPOSITION);
    /* not answered but human: asked; n puts Human back to no */
    set_bool(&a, FIELD_HUMAN, "yes");
    assert_int_equal(a.ask, ASK_ODD_HUMAN);
    app_handle(&a, &(struct app_req){.kind = REQ_ANSWER, .ch = 'n'});
    assert_int_equal(a.ask, ASK_NONE);
    assert_int_equal(form_bool(&a.form, FIELD_HUMAN), 0);
    assert_int_equal(a.form.focus, FIELD_DISPOSITION);
    /* asked again until confirmed, then never again for this call */
    set_bool(&a, FIELD_HUMAN, "yes");
    assert_int_equal(a.ask, ASK_ODD_HUMAN);
    app_handle(&a, &(struct app_req){.kind = REQ_ANSWER, .ch = 'y'});
    assert_int_equal(form_bool(&a.form, FIELD_HUMAN), 1);
    app_handle(&a, &(struct app_req){.kind = REQ_TOGGLE, .field = FIELD_HUMAN});
    app_handle(&a, &(struct app_req){.kind = REQ_TOGGLE, .field = FIELD_HUMAN});
    assert_int_equal(form_bool(&a.form, FIELD_HUMAN), 1);
    assert_int_equal(a.ask, ASK_NONE);
    app_done(&a);
}

static void flow__duration_in_minutes_becomes_seconds_when_focus_leaves(void **state)
{
    struct app a;

    (void)state;
    app_init(&a);
    app_handle(&a, &(struct app_req){.kind = REQ_FOCUS, .field = FIELD_DURATION});
    app_handle(&a, &(struct app_req){.kind = REQ_SET, .field = FIELD_DURATION, .text = "1:02:03"});
    app_handle(&a, &(struct app_req){.kind = REQ_FOCUS_NEXT});
    assert_string_equal(form_value(&a.form, FIELD_DURATION), "3723");
    assert_null(a.form.error[FIELD_DURATION]);
    app_handle(&a, &(struct app_req){.kind = REQ_FOCUS, .field = FIELD_DURATION});
    app_handle(&a, &(struct app_req){.kind = REQ_SET, .field = FIELD_DURATION, .text = "1:60"});
    app_handle(&a, &(struct app_req){.kind = REQ_FOCUS_NEXT});
    assert_string_equal(form_value(&a.form, FIELD_DURATION), "1:60");
    assert_non_null(a.form.error[FIELD_DURATION]);
    assert_non_null(strstr(a.form.error[FIELD_DURATION], "seconds must be under 60"));
    app_done(&a);
}

static void flow__a_blank_form_is_one_back_to_its_fresh_from(void **state)
{
    struct app a;

    (void)state;
    app_init(&a);
    app_handle(&a, &(struct app_req){.kind = REQ_SET, .field = FIELD_FROM, .text = "+1 415"});
    flow_mark_fresh(&a); /* kept from the last call */
    assert_true(flow_is_form_blank(&a));
    app_handle(&a, &(struct app_req){.kind = REQ_SET, .field = FIELD_TO, .text = "1"});
    assert_false(flow_is_form_blank(&a));
    app_handle(&a, &(struct app_req){.kind = REQ_SET, .field = FIELD_TO, .text = NULL});
    assert_true(flow_is_form_blank(&a));
    app_handle(&a, &(struct app_req){.kind = REQ_SET, .field = FIELD_FROM, .text = "+1 416"});
    assert_false(flow_is_form_blank(&a));
    app_done(&a);
}

static void add_task(struct task_list *l, const char *id, const char *type, const char *status,
                     const char *due)
{
    struct task *t;

    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    t = &l->v[l->n++];
    memset(t, 0, sizeof(*t));
    t->id = xstrdup(id);
    t->type = xstrdup(type);
    t->status = xstrdup(status);
    t->due_on = due ? xstrdup(due) : NULL;
}

static void worklist__next_task_is_the_earliest_due_phone_call_not_worked(void **state)
{
    struct app a;
    const struct task *t;

    (void)state;
    app_init(&a);
    add_task(&a.tasks, "late", "phone_call", "scheduled", "2026-06-05T09:00:00Z");
    add_task(&a.tasks, "undated", "phone_call", "scheduled", NULL);
    add_task(&a.tasks, "email", "email", "scheduled", "2026-06-01T09:00:00Z");
    add_task(&a.tasks, "done", "phone_call", "completed", "2026-06-01T09:00:00Z");
    add_task(&a.tasks, "early", "phone_call", "scheduled", "2026-06-03T09:00:00Z");
    t = worklist_next_task(&a);
    assert_non_null(t);
    assert_string_equal(t->id, "early");
    /* the one on the form and those worked this session are skipped; undated ones last */
    form_set_choice(&a.form, FIELD_TASK, "early", NULL, NULL);
    assert_string_equal(worklist_next_task(&a)->id, "late");
    a.worked = xcalloc(1, sizeof(*a.worked));
    a.worked[a.n_worked++] = xstrdup("late");
    assert_string_equal(worklist_next_task(&a)->id, "undated");
    a.worked = xrealloc(a.worked, 2 * sizeof(*a.worked));
    a.worked[a.n_worked++] = xstrdup("undated");
    assert_null(worklist_next_task(&a));
    app_done(&a);
}

static void calltable__call_ids_show_the_part_that_differs(void **state)
{
    const char *ids[] = {"01a23d07-dc42-78bd-8c45-dc52bc341f7e",
                         "01a23d07-dc42-78bd-8c45-aa52bc341f7e", NULL,
                         "01a23d07-dc42-78bd-8c45-0000000000ff"};

    (void)state;
    /* the last 8 are shared by the first two: one more than the shared tail */
    assert_int_equal(calltable_suffix_len(ids, 4, 8), 11);
    assert_int_equal(calltable_suffix_len(ids + 2, 2, 8), 8);
    assert_int_equal(calltable_suffix_len(ids, 1, 8), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flow__y_and_n_move_on_and_no_answer_means_no_human),
        cmocka_unit_test(flow__duration_in_minutes_becomes_seconds_when_focus_leaves),
        cmocka_unit_test(flow__a_blank_form_is_one_back_to_its_fresh_from),
        cmocka_unit_test(worklist__next_task_is_the_earliest_due_phone_call_not_worked),
        cmocka_unit_test(calltable__call_ids_show_the_part_that_differs),
    };
    return RUN_TAP(tests);
}

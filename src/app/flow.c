/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the form's flow (flow.h): the rules that spare a rep keys. They change the
 * form only through form.h and the app's own helpers, so drafts and marks follow. */
#include "config.h"
#include "app/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"
#include "app/duration.h"
#include "core/sanitize.h"
#include "core/util.h"

static bool is_odd_human(const struct app *a)
{
    return form_bool(&a->form, FIELD_ANSWERED) == 0 && form_bool(&a->form, FIELD_HUMAN) == 1;
}

/* Answered = no: nobody picked up, so nobody human spoke either. */
static void apply_unanswered(struct app *a)
{
    if (form_bool(&a->form, FIELD_ANSWERED) == 0 && form_bool(&a->form, FIELD_HUMAN) != 0)
        app_set_value(a, FIELD_HUMAN, "no");
}

static bool ask_odd_human(struct app *a)
{
    if (!is_odd_human(a) || a->is_odd_human_confirmed)
        return false;
    app_ask_with(a, ASK_ODD_HUMAN, "Not answered, but a human was on the line? (y/n) ");
    return true;
}

void flow_after_bool(struct app *a, enum field_id f)
{
    if (f == FIELD_ANSWERED) {
        if (form_bool(&a->form, FIELD_ANSWERED) == 0) {
            apply_unanswered(a);
            app_focus(a, FIELD_DISPOSITION);
        } else {
            app_focus(a, FIELD_HUMAN);
        }
        return;
    }
    if (f != FIELD_HUMAN)
        return;
    if (ask_odd_human(a))
        return; /* the answer moves on */
    app_focus(a, FIELD_DISPOSITION);
}

void flow_after_toggle(struct app *a, enum field_id f)
{
    if (f == FIELD_ANSWERED)
        apply_unanswered(a);
    else if (f == FIELD_HUMAN)
        ask_odd_human(a);
}

void flow_answer_odd_human(struct app *a, bool is_yes)
{
    if (is_yes)
        a->is_odd_human_confirmed = true;
    else
        app_set_value(a, FIELD_HUMAN, "no");
    app_focus(a, FIELD_DISPOSITION);
}

bool flow_normalise_duration(struct app *a)
{
    const char *v = form_value(&a->form, FIELD_DURATION);
    long long secs;
    char *why = NULL, buf[32];

    if (!duration_has_colon(v))
        return true; /* plain seconds or nothing: the validator has the last word */
    if (!duration_parse(v, &secs, &why)) {
        char *clean = sanitize_line(why);
        free(a->form.error[FIELD_DURATION]);
        a->form.error[FIELD_DURATION] = clean;
        free(why);
        app_dirty(a);
        return false;
    }
    snprintf(buf, sizeof(buf), "%lld", secs);
    app_set_value(a, FIELD_DURATION, buf);
    return true;
}

void flow_mark_fresh(struct app *a)
{
    str_set(&a->fresh_from, form_value(&a->form, FIELD_FROM));
}

bool flow_is_form_blank(const struct app *a)
{
    if (strcmp(form_value(&a->form, FIELD_FROM), a->fresh_from ? a->fresh_from : "") != 0)
        return false;
    for (int i = 0; i < FIELD_COUNT; i++) {
        if (i == FIELD_FROM || i == FIELD_USER)
            continue;
        if (*form_value(&a->form, (enum field_id)i))
            return false;
    }
    return true;
}

static int dispo_slot(const struct app *a)
{
    return form_bool(&a->form, FIELD_ANSWERED) == 0 ? 0 : 1;
}

void flow_note_disposition(struct app *a, const char *id)
{
    if (id && *id)
        str_set(&a->last_dispo[dispo_slot(a)], id);
}

const char *app_pick_start(const struct app *a, enum field_id f)
{
    const char *v = form_value(&a->form, f);

    if (*v || f != FIELD_DISPOSITION)
        return v;
    return a->last_dispo[dispo_slot(a)] ? a->last_dispo[dispo_slot(a)] : "";
}

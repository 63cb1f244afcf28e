/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the form model: values, focus, picked display text and error marks. Every string that
 * may come from the server is sanitised on the way in, so views can draw them as they are.
 * Must not include curses, curl or readline. */
#include "config.h"
#include "app/form.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/util.h"

static bool valid_field(enum field_id f)
{
    return f >= 0 && f < FIELD_COUNT;
}

enum form_kind form_kind(enum field_id f)
{
    if (field_is_bool(f))
        return FORM_KIND_BOOL;
    if (f == FIELD_DISPOSITION || f == FIELD_TASK || f == FIELD_USER)
        return FORM_KIND_PICK;
    return FORM_KIND_TEXT;
}

void form_init(struct form *f)
{
    memset(f, 0, sizeof(*f));
    call_init(&f->call);
    f->focus = FIELD_FROM;
}

static void clear_general(struct form *f)
{
    for (size_t i = 0; i < f->n_general; i++)
        free(f->general[i]);
    free(f->general);
    f->general = NULL;
    f->n_general = 0;
}

void form_clear_errors(struct form *f)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        free(f->error[i]);
        f->error[i] = NULL;
    }
    clear_general(f);
}

void form_done(struct form *f)
{
    if (!f)
        return;
    form_clear_errors(f);
    for (int i = 0; i < FIELD_COUNT; i++) {
        free(f->display[i]);
        free(f->note[i]);
    }
    call_done(&f->call);
    memset(f, 0, sizeof(*f));
    f->focus = FIELD_FROM;
}

void form_set_change_hook(struct form *f, form_change_fn fn, void *ud)
{
    f->on_change = fn;
    f->change_ud = ud;
}

const char *form_value(const struct form *f, enum field_id field)
{
    return call_get(&f->call, field);
}

static void changed(struct form *f, enum field_id field)
{
    free(f->error[field]);
    f->error[field] = NULL;
    f->is_modified = true;
    if (f->on_change)
        f->on_change(f, field, f->change_ud);
}

static void set_sanitised(char **dst, const char *s)
{
    free(*dst);
    *dst = (s && *s) ? sanitize_line(s) : NULL;
}

bool form_set(struct form *f, enum field_id field, const char *value)
{
    if (!valid_field(field))
        return false;
    if (!strcmp(form_value(f, field), value ? value : ""))
        return false;
    call_set(&f->call, field, value);
    set_sanitised(&f->display[field], NULL);
    set_sanitised(&f->note[field], NULL);
    changed(f, field);
    return true;
}

void form_set_choice(struct form *f, enum field_id field, const char *id, const char *display,
                     const char *note)
{
    if (!valid_field(field))
        return;
    call_set(&f->call, field, id);
    set_sanitised(&f->display[field], display);
    set_sanitised(&f->note[field], note);
    changed(f, field);
}

void form_describe(struct form *f, enum field_id field, const char *id, const char *display,
                   const char *note)
{
    if (!valid_field(field) || !id || strcmp(form_value(f, field), id))
        return;
    set_sanitised(&f->display[field], display);
    set_sanitised(&f->note[field], note);
}

int form_bool(const struct form *f, enum field_id field)
{
    if (!field_is_bool(field))
        return -1;
    return call_parse_bool(form_value(f, field));
}

void form_toggle(struct form *f, enum field_id field)
{
    if (!field_is_bool(field))
        return;
    form_set(f, field, form_bool(f, field) == 1 ? "no" : "yes");
}

void form_focus_next(struct form *f)
{
    f->focus = (enum field_id)((f->focus + 1) % FIELD_COUNT);
}

void form_focus_prev(struct form *f)
{
    f->focus = (enum field_id)((f->focus + FIELD_COUNT - 1) % FIELD_COUNT);
}

void form_focus(struct form *f, enum field_id field)
{
    if (valid_field(field))
        f->focus = field;
}

/* Append a line to a field's '\n'-separated messages. */
static void add_message(char **dst, const char *msg)
{
    char *clean = sanitize_line(msg);
    char *joined;

    if (!*dst) {
        *dst = clean;
        return;
    }
    joined = xasprintf("%s\n%s", *dst, clean);
    free(clean);
    free(*dst);
    *dst = joined;
}

enum field_id form_mark_validation(struct form *f, const struct field_errors *errs)
{
    enum field_id first = FIELD_NONE;

    form_clear_errors(f);
    for (size_t i = 0; errs && i < errs->n; i++) {
        enum field_id fld = errs->v[i].field;
        char *msg;

        if (!valid_field(fld))
            continue;
        msg = xasprintf("%s %s", field_label(fld), errs->v[i].message ? errs->v[i].message : "");
        add_message(&f->error[fld], msg);
        free(msg);
        if (first == FIELD_NONE || fld < first)
            first = fld;
    }
    return first;
}

enum field_id form_mark_api_errors(struct form *f, const struct api_errors *errs)
{
    enum field_id first = FIELD_NONE;

    form_clear_errors(f);
    for (size_t i = 0; errs && i < errs->n; i++) {
        const struct api_error *e = &errs->v[i];
        char *msg = apierr_message(e);

        if (valid_field(e->field)) {
            add_message(&f->error[e->field], msg);
            if (first == FIELD_NONE)
                first = e->field;
        } else {
            char *line;
            if (e->pointer && *e->pointer)
                line = xasprintf("%s (at %s)", msg, e->pointer);
            else if (e->parameter)
                line = xasprintf("%s (parameter %s)", msg, e->parameter);
            else if (e->header)
                line = xasprintf("%s (header %s)", msg, e->header);
            else
                line = xstrdup(msg);
            f->general = xrealloc(f->general, (f->n_general + 1) * sizeof(*f->general));
            f->general[f->n_general++] = sanitize_line(line);
            free(line);
        }
        free(msg);
    }
    return first;
}

bool form_has_errors(const struct form *f)
{
    return form_error_count(f) > 0;
}

size_t form_error_count(const struct form *f)
{
    size_t n = f->n_general;

    for (int i = 0; i < FIELD_COUNT; i++)
        if (f->error[i])
            n++;
    return n;
}

bool form_has_unsent(const struct form *f)
{
    return f->is_modified && !call_is_empty(&f->call);
}

void form_mark_sent(struct form *f)
{
    f->is_modified = false;
}

void form_new_call(struct form *f)
{
    form_clear_errors(f);
    for (int i = 0; i < FIELD_COUNT; i++) {
        if (i == FIELD_FROM || i == FIELD_USER)
            continue;
        call_set(&f->call, (enum field_id)i, NULL);
        set_sanitised(&f->display[i], NULL);
        set_sanitised(&f->note[i], NULL);
    }
    f->is_modified = false;
    f->focus = FIELD_TO;
    if (f->on_change)
        f->on_change(f, FIELD_NONE, f->change_ud);
}

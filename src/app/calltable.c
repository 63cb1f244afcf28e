/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the stored-calls table (calltable.h). Column widths are measured on the text as
 * the terminal shows it; only contact and disposition are ever cut, with "…". */
#include "config.h"
#include "app/calltable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/sanitize.h"
#include "core/text.h"
#include "core/util.h"
#include "store/history.h"
#include "store/today.h"

#define CALL_ID_MIN 8 /* characters of the call id shown at least */

static const char *const heads[CT_COLS] = {"ID", "TIME", "TO", "CONTACT", "DISPOSITION",
                                           "STATE", "CALL ID"};

static char *shown(const char *text)
{
    char *clean = sanitize_line(text && *text ? text : "-");
    char *fit = charset_fit(clean);

    free(clean);
    return fit;
}

static const char *disposition_name(const struct disposition_list *l, const char *id)
{
    for (size_t i = 0; l && id && i < l->n; i++)
        if (l->v[i].id && l->v[i].name && !strcmp(l->v[i].id, id))
            return l->v[i].name;
    return NULL;
}

static const struct task *task_of(const struct task_list *l, const char *id)
{
    for (size_t i = 0; l && id && *id && i < l->n; i++)
        if (!strcmp(l->v[i].id, id))
            return &l->v[i];
    return NULL;
}

size_t calltable_suffix_len(const char *const *ids, size_t n, size_t min_len)
{
    size_t longest = 0;

    for (size_t i = 0; i < n; i++)
        if (ids[i] && strlen(ids[i]) > longest)
            longest = strlen(ids[i]);
    for (size_t k = min_len; k < longest; k++) {
        bool is_unique = true;
        for (size_t i = 0; i < n && is_unique; i++) {
            size_t li = ids[i] ? strlen(ids[i]) : 0;
            for (size_t j = i + 1; j < n && is_unique && li; j++) {
                size_t lj = ids[j] ? strlen(ids[j]) : 0;
                if (lj && !strcmp(ids[i] + (li > k ? li - k : 0), ids[j] + (lj > k ? lj - k : 0)))
                    is_unique = false;
            }
        }
        if (is_unique)
            return k;
    }
    return longest;
}

void calltable_build(struct calltable *t, const struct store_rows *rows,
                     const struct disposition_list *dispositions, const struct task_list *tasks,
                     bool is_short_time)
{
    const char **ids = xcalloc(rows->n ? rows->n : 1, sizeof(*ids));
    size_t k;

    memset(t, 0, sizeof(*t));
    t->n = rows->n;
    t->cells = xcalloc(rows->n ? rows->n : 1, sizeof(*t->cells));
    for (size_t i = 0; i < rows->n; i++)
        ids[i] = rows->v[i].remote_id;
    k = calltable_suffix_len(ids, rows->n, CALL_ID_MIN);
    for (size_t i = 0; i < rows->n; i++) {
        const struct store_row *r = &rows->v[i];
        struct call_record rec;
        bool has_rec = false;
        const char *contact = NULL, *disp_id = call_get(&r->call, FIELD_DISPOSITION);
        const char *disp;
        const struct task *task = task_of(tasks, call_get(&r->call, FIELD_TASK));
        char *when = history_local_time(r->created_at), *id, *call;

        call_record_init(&rec);
        if (r->state == STORE_SENT && r->response)
            has_rec = call_record_parse(r->response, strlen(r->response), &rec, NULL);
        if (has_rec)
            contact = rec.contact_name ? rec.contact_name : rec.contact_email;
        if (!contact && task)
            contact = task->contact_name ? task->contact_name : task->contact_email;
        if (has_rec && rec.disposition_id)
            disp_id = rec.disposition_id;
        disp = disposition_name(dispositions, disp_id);
        if (!disp && *disp_id)
            disp = "(unknown disposition)"; /* never a bare UUID */
        id = xasprintf("%lld", r->id);
        if (r->remote_id && strlen(r->remote_id) > k)
            call = xasprintf("…%s", r->remote_id + strlen(r->remote_id) - k);
        else
            call = xstrdup(r->remote_id ? r->remote_id : "");
        t->cells[i][CT_ID] = shown(id);
        t->cells[i][CT_TIME] = shown(is_short_time && strlen(when) >= 16 ? when + 5 : when);
        if (is_short_time && strlen(t->cells[i][CT_TIME]) > 11)
            t->cells[i][CT_TIME][11] = '\0'; /* "MM-DD HH:MM" */
        t->cells[i][CT_TO] = shown(call_get(&r->call, FIELD_TO));
        t->cells[i][CT_CONTACT] = shown(contact);
        t->cells[i][CT_DISPOSITION] = shown(disp);
        t->cells[i][CT_STATE] = shown(history_state_label(r));
        t->cells[i][CT_CALL] = shown(call);
        free(id);
        free(call);
        free(when);
        call_record_done(&rec);
    }
    free(ids);
}

void calltable_build_from_store(struct calltable *t, struct store *s,
                                const struct store_rows *rows)
{
    struct disposition_list d = {0};
    struct task_list tl = {0};
    char *json = NULL, *err = NULL, *next = NULL;

    if (store_lists_newest(s, "dispositions", &json, &err) == 1)
        api_parse_dispositions(json, strlen(json), &d, &next, &err);
    free(json);
    free(next);
    free(err);
    json = next = err = NULL;
    if (store_lists_newest(s, "tasks", &json, &err) == 1)
        api_parse_tasks(json, strlen(json), &tl, &next, &err);
    free(json);
    free(next);
    free(err);
    calltable_build(t, rows, &d, &tl, false);
    disposition_list_done(&d);
    task_list_done(&tl);
}

/* Widest cell of column c; with_head counts its heading too. */
static int col_width(const struct calltable *t, int c, bool with_head)
{
    int w = with_head ? text_cols(heads[c]) : 1;

    for (size_t i = 0; i < t->n; i++) {
        int cw = text_cols(t->cells[i][c]);
        if (cw > w)
            w = cw;
    }
    return w;
}

void calltable_layout(struct calltable *t, int cols)
{
    int fixed = CT_COLS - 1, cw, dw, rest, extra;

    for (int c = 0; c < CT_COLS; c++) {
        t->width[c] = col_width(t, c, true);
        if (c != CT_CONTACT && c != CT_DISPOSITION)
            fixed += t->width[c];
    }
    rest = cols - fixed;
    if (rest < 12)
        rest = 12;
    if (t->width[CT_CONTACT] + t->width[CT_DISPOSITION] <= rest)
        return;
    /* short of room: the cells first, then what is left to the headings */
    cw = col_width(t, CT_CONTACT, false);
    dw = col_width(t, CT_DISPOSITION, false);
    if (cw + dw <= rest) {
        extra = rest - cw - dw;
        t->width[CT_DISPOSITION] = dw;
        t->width[CT_CONTACT] = cw + extra; /* the contact's heading is the shorter one */
        return;
    }
    /* the disposition keeps up to 14 columns; the contact takes what is left */
    t->width[CT_DISPOSITION] = dw < 14 ? dw : 14;
    if (t->width[CT_DISPOSITION] > rest / 2)
        t->width[CT_DISPOSITION] = rest / 2;
    t->width[CT_CONTACT] = rest - t->width[CT_DISPOSITION];
}

static char *line_of(const struct calltable *t, const char *const *cells)
{
    struct buf b;

    buf_init(&b, 64 * 1024);
    for (int c = 0; c < CT_COLS; c++) {
        char *cut = text_cut(cells[c], t->width[c]);
        int used = text_cols(cut);

        buf_printf(&b, "%s%s", c ? " " : "", cut);
        if (c < CT_COLS - 1)
            for (; used < t->width[c]; used++)
                buf_printf(&b, " ");
        free(cut);
    }
    return buf_steal(&b);
}

char *calltable_header(const struct calltable *t)
{
    return line_of(t, heads);
}

char *calltable_line(const struct calltable *t, size_t i)
{
    return line_of(t, (const char *const *)t->cells[i]);
}

void calltable_done(struct calltable *t)
{
    for (size_t i = 0; i < t->n; i++)
        for (int c = 0; c < CT_COLS; c++)
            free(t->cells[i][c]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

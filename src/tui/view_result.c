/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the response panel after the API accepted a call: what was created (id, start date,
 * contact, disposition, duration), all sanitised, and the offer of a fresh call. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "app/worklist.h"
#include "core/clock.h"
#include "core/sanitize.h"
#include "tui/tui.h"
#include "tui/view.h"
#include "core/util.h"

static void row(int y, int x, int w, const char *label, const char *value)
{
    char *clean = sanitize_line(value && *value ? value : "-");

    tui_put(y, x, 14, label, A_BOLD);
    tui_put(y, x + 14, w - 14, clean, A_NORMAL);
    free(clean);
}

/* A tri-state flag of the server's call: -1 when it did not say. */
static const char *yes_no(int flag)
{
    return flag < 0 ? "-" : flag ? "yes" : "no";
}

static void result_paint(struct view *v, const struct app *a)
{
    const struct call_record *r = &a->result;
    int w = COLS - 8 > 76 ? 76 : COLS - 8, h = 16;
    int x = (COLS - w) / 2, y = (LINES - 2 - h) / 2;
    int in_x = x + 2, in_w = w - 4;
    char dur[64], t[16];
    char *contact;

    if (y < 1)
        y = 1;
    tui_box(y, x, h, w, "Call logged");
    tui_put(y + 1, in_x, in_w,
            a->is_result_found ? "Amplemarket has the call (an earlier attempt reached it):"
                               : "Amplemarket accepted the call:",
            tui_attr(TUI_OK));
    row(y + 3, in_x, in_w, "ID", r->id);
    row(y + 4, in_x, in_w, "Start date", r->start_date);
    if (r->contact_name && r->contact_email)
        contact = xasprintf("%s <%s>", r->contact_name, r->contact_email);
    else
        contact = xstrdup(r->contact_name    ? r->contact_name
                          : r->contact_email ? r->contact_email
                                             : "-");
    row(y + 5, in_x, in_w, "Contact", contact);
    free(contact);
    row(y + 6, in_x, in_w, "Disposition",
        a->result_disposition ? a->result_disposition : r->disposition_id);
    if (r->duration >= 0)
        snprintf(dur, sizeof(dur), "%lld s (%s)", r->duration,
                 clock_format(r->duration, t, sizeof(t)));
    else
        snprintf(dur, sizeof(dur), "-");
    row(y + 7, in_x, in_w, "Duration", dur);
    row(y + 8, in_x, in_w, "Answered", yes_no(r->answered));
    row(y + 9, in_x, in_w, "Human", yes_no(r->human));
    {
        const struct task *next = worklist_next_task(a);
        char *line;

        if (next) {
            char *who = xasprintf("%s%s%.10s",
                                  next->contact_name    ? next->contact_name
                                  : next->contact_email ? next->contact_email
                                                        : "a task",
                                  next->due_on ? ", due " : "", next->due_on ? next->due_on : "");
            line = xasprintf("t: next task - %s", who);
            free(who);
        } else {
            line = xstrdup("t: next task - none left");
        }
        tui_put(y + 11, in_x, in_w, "Enter: log a new call (From and User are kept)", A_BOLD);
        tui_put(y + 12, in_x, in_w, line, next ? A_BOLD : A_NORMAL);
        tui_put(y + 13, in_x, in_w, "Esc: back to this call, read-only    ^Q: quit", A_NORMAL);
        free(line);
    }
    v->scr->cur_y = y + 11;
    v->scr->cur_x = in_x;
}

static struct app_req result_key(struct view *v, const struct app *a, const struct loop_key *k)
{
    (void)v;
    (void)a;
    if (k->is_code)
        return app_req_of(k->ch == KEY_ENTER ? REQ_NEW_CALL : REQ_NONE);
    if (k->is_meta)
        return app_req_of(REQ_NONE);
    switch (k->ch) {
    case '\r':
    case '\n':
    case 'n':
        return app_req_of(REQ_NEW_CALL);
    case 't':
        return app_req_of(REQ_NEXT_TASK);
    case 27: /* back to the call as logged (a->is_logged), never an editable copy */
        return app_req_of(REQ_CLOSE);
    case 'q':
        return app_req_of(REQ_QUIT);
    default:
        return app_req_of(REQ_NONE);
    }
}

const struct view_ops view_result_ops = {
    .name = "result",
    .paint = result_paint,
    .key = result_key,
};

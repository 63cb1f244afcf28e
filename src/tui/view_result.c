/* The response panel after the API accepted a call: what was created (id, start date,
 * contact, disposition, duration), all sanitised, and the offer of a fresh call. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "tui/tui.h"
#include "app/app.h"
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

void view_result_paint(struct app *a)
{
    const struct call_record *r = &a->result;
    int w = COLS - 8 > 76 ? 76 : COLS - 8, h = 15;
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
    tui_put(y + 11, in_x, in_w, "Enter: log a new call (From and User are kept)", A_BOLD);
    tui_put(y + 12, in_x, in_w, "Esc: back to this call, read-only    ^Q: quit", A_NORMAL);
    a->cur_y = y + 11;
    a->cur_x = in_x;
}

void view_result_key(struct app *a, const struct loop_key *k)
{
    if (k->is_code) {
        if (k->ch == KEY_ENTER)
            app_new_call(a);
        return;
    }
    if (k->is_meta)
        return;
    switch (k->ch) {
    case '\r':
    case '\n':
    case 'n':
        app_new_call(a);
        break;
    case 27: /* back to the call as logged (a->is_logged), never an editable copy */
        a->view = VIEW_FORM;
        app_focus(a, a->form.focus);
        app_dirty(a);
        break;
    case 'q':
        app_request_quit(a);
        break;
    default:
        break;
    }
}

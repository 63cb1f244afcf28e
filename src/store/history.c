/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: how a stored call reads: local and ISO times, its JSON document, the outbox
 * table and the detail block the form's history view shows. Everything
 * stored (the rep's text and the server's answers) is sanitised before it leaves here. */
#include "config.h"
#include "store/history.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/jsonx.h"
#include "core/sanitize.h"
#include "core/text.h"
#include "core/util.h"

/* ---- formatting helpers ---- */

char *history_local_time(long long ms)
{
    char out[32];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms <= 0)
        return xstrdup("-");
    localtime_r(&t, &tm);
    strftime(out, sizeof(out), "%Y-%m-%d %H:%M:%S", &tm);
    return xstrdup(out);
}

char *history_iso_time(long long ms)
{
    char out[32];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(out);
}

/* Print text sanitised, cut to at most cols columns (with "…"), padded to cols unless it is
 * the last column. */
static void cell_ex(FILE *out, const char *text, int cols, bool is_last)
{
    char *dirty = sanitize_line(text ? text : "");
    /* what the terminal's charset can show, still UTF-8: widths are measured on this */
    char *clean = charset_fit(dirty);
    char *cut = text_cut(clean, cols);
    int used = text_cols(cut);

    free(dirty);
    fputs(cut, out);
    for (; !is_last && used < cols; used++)
        fputc(' ', out);
    free(cut);
    free(clean);
}

static void cell(FILE *out, const char *text, int cols)
{
    cell_ex(out, text, cols, false);
}

/* The API's call object of a sent row, parsed; false when there is none. */
static bool row_record(const struct store_row *r, struct call_record *rec)
{
    call_record_init(rec);
    if (r->state != STORE_SENT || !r->response)
        return false;
    return call_record_parse(r->response, strlen(r->response), rec, NULL);
}

static json_object *json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *json_time_or_null(long long ms)
{
    char *t;
    json_object *o;

    if (ms <= 0)
        return NULL;
    t = history_iso_time(ms);
    o = json_object_new_string(t);
    free(t);
    return o;
}

/* Stored JSON text embedded as JSON when it parses, else as a string. */
static json_object *json_embed(const char *text)
{
    json_object *o;

    if (!text)
        return NULL;
    o = jsonx_parse(text, strlen(text));
    return o ? o : json_object_new_string(text);
}

const char *history_state_label(const struct store_row *r)
{
    return r->damage ? "damaged" : store_state_name(r->state);
}

json_object *history_row_json(const struct store_row *r, bool with_response)
{
    json_object *o = json_object_new_object();
    char *call_json = call_to_store_json(&r->call);

    json_object_object_add(o, "id", json_object_new_int64(r->id));
    json_object_object_add(o, "created_at", json_time_or_null(r->created_at));
    json_object_object_add(o, "state", json_object_new_string(history_state_label(r)));
    json_object_object_add(o, "damage", json_str_or_null(r->damage));
    if (r->state == STORE_REVIEW)
        json_object_object_add(o, "candidates", json_embed(r->candidates));
    json_object_object_add(o, "attempts", json_object_new_int(r->attempts));
    json_object_object_add(o, "last_error", json_str_or_null(r->last_error));
    json_object_object_add(o, "last_status",
                           r->last_status ? json_object_new_int64(r->last_status) : NULL);
    json_object_object_add(o, "next_attempt_at",
                           (r->state == STORE_PENDING || r->state == STORE_UNKNOWN)
                               ? json_time_or_null(r->next_attempt_at)
                               : NULL);
    json_object_object_add(o, "first_attempt_at", json_time_or_null(r->first_attempt_at));
    json_object_object_add(o, "last_attempt_at", json_time_or_null(r->last_attempt_at));
    json_object_object_add(o, "done_at", json_time_or_null(r->done_at));
    json_object_object_add(o, "remote_id", json_str_or_null(r->remote_id));
    json_object_object_add(o, "resolved_by", json_str_or_null(r->resolved_by));
    json_object_object_add(o, "api_base", json_str_or_null(r->api_base));
    json_object_object_add(o, "call", json_embed(call_json));
    if (with_response) {
        json_object_object_add(o, "response", json_embed(r->response));
        json_object_object_add(o, "errors", json_embed(r->errors_json));
    }
    free(call_json);
    return o;
}

void history_print_json(FILE *out, const struct store_rows *rows)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < rows->n; i++)
        json_object_array_add(a, history_row_json(&rows->v[i], true));
    fputs(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED),
          out);
    fputc('\n', out);
    json_object_put(a);
}

/* The server calls a review is between, one line each, with what differs from ours. */
static void print_candidates(FILE *out, const struct store_row *r)
{
    json_object *a = jsonx_parse(r->candidates ? r->candidates : "", r->candidates ? strlen(r->candidates) : 0);
    size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

    for (size_t i = 0; i < n; i++) {
        const char *text = json_object_to_json_string_ext(json_object_array_get_idx(a, i),
                                                          JSON_C_TO_STRING_PLAIN);
        struct call_record rec;
        char *id, *when, *missing;
        struct buf m;

        call_record_init(&rec);
        if (!call_record_parse(text, strlen(text), &rec, NULL)) {
            call_record_done(&rec);
            continue;
        }
        buf_init(&m, 1024);
        if (!rec.transcription && *call_get(&r->call, FIELD_TRANSCRIPTION))
            buf_printf(&m, " transcription");
        if (!rec.recording_url && *call_get(&r->call, FIELD_RECORDING_URL))
            buf_printf(&m, " recording_url");
        if (!rec.from)
            buf_printf(&m, " from");
        if (rec.answered < 0)
            buf_printf(&m, " answered");
        if (rec.human < 0)
            buf_printf(&m, " human");
        id = sanitize_line(rec.id);
        when = sanitize_line(rec.start_date ? rec.start_date : "?");
        missing = m.len ? sanitize_line(m.data) : NULL;
        fprintf(out, "      candidate %s started %s%s%s\n", id, when,
                missing ? "; the server does not report:" : "", missing ? missing : "");
        free(id);
        free(when);
        free(missing);
        buf_done(&m);
        call_record_done(&rec);
    }
    if (n)
        fprintf(out, "      settle with 'amplecall outbox resolve %lld --sent ID' or "
                     "'--resend'\n",
                r->id);
    json_object_put(a);
}

void history_print_outbox(FILE *out, const struct store_rows *rows)
{
    fprintf(out, "%-5s %-19s %-18s %-8s %-8s %-19s %s\n", "ID", "CREATED", "TO", "STATE",
            "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR");
    for (size_t i = 0; i < rows->n; i++) {
        const struct store_row *r = &rows->v[i];
        char *when = history_local_time(r->created_at);
        char *next = r->state == STORE_SENDING ? xstrdup("now (in progress)")
                                               : history_local_time(r->next_attempt_at);
        char id[24], attempts[16];

        snprintf(id, sizeof(id), "%lld", r->id);
        snprintf(attempts, sizeof(attempts), "%d", r->attempts);
        cell(out, id, 5);
        fputc(' ', out);
        cell(out, when, 19);
        fputc(' ', out);
        cell(out, call_get(&r->call, FIELD_TO), 18);
        fputc(' ', out);
        cell(out, history_state_label(r), 8);
        fputc(' ', out);
        cell(out, attempts, 8);
        fputc(' ', out);
        cell(out, next, 19);
        fputc(' ', out);
        cell_ex(out, r->damage ? r->damage : r->last_error ? r->last_error : "-", 60, true);
        fputc('\n', out);
        if (r->damage)
            fprintf(out, "      'amplecall outbox drop %lld' removes it\n", r->id);
        if (r->state == STORE_REVIEW && !r->damage)
            print_candidates(out, r);
        free(when);
        free(next);
    }
}

static void detail(FILE *out, const char *label, const char *value)
{
    char *clean;

    if (!value || !*value)
        return;
    clean = sanitize_line(value);
    fprintf(out, "  %-17s %s\n", label, clean);
    free(clean);
}

static void detail_time(FILE *out, const char *label, long long ms)
{
    char *t;

    if (ms <= 0)
        return;
    t = history_local_time(ms);
    detail(out, label, t);
    free(t);
}

/* Pretty JSON when it parses, else the raw text; sanitised, newlines kept. */
static void print_block(FILE *out, const char *title, const char *text)
{
    json_object *o;
    char *clean;

    if (!text || !*text)
        return;
    o = jsonx_parse(text, strlen(text));
    if (o) {
        const char *pretty =
            json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
        clean = sanitize_display(pretty, strlen(pretty), 1);
    } else {
        clean = sanitize_display(text, strlen(text), 1);
    }
    fprintf(out, "%s:\n%s\n", title, clean);
    free(clean);
    json_object_put(o);
}

void history_print_details(FILE *out, const struct store_row *r)
{
    char buf[64];
    struct call_record rec;
    bool has_rec = row_record(r, &rec);

    fprintf(out, "Call %lld: %s\n", r->id, store_state_name(r->state));
    detail_time(out, "Created", r->created_at);
    detail(out, "Remote id", r->remote_id);
    if (r->resolved_by && !strcmp(r->resolved_by, "lookup"))
        detail(out, "Confirmed by", "GET /calls (an earlier attempt had reached the server)");
    snprintf(buf, sizeof(buf), "%d", r->attempts);
    detail(out, "Attempts", buf);
    detail_time(out, "First attempt", r->first_attempt_at);
    detail_time(out, "Last attempt", r->last_attempt_at);
    if (r->state == STORE_PENDING || r->state == STORE_UNKNOWN)
        detail_time(out, "Next attempt", r->next_attempt_at);
    detail_time(out, "Done", r->done_at);
    if (r->last_status) {
        snprintf(buf, sizeof(buf), "%ld", r->last_status);
        detail(out, "Last HTTP status", buf);
    }
    detail(out, "Last error", r->last_error);
    detail(out, "API", r->api_base);
    if (has_rec) {
        detail(out, "Contact", rec.contact_name);
        detail(out, "Contact email", rec.contact_email);
        detail(out, "Start date", rec.start_date);
    }
    fputs("Call as entered:\n", out);
    for (int f = 0; f < FIELD_COUNT; f++)
        if (f != FIELD_TRANSCRIPTION)
            detail(out, field_label((enum field_id)f), call_get(&r->call, (enum field_id)f));
    if (*call_get(&r->call, FIELD_TRANSCRIPTION)) {
        char *t = sanitize_display(call_get(&r->call, FIELD_TRANSCRIPTION),
                                   strlen(call_get(&r->call, FIELD_TRANSCRIPTION)), 1);
        fprintf(out, "  %-17s\n%s\n", field_label(FIELD_TRANSCRIPTION), t);
        free(t);
    }
    print_block(out, "API response", r->response);
    call_record_done(&rec);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: `amplecall outbox [list|flush|drop ID|resolve ID --sent REMOTE_ID|--resend] [--json]
 * [--yes]`: show the calls waiting to be sent, send them now, discard one after confirmation, or
 * settle one in review by hand. Sending goes through outbox.c, so a flush
 * never sends a call that another process holds or that already reached the server. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/api.h"
#include "cli/out.h"
#include "cli/commands.h"
#include "net/connect.h"
#include "store/history.h"
#include "store/outbox.h"
#include "core/sanitize.h"
#include "conf/settings.h"
#include "core/util.h"
#include "core/validate.h"

struct outbox_cli {
    const char *action; /* "list", "flush", "drop", "resolve" */
    long long id;
    const char *sent_id; /* resolve --sent */
    bool is_resend;      /* resolve --resend */
    bool is_json;
    bool is_yes;
    struct settings_flags flags;
};

static void outbox_usage(FILE *out)
{
    fputs("Usage: amplecall outbox [list] [--json]\n"
          "       amplecall outbox flush [--json]\n"
          "       amplecall outbox drop ID [--yes]\n"
          "       amplecall outbox resolve ID --sent REMOTE_ID | --resend\n"
          "\n"
          "Calls that are stored but not yet confirmed by the API: pending (waiting for a\n"
          "retry), sending (an attempt in progress), unknown (an attempt may have reached\n"
          "the server; it is looked up before any resend), review (the server holds calls\n"
          "that could be this one and no rule can tell which) and damaged (cannot be read\n"
          "back; set aside). See doc/outbox.md.\n"
          "\n"
          "  list        show them with state, attempts, next attempt, last error, and the\n"
          "              server calls a review is between (default)\n"
          "  flush       try to send them now (waits out a short Retry-After and the settle\n"
          "              wait of a call whose earlier attempt may have arrived)\n"
          "  drop ID     discard one; asks for confirmation on a terminal\n"
          "  resolve ID --sent REMOTE_ID   the call is that server call: record it as sent\n"
          "  resolve ID --resend           the call is not on the server: send it again\n"
          "  --json      print JSON\n"
          "  --yes       drop without asking (for scripts)\n"
          "\n" SETTINGS_FLAGS_HELP
          "Environment: AMPLECALL_OUTBOX_RATE (requests a minute for the whole machine,\n"
          "default and at most 450), AMPLECALL_OUTBOX_SETTLE_MS (wait before looking up a\n"
          "call whose attempt may have arrived; default two request timeouts, at least one).\n"
          "\n"
          "Exit status of flush: 0 nothing left, 75 calls still pending, unknown or in review,\n"
          "65 a call was rejected, 77 API key rejected.\n",
          out);
}

/* 0 parsed, -1 help shown, else an exit code. */
static int parse(int argc, char **argv, struct outbox_cli *o)
{
    char *err = NULL;
    bool has_action = false;

    o->action = "list";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int taken = settings_take_flag(argc, argv, &i, &o->flags, &err);

        if (taken < 0) {
            sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
            free(err);
            return EXIT_USAGE;
        }
        if (taken > 0)
            continue;
        if (!strcmp(a, "--json")) {
            o->is_json = true;
        } else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) {
            o->is_yes = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            outbox_usage(stdout);
            return -1;
        } else if (a[0] == '-') {
            sanitize_fprintf(stderr, "amplecall outbox: unknown option '%s'\n", a);
            sanitize_fprintf(stderr, "Try 'amplecall outbox --help'.\n");
            return EXIT_USAGE;
        } else if (!strcmp(a, "--sent") && i + 1 < argc) {
            o->sent_id = argv[++i];
        } else if (!strcmp(a, "--resend")) {
            o->is_resend = true;
        } else if (!has_action && (!strcmp(a, "list") || !strcmp(a, "flush") ||
                                   !strcmp(a, "drop") || !strcmp(a, "resolve"))) {
            o->action = a;
            has_action = true;
        } else if ((!strcmp(o->action, "drop") || !strcmp(o->action, "resolve")) && !o->id) {
            if (!str_to_nonneg(a, 1LL << 62, &o->id) || o->id == 0) {
                sanitize_fprintf(stderr, "amplecall outbox: '%s' is not a call ID\n", a);
                return EXIT_USAGE;
            }
        } else {
            sanitize_fprintf(stderr, "amplecall outbox: unexpected argument '%s'\n", a);
            return EXIT_USAGE;
        }
    }
    if ((!strcmp(o->action, "drop") || !strcmp(o->action, "resolve")) && !o->id) {
        sanitize_fprintf(stderr, "amplecall outbox: %s needs the ID of a call (see 'amplecall outbox')\n",
                o->action);
        return EXIT_USAGE;
    }
    if (!strcmp(o->action, "resolve") && !o->sent_id == !o->is_resend) {
        sanitize_fprintf(stderr, "amplecall outbox: resolve needs one of --sent REMOTE_ID or --resend\n");
        return EXIT_USAGE;
    }
    if (strcmp(o->action, "resolve") != 0 && (o->sent_id || o->is_resend)) {
        sanitize_fprintf(stderr, "amplecall outbox: --sent and --resend go with resolve\n");
        return EXIT_USAGE;
    }
    if (o->sent_id && !validate_uuid(o->sent_id)) {
        char *clean = sanitize_line(o->sent_id);
        sanitize_fprintf(stderr, "amplecall outbox: '%s' is not a call id (a UUID)\n", clean);
        free(clean);
        return EXIT_USAGE;
    }
    return 0;
}

static int do_list(struct store *s, const struct outbox_cli *o)
{
    struct store_rows rows;
    char *err = NULL;

    /* a row whose sender died shows as unknown rather than forever "sending" */
    if (!store_reap_stale(s, store_now_ms(), NULL, &err) ||
        !store_list(s, true, 0, &rows, &err)) {
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        free(err);
        return EXIT_INTERNAL;
    }
    if (o->is_json)
        history_print_json(out_raw(stdout), &rows); /* JSON stays UTF-8 */
    else if (rows.n == 0)
        puts("The outbox is empty: every call has been sent or rejected.");
    else
        history_print_outbox(stdout, &rows);
    store_rows_done(&rows);
    return EXIT_LOGGED;
}

/* y/yes on the terminal; anything else (or EOF) is no. */
static bool confirm(const char *question)
{
    char line[64];

    sanitize_fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    if (!fgets(line, sizeof(line), stdin))
        return false;
    return !strcasecmp(line, "y\n") || !strcasecmp(line, "yes\n");
}

static int do_drop(struct store *s, const struct outbox_cli *o)
{
    struct store_row r;
    char *err = NULL, *to = NULL, *question = NULL;
    int rc = EXIT_LOGGED, found;

    store_row_init(&r);
    found = store_get(s, o->id, &r, &err);
    if (found <= 0) {
        if (found == 0)
            sanitize_fprintf(stderr, "amplecall outbox: there is no call %lld\n", o->id);
        else
            sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        rc = found == 0 ? EXIT_INVALID : EXIT_INTERNAL;
        goto out;
    }
    if (r.state == STORE_SENT && !r.damage) {
        sanitize_fprintf(stderr, "amplecall outbox: call %lld was sent already; it stays in the history\n",
                o->id);
        rc = EXIT_INVALID;
        goto out;
    }
    if (!o->is_yes) {
        if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
            sanitize_fprintf(stderr, "amplecall outbox: not dropping call %lld without confirmation; "
                            "add --yes\n",
                    o->id);
            rc = EXIT_USAGE;
            goto out;
        }
        to = sanitize_line(call_get(&r.call, FIELD_TO));
        question = xasprintf("Drop call %lld to %s (%s, %d attempt%s)?%s", o->id, to,
                             store_state_name(r.state), r.attempts, r.attempts == 1 ? "" : "s",
                             r.state == STORE_UNKNOWN
                                 ? " An earlier attempt may have reached the server."
                                 : " It will never be sent.");
        if (!confirm(question)) {
            sanitize_fprintf(stderr, "Kept call %lld.\n", o->id);
            goto out;
        }
    }
    found = store_drop(s, o->id, store_now_ms(), &err);
    if (found < 0) {
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        rc = EXIT_INVALID;
    } else if (found == 0) {
        sanitize_fprintf(stderr, "amplecall outbox: there is no call %lld\n", o->id);
        rc = EXIT_INVALID;
    } else if (o->is_json) {
        printf("{\"dropped\": %lld}\n", o->id);
    } else {
        printf("Dropped call %lld.\n", o->id);
    }
out:
    free(err);
    free(to);
    free(question);
    store_row_done(&r);
    return rc;
}

static int do_resolve(struct store *s, const struct outbox_cli *o)
{
    char *err = NULL;

    if (store_resolve(s, o->id, o->sent_id, store_now_ms(), &err) < 0) {
        char *clean = sanitize_line(err);
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", clean);
        free(clean);
        free(err);
        return EXIT_INVALID;
    }
    if (o->is_json)
        printf("{\"resolved\": %lld, \"as\": \"%s\"}\n", o->id, o->sent_id ? "sent" : "pending");
    else if (o->sent_id)
        printf("Call %lld is recorded as sent (server call %s).\n", o->id, o->sent_id);
    else
        printf("Call %lld will be sent again ('amplecall outbox flush' sends it now).\n", o->id);
    return EXIT_LOGGED;
}

/* One line, each count said once and only when it is not zero: "3 calls sent from the
 * outbox; 1 still pending." */
static void print_flush_summary(const struct outbox_flush_stats *st)
{
    const char *sep = "";

#define PART(n, ...)                                                                           \
    do {                                                                                       \
        if ((n) > 0) {                                                                         \
            printf("%s", sep);                                                                 \
            printf(__VA_ARGS__);                                                               \
            sep = "; ";                                                                        \
        }                                                                                      \
    } while (0)
    PART(st->sent, "%d call%s sent from the outbox", st->sent, st->sent == 1 ? "" : "s");
    PART(st->found, "%d found on the server already (not sent twice)", st->found);
    PART(st->rejected, "%d rejected", st->rejected);
    PART(st->pending, "%d still pending", st->pending);
    PART(st->leased, "%d being sent by another amplecall", st->leased);
    PART(st->review, "%d to be reviewed ('amplecall outbox' shows %s)", st->review,
         st->review == 1 ? "it" : "them");
    PART(st->damaged, "%d damaged and set aside", st->damaged);
#undef PART
    printf("%s.\n", *sep ? "" : "Nothing to send: the outbox is empty");
}

static int do_flush(struct store *s, const struct outbox_cli *o)
{
    struct settings set;
    struct api *api = NULL;
    struct outbox *ob = NULL;
    struct outbox_options oopt = {0};
    struct outbox_flush_stats st;
    char *err = NULL;
    int rc;

    memset(&st, 0, sizeof(st));
    settings_init(&set);
    if (!settings_load(&set, &o->flags, &err)) {
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    api = connect_api(&set, &err);
    if (!api) {
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    /* a lookup and a POST may both run under one lease */
    oopt.lease_ms = 2LL * set.timeout_ms + 60000;
    outbox_options_from_env(&oopt);
    ob = outbox_new(s, api, &oopt);
    if (!outbox_flush(ob, &st, &err)) {
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        rc = EXIT_INTERNAL;
        goto out;
    }
    rc = st.is_auth_failed ? EXIT_AUTH
         : st.pending > 0 || st.review > 0 ? EXIT_TEMPFAIL
         : st.rejected > 0 ? EXIT_INVALID
                           : EXIT_LOGGED;
    if (o->is_json) {
        char *e = st.last_error ? sanitize_line(st.last_error) : NULL;
        json_object *j = json_object_new_object();
        json_object_object_add(j, "sent", json_object_new_int(st.sent));
        json_object_object_add(j, "found", json_object_new_int(st.found));
        json_object_object_add(j, "rejected", json_object_new_int(st.rejected));
        json_object_object_add(j, "pending", json_object_new_int(st.pending));
        json_object_object_add(j, "in_progress_elsewhere", json_object_new_int(st.leased));
        json_object_object_add(j, "review", json_object_new_int(st.review));
        json_object_object_add(j, "damaged", json_object_new_int(st.damaged));
        json_object_object_add(j, "error", e ? json_object_new_string(e) : NULL);
        fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN), out_raw(stdout));
        fputc('\n', out_raw(stdout));
        json_object_put(j);
        free(e);
    } else {
        print_flush_summary(&st);
        if (st.last_error) {
            char *e = sanitize_line(st.last_error);
            sanitize_fprintf(stderr, "amplecall outbox: stopped: %s\n", e);
            free(e);
        }
        if (st.rejected)
            sanitize_fprintf(stderr, "amplecall outbox: see 'amplecall history' for the rejected "
                            "call%s and the API's errors\n",
                    st.rejected == 1 ? "" : "s");
    }
out:
    outbox_flush_stats_done(&st);
    outbox_free(ob); /* before api_free: it may cancel an attempt of ours */
    api_free(api);
    free(err);
    settings_done(&set);
    return rc;
}

int cmd_outbox(int argc, char **argv)
{
    struct outbox_cli o;
    struct store *s;
    char *err = NULL;
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? EXIT_LOGGED : rc;
    s = store_open(NULL, &err);
    if (!s) {
        sanitize_fprintf(stderr, "amplecall outbox: %s\n", err);
        free(err);
        return EXIT_CONFIG;
    }
    if (!strcmp(o.action, "flush"))
        rc = do_flush(s, &o);
    else if (!strcmp(o.action, "drop"))
        rc = do_drop(s, &o);
    else if (!strcmp(o.action, "resolve"))
        rc = do_resolve(s, &o);
    else
        rc = do_list(s, &o);
    store_close(s);
    return rc;
}

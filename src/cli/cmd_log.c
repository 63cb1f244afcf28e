/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: `amplecall log`: log one call from the command line. Validates before any request,
 * makes exactly one POST /calls when every id is a UUID, waits out short 429s, and reports the
 * outcome honestly through sysexits codes. Never reads stdin unless asked to. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/api.h"
#include "core/buf.h"
#include "cli/commands.h"
#include "net/connect.h"
#include "cli/lineprompt.h"
#include "store/outbox.h"
#include "cli/cmdutil.h"
#include "cli/resolve.h"
#include "core/charset.h"
#include "core/sanitize.h"
#include "conf/settings.h"
#include "cli/exitmap.h"
#include "core/util.h"
#include "core/validate.h"

#define MAX_TRANSCRIPTION (1024 * 1024)
#define MAX_RATE_RETRIES 5

struct log_opts {
    struct call call;
    const char *transcription_file;
    bool is_json;
    bool is_prompt; /* --prompt: ask for the fields on plain lines (lineprompt.c) */
    bool is_no_outbox; /* --no-outbox: send without a local record, at the user's word */
    long max_wait_s;
    struct settings_flags flags;
};

static void log_usage(FILE *out)
{
    fputs("Usage: amplecall log --from NUM --to NUM --duration SECS --answered yes|no\n"
          "                     --human yes|no --task UUID|NAME --user UUID|EMAIL\n"
          "                     [--disposition UUID|NAME] [--transcription TEXT | --transcription-file F]\n"
          "                     [--recording-url URL] [--json] [--max-wait SECS] [--timeout SECS]\n"
          "                     [--no-outbox]\n"
          "\n"
          "Log one call to POST /calls.\n"
          "\n"
          "  --from NUM              number that placed the call (e.g. \"+1 415 555 0100\")\n"
          "  --to NUM                number that was called\n"
          "  --duration SECS         length of the call in whole seconds\n"
          "  --answered yes|no       was the call picked up\n"
          "  --human yes|no          did a person answer (no = machine/voicemail)\n"
          "  --task UUID|NAME        the phone-call task this call belongs to (a contact name,\n"
          "                          email or unique prefix is looked up in your tasks)\n"
          "  --user UUID|EMAIL       the Amplemarket user who called (default $AMPLECALL_USER)\n"
          "  --disposition UUID|NAME outcome, by id or (unique prefix of its) name; a\n"
          "                          \"complete\" disposition completes the task\n"
          "  --transcription TEXT    text of the call\n"
          "  --transcription-file F  read the transcription from F (\"-\" for stdin)\n"
          "  --recording-url URL     https:// link to a recording\n"
          "  --json                  print the API's response body as is\n"
          "  --prompt                ask for each field on plain lines (Tab completes names),\n"
          "                          then review; for screen readers and dumb terminals\n"
          "  --max-wait SECS         longest Retry-After to wait out on HTTP 429 (default 10)\n"
          "  --timeout SECS          give up on a request after SECS (default 30)\n"
          "  --no-outbox             send even when the call cannot be stored first (no retry,\n"
          "                          no look-up: an unknown outcome is then yours to check)\n"
          "  --profile NAME          use [profile NAME] of the config file\n"
          "  --config FILE           read FILE instead of ~/.config/amplecall/config\n"
          "  --base-url URL          API base URL (env AMPLECALL_BASE_URL)\n"
          "\n"
          "Exit status: 0 logged, 1 not sent (--prompt, cancelled), 64 usage, 65 invalid call,\n"
          "73 not sent: the call could not be stored first, 75 kept in the outbox (temporary\n"
          "failure, unknown outcome or needs review), 77 API key rejected (kept), 78\n"
          "configuration problem, 70 internal error.\n",
          out);
}

/* Returns 0 when parsed, else an exit code (after printing the problem). */
static int parse_args(int argc, char **argv, struct log_opts *o)
{
    enum { O_FROM = 256, O_TO, O_DURATION, O_ANSWERED, O_HUMAN, O_TASK, O_USER, O_DISPOSITION,
           O_TRANSCRIPTION, O_TRANSCRIPTION_FILE, O_RECORDING_URL, O_JSON, O_MAX_WAIT,
           O_TIMEOUT, O_PROFILE, O_HELP, O_PROMPT, O_CONFIG, O_BASE_URL, O_NO_OUTBOX };
    static const struct option longopts[] = {
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"duration", required_argument, NULL, O_DURATION},
        {"answered", required_argument, NULL, O_ANSWERED},
        {"human", required_argument, NULL, O_HUMAN},
        {"task", required_argument, NULL, O_TASK},
        {"user", required_argument, NULL, O_USER},
        {"disposition", required_argument, NULL, O_DISPOSITION},
        {"transcription", required_argument, NULL, O_TRANSCRIPTION},
        {"transcription-file", required_argument, NULL, O_TRANSCRIPTION_FILE},
        {"recording-url", required_argument, NULL, O_RECORDING_URL},
        {"json", no_argument, NULL, O_JSON},
        {"max-wait", required_argument, NULL, O_MAX_WAIT},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"profile", required_argument, NULL, O_PROFILE},
        {"help", no_argument, NULL, O_HELP},
        {"prompt", no_argument, NULL, O_PROMPT},
        {"config", required_argument, NULL, O_CONFIG},
        {"base-url", required_argument, NULL, O_BASE_URL},
        {"no-outbox", no_argument, NULL, O_NO_OUTBOX},
        {NULL, 0, NULL, 0},
    };
    static const enum field_id field_of[] = {
        [O_FROM - O_FROM] = FIELD_FROM,
        [O_TO - O_FROM] = FIELD_TO,
        [O_DURATION - O_FROM] = FIELD_DURATION,
        [O_ANSWERED - O_FROM] = FIELD_ANSWERED,
        [O_HUMAN - O_FROM] = FIELD_HUMAN,
        [O_TASK - O_FROM] = FIELD_TASK,
        [O_USER - O_FROM] = FIELD_USER,
        [O_DISPOSITION - O_FROM] = FIELD_DISPOSITION,
        [O_TRANSCRIPTION - O_FROM] = FIELD_TRANSCRIPTION,
        [O_TRANSCRIPTION_FILE - O_FROM] = FIELD_NONE,
        [O_RECORDING_URL - O_FROM] = FIELD_RECORDING_URL,
    };
    long long n;
    int c;

    o->max_wait_s = 10;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_FROM:
        case O_TO:
        case O_DURATION:
        case O_ANSWERED:
        case O_HUMAN:
        case O_TASK:
        case O_USER:
        case O_DISPOSITION:
        case O_TRANSCRIPTION:
        case O_RECORDING_URL: {
            /* typed in the terminal's charset; the call is UTF-8 */
            char *v = charset_from_input(optarg);
            call_set(&o->call, field_of[c - O_FROM], v);
            free(v);
            break;
        }
        case O_TRANSCRIPTION_FILE:
            o->transcription_file = optarg;
            break;
        case O_JSON:
            o->is_json = true;
            break;
        case O_MAX_WAIT:
            if (!str_to_nonneg(optarg, 3600, &n)) {
                sanitize_fprintf(stderr, "amplecall log: --max-wait must be 0-3600 seconds\n");
                return EXIT_USAGE;
            }
            o->max_wait_s = (long)n;
            break;
        case O_TIMEOUT:
            if (!str_to_nonneg(optarg, 3600, &n) || n == 0) {
                sanitize_fprintf(stderr, "amplecall log: --timeout must be 1-3600 seconds\n");
                return EXIT_USAGE;
            }
            o->flags.timeout_s = (long)n;
            break;
        case O_PROMPT:
            o->is_prompt = true;
            break;
        case O_NO_OUTBOX:
            o->is_no_outbox = true;
            break;
        case O_CONFIG:
            o->flags.config_path = optarg;
            break;
        case O_BASE_URL:
            o->flags.base_url = optarg;
            break;
        case O_PROFILE:
            o->flags.profile = optarg;
            break;
        case 'h':
        case O_HELP:
            log_usage(stdout);
            return -1;
        case ':':
            sanitize_fprintf(stderr, "amplecall log: %s needs a value\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            sanitize_fprintf(stderr, "amplecall log: unknown option '%s'\n", argv[optind - 1]);
            sanitize_fprintf(stderr, "Try 'amplecall log --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        sanitize_fprintf(stderr, "amplecall log: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (o->transcription_file && o->call.text[FIELD_TRANSCRIPTION]) {
        sanitize_fprintf(stderr, "amplecall log: give --transcription or --transcription-file, not both\n");
        return EXIT_USAGE;
    }
    return 0;
}

static void print_field_errors(const struct field_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        sanitize_fprintf(stderr, "amplecall log: %s (--%s): %s\n", field_label(errs->v[i].field),
                field_json_name(errs->v[i].field), errs->v[i].message);
}

/* The user may be given as an email: resolve_user_st takes only the user whose email
 * equals it. */
static int lookup_user(struct api *api, struct call *c)
{
    const char *u = call_get(c, FIELD_USER);
    char *uuid = NULL, *err = NULL;
    enum resolve_status st;

    if (!strchr(u, '@'))
        return 0;
    st = resolve_user_st(api, u, &uuid, &err);
    if (st != RESOLVE_FOUND) {
        sanitize_fprintf(stderr, "amplecall log: --user: %s\n", err);
        free(err);
        return resolve_exit_code(st);
    }
    call_set(c, FIELD_USER, uuid);
    free(uuid);
    return 0;
}

/* --task and --disposition may be names: resolve them (no request when they are UUIDs). */
static int resolve_names(struct api *api, struct call *c)
{
    char *uuid = NULL, *err = NULL;
    enum resolve_status st;

    if (*call_get(c, FIELD_DISPOSITION)) {
        st = resolve_disposition_st(api, call_get(c, FIELD_DISPOSITION), &uuid, &err);
        if (st != RESOLVE_FOUND) {
            sanitize_fprintf(stderr, "amplecall log: --disposition: %s\n", err);
            free(err);
            return resolve_exit_code(st);
        }
        call_set(c, FIELD_DISPOSITION, uuid);
        free(uuid);
    }
    st = resolve_task_st(api, call_get(c, FIELD_USER), call_get(c, FIELD_TASK), &uuid, &err);
    if (st != RESOLVE_FOUND) {
        sanitize_fprintf(stderr, "amplecall log: --task: %s\n", err);
        free(err);
        return resolve_exit_code(st);
    }
    call_set(c, FIELD_TASK, uuid);
    free(uuid);
    return 0;
}

static void print_summary(const struct call_record *rec)
{
    char *id = sanitize_line(rec->id);
    char *to = sanitize_line(rec->to);
    char *start = sanitize_line(rec->start_date);
    char *contact = sanitize_line(rec->contact_name ? rec->contact_name : rec->contact_email);

    printf("Logged call %s\n", id);
    printf("  to        %s%s%s%s\n", to, *contact ? " (" : "", contact, *contact ? ")" : "");
    if (rec->duration >= 0)
        printf("  duration  %lld s, %s, %s\n", rec->duration,
               rec->answered == 1 ? "answered" : "not answered",
               rec->human == 1 ? "human" : "machine");
    if (*start)
        printf("  started   %s\n", start);
    free(id);
    free(to);
    free(start);
    free(contact);
}

static void print_rejection(const struct api_result *res)
{
    if (res->errors.n == 0) {
        sanitize_fprintf(stderr, "amplecall log: %s\n", res->message);
        return;
    }
    sanitize_fprintf(stderr, "amplecall log: the API rejected the call (HTTP %ld):\n", res->status);
    for (size_t i = 0; i < res->errors.n; i++) {
        const struct api_error *e = &res->errors.v[i];
        char *m = apierr_message(e);
        char *msg = sanitize_line(m);
        char *where = sanitize_line(e->field != FIELD_NONE ? field_json_name(e->field)
                                    : e->pointer                ? e->pointer
                                    : e->parameter              ? e->parameter
                                                                : e->header);
        if (*where)
            sanitize_fprintf(stderr, "  %s: %s\n", where, msg);
        else
            sanitize_fprintf(stderr, "  %s\n", msg);
        free(m);
        free(msg);
        free(where);
    }
}

static void sleep_seconds(long s)
{
    struct timespec ts = {s, 0};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* --no-outbox: one POST, nothing stored; the verdict alone tells what happened. */
static enum outbox_status send_unstored(struct api *api, const struct log_opts *o,
                                        struct api_result *res, struct call_record *rec)
{
    bool has_call = api_post_call(api, &o->call, res, rec) && rec->id;

    switch (outbox_verdict(res, has_call)) {
    case STORE_SENT:
        return OUTBOX_SENT;
    case STORE_REJECTED:
        return OUTBOX_REJECTED;
    case STORE_PENDING:
        return OUTBOX_PENDING;
    default:
        res->is_unknown = true;
        return OUTBOX_UNKNOWN;
    }
}

static void report(enum outbox_status st, const struct api_result *res, long long id,
                   const struct log_opts *o)
{
    const char *msg = res->message ? res->message : outbox_status_name(st);

    if (st == OUTBOX_UNKNOWN)
        sanitize_fprintf(stderr, "amplecall log: outcome unknown: %s\n", msg);
    else if (st == OUTBOX_PENDING && res->outcome == HTTP_OUT_RATE_LIMITED)
        sanitize_fprintf(stderr, "amplecall log: %s; not waiting longer than %ld s (--max-wait)\n", msg,
                o->max_wait_s);
    else
        sanitize_fprintf(stderr, "amplecall log: %s\n", msg);
    if (!id) {
        if (st == OUTBOX_UNKNOWN)
            sanitize_fprintf(stderr, "amplecall log: the call was not stored (--no-outbox): check with "
                            "'amplecall calls' before logging it again\n");
        else
            sanitize_fprintf(stderr, "amplecall log: the call was not stored (--no-outbox) and not "
                            "logged\n");
        return;
    }
    switch (st) {
    case OUTBOX_UNKNOWN:
        sanitize_fprintf(stderr, "amplecall log: kept as call %lld in the outbox; it is looked up on "
                        "the server before it is ever sent again ('amplecall outbox flush')\n",
                id);
        break;
    case OUTBOX_REVIEW:
        sanitize_fprintf(stderr, "amplecall log: kept as call %lld, to be reviewed: 'amplecall outbox' "
                        "shows the calls in question, 'amplecall outbox resolve %lld' settles "
                        "it\n",
                id, id);
        break;
    case OUTBOX_PENDING:
        if (res->outcome == HTTP_OUT_AUTH)
            sanitize_fprintf(stderr, "amplecall log: the call is stored as pending (outbox call %lld); "
                            "fix the key, then run 'amplecall outbox flush'\n",
                    id);
        else
            sanitize_fprintf(stderr, "amplecall log: the call is stored as pending (outbox call %lld); "
                            "'amplecall outbox flush' sends it\n",
                    id);
        break;
    default:
        sanitize_fprintf(stderr, "amplecall log: the call is kept as outbox call %lld\n", id);
        break;
    }
}

/* Store the call, POST it, record the outcome; wait out 429s whose Retry-After fits in
 * max_wait. Nothing is sent that could not be stored first, unless --no-outbox. */
static int submit(struct api *api, const struct log_opts *o, long timeout_ms)
{
    struct api_result res;
    struct call_record rec;
    struct outbox_options oopt = {0};
    struct outbox *ob = NULL;
    struct store *store = NULL;
    enum outbox_status st = OUTBOX_ERROR;
    long long id = 0;
    long waited = 0;
    char *err = NULL;
    int rc;

    call_record_init(&rec);
    api_result_init(&res);
    if (!o->is_no_outbox) {
        store = store_open(NULL, &err);
        if (!store) {
            sanitize_fprintf(stderr, "amplecall log: cannot store the call before sending it (%s); it "
                            "was not sent. Free the state directory, or use --no-outbox to "
                            "send it unrecorded.\n",
                    err);
            free(err);
            return EXIT_CANTCREAT;
        }
        /* the lease must outlast a lookup plus a POST */
        oopt.lease_ms = 2LL * timeout_ms + 60000;
        outbox_options_from_env(&oopt);
        ob = outbox_new(store, api, &oopt);
    }
    for (int n = 0;; n++) {
        if (!ob)
            st = send_unstored(api, o, &res, &rec);
        else if (id)
            st = outbox_retry(ob, id, &res, &rec, &err);
        else
            st = outbox_submit(ob, &o->call, NULL, &res, &rec, &id, &err);
        if (st == OUTBOX_ERROR) {
            sanitize_fprintf(stderr, "amplecall log: %s%s\n", err,
                    id ? "" : "; the call was not stored and not sent. Use --no-outbox to "
                              "send it unrecorded.");
            free(err);
            err = NULL;
            break;
        }
        if (!ob || st != OUTBOX_PENDING || res.outcome != HTTP_OUT_RATE_LIMITED ||
            res.retry_after < 0 || waited + res.retry_after > o->max_wait_s ||
            n >= MAX_RATE_RETRIES)
            break;
        sanitize_fprintf(stderr, "amplecall log: rate limited; retrying in %ld s\n", res.retry_after);
        waited += res.retry_after;
        sleep_seconds(res.retry_after);
    }
    rc = st == OUTBOX_ERROR ? (id ? EXIT_TEMPFAIL : EXIT_CANTCREAT) : exit_for_outbox(st, &res);
    if (o->is_json && res.body_len > 0 && (rc == EXIT_LOGGED || rc == EXIT_INVALID)) {
        fwrite(res.body, 1, res.body_len, stdout);
        if (res.body[res.body_len - 1] != '\n')
            fputc('\n', stdout);
    }
    if (rc == EXIT_LOGGED) {
        if (!o->is_json)
            print_summary(&rec);
    } else if (rc == EXIT_INVALID) {
        print_rejection(&res);
    } else if (st != OUTBOX_ERROR) {
        report(st, &res, id, o);
    }
    outbox_free(ob);
    store_close(store);
    call_record_done(&rec);
    api_result_done(&res);
    return rc;
}

int cmd_log(int argc, char **argv)
{
    struct log_opts o;
    struct settings s;
    struct field_errors errs;
    struct api *api = NULL;
    char *err = NULL;
    int rc;

    memset(&o, 0, sizeof(o));
    call_init(&o.call);
    settings_init(&s);
    field_errors_init(&errs);

    rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        rc = rc < 0 ? 0 : rc;
        goto out;
    }
    if (!settings_load(&s, &o.flags, &err)) {
        sanitize_fprintf(stderr, "amplecall log: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    if (!o.call.text[FIELD_USER] && s.user)
        call_set(&o.call, FIELD_USER, s.user);
    if (o.transcription_file) {
        size_t len;
        char *text = buf_read_file(o.transcription_file, MAX_TRANSCRIPTION, &len, &err);
        const char *nul;
        if (!text) {
            sanitize_fprintf(stderr, "amplecall log: %s\n", err);
            rc = EXIT_USAGE;
            goto out;
        }
        /* the call holds C strings: a NUL would silently cut the transcription short */
        nul = memchr(text, '\0', len);
        if (nul) {
            char *name = strcmp(o.transcription_file, "-") ? sanitize_line(o.transcription_file)
                                                           : xstrdup("standard input");
            fprintf(stderr,
                    "amplecall log: %s: a NUL byte at offset %zu; a transcription must be "
                    "text\n",
                    name, (size_t)(nul - text));
            free(name);
            free(text);
            rc = EXIT_INVALID;
            goto out;
        }
        call_set(&o.call, FIELD_TRANSCRIPTION, text);
        free(text);
    }
    /* an email for the user and names for the task and disposition are checked after
     * resolution, everything else now (line mode checks each field as it is typed) */
    if (!o.is_prompt) {
        struct call probe;
        static const enum field_id by_name[] = {FIELD_USER, FIELD_TASK, FIELD_DISPOSITION};
        call_init(&probe);
        call_copy(&probe, &o.call);
        for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++) {
            const char *v = call_get(&probe, by_name[i]);
            /* a name in bad UTF-8 stays, so that validate_call names it */
            if (*v && !validate_uuid(v) && validate_utf8(v, strlen(v), NULL) &&
                (by_name[i] != FIELD_USER || strchr(v, '@')))
                call_set(&probe, by_name[i], "00000000-0000-0000-0000-000000000000");
        }
        validate_call(&probe, &errs);
        call_done(&probe);
    }
    if (errs.n > 0) {
        print_field_errors(&errs);
        rc = EXIT_INVALID;
        goto out;
    }
    api = connect_api(&s, &err);
    if (!api) {
        sanitize_fprintf(stderr, "amplecall log: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    cmd_report_progress(api, "log");
    if (o.is_prompt) {
        /* flags and settings become the defaults the prompts offer */
        enum lineprompt_result lr = lineprompt_fill(api, &s, &o.call, &rc);
        if (lr == LINEPROMPT_CANCEL)
            rc = EXIT_CANCELLED;
        if (lr != LINEPROMPT_SEND)
            goto out;
    }
    rc = lookup_user(api, &o.call);
    if (rc == 0)
        rc = resolve_names(api, &o.call);
    if (rc == 0)
        rc = submit(api, &o, s.timeout_ms);
out:
    api_free(api);
    free(err);
    field_errors_done(&errs);
    settings_done(&s);
    call_done(&o.call);
    return rc;
}

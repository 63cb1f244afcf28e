/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: `amplecall ctl call-start|call-answered|call-end|status`: tell the running form
 * about a call (a dialer's hook, or `ssh host amplecall ctl ...`) through its control socket
 * (net/ctlsock.h; the request line protocol is in app/softphone.c). With no form running it
 * says so and exits 69, except that a call-end carrying the call's number is kept as a draft
 * the next form offers, so a call made while the form was closed is not lost. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/phone.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "core/call.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "net/ctlsock.h"
#include "store/store.h"

#define CTL_REPLY_MS 3000

static void ctl_usage(FILE *out)
{
    fputs("Usage: amplecall ctl call-start --to NUMBER [--from NUMBER]\n"
          "       amplecall ctl call-answered\n"
          "       amplecall ctl call-end [--duration SECS] [--answered yes|no]\n"
          "                              [--to NUMBER] [--from NUMBER]\n"
          "       amplecall ctl status\n"
          "\n"
          "Drive the running call form from a softphone or dialer: call-start fills To\n"
          "(and From) and starts the timer, call-answered sets Answered, call-end stops\n"
          "the timer, fills Duration and moves to Disposition. The form listens on\n"
          "$XDG_RUNTIME_DIR/amplecall/control. With no form running, ctl exits 69; a\n"
          "call-end with --to is then kept as a draft the next form offers.\n",
          out);
}

/* Keep the call as a draft the next form offers (its slot names no live form). */
static int queue_draft(const char *to, const char *from, long long duration, int answered)
{
    struct store *s;
    struct store_draft d;
    char *err = NULL, *slot;
    char buf[32];
    bool is_ok;

    s = store_open(NULL, &err);
    if (!s) {
        sanitize_fprintf(stderr, "amplecall ctl: no form is running and the call cannot be "
                                 "kept: %s\n",
                         err);
        free(err);
        return EXIT_CANTCREAT;
    }
    store_draft_init(&d);
    call_set(&d.call, FIELD_TO, to);
    if (from)
        call_set(&d.call, FIELD_FROM, from);
    snprintf(buf, sizeof(buf), "%lld", duration < 0 ? 0 : duration);
    call_set(&d.call, FIELD_DURATION, buf);
    if (answered >= 0)
        call_set(&d.call, FIELD_ANSWERED, answered ? "yes" : "no");
    if (answered == 0)
        call_set(&d.call, FIELD_HUMAN, "no");
    slot = xasprintf("ctl.%ld.%lld", (long)getpid(), store_now_ms());
    is_ok = store_draft_save(s, slot, &d, store_now_ms(), &err);
    store_draft_done(&d);
    store_close(s);
    free(slot);
    if (!is_ok) {
        sanitize_fprintf(stderr, "amplecall ctl: no form is running and the call cannot be "
                                 "kept: %s\n",
                         err);
        free(err);
        return EXIT_CANTCREAT;
    }
    fprintf(stderr, "amplecall ctl: no form is running; the call is kept as a draft the next "
                    "form offers.\n");
    return EXIT_UNAVAILABLE;
}

static bool check_number(const char *opt, const char *v)
{
    if (phone_is_number(v))
        return true;
    sanitize_fprintf(stderr, "amplecall ctl: %s needs a phone number, not '%s'\n", opt, v);
    return false;
}

int cmd_ctl(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'},
        {"from", required_argument, NULL, 'f'},
        {"duration", required_argument, NULL, 'd'},
        {"answered", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *to = NULL, *from = NULL, *verb;
    long long duration = -1;
    int answered = -1, c, rc;
    char *path, *err = NULL, *reply = NULL, *line;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!check_number("--to", optarg))
                return EXIT_USAGE;
            to = optarg;
            break;
        case 'f':
            if (!check_number("--from", optarg))
                return EXIT_USAGE;
            from = optarg;
            break;
        case 'd':
            if (!str_to_nonneg(optarg, 24LL * 3600, &duration)) {
                sanitize_fprintf(stderr, "amplecall ctl: --duration needs whole seconds, not "
                                         "'%s'\n",
                                 optarg);
                return EXIT_USAGE;
            }
            break;
        case 'a':
            answered = call_parse_bool(optarg);
            if (answered < 0) {
                sanitize_fprintf(stderr, "amplecall ctl: --answered needs yes or no, not '%s'\n",
                                 optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            ctl_usage(stdout);
            return EXIT_LOGGED;
        default:
            sanitize_fprintf(stderr, "amplecall ctl: unknown option '%s'\n", argv[optind - 1]);
            sanitize_fprintf(stderr, "Try 'amplecall ctl --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        ctl_usage(stderr);
        return EXIT_USAGE;
    }
    verb = argv[optind];
    if (!strcmp(verb, "call-start")) {
        if (!to || duration >= 0 || answered >= 0) {
            fputs("amplecall ctl: call-start takes --to NUMBER [--from NUMBER]\n", stderr);
            return EXIT_USAGE;
        }
    } else if (!strcmp(verb, "call-answered") || !strcmp(verb, "status")) {
        if (to || from || duration >= 0 || answered >= 0) {
            sanitize_fprintf(stderr, "amplecall ctl: %s takes no options\n", verb);
            return EXIT_USAGE;
        }
    } else if (strcmp(verb, "call-end") != 0) {
        sanitize_fprintf(stderr, "amplecall ctl: unknown request '%s'\n", verb);
        ctl_usage(stderr);
        return EXIT_USAGE;
    }
    path = ctlsock_path(&err);
    if (!path) {
        fprintf(stderr, "amplecall ctl: %s\n", err);
        free(err);
        return EXIT_UNAVAILABLE;
    }
    {
        struct buf b;
        buf_init(&b, CTLSOCK_LINE_MAX);
        buf_printf(&b, "%s", verb);
        if (to)
            buf_printf(&b, " to=%s", to);
        if (from)
            buf_printf(&b, " from=%s", from);
        if (duration >= 0)
            buf_printf(&b, " duration=%lld", duration);
        if (answered >= 0)
            buf_printf(&b, " answered=%s", answered ? "yes" : "no");
        line = buf_steal(&b);
    }
    switch (ctlsock_request(path, line, CTL_REPLY_MS, &reply, &err)) {
    case CTLSOCK_REPLIED:
        if (!strncmp(reply, "ok", 2) && (reply[2] == '\0' || reply[2] == ' ')) {
            sanitize_fprintf(stdout, "%s\n", reply[2] ? reply + 3 : "");
            rc = EXIT_LOGGED;
        } else {
            sanitize_fprintf(stderr, "amplecall ctl: the form says: %s\n",
                             strncmp(reply, "error ", 6) ? reply : reply + 6);
            rc = EXIT_INVALID;
        }
        break;
    case CTLSOCK_NO_FORM:
        if (!strcmp(verb, "call-end") && to) {
            rc = queue_draft(to, from, duration, answered);
        } else {
            fprintf(stderr, "amplecall ctl: no form is running (nothing listens on the "
                            "control socket).\n");
            rc = EXIT_UNAVAILABLE;
        }
        break;
    default:
        sanitize_fprintf(stderr, "amplecall ctl: %s\n", err ? err : "failed");
        rc = EXIT_UNAVAILABLE;
        break;
    }
    free(err);
    free(reply);
    free(line);
    free(path);
    return rc;
}

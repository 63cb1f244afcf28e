/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: line mode for `amplecall log --prompt` and for terminals that cannot hold the form:
 * one readline prompt per field, Tab completion of disposition and task names, a history of
 * phone numbers, and a review before anything is sent. Writes plain lines to stderr only:
 * no cursor addressing, no colours, so screen readers read it top to bottom. */
#include "config.h"
#include "cli/lineprompt.h"
#include "cli/out.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "net/api.h"
#include "core/call.h"
#include "cli/commands.h"
#include "cli/resolve.h"
#include "core/charset.h"
#include "core/safepath.h"
#include "core/sanitize.h"
#include "conf/settings.h"
#include "store/numbers.h"
#include "core/util.h"
#include "core/validate.h"


bool lineprompt_terminal_is_limited(void)
{
    const char *term = getenv("TERM");
    int err = 0;
    bool is_limited;
    TERMINAL *old = cur_term;
    char *cup;

    if (!term || !*term || !strcmp(term, "dumb"))
        return true;
    if (setupterm(term, STDOUT_FILENO, &err) != OK)
        return true;
    cup = tigetstr("cup");
    is_limited = cup == NULL || cup == (char *)-1;
    /* leave terminfo as it was: curses sets it up again for the form */
    del_curterm(cur_term);
    set_curterm(old);
    return is_limited;
}

/* ---- completion ---- */

static const char *const *completion_words; /* borrowed for the current prompt */
static size_t n_completion_words;

static char *complete_next(const char *text, int state)
{
    static size_t next;
    size_t len = strlen(text);

    if (state == 0)
        next = 0;
    while (next < n_completion_words) {
        const char *w = completion_words[next++];
        if (w && !strncasecmp(w, text, len))
            return strdup(w); /* readline frees it with free() */
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    rl_attempted_completion_over = 1; /* never fall back to file names */
    /* readline resets this to ' ' before every completion; names end where they end */
    rl_completion_append_character = '\0';
    return rl_completion_matches(text, complete_next);
}

struct words {
    char **v; /* owned */
    size_t n;
};

static void words_set(struct words *w, char **v, size_t n)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = v;
    w->n = n;
}

struct prompt_state {
    struct api *api;
    const struct settings *settings;
    struct call *call;
    struct numbers *numbers; /* owned: the From/To history shared with the form */
    struct disposition_list dispositions;
    bool has_dispositions;
    struct task_list tasks;
    char *tasks_user;         /* owned: the user whose tasks are loaded */
    struct words dispo_words; /* completion words of the disposition list */
    struct words task_words;  /* of the task list */
    char *shown[FIELD_COUNT]; /* owned: what the review shows (names, not UUIDs) */
    int exit_code;
};

/* Read one line with prompt; NULL on end of input. Owned. */
static char *ask(struct prompt_state *ps, const char *prompt, enum field_id number, char **words,
                 size_t n_words)
{
    /* readline shows, measures and echoes in the terminal's charset: the prompt and the
     * completions go out in it, and what was typed comes back to UTF-8 */
    char *shown = charset_to_display(prompt);
    char **shown_words = words ? xcalloc(n_words ? n_words : 1, sizeof(*shown_words)) : NULL;
    char *typed, *line;

    for (size_t i = 0; words && i < n_words; i++)
        shown_words[i] = words[i] ? charset_to_display(words[i]) : NULL;
    clear_history();
    for (size_t i = 0; i < numbers_count(ps->numbers, number); i++)
        add_history(numbers_get(ps->numbers, number, i));
    completion_words = (const char *const *)shown_words;
    n_completion_words = words ? n_words : 0;
    typed = readline(shown);
    completion_words = NULL;
    n_completion_words = 0;
    for (size_t i = 0; words && i < n_words; i++)
        free(shown_words[i]);
    free(shown_words);
    free(shown);
    line = typed ? charset_from_input(typed) : NULL;
    free(typed);
    if (line && (number == FIELD_FROM || number == FIELD_TO) && !str_blank(line)) {
        numbers_add(ps->numbers, number, line);
        numbers_save(ps->numbers);
    }
    return line;
}

static int fail_listing(struct prompt_state *ps, const char *what, struct api_result *res)
{
    char *m = sanitize_line(res->message ? res->message : "request failed");

    sanitize_fprintf(stderr, "Cannot list %s: %s\n", what, m);
    free(m);
    if (res->outcome == HTTP_OUT_AUTH) {
        ps->exit_code = EXIT_AUTH;
        return -1;
    }
    /* other failures only cost the completion: a UUID can still be typed */
    sanitize_fprintf(stderr, "Type the %s's UUID instead.\n", what[0] == 'd' ? "disposition" : "task");
    return 0;
}

static int load_dispositions(struct prompt_state *ps)
{
    struct api_result res;
    char **words;
    int rc = 0;

    if (ps->has_dispositions)
        return 0;
    api_result_init(&res);
    if (!api_dispositions(ps->api, &res, &ps->dispositions)) {
        rc = fail_listing(ps, "dispositions", &res);
    } else {
        ps->has_dispositions = true;
        words = xcalloc(ps->dispositions.n + 1, sizeof(*words));
        for (size_t i = 0; i < ps->dispositions.n; i++)
            words[i] = sanitize_line(ps->dispositions.v[i].name);
        words_set(&ps->dispo_words, words, ps->dispositions.n);
    }
    api_result_done(&res);
    return rc;
}

static int load_tasks(struct prompt_state *ps, const char *user_id)
{
    struct api_result res;
    struct tasks_query q = {.user_id = user_id, .type = "phone_call", .status = "scheduled"};
    char **words;
    int rc = 0;

    if (ps->tasks_user && !strcmp(ps->tasks_user, user_id))
        return 0;
    task_list_done(&ps->tasks);
    free(ps->tasks_user);
    ps->tasks_user = NULL;
    api_result_init(&res);
    if (!api_tasks(ps->api, &q, &res, &ps->tasks)) {
        rc = fail_listing(ps, "tasks", &res);
    } else {
        ps->tasks_user = xstrdup(user_id);
        words = xcalloc(ps->tasks.n + 1, sizeof(*words));
        for (size_t i = 0; i < ps->tasks.n; i++) {
            const struct task *t = &ps->tasks.v[i];
            char *w = t->contact_name && t->contact_email
                          ? xasprintf("%s <%s>", t->contact_name, t->contact_email)
                          : xstrdup(t->contact_name    ? t->contact_name
                                    : t->contact_email ? t->contact_email
                                                       : t->id);
            words[i] = sanitize_line(w);
            free(w);
        }
        words_set(&ps->task_words, words, ps->tasks.n);
        sanitize_fprintf(stderr, "%zu scheduled phone-call task%s; Tab completes contact names.\n",
                ps->tasks.n, ps->tasks.n == 1 ? "" : "s");
    }
    api_result_done(&res);
    return rc;
}

/* The user as a UUID, or NULL when not known yet (or not found: said on stderr). */
static char *user_uuid(struct prompt_state *ps)
{
    const char *u = call_get(ps->call, FIELD_USER);
    char *uuid = NULL, *err = NULL;
    enum resolve_status st;

    if (!*u)
        return NULL;
    st = resolve_user_st(ps->api, u, &uuid, &err);
    if (st != RESOLVE_FOUND) {
        sanitize_fprintf(stderr, "%s\n", err);
        if (st == RESOLVE_AUTH_FAILED)
            ps->exit_code = EXIT_AUTH;
        free(err);
        return NULL;
    }
    if (strcmp(uuid, u)) {
        char *shown = xasprintf("%s (%s)", u, uuid);
        free(ps->shown[FIELD_USER]);
        ps->shown[FIELD_USER] = sanitize_line(shown);
        free(shown);
        call_set(ps->call, FIELD_USER, uuid);
    }
    return uuid;
}

/* Turn what was typed for f into the call's value; false (having said why) to ask again. */
static bool accept_value(struct prompt_state *ps, enum field_id f, const char *typed)
{
    char *uuid = NULL, *err = NULL, *msg;
    enum resolve_status st = RESOLVE_FOUND;

    if (*typed && f == FIELD_DISPOSITION && !validate_uuid(typed)) {
        st = resolve_disposition_in(&ps->dispositions, typed, &uuid, &err);
    } else if (*typed && f == FIELD_TASK && !validate_uuid(typed)) {
        st = resolve_task_in(&ps->tasks, typed, &uuid, &err);
    } else if (*typed && f == FIELD_USER && !validate_uuid(typed)) {
        st = resolve_user_st(ps->api, typed, &uuid, &err);
        if (st == RESOLVE_AUTH_FAILED)
            ps->exit_code = EXIT_AUTH;
    }
    if (st != RESOLVE_FOUND) {
        sanitize_fprintf(stderr, "%s\n", err);
        free(err);
        return false;
    }
    msg = validate_field(f, uuid ? uuid : typed);
    if (msg) {
        sanitize_fprintf(stderr, "%s %s.\n", field_label(f), msg);
        free(msg);
        free(uuid);
        return false;
    }
    free(ps->shown[f]);
    ps->shown[f] = NULL;
    if (uuid && strcmp(uuid, typed)) {
        char *shown = xasprintf("%s (%s)", typed, uuid);
        ps->shown[f] = sanitize_line(shown);
        free(shown);
    }
    call_set(ps->call, f, *typed ? (uuid ? uuid : typed) : NULL);
    free(uuid);
    return true;
}

/* Ask field f until its value is acceptable. 0, 1 on end of input, -1 on a fatal failure. */
static int ask_field(struct prompt_state *ps, enum field_id f)
{
    char **words = NULL;
    size_t n_words = 0;

    if (f == FIELD_DISPOSITION) {
        if (load_dispositions(ps) < 0)
            return -1;
        if (ps->has_dispositions) {
            words = ps->dispo_words.v;
            n_words = ps->dispo_words.n;
        }
    } else if (f == FIELD_TASK) {
        char *uid = user_uuid(ps);
        while (!uid) {
            int rc;
            if (ps->exit_code)
                return -1;
            sanitize_fprintf(stderr, "Tasks belong to a user: who made the call?\n");
            rc = ask_field(ps, FIELD_USER);
            if (rc)
                return rc;
            uid = user_uuid(ps);
        }
        if (load_tasks(ps, uid) < 0) {
            free(uid);
            return -1;
        }
        free(uid);
        if (ps->tasks_user) {
            words = ps->task_words.v;
            n_words = ps->task_words.n;
        }
    }
    for (;;) {
        const char *cur = ps->shown[f] ? ps->shown[f] : call_get(ps->call, f);
        char *shown = sanitize_line(cur);
        const char *hint = f == FIELD_ANSWERED || f == FIELD_HUMAN ? " (yes/no)"
                           : f == FIELD_DURATION                   ? " (seconds)"
                           : words                                 ? " (Tab completes)"
                                                                   : "";
        char *prompt = xasprintf("%s%s%s%s%s%s: ", field_label(f),
                                 field_is_required(f) ? " (required)" : " (optional)", hint,
                                 *shown ? " [" : "", shown, *shown ? "]" : "");
        char *line = ask(ps, prompt, f == FIELD_FROM || f == FIELD_TO ? f : FIELD_NONE, words, n_words);
        char *typed;
        bool is_ok;

        free(prompt);
        free(shown);
        if (!line)
            return 1;
        typed = str_trim(line);
        free(line);
        if (!*typed && *call_get(ps->call, f)) {
            free(typed);
            return 0; /* keep the value shown in brackets */
        }
        if (!strcmp(typed, "-") && !field_is_required(f)) {
            /* "-" clears an optional field that has a default */
            call_set(ps->call, f, NULL);
            free(ps->shown[f]);
            ps->shown[f] = NULL;
            free(typed);
            return 0;
        }
        is_ok = accept_value(ps, f, typed);
        free(typed);
        if (is_ok)
            return 0;
        if (ps->exit_code)
            return -1;
    }
}

static void print_review(struct prompt_state *ps)
{
    sanitize_fprintf(stderr, "\nReview:\n");
    for (int f = 0; f < FIELD_COUNT; f++) {
        const char *v = ps->shown[f] ? ps->shown[f] : call_get(ps->call, (enum field_id)f);
        char *s = sanitize_line(*v ? v : "(empty)");
        sanitize_fprintf(stderr, "%3d  %-15s %s\n", f + 1, field_label((enum field_id)f), s);
        free(s);
    }
    for (size_t i = 0; i < ps->dispositions.n; i++) {
        const struct disposition *d = &ps->dispositions.v[i];
        if (d->id && !strcmp(d->id, call_get(ps->call, FIELD_DISPOSITION)) && d->action &&
            !strcmp(d->action, "complete")) {
            sanitize_fprintf(stderr, "This disposition completes the task and its sequence lead.\n");
        }
    }
}

enum lineprompt_result lineprompt_fill(struct api *a, const struct settings *s, struct call *c,
                                       int *exit_code)
{
    struct prompt_state ps;
    enum lineprompt_result result = LINEPROMPT_CANCEL;
    FILE *old_out = rl_outstream;
    rl_completion_func_t *old_complete = rl_attempted_completion_function;
    const char *old_breaks = rl_completer_word_break_characters;
    int rc;

    memset(&ps, 0, sizeof(ps));
    ps.api = a;
    ps.settings = s;
    ps.call = c;
    {
        char *dir = NULL, *err = NULL;

        /* main() refused an unsafe state directory already; any other problem only costs
         * the number history between runs */
        if (safepath_state_dir(true, &dir, &err) != SAFEPATH_OK)
            free(err);
        ps.numbers = numbers_open(dir);
        free(dir);
    }
    *exit_code = 0;
    if (!*call_get(c, FIELD_FROM) && s->default_from)
        call_set(c, FIELD_FROM, s->default_from);
    if (!*call_get(c, FIELD_USER) && s->user)
        call_set(c, FIELD_USER, s->user);

    rl_readline_name = "amplecall";
    /* plain lines: no bracketed-paste escapes around each prompt either */
    rl_variable_bind("enable-bracketed-paste", "off");
    rl_outstream = out_raw(stderr); /* readline's own bytes are in the terminal's charset */
    rl_attempted_completion_function = complete;
    /* a name with spaces ("Not interested") completes as one word */
    rl_completer_word_break_characters = "";
    rl_completion_append_character = '\0';
    using_history();

    sanitize_fprintf(stderr, "Log a call. Enter keeps the value in brackets, '-' clears an optional "
                    "field, Ctrl-D cancels.\n");
    for (int f = 0; f < FIELD_COUNT; f++) {
        rc = ask_field(&ps, (enum field_id)f);
        if (rc)
            goto out_rc;
    }
    for (;;) {
        struct field_errors errs;
        char *line, *answer;
        long long n;

        field_errors_init(&errs);
        validate_call(c, &errs);
        print_review(&ps);
        for (size_t i = 0; i < errs.n; i++)
            sanitize_fprintf(stderr, "Problem: %s %s.\n", field_label(errs.v[i].field), errs.v[i].message);
        line = ask(&ps,
                   errs.n ? "Change which field? (number, or 'no' to cancel): "
                          : "Send this call? (yes, no, or a field number to change it): ",
                   FIELD_NONE, NULL, 0);
        if (!line) {
            field_errors_done(&errs);
            rc = 1;
            goto out_rc;
        }
        answer = str_trim(line);
        free(line);
        if (!errs.n && (!strcasecmp(answer, "y") || !strcasecmp(answer, "yes"))) {
            free(answer);
            field_errors_done(&errs);
            result = LINEPROMPT_SEND;
            break;
        }
        field_errors_done(&errs);
        if (!strcasecmp(answer, "n") || !strcasecmp(answer, "no")) {
            free(answer);
            result = LINEPROMPT_CANCEL;
            break;
        }
        if (str_to_nonneg(answer, FIELD_COUNT, &n) && n >= 1) {
            free(answer);
            rc = ask_field(&ps, (enum field_id)(n - 1));
            if (rc)
                goto out_rc;
            continue;
        }
        sanitize_fprintf(stderr, "Answer yes, no, or a number from 1 to %d.\n", FIELD_COUNT);
        free(answer);
    }
    goto out;
out_rc:
    if (rc < 0) {
        result = LINEPROMPT_FAILED;
        *exit_code = ps.exit_code ? ps.exit_code : EXIT_TEMPFAIL;
    } else {
        fputc('\n', stderr);
        result = LINEPROMPT_CANCEL;
    }
out:
    if (result == LINEPROMPT_CANCEL)
        sanitize_fprintf(stderr, "Not sent.\n");
    rl_outstream = old_out;
    rl_attempted_completion_function = old_complete;
    rl_completer_word_break_characters = old_breaks;
    clear_history();
    words_set(&ps.dispo_words, NULL, 0);
    words_set(&ps.task_words, NULL, 0);
    disposition_list_done(&ps.dispositions);
    task_list_done(&ps.tasks);
    free(ps.tasks_user);
    for (int f = 0; f < FIELD_COUNT; f++)
        free(ps.shown[f]);
    numbers_close(ps.numbers);
    return result;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End-to-end tests of the form with its local store: drafts that survive SIGKILL (a running
 * timer included), the resume / discard prompt, sessions that keep to their own drafts, the
 * outbox behind the form's submit (background retry, lookup after a lost response) and the
 * history view. The real binary on a pty (libvterm) against the fake API on 127.0.0.1; every
 * wait is bounded; each test has its own HOME and XDG_STATE_HOME. */
#include "config.h"

#include <dirent.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "fakectl.h"
#include "form_check.h"
#include "pty.h"
#include "store/store.h"
#include "core/util.h"

struct ctx {
    struct fake *fake;
    char *state_dir; /* XDG_STATE_HOME, a fresh temp dir */
    char **env;
    struct term *t;
};

static struct term *spawn(struct ctx *c)
{
    char *bin = amplecall_path();
    struct term *t =
        term_spawn((const char *const[]){bin, NULL}, (const char *const *)c->env, 24, 80);

    free(bin);
    assert_non_null(t);
    return t;
}

/* The fake server with fake_args (NULL-terminated or NULL), a fresh HOME and state dir, and
 * the form started once. */
static struct ctx *start(const char *const *fake_args, const char *const *env_extra)
{
    struct ctx *c = xcalloc(1, sizeof(*c));
    char tmpl[] = "/tmp/amplecall-state-XXXXXX";
    char *xdg;

    c->fake = fake_start(fake_args);
    assert_non_null(c->fake);
    assert_non_null(mkdtemp(tmpl));
    c->state_dir = xstrdup(tmpl);
    xdg = xasprintf("XDG_STATE_HOME=%s", c->state_dir);
    c->env = form_env(fake_base_url(c->fake),
                      (const char *const[]){xdg, "AMPLECALL_OUTBOX_RATE",
                                            "AMPLECALL_OUTBOX_SETTLE_MS", NULL},
                      env_extra);
    free(xdg);
    c->t = spawn(c);
    return c;
}

/* Remove dir and everything in it (the test's own temp dir: plain files and directories). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d)) != NULL) {
        char *p;
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        p = xasprintf("%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void stop(struct ctx *c)
{
    term_free(c->t);
    term_env_free(c->env);
    fake_stop(c->fake);
    remove_tree(c->state_dir);
    free(c->state_dir);
    free(c);
}

static char *db_path(const struct ctx *c)
{
    return xasprintf("%s/amplecall/amplecall.db", c->state_dir);
}

/* Fill To, Duration, the booleans, a disposition and the task whose email starts with
 * task_email, starting with focus on To. */
static void fill_from_to_task(struct term *t, const char *to, const char *task_email)
{
    type(t, to);
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y n Enter");
    see_text(t, "Choose a disposition");
    type(t, "interested");
    see_text(t, "(2 of 5)");
    key(t, "Enter");
    see_gone(t, "Choose a disposition");
    key(t, "Tab Enter");
    see_text(t, "Choose a task");
    type(t, task_email);
    see_text(t, "(1 of");
    key(t, "Enter");
    see_text(t, task_email);
    see_gone(t, "Choose a task");
}

/* The same on task 2. "Interested" completes its task: a second call in a test picks
 * another one (fill_from_to_task). */
static void fill_from_to(struct term *t, const char *to)
{
    fill_from_to_task(t, to, "contact2@");
}

/* Every required field, starting on From. */
static void fill_valid(struct term *t)
{
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    fill_from_to(t, "+1 212 555 0199");
}

/* The elapsed seconds the running timer shows, -1 when it is not shown. */
static long timer_seconds(struct term *t)
{
    char *r = term_row(t, ROW_OF(F_DURATION));
    regex_t re;
    regmatch_t m[3];
    long s = -1;

    assert_int_equal(regcomp(&re, "Timer +([0-9]+):([0-9][0-9])", REG_EXTENDED), 0);
    if (regexec(&re, r, 3, m, 0) == 0)
        s = strtol(r + m[1].rm_so, NULL, 10) * 60 + strtol(r + m[2].rm_so, NULL, 10);
    regfree(&re);
    free(r);
    return s;
}

/* Wait until the timer shows at least secs; returns what it shows. */
static long see_timer_at_least(struct term *t, long secs, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    long s;

    for (;;) {
        s = timer_seconds(t);
        if (s >= secs || now_ms() > end)
            break;
        term_pump(t, 100);
    }
    if (s < secs) {
        fprintf(stderr, "# timer: want >= %ld s, shows %ld\n", secs, s);
        term_dump(t, stderr);
    }
    assert_true(s >= secs);
    return s;
}

/* Drafts a new session would consider (not waiting in the outbox); -1 on a store error. */
static long draft_count(const struct ctx *c)
{
    char *path = db_path(c), *err = NULL;
    struct store *s = store_open(path, &err);
    char **slots = NULL;
    size_t n = 0;
    long r = -1;

    free(path);
    if (!s) {
        free(err);
        return -1;
    }
    if (store_draft_slots(s, &slots, &n, &err))
        r = (long)n;
    free(err);
    store_draft_slots_free(slots, n);
    store_close(s);
    return r;
}

/* Wait until the store holds want drafts, reading the pty meanwhile. */
static void see_drafts(struct ctx *c, long want)
{
    long long end = now_ms() + WAIT_MS;
    long n;

    for (;;) {
        n = draft_count(c);
        if (n == want || now_ms() > end)
            break;
        term_pump(c->t, 50);
    }
    if (n != want)
        fprintf(stderr, "# drafts: want %ld, have %ld\n", want, n);
    assert_int_equal(n, want);
}

static size_t stored_calls(struct fake *f)
{
    json_object *calls = fake_stored_calls(f);
    size_t n;

    assert_non_null(calls);
    n = json_object_array_length(calls);
    json_object_put(calls);
    return n;
}

/* The seq of the nth (1-based) logged request with this method and path, 0 when fewer. */
static long request_seq(struct fake *f, const char *method, const char *path, int nth)
{
    json_object *reqs = fake_requests(f), *v;
    long seq = 0;
    int seen = 0;

    assert_non_null(reqs);
    for (size_t i = 0; i < json_object_array_length(reqs) && !seq; i++) {
        json_object *r = json_object_array_get_idx(reqs, i);
        if (json_object_object_get_ex(r, "method", &v) &&
            !strcmp(json_object_get_string(v), method) &&
            json_object_object_get_ex(r, "path", &v) && !strcmp(json_object_get_string(v), path) &&
            ++seen == nth && json_object_object_get_ex(r, "seq", &v))
            seq = json_object_get_int64(v);
    }
    json_object_put(reqs);
    return seq;
}

/* A 5xx may have stored the call: between the first POST and any second one, the outbox
 * read GET /calls (the look-up). */
static void see_lookup_before_resend(struct fake *f)
{
    long post1 = request_seq(f, "POST", "/calls", 1);
    long post2 = request_seq(f, "POST", "/calls", 2);
    long get = 0;

    assert_true(post1 > 0);
    for (int i = 1; (get = request_seq(f, "GET", "/calls", i)) > 0; i++)
        if (get > post1)
            break;
    if (!(get > post1 && (post2 == 0 || get < post2)))
        fprintf(stderr, "# POST #%ld, GET /calls #%ld, second POST #%ld\n", post1, get, post2);
    assert_true(get > post1);
    assert_true(post2 == 0 || get < post2);
}

static char *escape_json(const char *s)
{
    json_object *o = json_object_new_string(s);
    char *r = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));

    json_object_put(o);
    return r;
}

static void fault_400(struct fake *f, const char *body_json)
{
    char *esc = escape_json(body_json);
    char *fault = xasprintf("{\"status\":400,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
                            "\"content_type\":\"application/json\",\"body\":%s}",
                            esc);

    assert_true(fake_set_faults(f, fault));
    free(fault);
    free(esc);
}

/* ---- drafts ---------------------------------------------------------------------------------- */

static void form_store__a_draft_with_a_running_timer_survives_sigkill(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    long before, after, later;
    long long killed_at;

    (void)state;
    see_form_ready(t);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "F2");
    see_text(t, "Timer started");
    before = see_timer_at_least(t, 2, 6000);
    assert_true(term_kill(t, SIGKILL));
    killed_at = now_ms();
    assert_int_equal(term_wait_exit(t, WAIT_MS), 128 + SIGKILL);
    see_drafts(c, 1);

    /* the next session offers it and brings everything back */
    term_free(c->t);
    c->t = t = spawn(c);
    see_text(t, "An unsent call was left from an earlier session");
    see_text(t, "+1 212 555 0199"); /* in the resume question, wherever it wraps */
    see_text(t, "timer running since");
    see_text(t, "r: resume it");
    key(t, "r");
    see_text(t, "Draft resumed; the timer kept counting");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    /* counting from the original start: the time it was dead is included */
    after = see_timer_at_least(t, before, 3000);
    assert_true(after >= before + (now_ms() - killed_at) / 1000 - 1);
    later = see_timer_at_least(t, after + 1, 3000); /* and it keeps counting */
    assert_true(later > after);
    /* stopping it fills Duration with the whole call */
    key(t, "F2");
    see_regex(t, "Timer stopped: Duration is [0-9]+ s");
    {
        char *v = value_at(t, ROW_OF(F_DURATION));
        assert_true(strtol(v, NULL, 10) >= later);
        free(v);
    }
    /* the draft moved to this session: a third one started now does not offer it */
    {
        struct term *other;
        char *bin = amplecall_path();
        other = term_spawn((const char *const[]){bin, NULL}, (const char *const *)c->env, 24, 80);
        free(bin);
        assert_non_null(other);
        see_form_ready(other);
        assert_false(term_find(other, "An unsent call was left", NULL, NULL));
        key(other, "C-q");
        see_exit(other, 0);
        term_free(other);
    }
    stop(c);
}

static void form_store__discard_at_the_prompt_removes_the_draft(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    key(t, "Tab");
    type(t, "+1 646 555 0142");
    see_drafts(c, 1); /* saved within the debounce, no timer needed */
    assert_true(term_kill(t, SIGKILL));
    assert_int_equal(term_wait_exit(t, WAIT_MS), 128 + SIGKILL);

    term_free(c->t);
    c->t = t = spawn(c);
    see_text(t, "+1 646 555 0142"); /* in the resume question, wherever it wraps */
    key(t, "d");
    see_text(t, "Draft discarded");
    see_gone(t, "An unsent call was left");
    see_value(t, ROW_OF(F_TO), "");
    see_drafts(c, 0);
    key(t, "C-q");
    see_exit(t, 0); /* nothing typed: no question */

    /* and it is not offered again */
    term_free(c->t);
    c->t = t = spawn(c);
    see_form_ready(t);
    assert_false(term_find(t, "An unsent call was left", NULL, NULL));
    stop(c);
}

static void form_store__esc_at_the_prompt_keeps_the_draft_for_later(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    key(t, "Tab");
    type(t, "+1 646 555 0143");
    see_drafts(c, 1);
    assert_true(term_kill(t, SIGKILL));
    assert_int_equal(term_wait_exit(t, WAIT_MS), 128 + SIGKILL);
    term_free(c->t);
    c->t = t = spawn(c);
    see_text(t, "+1 646 555 0143"); /* in the resume question, wherever it wraps */
    key(t, "Esc");
    see_text(t, "The draft is kept");
    key(t, "C-q");
    see_exit(t, 0);
    see_drafts(c, 1);
    stop(c);
}

static void form_store__sessions_never_take_a_live_sessions_draft(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *a = c->t, *b;

    (void)state;
    see_form_ready(a);
    key(a, "Tab");
    type(a, "+1 303 555 0111");
    see_drafts(c, 1);
    /* a second SSH session while the first still runs: no offer, and its own typing does not
     * touch the first one's draft */
    b = spawn(c);
    see_form_ready(b);
    assert_false(term_find(b, "An unsent call was left", NULL, NULL));
    key(b, "Tab");
    type(b, "+1 303 555 0222");
    see_drafts(c, 2);
    assert_true(term_kill(b, SIGKILL));
    assert_int_equal(term_wait_exit(b, WAIT_MS), 128 + SIGKILL);
    term_free(b);
    /* the first session is alive and still has its values */
    see_value(a, ROW_OF(F_TO), "+1 303 555 0111");
    /* a third session: offered the dead one's draft, never the live one's */
    b = spawn(c);
    see_text(b, "+1 303 555 0222"); /* in the resume question, wherever it wraps */
    assert_false(term_find(b, "0111", NULL, NULL));
    key(b, "r");
    see_value(b, ROW_OF(F_TO), "+1 303 555 0222");
    term_free(b);
    stop(c);
}

static void form_store__quitting_on_purpose_discards_the_draft(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    key(t, "Tab");
    type(t, "+1 646 555 0144");
    see_drafts(c, 1);
    key(t, "C-q");
    see_text(t, "Quit: Enter keeps the call as a draft, d discards it");
    key(t, "d");
    see_exit(t, 0);
    see_drafts(c, 0);
    stop(c);
}

static void form_store__a_hang_up_keeps_what_was_just_typed(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    key(t, "Tab");
    type(t, "+1 646 555 0145");
    see_value(t, ROW_OF(F_TO), "+1 646 555 0145");
    /* the SSH session drops before the debounced save: the exit path writes it */
    assert_true(term_kill(t, SIGHUP));
    see_exit(t, 128 + SIGHUP);
    see_drafts(c, 1);
    term_free(c->t);
    c->t = t = spawn(c);
    see_text(t, "+1 646 555 0145"); /* in the resume question, wherever it wraps */
    key(t, "Enter"); /* Enter resumes too */
    see_value(t, ROW_OF(F_TO), "+1 646 555 0145");
    stop(c);
}

static void form_store__a_logged_call_never_comes_back_as_a_draft(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Amplemarket accepted the call");
    see_text(t, "outbox: 0");
    /* reflexes after the 201: the timer key (and y to its question) on the panel, Esc, a
     * digit on the form */
    key(t, "F2 y Esc");
    see_gone(t, "Amplemarket accepted the call");
    type(t, "9");
    term_wait_quiet(t, 1500, 3000); /* past the debounced draft save */
    assert_int_equal(draft_count(c), 0);
    assert_true(term_kill(t, SIGKILL));
    assert_int_equal(term_wait_exit(t, WAIT_MS), 128 + SIGKILL);
    /* the next session offers nothing: the call is logged, not a draft */
    term_free(c->t);
    c->t = t = spawn(c);
    see_form_ready(t);
    term_wait_quiet(t, 500, 2000);
    assert_false(term_find(t, "An unsent call was left", NULL, NULL));
    assert_int_equal(draft_count(c), 0);
    stop(c);
}

static void form_store__without_a_store_the_form_still_sends(void **state)
{
    /* a state directory that cannot exist: below a regular file */
    struct ctx *c = start(NULL, (const char *const[]){"XDG_STATE_HOME=/dev/null/state", NULL});
    struct term *t = c->t;

    (void)state;
    see_text(t, "The local store is not available");
    see_form_ready(t);
    assert_false(term_find(t, "outbox:", NULL, NULL));
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Call logged");
    assert_int_equal(stored_calls(c->fake), 1);
    key(t, "Enter F3");
    see_text(t, "No history: the local store is not available");
    key(t, "C-q");
    see_exit(t, 0);
    stop(c);
}

/* ---- the outbox behind submit ---------------------------------------------------------------- */

/* A rep on a train: the form starts with the API unreachable after one online session. The
 * lists kept from that session let the call be made; it waits in the outbox and goes once
 * when the API is back, and the lists that failed load again by themselves. */
static void form_store__offline_cold_start_uses_the_kept_lists_and_sends_once(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_TIMEOUT=1",
                                                      "AMPLECALL_OUTBOX_SETTLE_MS=1000", NULL});
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    key(t, "C-q"); /* an empty form quits without asking */
    see_exit(t, 0);
    term_free(c->t);
    /* every request now fails before any answer */
    assert_true(fake_set_faults(c->fake, "{\"drop\":true}"));
    c->t = t = spawn(c);
    see_regex(t, "Task +Enter to choose \\(45 tasks from just now\\)");
    see_regex(t, "Disposition +optional - Enter to choose \\(5 from just now\\)");
    see_text_within(t, "offline", 10000);
    fill_valid(t);
    key(t, "F10");
    see_text_within(t, "outbox: 1", 10000);
    assert_int_equal(stored_calls(c->fake), 0);
    /* the API is back: the call is looked up, not found, and sent once */
    assert_true(fake_set_faults(c->fake, "[]"));
    see_text_within(t, "outbox: 0", 30000);
    assert_int_equal(stored_calls(c->fake), 1);
    /* the lists loaded again by themselves: a fresh form shows them without an age */
    key(t, "F7");
    check(t, term_wait_regex(t, "Task +Enter to choose \\(4[45] tasks\\)", 10000),
          "the task list loaded fresh");
    term_wait_quiet(t, 2500, 4000);
    assert_int_equal(stored_calls(c->fake), 1);
    stop(c);
}

static void form_store__a_5xx_waits_in_the_outbox_and_is_sent_once_in_the_background(void **state)
{
    /* a 5xx may come from a proxy after the backend stored the call: it is unknown, looked
     * up after the settle wait (two request timeouts: 2 s here) and only then sent */
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_TIMEOUT=1", NULL});
    struct term *t = c->t;
    json_object *req;

    (void)state;
    see_form_ready(t);
    see_text(t, "outbox: 0");
    fill_valid(t);
    assert_true(
        fake_set_faults(c->fake, "{\"status\":500,\"path\":\"/calls\",\"method\":\"POST\"}"));
    key(t, "F10");
    see_text(t, "Outcome unknown: the API failed (HTTP 500)");
    see_wrapped(t, "may or may not have been logged");
    see_wrapped(t, "It is kept in the outbox as #1, which checks Amplemarket before it is ever "
                   "sent again.");
    assert_false(term_find(t, "Call logged", NULL, NULL));
    see_text(t, "outbox: 1");
    see_regex(t, "log a call +queued in the outbox as #1$");
    /* the rep goes on to the next call: a fresh form, nothing to confirm */
    key(t, "F7");
    see_text(t, "Ready for the next call; the last one waits in the outbox");
    see_value(t, ROW_OF(F_TO), "");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    assert_int_equal(stored_calls(c->fake), 0);
    /* the server recovers: the background looks the call up, does not find it and sends it,
     * once */
    assert_true(fake_set_faults(c->fake, "[]"));
    see_text_within(t, "outbox: 0", 20000);
    see_text(t, "was sent from the outbox");
    assert_int_equal(stored_calls(c->fake), 1);
    see_lookup_before_resend(c->fake);
    req = fake_last_request(c->fake, "POST", "/calls");
    assert_non_null(req);
    json_object_put(req);
    /* nothing more goes out later, and its draft went with it */
    term_wait_quiet(t, 2500, 4000);
    assert_int_equal(stored_calls(c->fake), 1);
    see_drafts(c, 0);
    key(t, "C-q");
    see_exit(t, 0);
    stop(c);
}

static void form_store__the_next_session_sends_what_a_killed_one_left_in_the_outbox(void **state)
{
    /* AMPLECALL_TIMEOUT=1: the unknown call settles for 2 s, not a minute */
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_TIMEOUT=1", NULL});
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    assert_true(
        fake_set_faults(c->fake, "{\"status\":502,\"path\":\"/calls\",\"method\":\"POST\"}"));
    key(t, "F10");
    see_text(t, "Outcome unknown");
    see_text(t, "outbox: 1");
    assert_true(term_kill(t, SIGKILL));
    assert_int_equal(term_wait_exit(t, WAIT_MS), 128 + SIGKILL);
    assert_true(fake_set_faults(c->fake, "[]"));
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    /* the call is in the outbox, so its draft is not offered: it is looked up, then sent */
    term_free(c->t);
    c->t = t = spawn(c);
    see_form_ready(t);
    assert_false(term_find(t, "An unsent call was left", NULL, NULL));
    see_text_within(t, "outbox: 0", 15000);
    see_text(t, "was sent from the outbox");
    assert_int_equal(stored_calls(c->fake), 1);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 2);
    see_lookup_before_resend(c->fake);
    see_drafts(c, 0);
    stop(c);
}

static void form_store__a_lost_response_is_resolved_by_lookup_not_resent(void **state)
{
    /* the settle wait cannot go below the request timeout: 300 ms is raised to 1 s */
    struct ctx *c = start(
        NULL, (const char *const[]){"AMPLECALL_OUTBOX_SETTLE_MS=300", "AMPLECALL_TIMEOUT=1", NULL});
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    assert_true(fake_set_faults(
        c->fake,
        "{\"accept_then_drop\":true,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Outcome unknown");
    /* the outbox looks it up, finds it and records it as sent: no second POST */
    see_text_within(t, "Amplemarket has the call (an earlier attempt reached it)", 15000);
    see_text(t, "outbox: 0");
    assert_int_equal(stored_calls(c->fake), 1);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    assert_true(fake_request_count(c->fake, "GET", "/calls") >= 1);
    key(t, "Enter");
    see_text(t, "Ready for the next one");
    term_wait_quiet(t, 1500, 3000);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    stop(c);
}

static void form_store__f10_on_a_stored_call_never_makes_a_second_copy(void **state)
{
    /* AMPLECALL_TIMEOUT=2: a 4 s settle wait, time enough for the F10 made during it */
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_TIMEOUT=2", NULL});
    struct term *t = c->t;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    /* a 408: the server did not take the call (pending), so F10 may send it again now */
    assert_true(fake_set_faults(
        c->fake, "{\"status\":408,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "did not take the call (HTTP 408)");
    see_text(t, "outbox: 1");
    /* F10 again sends the stored call itself */
    key(t, "F10");
    see_text(t, "Call logged");
    see_text(t, "outbox: 0");
    assert_int_equal(stored_calls(c->fake), 1);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 2);

    /* a 500 may have stored it: F10 at once posts nothing; the look-up comes first, and the
     * call goes out once */
    key(t, "Enter");
    see_text(t, "Ready for the next one");
    fill_from_to_task(t, "+1 212 555 0177", "contact3@");
    assert_true(fake_set_faults(
        c->fake, "{\"status\":500,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Outcome unknown: the API failed (HTTP 500)");
    see_text(t, "outbox: 1");
    key(t, "F10");
    see_wrapped(t, "This call may already be in Amplemarket: the outbox looks it up");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 3);
    see_text_within(t, "Call logged", 15000);
    see_text(t, "outbox: 0");
    assert_int_equal(stored_calls(c->fake), 2);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 4);
    {
        /* the GET /calls between the 500 (third POST) and the fourth */
        long p3 = request_seq(c->fake, "POST", "/calls", 3);
        long p4 = request_seq(c->fake, "POST", "/calls", 4);
        bool looked = false;
        long g;
        for (int i = 1; (g = request_seq(c->fake, "GET", "/calls", i)) > 0; i++)
            looked = looked || (g > p3 && g < p4);
        assert_true(looked);
    }
    term_wait_quiet(t, 1500, 3000);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 4);
    stop(c);
}

static void form_store__edited_values_replace_a_pending_call_instead_of_adding_one(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    json_object *calls, *dur = NULL;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    /* a 429: the server did not take the call; it is pending, so it can be replaced */
    assert_true(fake_set_faults(
        c->fake, "{\"status\":429,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Too many requests (HTTP 429)");
    see_text(t, "outbox: 1");
    /* the rep corrects the duration before it went out */
    key(t, "Up Up Up Up");
    see_cursor(t, ROW_OF(F_DURATION), LABEL_COL + 2);
    key(t, "Backspace");
    type(t, "3");
    see_text(t, "not sent yet");
    key(t, "F10");
    see_text(t, "Call logged");
    see_regex(t, "Duration +43 s");
    see_text(t, "outbox: 0");
    calls = fake_stored_calls(c->fake);
    assert_int_equal(json_object_array_length(calls), 1);
    json_object_object_get_ex(json_object_array_get_idx(calls, 0), "duration", &dur);
    assert_int_equal(json_object_get_int(dur), 43);
    json_object_put(calls);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 2);
    key(t, "Enter F3");
    see_text(t, "History: 1 call from this machine");
    stop(c);
}

static void form_store__a_call_the_server_may_hold_twice_waits_for_review(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_TIMEOUT=1", NULL});
    struct term *t = c->t;
    char task[FAKE_ID_LEN], *bin = amplecall_path(), *out = NULL, *err = NULL;
    int rc;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    /* the same call logged earlier without a local record (another machine, say) */
    fake_task_id(2, task);
    rc = run_capture((const char *const[]){bin,
                                           "log",
                                           "--no-outbox",
                                           "--from",
                                           "+1 415 555 0100",
                                           "--to",
                                           "+1 212 555 0199",
                                           "--duration",
                                           "42",
                                           "--answered",
                                           "yes",
                                           "--human",
                                           "no",
                                           "--task",
                                           task,
                                           "--user",
                                           FAKE_USER_ID,
                                           "--disposition",
                                           FAKE_DISPO_COMPLETE_ID,
                                           NULL},
                     (const char *const *)c->env, NULL, WAIT_MS, &out, &err);
    if (rc != 0)
        fprintf(stderr, "# amplecall log: %d: %s\n", rc, err ? err : "");
    assert_int_equal(rc, 0);
    free(out);
    free(err);
    assert_int_equal(stored_calls(c->fake), 1);
    /* the form's POST is stored but its answer is lost: two calls alike on the server, one
     * local record that may be either */
    assert_true(fake_set_faults(
        c->fake,
        "{\"accept_then_drop\":true,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Outcome unknown");
    assert_int_equal(stored_calls(c->fake), 2);
    see_text_within(t, "1 to review", 15000);
    see_wrapped(t, "Call 1 needs review: it is kept, not sent again.");
    see_wrapped(t, "cannot be told apart");
    see_wrapped(t, "'amplecall outbox' shows them; 'amplecall outbox resolve 1' settles it.");
    see_regex(t, "log a call +kept for review as #1$");
    see_regex(t, "1 to review \\| outbox: 0 *$");
    see_text(t, "| user: Dana Smith | online"); /* room made by the email, not the state */
    assert_false(term_find(t, "Call logged", NULL, NULL));
    assert_true(fake_request_count(c->fake, "GET", "/calls") >= 1);
    /* F10 sends nothing: a human decides */
    key(t, "F10");
    see_wrapped(t, "Call 1 is kept for review, never sent again by itself");
    term_wait_quiet(t, 2500, 4000);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 2);
    assert_int_equal(stored_calls(c->fake), 2);
    /* the outbox command shows it the same way */
    out = err = NULL;
    rc = run_capture((const char *const[]){bin, "outbox", NULL}, (const char *const *)c->env, NULL,
                     WAIT_MS, &out, &err);
    if (!out || !strstr(out, "review"))
        fprintf(stderr, "# amplecall outbox: %d:\n%s%s\n", rc, out ? out : "", err ? err : "");
    assert_true(out && strstr(out, "review"));
    free(out);
    free(err);
    free(bin);
    /* the next call: the count stays on the status bar */
    key(t, "F7");
    see_text(t, "Ready for the next call");
    see_text(t, "1 to review");
    stop(c);
}

/* ---- history --------------------------------------------------------------------------------- */

static void form_store__history_lists_calls_and_reopens_a_rejected_one(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    /* the escapes themselves; their text may show as JSON's \u001b-escaped, inert */
    static const char *const bad[] = {"\033]0;", "\033]52", "\xc2\x9b", "\007"};
    struct term_cell_attrs at;
    char *r;
    int row, col;

    (void)state;
    see_form_ready(t);
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Call logged");
    key(t, "Enter");
    see_text(t, "Ready for the next one");
    fill_from_to_task(t, "+1 212 555 0177", "contact3@");
    fault_400(c->fake, "{\"_errors\":[{\"code\":\"missing_field\",\"title\":\"Missing Field\","
                       "\"detail\":\"Missing field from request: to \\u001b]0;pwned\\u0007"
                       "\\u001b]52;c;aGVsbG8=\\u0007\\u009b1;1H\",\"source\":{\"pointer\":"
                       "\"/to\"}}],\"object\":\"error\"}");
    key(t, "F10");
    see_text(t, "rejected the call (HTTP 400)");
    /* the rep moves on; the rejected call stays in the history */
    key(t, "F7");
    see_text(t, "Discard the call you have not sent");
    key(t, "y");
    see_text(t, "Call discarded");
    see_value(t, ROW_OF(F_TO), "");

    key(t, "F3");
    see_text(t, "History: 2 calls from this machine");
    /* the table `amplecall history` prints (app/calltable.c) */
    see_regex(t, "ID +TIME +TO +CONTACT +DISPOSITI(ON|…) +STATE +CALL ID");
    see_regex(t, "\\+1 212 555 0177 .*Interested +rejected");
    see_regex(t, "\\+1 212 555 0199 .*Jos.*Interested +sent +…[0-9a-f-]{8}");
    see_text(t, "o reopen a rejected call"); /* help line */
    /* the newest (rejected) is selected: the cursor is on its row */
    assert_true(term_find(t, "rejected", &row, &col));
    see_cursor(t, row, 3);
    /* survives a resize while open */
    assert_true(term_resize(t, 30, 100));
    see_text(t, "History: 2 calls from this machine");
    see_regex(t, "\\+1 212 555 0177 .*rejected");
    assert_true(term_resize(t, 24, 80));
    see_text(t, "History: 2 calls from this machine");
    /* details and the API's answer, inert */
    key(t, "Enter");
    see_text(t, "Call 2: rejected");
    see_text(t, "Last HTTP status  400");
    key(t, "End"); /* the API's answer is further down */
    see_text(t, "API response:");
    see_text(t, "\"code\": \"missing_field\"");
    see_text(t, "Missing field from request: to");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(term_raw_contains(t, bad[i]));
    assert_string_equal(term_title(t), "");
    /* the sent one cannot be reopened */
    key(t, "Esc Down");
    key(t, "o");
    see_text(t, "Only a call Amplemarket rejected can be reopened");
    key(t, "Up o");
    see_gone(t, "History: 2 calls");
    /* back in the form with the same marks as a live 400: focus on To, label marked */
    see_text(t, "Call 2 reopened");
    see_text(t, "! Missing field from request: to");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0177");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL + 15);
    r = term_row(t, ROW_OF(F_TO));
    assert_int_equal(r[0], '>');
    assert_int_equal(r[1], '!');
    free(r);
    assert_true(term_attrs_at(t, ROW_OF(F_TO), 4, &at));
    assert_true(at.bold && at.reverse);
    see_text(t, "contact3@prospect.example");
    /* fixed and sent: a new call, the rejected one stays as it was */
    key(t, "Backspace");
    type(t, "8");
    see_gone(t, "Missing field from request");
    key(t, "F10");
    see_text(t, "Call logged");
    assert_int_equal(stored_calls(c->fake), 2);
    key(t, "Enter F3");
    see_text(t, "History: 3 calls from this machine");
    key(t, "Esc");
    see_gone(t, "History: 3 calls");
    stop(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(form_store__a_draft_with_a_running_timer_survives_sigkill),
        cmocka_unit_test(form_store__discard_at_the_prompt_removes_the_draft),
        cmocka_unit_test(form_store__esc_at_the_prompt_keeps_the_draft_for_later),
        cmocka_unit_test(form_store__sessions_never_take_a_live_sessions_draft),
        cmocka_unit_test(form_store__quitting_on_purpose_discards_the_draft),
        cmocka_unit_test(form_store__a_hang_up_keeps_what_was_just_typed),
        cmocka_unit_test(form_store__a_logged_call_never_comes_back_as_a_draft),
        cmocka_unit_test(form_store__without_a_store_the_form_still_sends),
        cmocka_unit_test(form_store__offline_cold_start_uses_the_kept_lists_and_sends_once),
        cmocka_unit_test(form_store__a_5xx_waits_in_the_outbox_and_is_sent_once_in_the_background),
        cmocka_unit_test(form_store__the_next_session_sends_what_a_killed_one_left_in_the_outbox),
        cmocka_unit_test(form_store__a_lost_response_is_resolved_by_lookup_not_resent),
        cmocka_unit_test(form_store__f10_on_a_stored_call_never_makes_a_second_copy),
        cmocka_unit_test(form_store__edited_values_replace_a_pending_call_instead_of_adding_one),
        cmocka_unit_test(form_store__a_call_the_server_may_hold_twice_waits_for_review),
        cmocka_unit_test(form_store__history_lists_calls_and_reopens_a_rejected_one),
    };
    signal(SIGPIPE, SIG_IGN);
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

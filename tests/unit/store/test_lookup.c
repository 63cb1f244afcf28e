/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lookup.c on a real SQLite file: what a conclusive look-up records (found, absent, wait,
 * review and its candidates), which local rows count as alike, the human's resolve of a call
 * in review, the review count and the server's clock skew. Each test names the rule. */
#undef _XOPEN_SOURCE /* the build sets 600 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "config.h"
#include "unit.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store/store.h"
#include "tmptree.h"
#include "core/util.h"

#define BASE "http://127.0.0.1:9"
#define T0 1700000000000LL

static char *dir;
static char *db_path;
static struct store *s;
static struct store_lease me;

static int setup(void **state)
{
    char *err = NULL;

    dir = tmptree_new("lookup");
    if (!dir)
        return -1;
    db_path = xasprintf("%s/amplecall.db", dir);
    s = store_open(db_path, &err);
    if (!s) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    store_lease_init_self(&me, 600000);
    return 0;
}

static int teardown(void **state)
{
    store_close(s);
    tmptree_remove(dir);
    free(dir);
    free(db_path);
    return 0;
}

static void make_call(struct call *c, const char *duration)
{
    call_init(c);
    call_set(c, FIELD_FROM, "+1 415 555 0100");
    call_set(c, FIELD_TO, "+1 212 555 0199");
    call_set(c, FIELD_DURATION, duration);
    call_set(c, FIELD_ANSWERED, "yes");
    call_set(c, FIELD_HUMAN, "no");
    call_set(c, FIELD_TASK, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
    call_set(c, FIELD_USER, "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d");
}

/* A row written ahead for an attempt under lease l (sending), for base. */
static long long sending_at(const char *duration, const struct store_lease *l, const char *base,
                            const char *slot)
{
    struct call c;
    struct store_new n = {.call = &c, .api_base = base, .draft_slot = slot};
    long long id = 0;
    char *err = NULL;

    make_call(&c, duration);
    if (!store_insert_sending(s, &n, l, T0, &id, NULL, &err))
        fail_msg("insert: %s", err);
    call_done(&c);
    return id;
}

static long long sending(const char *duration)
{
    return sending_at(duration, &me, BASE, NULL);
}

/* A row of ours that ended in state st (unknown, review, pending, sent or rejected). */
static long long ended(const char *duration, enum store_state st, const char *remote_id)
{
    long long id = sending(duration);
    struct store_outcome o = {.state = st, .error = "earlier", .remote_id = remote_id,
                              .resolved_by = remote_id ? "lookup" : NULL,
                              .next_attempt_at = T0, .candidates = "[]"};
    char *err = NULL;

    if (!store_finish(s, id, &me, &o, T0, &err))
        fail_msg("finish: %s", err);
    return id;
}

static void get_row(long long id, struct store_row *r)
{
    char *err = NULL;

    store_row_done(r);
    store_row_init(r);
    if (store_get(s, id, r, &err) != 1)
        fail_msg("no row %lld: %s", id, err ? err : "");
}

static void sql(const char *text)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int conclude(long long id, const struct store_lease *l, const char *const *ids,
                    const char *const *json, size_t n_full, const char *const *partial,
                    size_t n_partial, enum store_lookup_verdict *v, const char **taken)
{
    struct store_lookup lk = {.full_ids = ids, .full_json = json, .n_full = n_full,
                              .partial_json = partial, .n_partial = n_partial};
    char *err = NULL;
    int rc = store_conclude_lookup(s, id, l, &lk, T0 + 5000, T0 + 9000, v, taken, &err);

    free(err);
    return rc;
}

static const char *const ids3[] = {"srv-1", "srv-2", "srv-3"};
static const char *const json3[] = {"{\"id\":\"srv-1\"}", "{\"id\":\"srv-2\"}",
                                    "{\"id\":\"srv-3\"}"};
static const char *const partial2[] = {"{\"p\":1}", "{\"p\":2}"};

/* ---- store_conclude_lookup ---- */

static void lookup__one_unowned_full_match_is_recorded_sent_by_lookup(void **state)
{
    long long id = sending("10");
    enum store_lookup_verdict v = STORE_LOOKUP_ABSENT;
    const char *taken = NULL;
    struct store_row r;

    store_row_init(&r);
    assert_int_equal(conclude(id, &me, ids3, json3, 1, NULL, 0, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_FOUND);
    assert_ptr_equal(taken, ids3[0]);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_int_equal(r.last_status, 200);
    assert_string_equal(r.remote_id, "srv-1");
    assert_string_equal(r.response, json3[0]);
    assert_string_equal(r.resolved_by, "lookup");
    assert_null(r.lease_host);
    store_row_done(&r);
}

static void lookup__a_match_another_row_owns_is_skipped_and_the_next_one_taken(void **state)
{
    long long owner = ended("10", STORE_SENT, "srv-1");
    long long other = ended("10", STORE_UNKNOWN, NULL); /* u = 2 with the row below */
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = NULL;
    struct store_row r;

    (void)owner;
    (void)other;
    store_row_init(&r);
    /* srv-1 is owned: k = 2 (srv-2, srv-3) <= u = 2, and the first unowned one is taken */
    assert_int_equal(conclude(id, &me, ids3, json3, 3, NULL, 0, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_FOUND);
    assert_ptr_equal(taken, ids3[1]);
    get_row(id, &r);
    assert_string_equal(r.remote_id, "srv-2");
    assert_string_equal(r.response, json3[1]);
    store_row_done(&r);
}

static void lookup__only_owned_matches_and_nothing_partial_is_absent(void **state)
{
    long long owner = ended("10", STORE_SENT, "srv-1");
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = "x";
    struct store_row r;

    (void)owner;
    store_row_init(&r);
    assert_int_equal(conclude(id, &me, ids3, json3, 1, NULL, 0, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_ABSENT);
    assert_null(taken);
    /* the row stays ours, sending: the caller posts it now and records that outcome */
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENDING);
    assert_non_null(r.lease_host);
    assert_null(r.remote_id);
    store_row_done(&r);
}

static void lookup__more_matches_than_rows_alike_go_to_review_with_every_candidate(void **state)
{
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = NULL;
    struct store_row r;

    store_row_init(&r);
    /* k = 2 > u = 1 */
    assert_int_equal(conclude(id, &me, ids3, json3, 2, partial2, 1, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_REVIEW);
    assert_null(taken);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REVIEW);
    assert_null(r.lease_host);
    assert_string_equal(r.candidates, "[{\"id\":\"srv-1\"},{\"id\":\"srv-2\"},{\"p\":1}]");
    assert_non_null(strstr(r.last_error, "more calls like this one than this machine sent"));
    store_row_done(&r);
}

static void lookup__only_partial_matches_go_to_review_as_indistinguishable(void **state)
{
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = NULL;
    struct store_row r;

    store_row_init(&r);
    assert_int_equal(conclude(id, &me, ids3, json3, 0, partial2, 2, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_REVIEW);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REVIEW);
    assert_string_equal(r.candidates, "[{\"p\":1},{\"p\":2}]");
    assert_non_null(strstr(r.last_error, "cannot be told apart"));
    store_row_done(&r);
}

static void lookup__a_call_alike_in_flight_makes_it_wait_unknown_until_retry_at(void **state)
{
    long long busy = sending("10"); /* another attempt of ours, alike, still sending */
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = NULL;
    struct store_row r;

    store_row_init(&r);
    assert_int_equal(conclude(id, &me, ids3, json3, 1, NULL, 0, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_WAIT);
    assert_null(taken);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.next_attempt_at, T0 + 9000);
    assert_null(r.remote_id);
    assert_non_null(strstr(r.last_error, "being sent right now"));
    get_row(busy, &r);
    assert_int_equal(r.state, STORE_SENDING);
    store_row_done(&r);
}

static void lookup__a_dead_senders_row_counts_as_unresolved_not_as_in_flight(void **state)
{
    struct store_lease dead;
    enum store_lookup_verdict v;
    const char *taken = NULL;
    long long gone, id;
    int status;
    pid_t kid;

    fflush(NULL);
    kid = fork();
    if (kid == 0)
        _exit(0);
    assert_int_equal(waitpid(kid, &status, 0), kid);
    store_lease_init_self(&dead, 600000);
    dead.pid = kid;
    gone = sending_at("10", &dead, BASE, NULL);
    id = sending("10");
    /* reaped first: u = 2, so two unowned matches are both accounted for */
    assert_int_equal(conclude(id, &me, ids3, json3, 2, NULL, 0, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_FOUND);
    assert_ptr_equal(taken, ids3[0]);
    {
        struct store_row r;
        store_row_init(&r);
        get_row(gone, &r);
        assert_int_equal(r.state, STORE_UNKNOWN);
        store_row_done(&r);
    }
}

/* Rows alike are those with the same content and base, unknown or in review, not put aside;
 * the one looked up counts itself. Both sides: u matches are found, u + 1 go to review. */
static void alike_scenario(const char *duration, size_t first, size_t n_full,
                           enum store_lookup_verdict want)
{
    static const char *const all_ids[] = {"a-1", "a-2", "a-3", "a-4", "b-1", "b-2", "b-3", "b-4"};
    static const char *const all_json[] = {"{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}",
                                           "{\"b\":1}", "{\"b\":2}", "{\"b\":3}", "{\"b\":4}"};
    const char *const *ids = all_ids + first, *const *json = all_json + first;
    const char *other_dur = strcmp(duration, "30") ? "30" : "31";
    enum store_lookup_verdict v;
    const char *taken = NULL;
    long long quarantined, id;
    char *q;

    ended(duration, STORE_UNKNOWN, NULL);   /* counts */
    ended(duration, STORE_REVIEW, NULL);    /* counts */
    ended(duration, STORE_PENDING, NULL);   /* never attempted again yet: does not count */
    ended(duration, STORE_REJECTED, NULL);  /* does not count */
    ended(other_dur, STORE_UNKNOWN, NULL);  /* other content */
    {
        struct store_outcome o = {.state = STORE_UNKNOWN, .error = "x", .next_attempt_at = T0};
        char *err = NULL;
        long long elsewhere = sending_at(duration, &me, "http://127.0.0.1:10", NULL);
        assert_true(store_finish(s, elsewhere, &me, &o, T0, &err)); /* other base */
    }
    quarantined = ended(duration, STORE_UNKNOWN, NULL);
    q = xasprintf("UPDATE calls SET quarantine = 'damaged for the test' WHERE id = %lld",
                  quarantined);
    sql(q);
    free(q);
    id = sending(duration);
    assert_int_equal(conclude(id, &me, ids, json, n_full, NULL, 0, &v, &taken), 0);
    if (v != want)
        fprintf(stderr, "# duration %s, %zu full matches: verdict %d, want %d\n", duration,
                n_full, (int)v, (int)want);
    assert_int_equal(v, want);
}

static void lookup__rows_alike_are_unknown_or_review_same_content_same_base_not_quarantined(
    void **state)
{
    alike_scenario("40", 0, 3, STORE_LOOKUP_FOUND);
    alike_scenario("41", 4, 4, STORE_LOOKUP_REVIEW);
}

static void lookup__an_outcome_the_lease_no_longer_allows_is_not_recorded(void **state)
{
    struct store_lease stranger;
    long long busy = sending("10");
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = NULL;
    struct store_row r;

    (void)busy;
    store_row_init(&r);
    store_lease_init_self(&stranger, 600000);
    /* WAIT and REVIEW are the holder's to record: refused, and nothing changes */
    assert_int_equal(conclude(id, &stranger, ids3, json3, 1, NULL, 0, &v, &taken), -1);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENDING);
    assert_int_equal(conclude(id, &me, ids3, json3, 1, NULL, 0, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_WAIT);
    store_row_done(&r);
}

/* Rule: the candidates a review keeps are capped at 4 MiB and stay one JSON array: a
 * candidate that would pass the cap is left out, the ones before it are kept. */
static void lookup__review_candidates_are_capped_at_4_mib_and_stay_an_array(void **state)
{
    size_t big = 3u << 20, small = 3u << 19; /* 3 MiB fit, 1.5 MiB more do not */
    char *a = xcalloc(1, big + 1), *b = xcalloc(1, small + 1);
    const char *partial[2];
    long long id = sending("10");
    enum store_lookup_verdict v;
    const char *taken = NULL;
    struct store_row r;

    memset(a, 'a', big);
    memset(b, 'b', small);
    a[0] = b[0] = '"';
    a[big - 1] = b[small - 1] = '"';
    partial[0] = a;
    partial[1] = b;
    store_row_init(&r);
    assert_int_equal(conclude(id, &me, ids3, json3, 0, partial, 2, &v, &taken), 0);
    assert_int_equal(v, STORE_LOOKUP_REVIEW);
    get_row(id, &r);
    assert_int_equal(strlen(r.candidates), big + 2);
    assert_int_equal(r.candidates[0], '[');
    assert_memory_equal(r.candidates + 1, a, big);
    assert_int_equal(r.candidates[big + 1], ']');
    store_row_done(&r);
    free(a);
    free(b);
}

/* ---- store_resolve ---- */

static int resolve(long long id, const char *remote_id, long long now, char **msg)
{
    char *err = NULL;
    int rc = store_resolve(s, id, remote_id, now, &err);

    if (msg)
        *msg = err;
    else
        free(err);
    return rc;
}

static void resolve__naming_the_server_call_makes_it_sent_by_a_human_and_drops_the_draft(
    void **state)
{
    struct store_draft d;
    struct store_row r;
    long long id;
    char *err = NULL;

    store_row_init(&r);
    store_draft_init(&d);
    make_call(&d.call, "10");
    assert_true(store_draft_save(s, "form-1", &d, T0, &err));
    id = sending_at("10", &me, BASE, "form-1");
    {
        struct store_outcome o = {.state = STORE_REVIEW, .error = "two alike",
                                  .candidates = "[{\"id\":\"srv-1\"}]"};
        assert_true(store_finish(s, id, &me, &o, T0, &err));
    }
    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), 1);
    assert_int_equal(resolve(id, "srv-1", T0 + 777, NULL), 1);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_string_equal(r.remote_id, "srv-1");
    assert_string_equal(r.resolved_by, "human");
    assert_int_equal(r.done_at, T0 + 777);
    assert_null(r.last_error);
    assert_null(r.candidates);
    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), 0);
    assert_int_equal(store_count_state(s, STORE_SENT, &err), 1);
    assert_int_equal(store_draft_load(s, "form-1", &d, &err), 0);
    store_draft_done(&d);
    store_row_done(&r);
}

static void resolve__send_again_makes_it_pending_due_now_and_keeps_the_draft(void **state)
{
    struct store_draft d;
    struct store_row r;
    long long id;
    char *err = NULL;

    store_row_init(&r);
    store_draft_init(&d);
    make_call(&d.call, "10");
    assert_true(store_draft_save(s, "form-2", &d, T0, &err));
    id = sending_at("10", &me, BASE, "form-2");
    {
        struct store_outcome o = {.state = STORE_REVIEW, .error = "two alike",
                                  .candidates = "[{\"id\":\"srv-1\"}]"};
        assert_true(store_finish(s, id, &me, &o, T0, &err));
    }
    assert_int_equal(resolve(id, NULL, T0 + 888, NULL), 1);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_PENDING);
    assert_int_equal(r.next_attempt_at, T0 + 888);
    assert_null(r.remote_id);
    assert_null(r.candidates);
    assert_string_equal(r.last_error, "to be sent again, as decided by hand");
    store_draft_done(&d);
    store_draft_init(&d);
    assert_int_equal(store_draft_load(s, "form-2", &d, &err), 1);
    store_draft_done(&d);
    store_row_done(&r);
}

static void resolve__only_a_call_in_review_unknown_or_pending_can_be_resolved(void **state)
{
    long long unknown = ended("10", STORE_UNKNOWN, NULL);
    long long pending = ended("11", STORE_PENDING, NULL);
    long long sent = ended("12", STORE_SENT, "srv-9");
    long long rejected = ended("13", STORE_REJECTED, NULL);
    long long busy = sending("14");
    char *msg = NULL;

    assert_int_equal(resolve(unknown, "srv-1", T0, NULL), 1);
    assert_int_equal(resolve(pending, NULL, T0, NULL), 1);
    assert_int_equal(resolve(sent, NULL, T0, &msg), -1);
    assert_non_null(strstr(msg, "is sent; only a call in review"));
    free(msg);
    assert_int_equal(resolve(rejected, NULL, T0, &msg), -1);
    assert_non_null(strstr(msg, "is rejected"));
    free(msg);
    assert_int_equal(resolve(busy, NULL, T0, &msg), -1);
    assert_non_null(strstr(msg, "is sending"));
    free(msg);
    assert_int_equal(resolve(9999, NULL, T0, &msg), -1);
    assert_non_null(strstr(msg, "there is no call 9999"));
    free(msg);
}

static void resolve__a_damaged_call_is_refused(void **state)
{
    long long id = ended("10", STORE_REVIEW, NULL);
    char *q = xasprintf("UPDATE calls SET quarantine = 'unreadable' WHERE id = %lld", id);
    char *msg = NULL;

    sql(q);
    free(q);
    assert_int_equal(resolve(id, NULL, T0, &msg), -1);
    assert_non_null(strstr(msg, "is damaged"));
    free(msg);
}

static void resolve__refused_while_a_call_alike_is_being_sent(void **state)
{
    long long id = ended("10", STORE_REVIEW, NULL);
    long long busy = sending("10");
    struct store_row r;
    char *msg = NULL;

    store_row_init(&r);
    assert_int_equal(resolve(id, "srv-1", T0, &msg), -1);
    assert_non_null(strstr(msg, "being sent right now"));
    free(msg);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REVIEW);
    /* once that attempt is over, the decision is taken */
    {
        struct store_outcome o = {.state = STORE_UNKNOWN, .error = "x", .next_attempt_at = T0};
        char *err = NULL;
        assert_true(store_finish(s, busy, &me, &o, T0, &err));
    }
    assert_int_equal(resolve(id, "srv-1", T0, NULL), 1);
    store_row_done(&r);
}

static void resolve__a_dead_senders_call_alike_is_reaped_first_and_does_not_block(void **state)
{
    struct store_lease dead;
    long long id = ended("10", STORE_REVIEW, NULL);
    int status;
    pid_t kid;

    fflush(NULL);
    kid = fork();
    if (kid == 0)
        _exit(0);
    assert_int_equal(waitpid(kid, &status, 0), kid);
    store_lease_init_self(&dead, 600000);
    dead.pid = kid;
    sending_at("10", &dead, BASE, NULL);
    assert_int_equal(resolve(id, "srv-1", T0, NULL), 1);
}

static void resolve__a_server_call_another_row_owns_is_refused(void **state)
{
    long long id = ended("10", STORE_REVIEW, NULL);
    struct store_row r;
    char *msg = NULL;

    store_row_init(&r);
    ended("11", STORE_SENT, "srv-1");
    assert_int_equal(resolve(id, "srv-1", T0, &msg), -1);
    assert_non_null(strstr(msg, "already recorded for another call"));
    free(msg);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REVIEW);
    assert_int_equal(resolve(id, "srv-2", T0, NULL), 1);
    store_row_done(&r);
}

/* ---- counts and the server's clock ---- */

static void count_state__counts_sound_rows_in_that_state_only(void **state)
{
    char *err = NULL;
    long long q;
    char *text;

    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), 0);
    ended("10", STORE_REVIEW, NULL);
    q = ended("11", STORE_REVIEW, NULL);
    ended("12", STORE_UNKNOWN, NULL);
    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), 2);
    assert_int_equal(store_count_state(s, STORE_UNKNOWN, &err), 1);
    text = xasprintf("UPDATE calls SET quarantine = 'x' WHERE id = %lld", q);
    sql(text);
    free(text);
    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), 1);
}

static void clock__skew_is_kept_per_base_in_normal_form_and_replaced(void **state)
{
    long long skew = 12345;
    char *err = NULL;

    assert_int_equal(store_clock_skew(s, BASE, &skew, &err), 0);
    assert_int_equal(skew, 12345); /* untouched when never measured */
    assert_true(store_clock_note(s, BASE "/", -4000, T0, &err));
    assert_int_equal(store_clock_skew(s, BASE, &skew, &err), 1);
    assert_int_equal(skew, -4000);
    assert_int_equal(store_clock_skew(s, "http://127.0.0.1:10", &skew, &err), 0);
    assert_null(err); /* a miss is no error */
    assert_true(store_clock_note(s, BASE, 7000, T0 + 1, &err));
    assert_int_equal(store_clock_skew(s, BASE "/", &skew, &err), 1);
    assert_int_equal(skew, 7000);
}

/* Rule: a kept list needs a known kind and a list; a caller may pass no error pointer, and a
 * miss is no error. */
static void lists__refuse_a_missing_list_and_tolerate_no_error_pointer(void **state)
{
    char *err = NULL, *json = (char *)"x";
    long long at = 42;

    assert_false(store_lists_save(s, BASE, NULL, "tasks", NULL, T0, &err));
    assert_string_equal(err, "no list to keep");
    free(err);
    err = NULL;
    assert_false(store_lists_save(s, BASE, NULL, "tasks", NULL, T0, NULL));
    assert_false(store_lists_save(s, BASE, NULL, "calls", "[]", T0, NULL));
    assert_int_equal(store_lists_load(s, BASE, NULL, "calls", &json, &at, NULL), -1);
    assert_null(json);
    assert_int_equal(store_lists_load(s, BASE, NULL, "tasks", &json, &at, &err), 0);
    assert_null(json);
    assert_null(err);
    assert_int_equal(at, 42);
    assert_true(store_lists_save(s, BASE, NULL, "tasks", "[1]", T0 + 3, NULL));
    assert_int_equal(store_lists_load(s, BASE, "", "tasks", &json, NULL, &err), 1);
    assert_string_equal(json, "[1]");
    free(json);
    assert_int_equal(store_lists_load(s, BASE "/", NULL, "tasks", &json, &at, &err), 1);
    assert_int_equal(at, T0 + 3);
    free(json);
}

/* Rule: a store whose tables went missing reports an error, never "never measured" or
 * "nothing kept". */
static void store__a_missing_table_is_an_error_not_an_empty_answer(void **state)
{
    char *err = NULL, *json = NULL;
    long long skew = 0;

    sql("DROP TABLE server_clock; DROP TABLE lists");
    /* any statement makes the store's connection read the new schema */
    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), 0);
    assert_int_equal(store_clock_skew(s, BASE, &skew, &err), -1);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_false(store_clock_note(s, BASE, 1, T0, &err));
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_int_equal(store_lists_load(s, BASE, NULL, "tasks", &json, NULL, &err), -1);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_false(store_lists_save(s, BASE, NULL, "tasks", "[]", T0, &err));
    assert_non_null(err);
    free(err);
}

/* Rule: without its calls table a store answers every question about calls with an error,
 * never with "nothing there". */
static void store__a_missing_calls_table_is_an_error_not_nothing(void **state)
{
    long long id = ended("10", STORE_REJECTED, NULL);
    enum store_lookup_verdict v;
    const char *taken = NULL;
    char *err = NULL;

    sql("DROP TABLE calls");
    {
        long long skew;
        /* any statement makes the store's connection read the new schema */
        assert_int_equal(store_clock_skew(s, BASE, &skew, &err), 0);
    }
    assert_int_equal(store_requeue(s, id, T0, &err), -1);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_int_equal(store_count_state(s, STORE_REVIEW, &err), -1);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_int_equal(resolve(id, NULL, T0, &err), -1);
    assert_non_null(err);
    free(err);
    assert_int_equal(conclude(id, &me, ids3, json3, 1, NULL, 0, &v, &taken), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(lookup__one_unowned_full_match_is_recorded_sent_by_lookup),
        T(lookup__a_match_another_row_owns_is_skipped_and_the_next_one_taken),
        T(lookup__only_owned_matches_and_nothing_partial_is_absent),
        T(lookup__more_matches_than_rows_alike_go_to_review_with_every_candidate),
        T(lookup__only_partial_matches_go_to_review_as_indistinguishable),
        T(lookup__a_call_alike_in_flight_makes_it_wait_unknown_until_retry_at),
        T(lookup__a_dead_senders_row_counts_as_unresolved_not_as_in_flight),
        T(lookup__rows_alike_are_unknown_or_review_same_content_same_base_not_quarantined),
        T(lookup__an_outcome_the_lease_no_longer_allows_is_not_recorded),
        T(lookup__review_candidates_are_capped_at_4_mib_and_stay_an_array),
        T(resolve__naming_the_server_call_makes_it_sent_by_a_human_and_drops_the_draft),
        T(resolve__send_again_makes_it_pending_due_now_and_keeps_the_draft),
        T(resolve__only_a_call_in_review_unknown_or_pending_can_be_resolved),
        T(resolve__a_damaged_call_is_refused),
        T(resolve__refused_while_a_call_alike_is_being_sent),
        T(resolve__a_dead_senders_call_alike_is_reaped_first_and_does_not_block),
        T(resolve__a_server_call_another_row_owns_is_refused),
        T(count_state__counts_sound_rows_in_that_state_only),
        T(clock__skew_is_kept_per_base_in_normal_form_and_replaced),
        T(lists__refuse_a_missing_list_and_tolerate_no_error_pointer),
        T(store__a_missing_table_is_an_error_not_an_empty_answer),
        T(store__a_missing_calls_table_is_an_error_not_nothing),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

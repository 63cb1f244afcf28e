/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proves the fake Amplemarket API behaves as the tests of amplecall assume: auth, POST /calls
 * validation and 201 shape, pagination and filters, every fault kind, the request log and
 * connection ids; and that fakectl/run_capture work. Talks to the server over 127.0.0.1. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "fakectl.h"
#include "core/util.h"

/* A valid POST /calls body for the main user's first task. */
#define VALID_CALL                                                                                 \
    "{\"from\":\"+1 4155550100\",\"to\":\"+1 2125550199\",\"duration\":184,"                       \
    "\"answered\":true,\"human\":true,\"task_id\":\"" FAKE_TASK_ID_FIRST "\","                     \
    "\"user_id\":\"" FAKE_USER_ID "\"}"

struct resp {
    CURLcode rc;
    long status;
    char *body;
    size_t len;
    char *retry_after;
    char *content_type;
    char *date;
    double secs;
};

static struct fake *shared; /* the server most tests use; reset before each test */

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    struct resp *r = cls;

    r->body = xrealloc(r->body, r->len + size * n + 1);
    memcpy(r->body + r->len, p, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
    struct resp *r = cls;
    size_t len = size * n;
    char *line = xstrndup(p, len), *v;

    v = strchr(line, ':');
    if (v) {
        *v++ = '\0';
        while (*v == ' ')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        if (!strcasecmp(line, "Retry-After"))
            str_set(&r->retry_after, v);
        else if (!strcasecmp(line, "Content-Type"))
            str_set(&r->content_type, v);
        else if (!strcasecmp(line, "Date"))
            str_set(&r->date, v);
    }
    free(line);
    return len;
}

static void resp_free(struct resp *r)
{
    free(r->body);
    free(r->retry_after);
    free(r->content_type);
    free(r->date);
    memset(r, 0, sizeof(*r));
}

/* Prepare h for one request; key NULL sends no Authorization header. */
static struct curl_slist *setup(CURL *h, struct fake *f, const char *method, const char *target,
                                const char *key, const char *body, struct resp *r)
{
    struct curl_slist *hdrs = NULL;
    char *url = xasprintf("%s%s", fake_base_url(f), target);

    memset(r, 0, sizeof(*r));
    r->body = xstrdup("");
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    free(url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "amplecall-test/1");
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (key) {
        char *auth = xasprintf("Authorization: Bearer %s", key);

        hdrs = curl_slist_append(hdrs, auth);
        free(auth);
    }
    if (body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    return hdrs;
}

/* One request on handle h (reused connection) or on a fresh handle when h is NULL. */
static struct resp req_on(CURL *h, struct fake *f, const char *method, const char *target,
                          const char *key, const char *body)
{
    CURL *own = h ? NULL : curl_easy_init();
    CURL *use = h ? h : own;
    struct resp r;
    struct curl_slist *hdrs;

    assert_non_null(use);
    hdrs = setup(use, f, method, target, key, body, &r);
    r.rc = curl_easy_perform(use);
    curl_easy_getinfo(use, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(use, CURLINFO_TOTAL_TIME, &r.secs);
    curl_slist_free_all(hdrs);
    if (own)
        curl_easy_cleanup(own);
    return r;
}

static struct resp req(struct fake *f, const char *method, const char *target, const char *body)
{
    return req_on(NULL, f, method, target, FAKE_API_KEY, body);
}

/* owned parse of a response body that must be JSON */
static json_object *json_of(const struct resp *r)
{
    json_object *o = json_tokener_parse(r->body);

    if (!o)
        fail_msg("not JSON: %.200s", r->body);
    return o;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("missing key %s in %s", key, json_object_to_json_string(o));
    return v;
}

static const char *get_str(json_object *o, const char *key)
{
    return json_object_get_string(get(o, key));
}

/* Pointer (or parameter) of the first error of an _errors body. */
static void assert_error(const struct resp *r, long status, const char *code, const char *src_kind,
                         const char *src_val)
{
    json_object *o, *item, *src;

    assert_int_equal(r->rc, CURLE_OK);
    assert_int_equal(r->status, status);
    o = json_of(r);
    assert_string_equal(get_str(o, "object"), "error");
    item = json_object_array_get_idx(get(o, "_errors"), 0);
    assert_non_null(item);
    assert_string_equal(get_str(item, "code"), code);
    if (src_kind) {
        src = get(item, "source");
        assert_string_equal(get_str(src, src_kind), src_val);
    } else {
        assert_false(json_object_object_get_ex(item, "source", NULL));
    }
    json_object_put(o);
}

static int reset_shared(void **state)
{
    assert_true(fake_reset(shared));
    return 0;
}

static int start_shared(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    shared = fake_start(NULL);
    return shared ? 0 : -1;
}

static int stop_shared(void **state)
{
    int rc = fake_stop(shared);

    shared = NULL;
    return rc == 0 ? 0 : -1;
}

/* --- auth -------------------------------------------------------------------------------- */

static void requests__without_or_with_a_wrong_key__get_401_unauthorized(void **state)
{
    static const char expected[] = "{\"object\":\"error\",\"_errors\":[{\"code\":\"unauthorized\","
                                   "\"title\":\"Unauthorized\",\"detail\":\"Invalid API key\"}]}";
    struct resp a = req_on(NULL, shared, "GET", "/calls/dispositions", NULL, NULL);
    struct resp b = req_on(NULL, shared, "POST", "/calls", "wrong-key", VALID_CALL);
    json_object *want = json_tokener_parse(expected), *got;
    json_object *log;

    assert_int_equal(a.status, 401);
    got = json_of(&a);
    assert_true(json_object_equal(got, want));
    json_object_put(got);
    assert_int_equal(b.status, 401);
    log = fake_requests(shared);
    assert_int_equal(json_object_array_length(log), 2);
    assert_string_equal(get_str(json_object_array_get_idx(log, 0), "auth"), "missing");
    assert_string_equal(get_str(json_object_array_get_idx(log, 1), "auth"), "invalid");
    json_object_put(log);
    json_object *calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 0);
    json_object_put(calls);
    json_object_put(want);
    resp_free(&a);
    resp_free(&b);
}

/* --- POST /calls ------------------------------------------------------------------------- */

static const char *const required[] = {"from",  "to",      "duration", "answered",
                                       "human", "task_id", "user_id"};

static void post_calls__empty_object__gets_the_seed_missing_field_body_exactly(void **state)
{
    struct resp r = req(shared, "POST", "/calls", "{}");

    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "{\"_errors\":[{\"code\":\"missing_field\",\"title\":\"Missing "
                                "Field\",\"detail\":\"Missing field from request: from\","
                                "\"source\":{\"pointer\":\"/from\"}}],\"object\":\"error\"}");
    resp_free(&r);
}

static void post_calls__each_missing_required_field__is_named_by_pointer(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(required); i++) {
        json_object *body = json_tokener_parse(VALID_CALL), *o, *items;
        char *ptr = xasprintf("/%s", required[i]);
        char *detail = xasprintf("Missing field from request: %s", required[i]);
        struct resp r;

        json_object_object_del(body, required[i]);
        r = req(shared, "POST", "/calls", json_object_to_json_string(body));
        assert_error(&r, 400, "missing_field", "pointer", ptr);
        o = json_of(&r);
        items = get(o, "_errors");
        assert_int_equal(json_object_array_length(items), 1);
        assert_string_equal(get_str(json_object_array_get_idx(items, 0), "detail"), detail);
        assert_string_equal(get_str(json_object_array_get_idx(items, 0), "title"), "Missing Field");
        json_object_put(o);
        json_object_put(body);
        free(ptr);
        free(detail);
        resp_free(&r);
    }
    json_object *calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 0);
    json_object_put(calls);
}

static void post_calls__null_required_field__counts_as_missing(void **state)
{
    json_object *body = json_tokener_parse(VALID_CALL);
    struct resp r;

    json_object_object_add(body, "human", NULL);
    r = req(shared, "POST", "/calls", json_object_to_json_string(body));
    assert_error(&r, 400, "missing_field", "pointer", "/human");
    json_object_put(body);
    resp_free(&r);
}

static void post_calls__with_all_errors_flag__reports_every_missing_field_in_order(void **state)
{
    static const char *const args[] = {"--all-errors", NULL};
    struct fake *f = fake_start(args);
    struct resp r;
    json_object *o, *items;

    assert_non_null(f);
    r = req(f, "POST", "/calls", "{\"from\":\"+1 1\",\"duration\":3}");
    assert_int_equal(r.status, 400);
    o = json_of(&r);
    items = get(o, "_errors");
    assert_int_equal(json_object_array_length(items), 5);
    assert_string_equal(get_str(get(json_object_array_get_idx(items, 0), "source"), "pointer"),
                        "/to");
    assert_string_equal(get_str(get(json_object_array_get_idx(items, 4), "source"), "pointer"),
                        "/user_id");
    json_object_put(o);
    resp_free(&r);
    assert_int_equal(fake_stop(f), 0);
}

static void post_calls__wrong_types__get_400_unsupported_value_with_pointer(void **state)
{
    static const struct {
        const char *field, *json;
    } cases[] = {
        {"duration", "\"184\""}, {"duration", "1.5"},    {"duration", "-1"},
        {"answered", "\"yes\""}, {"human", "1"},         {"task_id", "42"},
        {"user_id", "true"},     {"from", "4155550100"}, {"disposition_id", "7"},
    };

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        json_object *body = json_tokener_parse(VALID_CALL);
        char *ptr = xasprintf("/%s", cases[i].field);
        struct resp r;

        json_object_object_add(body, cases[i].field, json_tokener_parse(cases[i].json));
        r = req(shared, "POST", "/calls", json_object_to_json_string(body));
        assert_error(&r, 400, "unsupported_value", "pointer", ptr);
        json_object_put(body);
        free(ptr);
        resp_free(&r);
    }
}

static void post_calls__unknown_ids__get_422_unsupported_value_with_pointer(void **state)
{
    static const char *const fields[] = {"task_id", "user_id", "disposition_id"};

    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        json_object *body = json_tokener_parse(VALID_CALL);
        char *ptr = xasprintf("/%s", fields[i]);
        struct resp r;

        json_object_object_add(body, fields[i],
                               json_object_new_string("00000000-0000-7000-8000-000000000000"));
        r = req(shared, "POST", "/calls", json_object_to_json_string(body));
        assert_error(&r, 422, "unsupported_value", "pointer", ptr);
        json_object_put(body);
        free(ptr);
        resp_free(&r);
    }
}

static void post_calls__non_json_body__gets_400_without_pointer(void **state)
{
    static const char *const bodies[] = {"from=1&to=2", "[1,2]", "{\"from\":", "{} trailing"};

    for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
        struct resp r = req(shared, "POST", "/calls", bodies[i]);

        assert_error(&r, 400, "unsupported_value", NULL, NULL);
        resp_free(&r);
    }
}

static void post_calls__valid__gets_201_call_object_and_is_stored(void **state)
{
    json_object *body = json_tokener_parse(VALID_CALL), *o, *contact, *calls;
    struct resp r;

    json_object_object_add(body, "disposition_id", json_object_new_string(FAKE_DISPO_NEXT_ID));
    json_object_object_add(body, "recording_url",
                           json_object_new_string("https://rec.example/1.mp3"));
    json_object_object_add(body, "transcription", json_object_new_string("Hi, 王小明 here"));
    r = req(shared, "POST", "/calls", json_object_to_json_string(body));
    assert_int_equal(r.status, 201);
    o = json_of(&r);
    assert_int_equal(strlen(get_str(o, "id")), 36);
    assert_string_equal(get_str(o, "disposition_id"), FAKE_DISPO_NEXT_ID);
    assert_int_equal(json_object_get_type(get(o, "duration")), json_type_int);
    assert_int_equal(json_object_get_int(get(o, "duration")), 184);
    assert_true(json_object_get_boolean(get(o, "external")));
    assert_int_equal(strlen(get_str(o, "start_date")), 20);
    assert_int_equal(get_str(o, "start_date")[19], 'Z');
    assert_string_equal(get_str(o, "from"), "+1 4155550100");
    assert_string_equal(get_str(o, "to"), "+1 2125550199");
    assert_null(get(o, "notes"));
    assert_string_equal(get_str(o, "transcription"), "Hi, 王小明 here");
    assert_string_equal(get_str(o, "recording_url"), "https://rec.example/1.mp3");
    assert_string_equal(get_str(o, "task_id"), FAKE_TASK_ID_FIRST);
    assert_string_equal(get_str(o, "user_id"), FAKE_USER_ID);
    assert_int_equal(json_object_get_type(get(o, "human")), json_type_boolean);
    assert_int_equal(json_object_get_type(get(o, "answered")), json_type_boolean);
    contact = get(o, "contact");
    assert_string_equal(get_str(contact, "name"), "Pat Lee");
    assert_non_null(get_str(contact, "id"));
    assert_non_null(get_str(contact, "email"));
    calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 1);
    assert_true(json_object_equal(json_object_array_get_idx(calls, 0), o));
    json_object_put(calls);
    json_object_put(o);
    json_object_put(body);
    resp_free(&r);
}

static void post_calls__without_optional_fields__omits_recording_url(void **state)
{
    struct resp r = req(shared, "POST", "/calls", VALID_CALL);
    json_object *o;

    assert_int_equal(r.status, 201);
    o = json_of(&r);
    assert_false(json_object_object_get_ex(o, "recording_url", NULL));
    assert_null(get(o, "transcription"));
    assert_null(get(o, "disposition_id"));
    json_object_put(o);
    resp_free(&r);
}

/* Number of tasks on all pages of target, following _links.next; fills ids if non-NULL. */
static size_t follow_pages(struct fake *f, const char *target, size_t *pages, char ***ids)
{
    char *next = xstrdup(target);
    size_t n = 0;

    *pages = 0;
    if (ids)
        *ids = NULL;
    while (next) {
        struct resp r = req(f, "GET", next, NULL);
        json_object *o, *links, *nx, *list;
        const char *key = strncmp(next, "/users", 6) == 0   ? "users"
                          : strncmp(next, "/tasks", 6) == 0 ? "tasks"
                                                            : "calls";

        assert_int_equal(r.status, 200);
        o = json_of(&r);
        list = get(o, key);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            if (ids) {
                *ids = xrealloc(*ids, (n + 1) * sizeof(**ids));
                (*ids)[n] = xstrdup(get_str(json_object_array_get_idx(list, i), "id"));
            }
            n++;
        }
        links = get(o, "_links");
        assert_non_null(get_str(get(links, "self"), "href"));
        free(next);
        next = NULL;
        if (json_object_object_get_ex(links, "next", &nx))
            next = xstrdup(get_str(nx, "href"));
        (*pages)++;
        assert_true(*pages < 1000);
        json_object_put(o);
        resp_free(&r);
    }
    return n;
}

static void get_tasks__pages_of_20__follow_next_links_until_absent(void **state)
{
    size_t pages, n;
    char **ids;

    /* 45 seeded phone calls + 4 extra tasks of the main user (email, completed, skipped,
     * automatic). */
    n = follow_pages(shared, "/tasks?user_id=" FAKE_USER_ID, &pages, &ids);
    assert_int_equal(n, 49);
    assert_int_equal(pages, 3);
    assert_string_equal(ids[0], FAKE_TASK_ID_FIRST);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

static void get_tasks__next_link__has_literal_brackets_and_percent_encoded_ones_work(void **state)
{
    struct resp r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL), r2;
    json_object *o = json_of(&r), *o2;
    const char *next = get_str(get(get(o, "_links"), "next"), "href");
    char *enc = xstrdup(next), *p;
    char first2[FAKE_ID_LEN];

    assert_non_null(strstr(next, "page[size]=20"));
    assert_non_null(strstr(next, "page[after]="));
    assert_int_equal(strncmp(next, "/tasks?", 7), 0);
    assert_string_equal(get_str(get(get(o, "_links"), "self"), "href"),
                        "/tasks?page[size]=20&user_id=" FAKE_USER_ID);
    /* Same request with %5B/%5D instead of brackets. */
    free(enc);
    enc = xmalloc(strlen(next) * 3 + 1);
    p = enc;
    for (const char *q = next; *q; q++)
        p += *q == '[' ? sprintf(p, "%%5B") : *q == ']' ? sprintf(p, "%%5D") : sprintf(p, "%c", *q);
    r2 = req(shared, "GET", enc, NULL);
    assert_int_equal(r2.status, 200);
    o2 = json_of(&r2);
    assert_int_equal(json_object_array_length(get(o2, "tasks")), 20);
    /* The second page starts right after the last of the first. */
    fake_task_id(20, first2);
    assert_string_not_equal(get_str(json_object_array_get_idx(get(o2, "tasks"), 0), "id"),
                            get_str(json_object_array_get_idx(get(o, "tasks"), 0), "id"));
    assert_non_null(get(get(o2, "_links"), "prev"));
    json_object_put(o2);
    json_object_put(o);
    free(enc);
    resp_free(&r);
    resp_free(&r2);
}

static void get_tasks__phone_scheduled_manual_filter__lists_exactly_the_seeded_tasks(void **state)
{
    size_t pages, n;
    char **ids, want[FAKE_ID_LEN];

    n = follow_pages(shared,
                     "/tasks?user_id=" FAKE_USER_ID
                     "&type=phone_call&status=scheduled&automatic=false&page[size]=7",
                     &pages, &ids);
    assert_int_equal(n, 45);
    assert_int_equal(pages, 7);
    for (size_t i = 0; i < n; i++) {
        fake_task_id((int)i + 1, want);
        assert_string_equal(ids[i], want);
        free(ids[i]);
    }
    free(ids);
    n = follow_pages(shared, "/tasks?user_id=" FAKE_USER_ID "&type=email", &pages, NULL);
    assert_int_equal(n, 1);
    n = follow_pages(shared, "/tasks?user_id=" FAKE_USER_ID "&status=completed", &pages, NULL);
    assert_int_equal(n, 1);
    n = follow_pages(shared, "/tasks?user_id=" FAKE_USER2_ID, &pages, NULL);
    assert_int_equal(n, 1);
    n = follow_pages(shared, "/tasks?user_id=" FAKE_USER_ID "&keyword=PROSPECT.example&type=email",
                     &pages, NULL);
    assert_int_equal(n, 1);
}

static void get_tasks__without_user_id__gets_400_naming_the_parameter(void **state)
{
    struct resp r = req(shared, "GET", "/tasks?type=phone_call", NULL);

    assert_error(&r, 400, "missing_field", "parameter", "user_id");
    resp_free(&r);
}

static void get_tasks__task_objects__have_doc_fields_and_utf8_contact_names(void **state)
{
    static const char *const names[] = {"José Álvarez", "王小明", "佐藤 花子", "Zoë Brontë 🚀"};
    struct resp r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID "&page[size]=100", NULL);
    json_object *o = json_of(&r), *tasks = get(o, "tasks"), *t;
    bool seen_null = false, seen_empty = false, seen_text = false;

    t = json_object_array_get_idx(tasks, 0);
    assert_string_equal(get_str(t, "id"), FAKE_TASK_ID_FIRST);
    assert_false(json_object_get_boolean(get(t, "automatic")));
    assert_string_equal(get_str(t, "type"), "phone_call");
    assert_string_equal(get_str(t, "status"), "scheduled");
    assert_string_equal(get_str(t, "due_on"), "2026-06-03T09:00:00Z");
    assert_null(get(t, "finished_on"));
    assert_null(get(t, "sequence_key"));
    assert_null(get(t, "sequence_name"));
    assert_string_equal(get_str(t, "user_id"), FAKE_USER_ID);
    assert_string_equal(get_str(t, "user_email"), FAKE_USER_EMAIL);
    assert_string_equal(get_str(get(t, "contact"), "name"), "Pat Lee");
    for (size_t k = 0; k < ARRAY_LEN(names); k++) {
        bool found = false;

        for (size_t i = 0; i < json_object_array_length(tasks); i++) {
            json_object *c = get(json_object_array_get_idx(tasks, i), "contact");
            const char *name = c ? json_object_get_string(get(c, "name")) : NULL;

            if (name && !strcmp(name, names[k]))
                found = true;
        }
        assert_true(found);
    }
    for (size_t i = 0; i < json_object_array_length(tasks); i++) {
        json_object *notes = get(json_object_array_get_idx(tasks, i), "notes");

        if (!notes)
            seen_null = true;
        else if (!*json_object_get_string(notes))
            seen_empty = true;
        else
            seen_text = true;
    }
    assert_true(seen_null && seen_empty && seen_text);
    json_object_put(o);
    resp_free(&r);
}

static void post_calls__complete_disposition__completes_the_task(void **state)
{
    json_object *body = json_tokener_parse(VALID_CALL);
    size_t pages;
    struct resp r;

    json_object_object_add(body, "disposition_id", json_object_new_string(FAKE_DISPO_COMPLETE_ID));
    r = req(shared, "POST", "/calls", json_object_to_json_string(body));
    assert_int_equal(r.status, 201);
    assert_int_equal(follow_pages(shared,
                                  "/tasks?user_id=" FAKE_USER_ID "&status=scheduled"
                                  "&type=phone_call&automatic=false",
                                  &pages, NULL),
                     44);
    assert_true(fake_reset(shared));
    assert_int_equal(follow_pages(shared,
                                  "/tasks?user_id=" FAKE_USER_ID "&status=scheduled"
                                  "&type=phone_call&automatic=false",
                                  &pages, NULL),
                     45);
    json_object_put(body);
    resp_free(&r);
}

static void tasks_option__sets_the_number_of_seeded_tasks(void **state)
{
    static const char *const args[] = {"--tasks", "0", NULL};
    struct fake *f = fake_start(args);
    size_t pages;

    assert_non_null(f);
    assert_int_equal(follow_pages(f,
                                  "/tasks?user_id=" FAKE_USER_ID "&type=phone_call"
                                  "&status=scheduled&automatic=false",
                                  &pages, NULL),
                     0);
    assert_int_equal(pages, 1);
    assert_int_equal(fake_stop(f), 0);
}

/* --- users, dispositions, calls ------------------------------------------------------------ */

static void get_users__email_filter__is_exact_and_case_insensitive(void **state)
{
    struct resp all = req(shared, "GET", "/users", NULL);
    struct resp one = req(shared, "GET", "/users?email=DANA%40Acme.Example", NULL);
    struct resp part = req(shared, "GET", "/users?email=dana", NULL);
    json_object *o = json_of(&all), *o1 = json_of(&one), *o2 = json_of(&part);

    assert_true(json_object_array_length(get(o, "users")) >= 3);
    assert_string_equal(get_str(json_object_array_get_idx(get(o, "users"), 0), "id"), FAKE_USER_ID);
    assert_int_equal(json_object_array_length(get(o1, "users")), 1);
    assert_string_equal(get_str(json_object_array_get_idx(get(o1, "users"), 0), "email"),
                        FAKE_USER_EMAIL);
    assert_int_equal(json_object_array_length(get(o2, "users")), 0);
    json_object_put(o);
    json_object_put(o1);
    json_object_put(o2);
    resp_free(&all);
    resp_free(&one);
    resp_free(&part);
}

static void get_dispositions__lists_both_actions(void **state)
{
    struct resp r = req(shared, "GET", "/calls/dispositions", NULL);
    json_object *o = json_of(&r), *list = get(o, "dispositions");
    bool has_complete = false, has_next = false;

    assert_true(json_object_array_length(list) >= 5);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *d = json_object_array_get_idx(list, i);

        assert_non_null(get_str(d, "name"));
        has_complete |= !strcmp(get_str(d, "action"), "complete") &&
                        !strcmp(get_str(d, "id"), FAKE_DISPO_COMPLETE_ID);
        has_next |= !strcmp(get_str(d, "action"), "next_stage") &&
                    !strcmp(get_str(d, "id"), FAKE_DISPO_NEXT_ID);
    }
    assert_true(has_complete && has_next);
    assert_string_equal(get_str(get(get(o, "_links"), "self"), "href"), "/calls/dispositions");
    json_object_put(o);
    resp_free(&r);
}

static void get_calls__lists_stored_calls_newest_first_with_filters(void **state)
{
    json_object *body = json_tokener_parse(VALID_CALL), *o;
    struct resp r;
    size_t pages;

    for (int i = 0; i < 3; i++) {
        json_object_object_add(body, "duration", json_object_new_int(i));
        r = req(shared, "POST", "/calls", json_object_to_json_string(body));
        assert_int_equal(r.status, 201);
        resp_free(&r);
    }
    r = req(shared, "GET",
            "/calls?user_id=" FAKE_USER_ID "&to=%2B1%202125550199"
            "&start_date_from=2020-01-01T00:00:00Z&page[size]=2",
            NULL);
    assert_int_equal(r.status, 200);
    o = json_of(&r);
    assert_int_equal(json_object_array_length(get(o, "calls")), 2);
    assert_int_equal(
        json_object_get_int(get(json_object_array_get_idx(get(o, "calls"), 0), "duration")), 2);
    json_object_put(o);
    resp_free(&r);
    assert_int_equal(
        follow_pages(shared, "/calls?user_id=" FAKE_USER_ID "&page[size]=2", &pages, NULL), 3);
    assert_int_equal(pages, 2);
    assert_int_equal(follow_pages(shared, "/calls?user_id=" FAKE_USER2_ID, &pages, NULL), 0);
    assert_int_equal(
        follow_pages(shared, "/calls?start_date_to=2020-01-01T00:00:00%2B02:00", &pages, NULL), 0);
    r = req(shared, "GET", "/calls?start_date_from=yesterday", NULL);
    assert_error(&r, 400, "unsupported_value", "parameter", "start_date_from");
    resp_free(&r);
    json_object_put(body);
}

/* --- faults ------------------------------------------------------------------------------ */

static void fault_status__5xx__answers_internal_server_error_then_clears_after_times(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"status\":503,\"times\":2}"));
    for (int i = 0; i < 2; i++) {
        r = req(shared, "POST", "/calls", VALID_CALL);
        assert_error(&r, 503, "internal_server_error", NULL, NULL);
        resp_free(&r);
    }
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 201);
    resp_free(&r);
    json_object *calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 1);
    json_object_put(calls);
    json_object *last = fake_last_request(shared, "POST", "/calls");
    assert_null(get(last, "fault"));
    json_object_put(last);
}

static void fault_queue__429_with_retry_after__applies_in_order(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "[{\"status\":429,\"retry_after\":7,\"times\":1},"
                                        "{\"status\":500,\"times\":1}]"));
    r = req(shared, "GET", "/calls/dispositions", NULL);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.retry_after, "7");
    assert_error(&r, 429, "too_many_requests", NULL, NULL);
    resp_free(&r);
    r = req(shared, "GET", "/calls/dispositions", NULL);
    assert_int_equal(r.status, 500);
    assert_null(r.retry_after);
    resp_free(&r);
    r = req(shared, "GET", "/calls/dispositions", NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void fault_path_and_method__limit_which_requests_are_hit(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"status\":502,\"path\":\"/tasks\",\"method\":\"GET\"}"));
    r = req(shared, "GET", "/users", NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    assert_int_equal(r.status, 502);
    resp_free(&r);
    r = req(shared, "POST", "/tasks", "{}");
    assert_int_equal(r.status, 404);
    resp_free(&r);
}

static void fault_delay__delays_one_connection_without_blocking_others(void **state)
{
    CURLM *m = curl_multi_init();
    CURL *slow = curl_easy_init(), *fast = curl_easy_init();
    struct resp rs, rf;
    struct curl_slist *h1, *h2;
    int running = 1;
    bool fast_done = false, slow_done_first = false;
    CURLMsg *msg;
    int left;

    assert_true(fake_set_faults(shared, "{\"delay_ms\":1500,\"path\":\"/tasks\"}"));
    h1 = setup(slow, shared, "GET", "/tasks?user_id=" FAKE_USER_ID, FAKE_API_KEY, NULL, &rs);
    h2 = setup(fast, shared, "GET", "/users", FAKE_API_KEY, NULL, &rf);
    curl_multi_add_handle(m, slow);
    curl_multi_add_handle(m, fast);
    while (running) {
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            if (msg->easy_handle == fast)
                fast_done = true;
            else if (!fast_done)
                slow_done_first = true;
        }
        if (running)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    assert_true(fast_done);
    assert_false(slow_done_first);
    curl_easy_getinfo(slow, CURLINFO_RESPONSE_CODE, &rs.status);
    curl_easy_getinfo(slow, CURLINFO_TOTAL_TIME, &rs.secs);
    curl_easy_getinfo(fast, CURLINFO_TOTAL_TIME, &rf.secs);
    assert_int_equal(rs.status, 200);
    assert_true(rs.secs >= 1.5);
    assert_true(rf.secs < 1.5);
    curl_multi_remove_handle(m, slow);
    curl_multi_remove_handle(m, fast);
    curl_easy_cleanup(slow);
    curl_easy_cleanup(fast);
    curl_multi_cleanup(m);
    curl_slist_free_all(h1);
    curl_slist_free_all(h2);
    resp_free(&rs);
    resp_free(&rf);
}

static void fault_drop__closes_without_response_and_stores_nothing(void **state)
{
    struct resp r;
    json_object *calls, *last;

    assert_true(fake_set_faults(shared, "{\"drop\":true,\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.rc, CURLE_GOT_NOTHING);
    resp_free(&r);
    calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 0);
    json_object_put(calls);
    last = fake_last_request(shared, "POST", "/calls");
    assert_null(get(last, "status"));
    assert_string_equal(get_str(last, "fault"), "drop");
    json_object_put(last);
}

static void fault_accept_then_drop__stores_the_call_but_loses_the_response(void **state)
{
    struct resp r;
    json_object *calls;

    assert_true(fake_set_faults(shared, "{\"accept_then_drop\":true,\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.rc, CURLE_GOT_NOTHING);
    resp_free(&r);
    calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 1);
    json_object_put(calls);
}

static void fault_truncated__sends_2xx_with_cut_json(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"truncated\":true}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 201);
    assert_true(r.len > 0);
    assert_null(json_tokener_parse(r.body));
    resp_free(&r);
}

static void fault_reset_mid_body__cuts_the_connection_mid_body(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"reset_mid_body\":true}"));
    r = req(shared, "GET", "/calls/dispositions", NULL);
    assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
    resp_free(&r);
}

static void fault_garbage__sends_2xx_html(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"garbage\":true}"));
    r = req(shared, "GET", "/calls/dispositions", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/html");
    assert_null(json_tokener_parse(r.body));
    assert_non_null(strstr(r.body, "<html>"));
    resp_free(&r);
}

static void fault_oversize__sends_valid_json_of_that_many_mib(void **state)
{
    struct resp r;
    json_object *o;

    assert_true(fake_set_faults(shared, "{\"oversize_mib\":3}"));
    r = req(shared, "GET", "/calls/dispositions", NULL);
    assert_int_equal(r.status, 200);
    assert_true(r.len >= 3u * 1024 * 1024);
    o = json_of(&r);
    assert_true(json_object_array_length(get(o, "dispositions")) >= 5);
    json_object_put(o);
    resp_free(&r);
}

static void fault_body_and_next_loop__replace_body_or_loop_the_next_link(void **state)
{
    struct resp r;
    json_object *o, *links;

    assert_true(fake_set_faults(shared, "{\"body\":\"{\\\"tasks\\\":7}\",\"times\":1}"));
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"tasks\":7}");
    resp_free(&r);
    assert_true(fake_set_faults(shared, "{\"next_loop\":true}"));
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    o = json_of(&r);
    links = get(o, "_links");
    assert_string_equal(get_str(get(links, "next"), "href"), get_str(get(links, "self"), "href"));
    json_object_put(o);
    resp_free(&r);
}

static void fault_echo_key__sends_the_key_back_plain_and_encoded(void **state)
{
    struct resp r;
    json_object *o, *e, *echo;

    assert_true(fake_set_faults(shared, "{\"status\":401,\"echo_key\":true,\"times\":1}"));
    r = req(shared, "GET", "/users", NULL);
    assert_int_equal(r.status, 401);
    o = json_of(&r);
    e = json_object_array_get_idx(get(o, "_errors"), 0);
    assert_string_equal(get_str(e, "title"), "Unauthorized for " FAKE_API_KEY);
    assert_non_null(strstr(get_str(e, "detail"), "Authorization: Bearer " FAKE_API_KEY));
    echo = get(o, "_echo");
    assert_string_equal(get_str(echo, "key"), FAKE_API_KEY);
    assert_string_equal(get_str(echo, "base64_key"), "dGVzdC1rZXk=");                  /* test-key */
    assert_string_equal(get_str(echo, "base64_authorization"), "QmVhcmVyIHRlc3Qta2V5"); /* Bearer test-key */
    json_object_put(o);
    resp_free(&r);
    /* on a normal answer too */
    assert_true(fake_set_faults(shared, "{\"echo_key\":true,\"times\":1}"));
    r = req(shared, "GET", "/users", NULL);
    assert_int_equal(r.status, 200);
    o = json_of(&r);
    assert_string_equal(get_str(get(o, "_echo"), "authorization"), "Bearer " FAKE_API_KEY);
    json_object_put(o);
    resp_free(&r);
}

static void fault_json__bad_input__is_rejected_and_keeps_the_old_queue(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"status\":418}"));
    assert_false(fake_set_faults(shared, "{\"stauts\":500}"));
    assert_false(fake_set_faults(shared, "{\"status\":\"500\"}"));
    assert_false(fake_set_faults(shared, "not json"));
    r = req(shared, "GET", "/users", NULL);
    assert_int_equal(r.status, 418);
    resp_free(&r);
    assert_true(fake_set_faults(shared, "[]"));
    r = req(shared, "GET", "/users", NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void fault_flags__at_startup__apply_like_runtime_faults(void **state)
{
    static const char *const args[] = {
        "--fault-status", "429", "--fault-retry-after", "3", "--fault-times", "1", "--fault-path",
        "/calls",         NULL};
    struct fake *f = fake_start(args);
    struct resp r;

    assert_non_null(f);
    r = req(f, "GET", "/users", NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = req(f, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.retry_after, "3");
    resp_free(&r);
    r = req(f, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 201);
    resp_free(&r);
    assert_int_equal(fake_stop(f), 0);
}

/* --- faults of the outbox campaign ------------------------------------------------------ */

static size_t stored_count(struct fake *f)
{
    json_object *calls = fake_stored_calls(f);
    size_t n;

    assert_non_null(calls);
    n = json_object_array_length(calls);
    json_object_put(calls);
    return n;
}

static void fault_store_then_status__stores_the_call_and_answers_that_status(void **state)
{
    static const int statuses[] = {500, 502, 503, 504, 301, 307, 408, 421, 425, 299, 600};
    struct resp r;

    for (size_t i = 0; i < ARRAY_LEN(statuses); i++) {
        char *faults = xasprintf("{\"store_then_status\":%d,\"times\":1}", statuses[i]);

        assert_true(fake_set_faults(shared, faults));
        free(faults);
        r = req(shared, "POST", "/calls", VALID_CALL);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, statuses[i]);
        if (statuses[i] == 299)
            assert_int_equal(r.len, 0); /* a 2xx without a call */
        else
            assert_non_null(strstr(r.body, "\"_errors\""));
        resp_free(&r);
        assert_int_equal(stored_count(shared), i + 1);
    }
    /* with a body of its own */
    assert_true(fake_set_faults(shared, "{\"store_then_status\":502,\"body\":\"<h1>bad gw</h1>\","
                                        "\"content_type\":\"text/html\",\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 502);
    assert_string_equal(r.body, "<h1>bad gw</h1>");
    assert_string_equal(r.content_type, "text/html");
    resp_free(&r);
    assert_int_equal(stored_count(shared), ARRAY_LEN(statuses) + 1);
    /* a plain status fault stores nothing */
    assert_true(fake_set_faults(shared, "{\"status\":502,\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 502);
    resp_free(&r);
    assert_int_equal(stored_count(shared), ARRAY_LEN(statuses) + 1);
}

static void fault_store_then_drop__is_accept_then_drop(void **state)
{
    struct resp r;
    json_object *log;

    assert_true(fake_set_faults(shared, "{\"store_then_drop\":true,\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.rc, CURLE_GOT_NOTHING);
    resp_free(&r);
    assert_int_equal(stored_count(shared), 1);
    log = fake_last_request(shared, "POST", "/calls");
    assert_string_equal(get_str(log, "fault"), "accept_then_drop");
    json_object_put(log);
}

static void fault_commit_delay__stores_the_call_after_the_reply(void **state)
{
    struct resp r;

    assert_true(fake_set_faults(shared, "{\"commit_delay_ms\":600,\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 201);
    assert_true(r.secs < 0.5);
    resp_free(&r);
    assert_int_equal(stored_count(shared), 0);
    r = req(shared, "GET", "/calls?user_id=" FAKE_USER_ID, NULL);
    assert_null(strstr(r.body, "\"duration\":184"));
    resp_free(&r);
    usleep(900 * 1000);
    assert_int_equal(stored_count(shared), 1);
    /* with delay_ms: the reply comes after the commit is due; with a drop, none comes */
    assert_true(fake_set_faults(shared, "[{\"commit_delay_ms\":300,\"delay_ms\":700,\"times\":1},"
                                        "{\"commit_delay_ms\":300,\"store_then_drop\":true,"
                                        "\"times\":1}]"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 201);
    assert_true(r.secs >= 0.6);
    resp_free(&r);
    assert_int_equal(stored_count(shared), 2);
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.rc, CURLE_GOT_NOTHING);
    resp_free(&r);
    assert_int_equal(stored_count(shared), 2);
    usleep(600 * 1000);
    assert_int_equal(stored_count(shared), 3);
    /* a reset forgets a commit still on its way */
    assert_true(fake_set_faults(shared, "{\"commit_delay_ms\":300,\"times\":1}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    resp_free(&r);
    assert_true(fake_reset(shared));
    usleep(500 * 1000);
    assert_int_equal(stored_count(shared), 0);
}

static time_t parse_http_date(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tm = {0};
    char mon[4] = "";
    const char *m;

    assert_non_null(s);
    assert_int_equal(sscanf(s, "%*3s, %d %3s %d %d:%d:%d GMT", &tm.tm_mday, mon, &tm.tm_year,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    m = strstr(months, mon);
    assert_non_null(m);
    tm.tm_mon = (int)(m - months) / 3;
    tm.tm_year -= 1900;
    return timegm(&tm);
}

static time_t parse_iso(const char *s)
{
    struct tm tm = {0};

    assert_non_null(s);
    assert_int_equal(sscanf(s, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static void fault_date_skew__moves_the_date_header_and_the_stamps(void **state)
{
    struct resp r;
    json_object *o, *log;
    time_t now;

    /* a clock fault is never taken: the status fault behind it still applies, once */
    assert_true(fake_set_faults(shared, "[{\"date_skew_s\":-600},{\"status\":503,\"times\":1}]"));
    r = req(shared, "GET", "/users", NULL);
    now = time(NULL);
    assert_int_equal(r.status, 503);
    assert_true(labs((long)(parse_http_date(r.date) - (now - 600))) <= 2);
    resp_free(&r);
    r = req(shared, "POST", "/calls", VALID_CALL);
    now = time(NULL);
    assert_int_equal(r.status, 201);
    assert_true(labs((long)(parse_http_date(r.date) - (now - 600))) <= 2);
    o = json_of(&r);
    assert_true(labs((long)(parse_iso(get_str(o, "start_date")) - (now - 600))) <= 2);
    json_object_put(o);
    resp_free(&r);
    log = fake_last_request(shared, "POST", "/calls");
    assert_null(get(log, "fault"));
    json_object_put(log);
    /* the stored call is filtered by its skewed stamp */
    r = req(shared, "GET", "/calls?start_date_from=2000-01-01T00:00:00Z", NULL);
    assert_non_null(strstr(r.body, "\"duration\":184"));
    resp_free(&r);
    /* start_date_at_call_start: now - duration, on the skewed clock */
    assert_true(fake_set_faults(shared, "{\"date_skew_s\":120,\"start_date_at_call_start\":true}"));
    r = req(shared, "POST", "/calls", VALID_CALL);
    now = time(NULL);
    o = json_of(&r);
    assert_true(labs((long)(parse_iso(get_str(o, "start_date")) - (now + 120 - 184))) <= 2);
    json_object_put(o);
    resp_free(&r);
    /* without a skew the Date header is the real clock */
    assert_true(fake_set_faults(shared, "[]"));
    r = req(shared, "GET", "/users", NULL);
    assert_true(labs((long)(parse_http_date(r.date) - time(NULL))) <= 2);
    resp_free(&r);
}

static void fault_lists__list_key_endless_pages_and_get_status(void **state)
{
    struct resp r;
    json_object *o;
    char *next;

    assert_true(fake_set_faults(shared, "{\"method\":\"GET\",\"path\":\"/calls\","
                                        "\"list_key\":\"items\",\"times\":1}"));
    r = req(shared, "GET", "/calls", NULL);
    o = json_of(&r);
    assert_true(json_object_object_get_ex(o, "items", NULL));
    assert_false(json_object_object_get_ex(o, "calls", NULL));
    json_object_put(o);
    resp_free(&r);
    /* endless pages: every page has a new next link */
    assert_true(fake_set_faults(shared, "{\"method\":\"GET\",\"path\":\"/calls\","
                                        "\"endless_pages\":true}"));
    next = xstrdup("/calls?user_id=" FAKE_USER_ID);
    for (int i = 0; i < 30; i++) {
        json_object *links, *n;
        char *prev = next;

        r = req(shared, "GET", prev, NULL);
        assert_int_equal(r.status, 200);
        o = json_of(&r);
        assert_non_null(get(o, "calls"));
        links = get(o, "_links");
        n = get(links, "next");
        assert_non_null(n);
        next = xstrdup(get_str(n, "href"));
        assert_string_not_equal(next, prev);
        free(prev);
        json_object_put(o);
        resp_free(&r);
    }
    free(next);
    /* a status fault on GET only */
    assert_true(fake_set_faults(shared, "{\"method\":\"GET\",\"path\":\"/calls\",\"status\":500}"));
    r = req(shared, "GET", "/calls", NULL);
    assert_int_equal(r.status, 500);
    resp_free(&r);
    r = req(shared, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 201);
    resp_free(&r);
}

static void fault_users_and_lists__loose_email_extra_fields_and_skip(void **state)
{
    struct resp r;
    json_object *o, *users, *item;

    /* loose_email "all": the ?email= filter is ignored, every (active) user comes back */
    assert_true(fake_set_faults(shared, "{\"path\":\"/users\",\"loose_email\":\"all\"}"));
    r = req(shared, "GET", "/users?email=dana%40acme.example&status=active", NULL);
    o = json_of(&r);
    users = get(o, "users");
    assert_int_equal(json_object_array_length(users), 2);
    json_object_put(o);
    resp_free(&r);
    /* loose_email "other": one user, whose email is not the one asked for */
    assert_true(fake_set_faults(shared, "{\"path\":\"/users\",\"loose_email\":\"other\"}"));
    r = req(shared, "GET", "/users?email=" FAKE_USER2_EMAIL, NULL);
    o = json_of(&r);
    users = get(o, "users");
    assert_int_equal(json_object_array_length(users), 1);
    assert_string_not_equal(get_str(json_object_array_get_idx(users, 0), "email"),
                            FAKE_USER2_EMAIL);
    json_object_put(o);
    resp_free(&r);
    assert_false(fake_set_faults(shared, "{\"loose_email\":\"some\"}"));
    /* extra_fields: list items carry undocumented members */
    assert_true(fake_set_faults(shared, "{\"extra_fields\":true}"));
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    o = json_of(&r);
    item = json_object_array_get_idx(get(o, "tasks"), 0);
    assert_non_null(get(get(item, "x_extra"), "nested"));
    assert_non_null(get(item, "x_score"));
    json_object_put(o);
    resp_free(&r);
    r = req(shared, "GET", "/calls/dispositions", NULL);
    o = json_of(&r);
    assert_string_equal(get_str(json_object_array_get_idx(get(o, "dispositions"), 0),
                                "x_colour"),
                        "#00ff00");
    json_object_put(o);
    resp_free(&r);
    /* skip: the first matching request passes, the second gets the fault */
    assert_true(fake_set_faults(shared, "{\"path\":\"/tasks\",\"status\":429,"
                                        "\"retry_after\":1,\"skip\":1,\"times\":1}"));
    r = req(shared, "GET", "/calls/dispositions", NULL); /* does not match: not counted */
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.retry_after, "1");
    resp_free(&r);
    r = req(shared, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void seed_calls__plants_calls_the_api_lists(void **state)
{
    json_object *planted, *calls, *c;
    struct resp r;

    planted = fake_seed_calls(
        shared, "[{\"from\":\"+1 4155550100\",\"to\":\"+1 2125550199\",\"duration\":184,"
                "\"answered\":true,\"human\":true,\"task_id\":\"" FAKE_TASK_ID_FIRST "\","
                "\"user_id\":\"" FAKE_USER_ID "\",\"transcription\":\"other words\"},"
                "{\"from\":\"+1 4155550100\",\"to\":\"+1 2125550199\",\"duration\":185,"
                "\"answered\":true,\"human\":true,\"task_id\":\"" FAKE_TASK_ID_FIRST "\","
                "\"user_id\":\"" FAKE_USER_ID "\",\"id\":\"planted-2\","
                "\"start_date\":\"2026-01-02T03:04:05Z\","
                "\"recording_url\":\"https://rec.example/x\"}]");
    assert_non_null(planted);
    assert_int_equal(json_object_array_length(planted), 2);
    c = json_object_array_get_idx(planted, 1);
    assert_string_equal(get_str(c, "id"), "planted-2");
    assert_string_equal(get_str(c, "start_date"), "2026-01-02T03:04:05Z");
    assert_string_equal(get_str(c, "recording_url"), "https://rec.example/x");
    assert_string_equal(get_str(json_object_array_get_idx(planted, 0), "transcription"),
                        "other words");
    json_object_put(planted);
    calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 2);
    json_object_put(calls);
    r = req(shared, "GET", "/calls?start_date_from=2026-01-01T00:00:00Z", NULL);
    assert_non_null(strstr(r.body, "planted-2"));
    assert_non_null(strstr(r.body, "other words"));
    resp_free(&r);
    /* bad input: 400 and nothing planted */
    r = req_on(NULL, shared, "POST", "/_fake/calls", NULL, "[{\"duration\":1}]");
    assert_int_equal(r.status, 400);
    resp_free(&r);
    r = req_on(NULL, shared, "POST", "/_fake/calls", NULL, "{\"bogus\":1}");
    assert_int_equal(r.status, 400);
    resp_free(&r);
    calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 2);
    json_object_put(calls);
}

static void fault_flags__new_campaign_flags_apply_at_startup(void **state)
{
    static const char *const args[] = {"--fault-store-then-status", "504", "--fault-times", "1",
                                       "--fault-method", "POST", NULL};
    static const char *const args2[] = {"--fault-date-skew-s", "-90", NULL};
    struct fake *f = fake_start(args);
    struct resp r;

    assert_non_null(f);
    r = req(f, "POST", "/calls", VALID_CALL);
    assert_int_equal(r.status, 504);
    resp_free(&r);
    assert_int_equal(stored_count(f), 1);
    assert_int_equal(fake_stop(f), 0);
    f = fake_start(args2);
    assert_non_null(f);
    r = req(f, "GET", "/users", NULL);
    assert_int_equal(r.status, 200);
    assert_true(labs((long)(parse_http_date(r.date) - (time(NULL) - 90))) <= 2);
    resp_free(&r);
    assert_int_equal(fake_stop(f), 0);
}

/* --- request log, connections, hostile data -------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *s = NULL;
    size_t len = 0, n;
    char buf[4096];

    assert_non_null(fp);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
        s = xrealloc(s, len + n + 1);
        memcpy(s + len, buf, n);
        len += n;
    }
    fclose(fp);
    if (!s)
        s = xstrdup("");
    s[len] = '\0';
    return s;
}

static void request_log__records_each_request_and_never_the_key(void **state)
{
    static const char key[] = "sk-live-SECRET-0123456789";
    static const char *const args[] = {"--key", key, NULL};
    struct fake *f = fake_start(args);
    struct resp r;
    json_object *log, *e, *h;
    char *text, *leak_body;

    assert_non_null(f);
    r = req_on(NULL, f, "POST", "/calls?x=1", key, VALID_CALL);
    assert_int_equal(r.status, 201);
    resp_free(&r);
    r = req_on(NULL, f, "POST", "/calls", key, "not json at all");
    assert_int_equal(r.status, 400);
    resp_free(&r);
    leak_body = xasprintf("{\"transcription\":\"%s\"}", key);
    r = req_on(NULL, f, "POST", "/calls", key, leak_body);
    resp_free(&r);
    free(leak_body);

    log = fake_requests(f);
    assert_int_equal(json_object_array_length(log), 3);
    e = json_object_array_get_idx(log, 0);
    assert_int_equal(json_object_get_int(get(e, "seq")), 1);
    assert_string_equal(get_str(e, "method"), "POST");
    assert_string_equal(get_str(e, "path"), "/calls");
    assert_string_equal(get_str(e, "query"), "x=1");
    assert_string_equal(get_str(e, "auth"), "valid");
    h = get(e, "headers");
    assert_string_equal(get_str(h, "user-agent"), "amplecall-test/1");
    assert_string_equal(get_str(h, "accept"), "application/json");
    assert_string_equal(get_str(h, "content-type"), "application/json");
    assert_false(json_object_object_get_ex(h, "authorization", NULL));
    assert_int_equal(json_object_get_type(get(get(e, "body"), "duration")), json_type_int);
    assert_int_equal(json_object_get_int(get(e, "status")), 201);
    assert_null(get(e, "fault"));
    assert_true(json_object_get_int(get(e, "connection")) > 0);
    e = json_object_array_get_idx(log, 1);
    assert_string_equal(get_str(e, "body"), "not json at all");
    e = json_object_array_get_idx(log, 2);
    assert_true(json_object_get_boolean(get(e, "key_leak")));
    assert_string_equal(get_str(get(e, "body"), "transcription"), "[REDACTED]");
    json_object_put(log);
    assert_int_equal(fake_request_count(f, "POST", "/calls"), 3);
    assert_int_equal(fake_request_count(f, "GET", NULL), 0);

    text = slurp(fake_log_path(f));
    assert_null(strstr(text, key));
    assert_null(strstr(text, "SECRET"));
    assert_non_null(strstr(text, "\"path\":\"/calls\""));
    assert_int_equal(strchr(text, '\n') - text > 0, 1);
    free(text);
    assert_int_equal(fake_stop(f), 0);
}

static void connections__are_reused_on_keep_alive_and_counted(void **state)
{
    CURL *h = curl_easy_init();
    struct resp r;
    json_object *log;

    for (int i = 0; i < 3; i++) {
        r = req_on(h, shared, "GET", "/calls/dispositions", FAKE_API_KEY, NULL);
        assert_int_equal(r.status, 200);
        resp_free(&r);
    }
    assert_int_equal(fake_connection_count(shared), 1);
    r = req(shared, "GET", "/users", NULL); /* a fresh handle: a new connection */
    resp_free(&r);
    assert_int_equal(fake_connection_count(shared), 2);
    log = fake_requests(shared);
    assert_int_equal(json_object_get_int(get(json_object_array_get_idx(log, 0), "connection")),
                     json_object_get_int(get(json_object_array_get_idx(log, 2), "connection")));
    assert_int_not_equal(json_object_get_int(get(json_object_array_get_idx(log, 0), "connection")),
                         json_object_get_int(get(json_object_array_get_idx(log, 3), "connection")));
    json_object_put(log);
    curl_easy_cleanup(h);
}

static void reset__clears_faults_calls_and_log(void **state)
{
    struct resp r = req(shared, "POST", "/calls", VALID_CALL);
    json_object *calls;

    resp_free(&r);
    assert_true(fake_set_faults(shared, "{\"status\":500}"));
    assert_true(fake_reset(shared));
    assert_int_equal(fake_request_count(shared, NULL, NULL), 0);
    calls = fake_stored_calls(shared);
    assert_int_equal(json_object_array_length(calls), 0);
    json_object_put(calls);
    r = req(shared, "GET", "/users", NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_int_equal(fake_request_count(shared, "GET", "/users"), 1);
    char *text = slurp(fake_log_path(shared));
    assert_int_equal(strstr(text, "/users") != NULL && strstr(text, "/calls") == NULL, 1);
    free(text);
}

static void hostile__puts_escape_sequences_and_bad_utf8_in_names_and_details(void **state)
{
    static const char *const args[] = {"--hostile", NULL};
    static const char *const attacks[] = {
        "\033]0;pwned\007", "\033[31m", "\033[2J\033[H", "\033]52;c;aGVsbG8=\007",
        "\xc2\x9b",         "\r",       "\xff"};
    struct fake *f = fake_start(args);
    struct resp t, d, e;
    json_object *ot, *od, *oe;
    const char *name, *dname = NULL, *detail;

    assert_non_null(f);
    t = req(f, "GET", "/tasks?user_id=" FAKE_USER_ID, NULL);
    d = req(f, "GET", "/calls/dispositions", NULL);
    e = req(f, "POST", "/calls", "{}");
    ot = json_of(&t);
    od = json_of(&d);
    oe = json_of(&e);
    name = get_str(get(json_object_array_get_idx(get(ot, "tasks"), 0), "contact"), "name");
    for (size_t i = 0; i < json_object_array_length(get(od, "dispositions")); i++) {
        const char *n = get_str(json_object_array_get_idx(get(od, "dispositions"), i), "name");

        if (strchr(n, '\033'))
            dname = n;
    }
    assert_non_null(dname);
    detail = get_str(json_object_array_get_idx(get(oe, "_errors"), 0), "detail");
    assert_int_equal(strncmp(detail, "Missing field from request: from", 32), 0);
    for (size_t i = 0; i < ARRAY_LEN(attacks); i++) {
        assert_non_null(strstr(name, attacks[i]));
        assert_non_null(strstr(dname, attacks[i]));
        assert_non_null(strstr(detail, attacks[i]));
    }
    json_object_put(ot);
    json_object_put(od);
    json_object_put(oe);
    resp_free(&t);
    resp_free(&d);
    resp_free(&e);
    assert_int_equal(fake_stop(f), 0);
}

/* --- lifetime and run_capture ------------------------------------------------------------ */

static char *fakeapi_path(void)
{
    const char *dir = getenv("AMPLECALL_TEST_BUILDDIR");

    return xasprintf("%s/tests/fake/fakeapi", dir ? dir : ".");
}

static void fakeapi__stops_by_itself_after_max_lifetime(void **state)
{
    char *bin = fakeapi_path(), *out, *err;
    const char *const argv[] = {bin, "--port", "0", "--max-lifetime", "1", NULL};
    int rc = run_capture(argv, NULL, NULL, 5000, &out, &err);

    assert_int_equal(rc, 0);
    assert_int_equal(strncmp(out, "port=", 5), 0);
    assert_non_null(strstr(err, "max-lifetime"));
    free(out);
    free(err);
    free(bin);
}

static void fakeapi__stops_when_its_parent_dies(void **state)
{
    char *bin = fakeapi_path(), *out, *err;
    char port_file[] = "/tmp/fakeapi-port-XXXXXX";
    int fd = mkstemp(port_file);
    /* sh starts the server, waits for its port line (so the server saw sh as its parent),
     * then exits. The server keeps our stderr pipe open, so run_capture only returns before its
     * timeout if the server exited too. */
    const char *const argv[] = {
        "/bin/sh",
        "-c",
        "\"$0\" --port 0 --max-lifetime 60 > \"$1\" & while [ ! -s \"$1\" ]; do :; done; "
        "cat \"$1\"",
        bin,
        port_file,
        NULL};
    int rc;

    assert_true(fd >= 0);
    close(fd);
    rc = run_capture(argv, NULL, NULL, 5000, &out, &err);
    unlink(port_file);
    assert_int_equal(rc, 0);
    assert_int_equal(strncmp(out, "port=", 5), 0);
    assert_string_equal(err, "");
    free(out);
    free(err);
    free(bin);
}

static void fakeapi__bad_option__exits_64(void **state)
{
    char *bin = fakeapi_path(), *err;
    const char *const argv[] = {bin, "--port", "http", NULL};

    assert_int_equal(run_capture(argv, NULL, NULL, 5000, NULL, &err), 64);
    assert_non_null(strstr(err, "--port"));
    free(err);
    free(bin);
}

static void run_capture__returns_status_and_both_streams_and_feeds_stdin(void **state)
{
    const char *const argv[] = {"/bin/sh", "-c", "cat; echo oops >&2; exit 3", NULL};
    const char *const env[] = {"ONLY=1", NULL};
    const char *const envargv[] = {"/bin/sh", "-c", "echo \"$ONLY:${HOME:-none}\"", NULL};
    char *out, *err;

    assert_int_equal(run_capture(argv, NULL, "héllo\n", 5000, &out, &err), 3);
    assert_string_equal(out, "héllo\n");
    assert_string_equal(err, "oops\n");
    free(out);
    free(err);
    assert_int_equal(run_capture(envargv, env, NULL, 5000, &out, NULL), 0);
    assert_string_equal(out, "1:none\n");
    free(out);
}

static void run_capture__kills_a_child_that_outlives_the_timeout(void **state)
{
    const char *const argv[] = {"/bin/sh", "-c", "echo started; exec sleep 30", NULL};
    struct timespec a, b;
    char *out;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(run_capture(argv, NULL, NULL, 300, &out, NULL), -1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    ms = (b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L;
    assert_true(ms < 3000);
    assert_string_equal(out, "started\n");
    free(out);
}

static void fake_task_id__formats_task_n(void **state)
{
    char id[FAKE_ID_LEN];

    fake_task_id(1, id);
    assert_string_equal(id, FAKE_TASK_ID_FIRST);
    fake_task_id(45, id);
    assert_string_equal(id, "0199f0a2-1c3e-7a10-9b7e-000000000045");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fake_task_id__formats_task_n),
        cmocka_unit_test_setup(requests__without_or_with_a_wrong_key__get_401_unauthorized,
                               reset_shared),
        cmocka_unit_test_setup(post_calls__empty_object__gets_the_seed_missing_field_body_exactly,
                               reset_shared),
        cmocka_unit_test_setup(post_calls__each_missing_required_field__is_named_by_pointer,
                               reset_shared),
        cmocka_unit_test_setup(post_calls__null_required_field__counts_as_missing, reset_shared),
        cmocka_unit_test(post_calls__with_all_errors_flag__reports_every_missing_field_in_order),
        cmocka_unit_test_setup(post_calls__wrong_types__get_400_unsupported_value_with_pointer,
                               reset_shared),
        cmocka_unit_test_setup(post_calls__unknown_ids__get_422_unsupported_value_with_pointer,
                               reset_shared),
        cmocka_unit_test_setup(post_calls__non_json_body__gets_400_without_pointer, reset_shared),
        cmocka_unit_test_setup(post_calls__valid__gets_201_call_object_and_is_stored, reset_shared),
        cmocka_unit_test_setup(post_calls__without_optional_fields__omits_recording_url,
                               reset_shared),
        cmocka_unit_test_setup(get_tasks__pages_of_20__follow_next_links_until_absent,
                               reset_shared),
        cmocka_unit_test_setup(
            get_tasks__next_link__has_literal_brackets_and_percent_encoded_ones_work, reset_shared),
        cmocka_unit_test_setup(
            get_tasks__phone_scheduled_manual_filter__lists_exactly_the_seeded_tasks, reset_shared),
        cmocka_unit_test_setup(get_tasks__without_user_id__gets_400_naming_the_parameter,
                               reset_shared),
        cmocka_unit_test_setup(get_tasks__task_objects__have_doc_fields_and_utf8_contact_names,
                               reset_shared),
        cmocka_unit_test_setup(post_calls__complete_disposition__completes_the_task, reset_shared),
        cmocka_unit_test(tasks_option__sets_the_number_of_seeded_tasks),
        cmocka_unit_test_setup(get_users__email_filter__is_exact_and_case_insensitive,
                               reset_shared),
        cmocka_unit_test_setup(get_dispositions__lists_both_actions, reset_shared),
        cmocka_unit_test_setup(get_calls__lists_stored_calls_newest_first_with_filters,
                               reset_shared),
        cmocka_unit_test_setup(
            fault_status__5xx__answers_internal_server_error_then_clears_after_times, reset_shared),
        cmocka_unit_test_setup(fault_queue__429_with_retry_after__applies_in_order, reset_shared),
        cmocka_unit_test_setup(fault_path_and_method__limit_which_requests_are_hit, reset_shared),
        cmocka_unit_test_setup(fault_delay__delays_one_connection_without_blocking_others,
                               reset_shared),
        cmocka_unit_test_setup(fault_drop__closes_without_response_and_stores_nothing,
                               reset_shared),
        cmocka_unit_test_setup(fault_accept_then_drop__stores_the_call_but_loses_the_response,
                               reset_shared),
        cmocka_unit_test_setup(fault_truncated__sends_2xx_with_cut_json, reset_shared),
        cmocka_unit_test_setup(fault_reset_mid_body__cuts_the_connection_mid_body, reset_shared),
        cmocka_unit_test_setup(fault_garbage__sends_2xx_html, reset_shared),
        cmocka_unit_test_setup(fault_oversize__sends_valid_json_of_that_many_mib, reset_shared),
        cmocka_unit_test_setup(fault_body_and_next_loop__replace_body_or_loop_the_next_link,
                               reset_shared),
        cmocka_unit_test_setup(fault_echo_key__sends_the_key_back_plain_and_encoded, reset_shared),
        cmocka_unit_test_setup(fault_json__bad_input__is_rejected_and_keeps_the_old_queue,
                               reset_shared),
        cmocka_unit_test(fault_flags__at_startup__apply_like_runtime_faults),
        cmocka_unit_test_setup(fault_store_then_status__stores_the_call_and_answers_that_status,
                               reset_shared),
        cmocka_unit_test_setup(fault_store_then_drop__is_accept_then_drop, reset_shared),
        cmocka_unit_test_setup(fault_commit_delay__stores_the_call_after_the_reply, reset_shared),
        cmocka_unit_test_setup(fault_date_skew__moves_the_date_header_and_the_stamps,
                               reset_shared),
        cmocka_unit_test_setup(fault_lists__list_key_endless_pages_and_get_status, reset_shared),
        cmocka_unit_test_setup(seed_calls__plants_calls_the_api_lists, reset_shared),
        cmocka_unit_test_setup(fault_users_and_lists__loose_email_extra_fields_and_skip,
                               reset_shared),
        cmocka_unit_test(fault_flags__new_campaign_flags_apply_at_startup),
        cmocka_unit_test(request_log__records_each_request_and_never_the_key),
        cmocka_unit_test_setup(connections__are_reused_on_keep_alive_and_counted, reset_shared),
        cmocka_unit_test_setup(reset__clears_faults_calls_and_log, reset_shared),
        cmocka_unit_test(hostile__puts_escape_sequences_and_bad_utf8_in_names_and_details),
        cmocka_unit_test(fakeapi__stops_by_itself_after_max_lifetime),
        cmocka_unit_test(fakeapi__stops_when_its_parent_dies),
        cmocka_unit_test(fakeapi__bad_option__exits_64),
        cmocka_unit_test(run_capture__returns_status_and_both_streams_and_feeds_stdin),
        cmocka_unit_test(run_capture__kills_a_child_that_outlives_the_timeout),
    };

    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests_name("fakeapi", tests, start_shared, stop_shared);
}

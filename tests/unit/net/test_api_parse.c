/* SPDX-License-Identifier: GPL-3.0-or-later */
/* api.c page parsers: tolerant of unknown keys and odd items, strict about the envelope. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/api.h"

#define LEN(s) strlen(s)

static void parse_tasks__empty_and_garbage(void **state)
{
    struct task_list l = {0};
    char *next = NULL, *err = NULL;

    assert_false(api_parse_tasks("", 0, &l, &next, &err));
    assert_non_null(err);
    free(err);
    assert_false(api_parse_tasks("{\"tasks\":", 9, &l, &next, &err));
    free(err);
    assert_false(api_parse_tasks("{\"other\":1}", 11, &l, &next, &err));
    free(err);
    assert_true(api_parse_tasks("{\"tasks\":[]}", 12, &l, &next, &err));
    assert_int_equal(l.n, 0);
    assert_null(next);
}

static void parse_tasks__reads_the_documented_task_and_next_link(void **state)
{
    static const char body[] =
        "{\"tasks\":[{\"id\":\"t1\",\"automatic\":false,\"type\":\"phone_call\",\"status\":"
        "\"scheduled\",\"due_on\":\"2026-06-03T09:00:00Z\",\"finished_on\":null,\"notes\":"
        "\"call back about pricing\",\"sequence_key\":null,\"sequence_name\":null,\"user_id\":"
        "\"u1\",\"user_email\":\"dana@acme.example\",\"contact\":{\"id\":\"c1\",\"name\":"
        "\"Pat Lee\",\"email\":\"pat@prospect.example\"}},{\"id\":\"t2\",\"contact\":null,"
        "\"notes\":5},{\"no_id\":true},7],\"_links\":{\"self\":{\"href\":\"/tasks?x\"},\"next\":"
        "{\"href\":\"/tasks?page[size]=20&page[after]=t2&user_id=u1\"}}}";
    struct task_list l = {0};
    char *next = NULL, *err = NULL;

    assert_true(api_parse_tasks(body, LEN(body), &l, &next, &err));
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].id, "t1");
    assert_string_equal(l.v[0].contact_name, "Pat Lee");
    assert_string_equal(l.v[0].contact_email, "pat@prospect.example");
    assert_string_equal(l.v[0].notes, "call back about pricing");
    assert_int_equal(l.v[0].automatic, 0);
    assert_null(l.v[1].contact_name);
    assert_null(l.v[1].notes); /* wrong type ignored */
    assert_int_equal(l.v[1].automatic, -1);
    assert_string_equal(next, "/tasks?page[size]=20&page[after]=t2&user_id=u1");
    free(next);
    task_list_done(&l);
    assert_int_equal(l.n, 0);
}

static void parse_dispositions__accepts_alternative_label_keys_and_wrappers(void **state)
{
    static const char a[] = "{\"dispositions\":[{\"id\":\"d1\",\"name\":\"Interested\","
                            "\"action\":\"complete\"},{\"id\":\"d2\",\"label\":\"No answer\"}]}";
    static const char b[] = "[{\"id\":\"d3\",\"title\":\"Busy\",\"action\":\"next_stage\"}]";
    static const char c[] = "{\"data\":[{\"id\":\"d4\"}],\"_links\":{}}";
    struct disposition_list l = {0};
    char *next = NULL, *err = NULL;

    assert_true(api_parse_dispositions(a, LEN(a), &l, &next, &err));
    assert_true(api_parse_dispositions(b, LEN(b), &l, &next, &err));
    assert_true(api_parse_dispositions(c, LEN(c), &l, &next, &err));
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[0].action, "complete");
    assert_string_equal(l.v[1].name, "No answer");
    assert_null(l.v[1].action);
    assert_string_equal(l.v[2].name, "Busy");
    assert_null(l.v[3].name);
    assert_null(next);
    disposition_list_done(&l);
}

static void parse_users_and_calls__read_their_lists(void **state)
{
    static const char u[] = "{\"users\":[{\"id\":\"u1\",\"name\":\"Dana\",\"email\":"
                            "\"dana@acme.example\",\"status\":\"active\",\"role\":\"sales_rep\","
                            "\"mailboxes\":[]}]}";
    static const char c[] = "{\"calls\":[{\"id\":\"k1\",\"duration\":3,\"to\":\"+1 2\"},"
                            "{\"id\":\"k2\",\"duration\":\"bad\"}]}";
    struct user_list ul = {0};
    struct call_list cl = {0};
    char *next = NULL, *err = NULL;

    assert_true(api_parse_users(u, LEN(u), &ul, &next, &err));
    assert_int_equal(ul.n, 1);
    assert_string_equal(ul.v[0].email, "dana@acme.example");
    assert_true(api_parse_calls(c, LEN(c), &cl, &next, &err));
    assert_int_equal(cl.n, 1); /* the malformed call is skipped */
    assert_int_equal(cl.v[0].duration, 3);
    user_list_done(&ul);
    call_list_done(&cl);
}

static void parse__refuses_deeply_nested_json(void **state)
{
    struct task_list l = {0};
    char *next = NULL, *err = NULL;
    size_t depth = 10000;
    char *body = malloc(depth * 2 + 20);
    size_t len = 0;

    len += (size_t)sprintf(body, "{\"tasks\":");
    for (size_t i = 0; i < depth; i++)
        body[len++] = '[';
    for (size_t i = 0; i < depth; i++)
        body[len++] = ']';
    body[len++] = '}';
    assert_false(api_parse_tasks(body, len, &l, &next, &err));
    free(err);
    free(body);
}

/* A look-up must know it read the whole list: under another key, an item it cannot read,
 * or a next link without an href is a failure, never "no such call" (issue 12, class 3). */
static void parse_calls_strict__refuses_what_a_lenient_reader_would_skip(void **state)
{
    static const char items[] = "{\"items\":[{\"id\":\"a\"}]}";
    static const char bare[] = "[{\"id\":\"a\"}]";
    static const char bad_item[] = "{\"calls\":[{\"id\":\"a\"},{\"id\":42}]}";
    static const char not_object[] = "{\"calls\":[{\"id\":\"a\"},\"b\"]}";
    static const char next_no_href[] = "{\"calls\":[],\"_links\":{\"next\":{}}}";
    static const char good[] = "{\"calls\":[{\"id\":\"a\"}],\"_links\":{\"next\":{\"href\":\"/calls?x\"}}}";
    struct call_list cl = {0};
    char *next = NULL, *err = NULL;

    assert_true(api_parse_calls(items, LEN(items), &cl, &next, &err)); /* lenient: found it */
    call_list_done(&cl);
    assert_false(api_parse_calls_strict(items, LEN(items), &cl, &next, &err));
    free(err);
    call_list_done(&cl);
    assert_false(api_parse_calls_strict(bare, LEN(bare), &cl, &next, &err));
    free(err);
    call_list_done(&cl);
    assert_false(api_parse_calls_strict(bad_item, LEN(bad_item), &cl, &next, &err));
    free(err);
    call_list_done(&cl);
    assert_false(api_parse_calls_strict(not_object, LEN(not_object), &cl, &next, &err));
    free(err);
    call_list_done(&cl);
    assert_false(api_parse_calls_strict(next_no_href, LEN(next_no_href), &cl, &next, &err));
    free(err);
    call_list_done(&cl);
    assert_true(api_parse_calls_strict(good, LEN(good), &cl, &next, &err));
    assert_int_equal(cl.n, 1);
    assert_string_equal(next, "/calls?x");
    free(next);
    call_list_done(&cl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_tasks__empty_and_garbage),
        cmocka_unit_test(parse_tasks__reads_the_documented_task_and_next_link),
        cmocka_unit_test(parse_dispositions__accepts_alternative_label_keys_and_wrappers),
        cmocka_unit_test(parse_users_and_calls__read_their_lists),
        cmocka_unit_test(parse_calls_strict__refuses_what_a_lenient_reader_would_skip),
        cmocka_unit_test(parse__refuses_deeply_nested_json),
    };
    return RUN_TAP(tests);
}

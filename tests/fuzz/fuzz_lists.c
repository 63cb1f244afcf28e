/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the list page parsers (tasks, dispositions, users, calls) with a server's body.
 * Properties: no crash or leak; a parsed page keeps only items with an id; a next link is
 * NULL or non-empty; a failure leaves an explanation and no next link; pages append. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "net/api.h"
#include "core/sanitize.h"
#include "core/util.h"

/* Run one parser twice over the same body: the second page must append after the first. */
#define CHECK_PARSER(parse, list_type, done, ITEM_CHECK)                                       \
    do {                                                                                       \
        list_type l = {0};                                                                     \
        char *next = NULL, *err = NULL;                                                        \
        size_t first;                                                                          \
        bool ok = parse(json, size, &l, &next, &err);                                          \
        check_result(ok, next, err);                                                           \
        first = l.n;                                                                           \
        free(next);                                                                            \
        free(err);                                                                             \
        next = err = NULL;                                                                     \
        ok = parse(json, size, &l, &next, &err);                                               \
        check_result(ok, next, err);                                                           \
        FUZZ_CHECK(l.n == (ok ? 2 * first : first));                                           \
        for (size_t i = 0; i < l.n; i++) {                                                     \
            FUZZ_CHECK(l.v[i].id != NULL);                                                     \
            ITEM_CHECK;                                                                        \
        }                                                                                      \
        free(next);                                                                            \
        free(err);                                                                             \
        done(&l);                                                                              \
        FUZZ_CHECK(l.v == NULL && l.n == 0);                                                   \
    } while (0)

static void check_result(bool ok, const char *next, const char *err)
{
    if (ok) {
        FUZZ_CHECK(err == NULL);
        FUZZ_CHECK(next == NULL || *next);
    } else {
        FUZZ_CHECK(err != NULL && *err);
        FUZZ_CHECK(next == NULL);
    }
}

/* What a view does with a name before showing it. */
static void show(const char *s)
{
    free(sanitize_line(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;

    CHECK_PARSER(api_parse_tasks, struct task_list, task_list_done, {
        FUZZ_CHECK(l.v[i].automatic >= -1 && l.v[i].automatic <= 1);
        show(l.v[i].contact_name);
    });
    CHECK_PARSER(api_parse_dispositions, struct disposition_list, disposition_list_done,
                 show(l.v[i].name));
    CHECK_PARSER(api_parse_users, struct user_list, user_list_done, show(l.v[i].email));
    CHECK_PARSER(api_parse_calls, struct call_list, call_list_done, {
        FUZZ_CHECK(l.v[i].duration >= -1);
        FUZZ_CHECK(l.v[i].answered >= -1 && l.v[i].answered <= 1);
    });
    return 0;
}

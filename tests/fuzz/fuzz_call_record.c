/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the call object parser (the 201 body of POST /calls) and the draft/outbox text form.
 * Properties: no crash or leak; a parsed call has an id and numbers in range; a failure
 * explains itself and leaves the record empty; the stored text form round-trips. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "core/call.h"
#include "core/util.h"

static void check_record(const uint8_t *data, size_t size)
{
    struct call_record r;
    char *err = NULL;
    bool ok = call_record_parse((const char *)data, size, &r, &err);

    if (ok) {
        FUZZ_CHECK(err == NULL);
        FUZZ_CHECK(r.id != NULL);
        FUZZ_CHECK(r.duration >= -1);
        FUZZ_CHECK(r.answered >= -1 && r.answered <= 1);
        FUZZ_CHECK(r.human >= -1 && r.human <= 1);
        FUZZ_CHECK(r.external >= -1 && r.external <= 1);
    } else {
        FUZZ_CHECK(err != NULL && *err);
        FUZZ_CHECK(r.id == NULL && r.from == NULL && r.contact_name == NULL);
        FUZZ_CHECK(r.duration == -1);
    }
    free(err);
    call_record_done(&r);
}

static void check_store_form(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size);
    struct call a, b;

    call_init(&a);
    call_init(&b);
    if (call_from_store_json(&a, text)) {
        char *again = call_to_store_json(&a);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(call_from_store_json(&b, again));
        for (int f = 0; f < FIELD_COUNT; f++)
            FUZZ_CHECK(strcmp(call_get(&a, (enum field_id)f), call_get(&b, (enum field_id)f)) ==
                       0);
        free(again);
    }
    call_done(&a);
    call_done(&b);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_record(data, size);
    check_store_form(data, size);
    return 0;
}

/* Fuzz the spool's record reader (a file another run of amplecall left, possibly torn or
 * damaged). Properties: no crash or leak; a record is accepted only whole, with its call,
 * base URL and lease; an outcome counts only when valid (never "sending", a sent one names
 * its server id); a refusal explains itself and leaves nothing allocated behind. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "spool.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spool_record r;
    char *err = NULL;
    bool ok;

    spool_record_init(&r);
    ok = spool_parse((const char *)data, size, &r, &err);
    if (ok) {
        FUZZ_CHECK(err == NULL);
        FUZZ_CHECK(memchr(data, '\n', size) != NULL);
        FUZZ_CHECK(r.api_base != NULL);
        FUZZ_CHECK(r.at > 0);
        FUZZ_CHECK(memchr(r.lease.token, '\0', sizeof(r.lease.token)) != NULL);
        FUZZ_CHECK(memchr(r.lease.host, '\0', sizeof(r.lease.host)) != NULL);
        if (r.has_outcome) {
            FUZZ_CHECK(r.outcome.state < STORE_STATE_COUNT);
            FUZZ_CHECK(r.outcome.state != STORE_SENDING);
            FUZZ_CHECK(r.outcome.state != STORE_SENT || r.outcome.remote_id != NULL);
        }
    } else {
        FUZZ_CHECK(err != NULL && *err);
        FUZZ_CHECK(r.api_base == NULL && !r.has_outcome);
    }
    free(err);
    spool_record_done(&r);
    return 0;
}

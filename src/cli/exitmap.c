/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: outcomes to exit codes (exitmap.h). */
#include "config.h"
#include "cli/exitmap.h"

#include "core/exitcode.h"

int exit_for_result(const struct api_result *res)
{
    if (res->is_unknown)
        return EXIT_TEMPFAIL;
    if (res->outcome == HTTP_OUT_AUTH)
        return EXIT_AUTH;
    if (http_outcome_is_temporary(res->outcome))
        return EXIT_TEMPFAIL;
    if (res->outcome == HTTP_OUT_CLIENT_ERROR)
        return EXIT_INVALID;
    return EXIT_INTERNAL;
}

int exit_for_outbox(enum outbox_status st, const struct api_result *res)
{
    switch (st) {
    case OUTBOX_SENT:
        return EXIT_LOGGED;
    case OUTBOX_REJECTED:
        return EXIT_INVALID;
    case OUTBOX_PENDING:
    case OUTBOX_UNKNOWN:
    case OUTBOX_REVIEW:
        return res && res->outcome == HTTP_OUT_AUTH ? EXIT_AUTH : EXIT_TEMPFAIL;
    case OUTBOX_BUSY:
    case OUTBOX_NOT_DUE:
        return EXIT_TEMPFAIL;
    case OUTBOX_ERROR:
        break;
    }
    return EXIT_INTERNAL;
}

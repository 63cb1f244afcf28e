/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_EXITMAP_H
#define AMPLECALL_EXITMAP_H
/* CLI layer: the one map from outcomes to exit codes (core/exitcode.h), used by every
 * command. */
#include "net/api.h"
#include "store/outbox.h"

/* A request that failed: unknown outcome or temporary -> 75, key refused -> 77, the API
 * refused the input -> 65, anything else -> 70. */
int exit_for_result(const struct api_result *res);
/* What became of a call, as the outbox recorded it (res: its last attempt). */
int exit_for_outbox(enum outbox_status st, const struct api_result *res);

#endif

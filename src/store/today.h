#ifndef AMPLECALL_TODAY_H
#define AMPLECALL_TODAY_H
/* Store layer: counts for the day's work (the form's status bar: logged today; the outbox
 * and review counts are store_count_outbox and store_count_state). */
#include "store/store.h"

/* Calls sent (accepted by Amplemarket) at or after since_ms (wall clock); -1 with *err. */
long store_count_sent_since(struct store *s, long long since_ms, char **err);

#endif

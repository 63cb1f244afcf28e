#ifndef AMPLECALL_PATHS_H
#define AMPLECALL_PATHS_H
/* Store layer: the one place that knows where amplecall keeps its state. */
#include <stdbool.h>

/* The state directory, created 0700 (its parents too) when missing and made private when
 * it is ours; owned, NULL with *err (owned; err may be NULL) when it cannot be. */
char *paths_state_dir(char **err);
/* mkdir -p dir; the last component is forced to 0700 when it is ours. */
bool paths_make_private_dir(const char *dir, char **err);

#endif

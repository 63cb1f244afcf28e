/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FUZZ_H
#define AMPLECALL_FUZZ_H
/* Shared by the libFuzzer targets: the entry point's prototype and a check that aborts (so
 * libFuzzer records the input as a crash) when a property of the code under test fails. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

#endif

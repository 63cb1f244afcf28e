/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_SHA256_H
#define AMPLECALL_SHA256_H
/* Core layer: SHA-256 (FIPS 180-4), for stable keys of imported rows. Pure. */
#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed so far */
    unsigned char block[64];
    size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Lower-case hex digest of data into hex (65 bytes with the NUL). */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif

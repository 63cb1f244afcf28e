/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: leases: who is sending a call (process id, its start time, a random token,
 * the host), and whether that process is gone, so two processes never attempt one call. */
#include "config.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

/* Process start time in clock ticks since boot (field 22 of /proc/PID/stat), 0 if unknown.
 * Together with the pid it names a process uniquely, so a reused pid is not mistaken for
 * the lease holder. */
static long long proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    FILE *f;
    size_t n;
    char *p;
    long long start = 0;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "re");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may contain spaces and parentheses */
    if (!p)
        return 0;
    p++;
    /* after ")" come fields 3..; starttime is field 22, i.e. the 20th token here */
    for (int field = 3; field <= 22 && p; field++) {
        while (*p == ' ')
            p++;
        if (field == 22) {
            start = strtoll(p, NULL, 10);
            break;
        }
        p = strchr(p, ' ');
    }
    return start;
}

static void random_hex(char *out, size_t n_bytes)
{
    unsigned char raw[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t got = 0;

    if (n_bytes > sizeof(raw))
        n_bytes = sizeof(raw);
    if (fd >= 0) {
        ssize_t r = read(fd, raw, n_bytes);
        got = r > 0 ? (size_t)r : 0;
        close(fd);
    }
    if (got < n_bytes) {
        /* no urandom: pid and time still make the token unique per holder */
        unsigned long long x = (unsigned long long)store_now_ms() * 1000003u ^
                               (unsigned long long)getpid() << 20 ^ (uintptr_t)out;
        for (size_t i = got; i < n_bytes; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            raw[i] = (unsigned char)x;
        }
    }
    for (size_t i = 0; i < n_bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

void store_lease_init_self(struct store_lease *l, long long duration_ms)
{
    memset(l, 0, sizeof(*l));
    random_hex(l->token, 16);
    if (gethostname(l->host, sizeof(l->host) - 1) != 0)
        snprintf(l->host, sizeof(l->host), "localhost");
    l->pid = getpid();
    l->start = proc_start_time(l->pid);
    l->duration_ms = duration_ms;
}

bool store_lease_owner_is_dead(const char *host, pid_t pid, long long start)
{
    char self[256] = "";
    long long now_start;

    if (!host || pid <= 0)
        return false;
    if (gethostname(self, sizeof(self) - 1) != 0 || strcmp(self, host) != 0)
        return false; /* another machine sharing the file: only the lease expiry counts */
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    now_start = proc_start_time(pid);
    return start && now_start && now_start != start;
}

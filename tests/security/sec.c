/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the security tests (see sec.h). */
#define _GNU_SOURCE
#include "config.h"
#include "sec.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

const char *sec_inert_problem(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;

        if (c == 0x1B)
            return "an ESC byte";
        if (c == 0x7F)
            return "a DEL byte";
        if (c < 0x20 && c != '\n' && c != '\t')
            return "a C0 control byte";
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, cp = c & 0x07;
        else
            return "invalid UTF-8 (or a raw C1 byte)";
        if (i + n > len)
            return "truncated UTF-8";
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return "invalid UTF-8";
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return "invalid UTF-8";
        if (cp >= 0x80 && cp <= 0x9F)
            return "a C1 control (U+0080..U+009F)";
        i += n;
    }
    return NULL;
}

int sec_closed_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd); /* never listened: connecting to it is refused */
    return port;
}

long long sec_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool sec_wait_for(bool (*cond)(void *ud), void *ud, int timeout_ms)
{
    long long end = sec_now_ms() + timeout_ms;
    struct timespec tick = {0, 20 * 1000000};

    for (;;) {
        if (cond(ud))
            return true;
        if (sec_now_ms() >= end)
            return cond(ud);
        nanosleep(&tick, NULL);
    }
}

char *sec_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0, got;

    if (!f)
        return NULL;
    do {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            data = xrealloc(data, cap + 1);
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}

bool sec_memmem(const char *hay, size_t len, const char *needle)
{
    return hay && memmem(hay, len, needle, strlen(needle)) != NULL;
}

char *sec_find_in_tree(const char *dir, const char *needle, size_t *n_files)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;

    if (!d)
        return NULL;
    while (!found && (de = readdir(d)) != NULL) {
        char *path;
        struct stat st;

        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            found = sec_find_in_tree(path, needle, n_files);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            size_t len = 0;
            char *data = sec_read_file(path, &len);

            (*n_files)++;
            if (data && sec_memmem(data, len, needle))
                found = xstrdup(path);
            free(data);
        }
        free(path);
    }
    closedir(d);
    return found;
}

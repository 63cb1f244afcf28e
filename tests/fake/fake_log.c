/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Request log of the fake API: one JSON object per request, kept in memory (for
 * GET /_fake/requests) and appended to a JSON-lines file flushed per request. The API key is
 * redacted from every line before it is stored anywhere. */
#include "config.h"
#include "fake.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *file;           /* guarded by lock */
static json_object *entries; /* guarded by lock; array */
static long next_seq = 1;

char *fake_json_text(json_object *o)
{
    return xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

bool fake_log_open(const char *path)
{
    pthread_mutex_lock(&lock);
    if (!entries)
        entries = json_object_new_array();
    if (path) {
        file = fopen(path, "w");
        if (!file) {
            pthread_mutex_unlock(&lock);
            return false;
        }
    }
    pthread_mutex_unlock(&lock);
    return true;
}

/* owned: text with every occurrence of key replaced; *is_leak tells if there was one */
static char *redact(const char *text, const char *key, bool *is_leak)
{
    size_t klen = key ? strlen(key) : 0;
    size_t cap = strlen(text) + 1, len = 0;
    char *out = xmalloc(cap);
    const char *p = text, *hit;

    *is_leak = false;
    if (!klen) {
        memcpy(out, text, cap);
        return out;
    }
    while ((hit = strstr(p, key)) != NULL) {
        static const char mark[] = "[REDACTED]";

        *is_leak = true;
        cap += sizeof(mark);
        out = xrealloc(out, cap);
        memcpy(out + len, p, (size_t)(hit - p));
        len += (size_t)(hit - p);
        memcpy(out + len, mark, sizeof(mark) - 1);
        len += sizeof(mark) - 1;
        p = hit + klen;
    }
    strcpy(out + len, p);
    return out;
}

void fake_log_record(json_object *entry, const char *key)
{
    char *text, *clean;
    bool is_leak;

    pthread_mutex_lock(&lock);
    if (!entries)
        entries = json_object_new_array();
    json_object_object_add(entry, "seq", json_object_new_int64(next_seq++));
    text = fake_json_text(entry);
    json_object_put(entry);
    clean = redact(text, key, &is_leak);
    free(text);
    entry = json_tokener_parse(clean);
    if (!entry) /* the key held JSON syntax; keep a minimal, still key-free record */
        entry = json_object_new_object();
    if (is_leak) {
        json_object_object_add(entry, "key_leak", json_object_new_boolean(1));
        free(clean);
        clean = fake_json_text(entry);
    }
    json_object_array_add(entries, entry);
    if (file) {
        fprintf(file, "%s\n", clean);
        fflush(file);
    }
    pthread_mutex_unlock(&lock);
    free(clean);
}

char *fake_log_snapshot(void)
{
    char *text;

    pthread_mutex_lock(&lock);
    text = entries ? fake_json_text(entries) : xstrdup("[]");
    pthread_mutex_unlock(&lock);
    return text;
}

void fake_log_reset(void)
{
    pthread_mutex_lock(&lock);
    json_object_put(entries);
    entries = json_object_new_array();
    if (file) {
        fflush(file);
        if (ftruncate(fileno(file), 0) == 0)
            rewind(file);
    }
    pthread_mutex_unlock(&lock);
}

void fake_log_close(void)
{
    pthread_mutex_lock(&lock);
    if (file)
        fclose(file);
    file = NULL;
    json_object_put(entries);
    entries = NULL;
    pthread_mutex_unlock(&lock);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the config file parser (INI with [profile NAME] sections) and the key-binding specs.
 * Properties: no crash or leak; success exactly when no error text; every kept entry has a
 * lower-case key of [a-z0-9_.-], a value, a line number in order and a known section; a key
 * spec that parses prints as a spec that parses to the same key. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "conf/settings.h"
#include "core/util.h"

static bool is_known_section(const struct settings_file *f, const char *s)
{
    if (!s)
        return true;
    for (size_t i = 0; i < f->n_sections; i++)
        if (!strcmp(f->sections[i], s))
            return true;
    return false;
}

static void check_keyspec(const char *text)
{
    struct keyspec a, b;
    char *name;

    if (!settings_keyspec_parse(text, &a))
        return;
    FUZZ_CHECK(a.kind == KEYSPEC_FKEY || a.kind == KEYSPEC_CTRL || a.kind == KEYSPEC_META);
    name = settings_keyspec_name(&a);
    FUZZ_CHECK(settings_keyspec_parse(name, &b));
    FUZZ_CHECK(a.kind == b.kind && a.value == b.value);
    free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct settings_file f;
    char *err = (char *)"unset";
    char *text;
    bool ok = settings_file_parse((const char *)data, size, "fuzz.conf", &f, &err);
    int last_line = 0;

    FUZZ_CHECK(ok == (err == NULL));
    FUZZ_CHECK(ok || *err);
    for (size_t i = 0; i < f.n; i++) {
        const struct settings_entry *e = &f.v[i];
        FUZZ_CHECK(e->key && *e->key && e->value);
        for (const char *p = e->key; *p; p++)
            FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                       *p == '.' || *p == '-');
        FUZZ_CHECK(e->line > last_line);
        last_line = e->line;
        FUZZ_CHECK(is_known_section(&f, e->section));
    }
    free(err);
    settings_file_done(&f);

    text = xstrndup((const char *)data, size);
    check_keyspec(text);
    free(settings_mask_key(text));
    free(text);
    return 0;
}

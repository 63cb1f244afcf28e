/* SPDX-License-Identifier: GPL-3.0-or-later */
/* settings.c: config file parsing, profile precedence, errors with file:line, permission
 * refusal, api_key_command. Each test gets a fresh temp HOME and a clean environment. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/settings.h"
#include "core/util.h"

#define SECRET "sk-test-0123456789abcdefghijklmnopqrstuvwxyz"

static char tmpdir[256];
static char cfgpath[320];

static const char *const env_vars[] = {
    "AMPLEMARKET_API_KEY", "AMPLECALL_PROFILE", "AMPLECALL_BASE_URL",
    "AMPLECALL_USER",      "AMPLECALL_FROM",    "AMPLECALL_CA_FILE",
    "AMPLECALL_TIMEOUT",   "AMPLECALL_CONFIG",  "NO_COLOR",
    "XDG_CONFIG_HOME",
};

static int setup(void **state)
{
    char dir[300];

    for (size_t i = 0; i < ARRAY_LEN(env_vars); i++)
        unsetenv(env_vars[i]);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/amplecall-settings-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    setenv("HOME", tmpdir, 1);
    snprintf(dir, sizeof(dir), "%s/.config", tmpdir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/.config/amplecall", tmpdir);
    mkdir(dir, 0700);
    snprintf(cfgpath, sizeof(cfgpath), "%s/config", dir);
    settings_set_global_flags(NULL);
    return 0;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void write_config(const char *text, mode_t mode)
{
    write_file(cfgpath, text, mode);
}

/* Loads with flags; asserts the expected outcome and returns the error (owned) if any. */
static char *load(struct settings *s, const struct settings_flags *f, bool expect_ok)
{
    char *err = NULL;
    bool ok;

    settings_init(s);
    ok = settings_load(s, f, &err);
    if (ok != expect_ok)
        fail_msg("settings_load returned %d, error: %s", ok, err ? err : "(none)");
    if (!ok)
        assert_non_null(err);
    return err;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

static void file_parse__accepts_null_empty_and_comment_only_text(void **state)
{
    struct settings_file f;
    char *err = (char *)1;

    assert_true(settings_file_parse(NULL, 0, "x", &f, &err));
    assert_null(err);
    assert_int_equal(f.n, 0);
    settings_file_done(&f);
    assert_true(settings_file_parse("", 0, "x", &f, &err));
    assert_null(err);
    assert_int_equal(f.n, 0);
    settings_file_done(&f);
    assert_true(settings_file_parse("# c\n; c\n\n   \n", 13, NULL, &f, &err));
    assert_int_equal(f.n, 0);
    settings_file_done(&f);
    settings_file_done(NULL);
}

static void file_parse__reads_sections_quotes_and_crlf(void **state)
{
    const char *text = "base_url = https://a.example\r\n"
                       "[profile work]\n"
                       "  USER = \"dana@acme.example\"  \n"
                       "[default]\n"
                       "from='+1 415 555 0100'\n";
    struct settings_file f;
    char *err;

    assert_true(settings_file_parse(text, strlen(text), "c", &f, &err));
    assert_int_equal(f.n, 3);
    assert_null(f.v[0].section);
    assert_string_equal(f.v[0].value, "https://a.example");
    assert_string_equal(f.v[1].section, "work");
    assert_string_equal(f.v[1].key, "user");
    assert_string_equal(f.v[1].value, "dana@acme.example");
    assert_int_equal(f.v[1].line, 3);
    assert_null(f.v[2].section);
    assert_string_equal(f.v[2].value, "+1 415 555 0100");
    assert_int_equal(f.n_sections, 1);
    settings_file_done(&f);
}

/* Rule: quotes around a value are taken off at both lengths' edge: "" and '' are the empty
 * value (so `api_key = ''` is no key, never the two-byte key ''), and a lone quote is a
 * value of one quote, not an opened string. */
static void file_parse__an_empty_quoted_value_is_empty_not_two_quotes(void **state)
{
    const char *text = "api_key = ''\n"
                       "from = \"\"\n"
                       "user = \"\n"
                       "colors = \"never\"\n";
    struct settings_file f;
    char *err = NULL;

    assert_false(settings_file_parse(text, strlen(text), "c", &f, &err));
    assert_contains(err, "c:1: api_key is empty");
    assert_contains(err, "c:2: from has an empty value");
    assert_contains(err, "c:3: user must be a UUID or an email address, not '\"'");
    if (strstr(err, "c:4"))
        fail_msg("a quoted value was refused: %s", err);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.v[0].value, "never");
    free(err);
    settings_file_done(&f);
}

static void file_parse__reports_every_bad_line_with_file_and_line(void **state)
{
    const char *text = "base_url = https://ok.example\n" /* 1 fine */
                       "this is not a setting\n"         /* 2 */
                       "colour = never\n"                /* 3 unknown key */
                       "[team\n"                         /* 4 */
                       "[work]\n"                        /* 5 */
                       "timeout = soon\n"                /* 6 */
                       "key.submit = x\n"                /* 7 */
                       "key.launch = F5\n"               /* 8 */
                       "color.error = mauve\n"           /* 9 */
                       "from = call me\n"                /* 10 */
                       "user = dana\n"                   /* 11 */
                       "base_url = ftp://x\n"            /* 12 */
                       "mouse = off\n";                  /* 13 */
    struct settings_file f;
    char *err;

    assert_false(settings_file_parse(text, strlen(text), "/c/config", &f, &err));
    assert_contains(err, "/c/config:2: expected 'key = value'");
    assert_contains(err, "/c/config:3: unknown key 'colour'");
    assert_contains(err, "/c/config:4: section header must end with ']'");
    assert_contains(err, "/c/config:5: unknown section [work]");
    assert_contains(err, "/c/config:6: timeout must be");
    assert_contains(err, "/c/config:7: key.submit: 'x' is not a usable key");
    assert_contains(err, "/c/config:8: unknown action 'launch'");
    assert_contains(err, "/c/config:9: color.error: 'mauve' is not a colour");
    assert_contains(err, "/c/config:10: from must be a phone number");
    assert_contains(err, "/c/config:11: user must be a UUID or an email");
    assert_contains(err, "/c/config:13: mouse must be yes or no, not 'off'");
    assert_contains(err, "/c/config:12: base_url must be");
    assert_null(strstr(err, "config:1:"));
    assert_int_equal(f.n, 1); /* the good line is kept */
    free(err);
    settings_file_done(&f);
}

static void file_parse__reports_nul_byte(void **state)
{
    const char text[] = "user = a@b.c\nba\0d = 1\n";
    struct settings_file f;
    char *err;

    assert_false(settings_file_parse(text, sizeof(text) - 1, "c", &f, &err));
    assert_contains(err, "c:2: line holds a NUL byte");
    free(err);
    settings_file_done(&f);
}

static void load__uses_defaults_without_config_or_environment(void **state)
{
    struct settings s;

    free(load(&s, NULL, true));
    assert_string_equal(s.base_url, SETTINGS_DEFAULT_BASE_URL);
    assert_null(s.api_key);
    assert_null(s.user);
    assert_null(s.profile);
    assert_null(s.config_path);
    assert_int_equal(s.timeout_ms, 30000);
    assert_int_equal(s.connect_timeout_ms, 10000);
    assert_int_equal(s.colors, SETTINGS_COLORS_AUTO);
    assert_false(s.is_color_disabled);
    assert_string_equal(s.origin[SETTING_BASE_URL], "default");
    settings_done(&s);
}

static void load__profile_overrides_default_section(void **state)
{
    struct settings s;
    struct settings_flags f = {.profile = "work"};

    write_config("user = home@acme.example\n"
                 "timeout = 5\n"
                 "from = +1 111 111 1111\n"
                 "[profile work]\n"
                 "user = dana@acme.example\n"
                 "base_url = https://work.example\n",
                 0600);
    free(load(&s, &f, true));
    assert_string_equal(s.profile, "work");
    assert_string_equal(s.user, "dana@acme.example");
    assert_string_equal(s.base_url, "https://work.example");
    assert_string_equal(s.default_from, "+1 111 111 1111"); /* inherited from default */
    assert_int_equal(s.timeout_ms, 5000);
    assert_int_equal(s.connect_timeout_ms, 5000);
    assert_string_equal(s.config_path, cfgpath);
    assert_contains(s.origin[SETTING_USER], ":5 [profile work]");
    settings_done(&s);

    /* without a profile, the default section alone applies */
    free(load(&s, NULL, true));
    assert_string_equal(s.user, "home@acme.example");
    assert_string_equal(s.base_url, SETTINGS_DEFAULT_BASE_URL);
    settings_done(&s);
}

static void load__environment_overrides_profile_and_selects_it(void **state)
{
    struct settings s;

    write_config("[profile work]\nuser = dana@acme.example\ntimeout = 5\n"
                 "base_url = https://work.example\n",
                 0600);
    setenv("AMPLECALL_PROFILE", "work", 1);
    setenv("AMPLECALL_USER", "env@acme.example", 1);
    setenv("AMPLECALL_TIMEOUT", "7", 1);
    free(load(&s, NULL, true));
    assert_string_equal(s.profile, "work");
    assert_string_equal(s.user, "env@acme.example");
    assert_string_equal(s.base_url, "https://work.example");
    assert_int_equal(s.timeout_ms, 7000);
    assert_string_equal(s.origin[SETTING_USER], "environment AMPLECALL_USER");
    assert_string_equal(s.origin[SETTING_PROFILE], "environment AMPLECALL_PROFILE");
    settings_done(&s);
}

static void load__flag_overrides_environment_and_profile(void **state)
{
    struct settings s;
    struct settings_flags f = {.profile = "b",
                               .user = "flag@acme.example",
                               .timeout_s = 3,
                               .base_url = "http://127.0.0.1:9"};

    write_config("[profile a]\nuser = a@acme.example\n[profile b]\nuser = b@acme.example\n", 0600);
    setenv("AMPLECALL_PROFILE", "a", 1);
    setenv("AMPLECALL_USER", "env@acme.example", 1);
    setenv("AMPLECALL_BASE_URL", "https://env.example", 1);
    free(load(&s, &f, true));
    assert_string_equal(s.profile, "b");
    assert_string_equal(s.user, "flag@acme.example");
    assert_string_equal(s.base_url, "http://127.0.0.1:9");
    assert_int_equal(s.timeout_ms, 3000);
    assert_string_equal(s.origin[SETTING_BASE_URL], "flag --base-url");
    settings_done(&s);

    /* the environment wins over the profile when no flag is given */
    f.user = NULL;
    f.base_url = NULL;
    free(load(&s, &f, true));
    assert_string_equal(s.user, "env@acme.example");
    assert_string_equal(s.base_url, "https://env.example");
    settings_done(&s);
}

static void load__global_flags_fill_what_command_flags_leave_unset(void **state)
{
    struct settings s;
    struct settings_flags global = {.profile = "b", .user = "global@acme.example"};
    struct settings_flags local = {.user = "local@acme.example"};

    write_config("[profile b]\nfrom = +1 222\n", 0600);
    settings_set_global_flags(&global);
    free(load(&s, &local, true));
    assert_string_equal(s.profile, "b");
    assert_string_equal(s.default_from, "+1 222");
    assert_string_equal(s.user, "local@acme.example");
    settings_done(&s);
    settings_set_global_flags(NULL);
}

static void load__xdg_config_home_and_explicit_config_are_used(void **state)
{
    struct settings s;
    char *xdg = xasprintf("%s/xdg", tmpdir);
    char *dir = xasprintf("%s/xdg/amplecall", tmpdir);
    char *path = xasprintf("%s/xdg/amplecall/config", tmpdir);
    char *other = xasprintf("%s/other.conf", tmpdir);
    struct settings_flags f = {.config_path = other};
    char *err;

    assert_int_equal(mkdir(xdg, 0700), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file(path, "user = xdg@acme.example\n", 0600);
    write_config("user = home@acme.example\n", 0600);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    free(load(&s, NULL, true));
    assert_string_equal(s.user, "xdg@acme.example");
    assert_string_equal(s.config_path, path);
    settings_done(&s);

    /* a named file that does not exist is an error, unlike the default location */
    err = load(&s, &f, false);
    assert_contains(err, other);
    assert_contains(err, "cannot open config file");
    free(err);
    settings_done(&s);

    write_file(other, "user = other@acme.example\n", 0600);
    free(load(&s, &f, true));
    assert_string_equal(s.user, "other@acme.example");
    settings_done(&s);
    free(xdg);
    free(dir);
    free(path);
    free(other);
}

static void load__reports_config_errors_with_path_and_line(void **state)
{
    struct settings s;
    char *err, *want;

    write_config("# ok\nuser = dana@acme.example\napi_kye = x\n\n[profile p]\nnonsense\n", 0600);
    err = load(&s, NULL, false);
    want = xasprintf("%s:3: unknown key 'api_kye'", cfgpath);
    assert_contains(err, want);
    free(want);
    want = xasprintf("%s:6: expected 'key = value'", cfgpath);
    assert_contains(err, want);
    free(want);
    free(err);
    settings_done(&s);
}

static void load__rejects_unknown_profile_naming_the_known_ones(void **state)
{
    struct settings s;
    struct settings_flags f = {.profile = "wrok"};
    char *err;

    write_config("[profile work]\nuser = a@b.c\n[profile home]\nuser = c@d.e\n", 0600);
    err = load(&s, &f, false);
    assert_contains(err, "no [profile wrok] section (profiles: work, home)");
    free(err);
    settings_done(&s);

    unlink(cfgpath);
    err = load(&s, &f, false);
    assert_contains(err, "profile 'wrok' requested but there is no config file");
    free(err);
    settings_done(&s);
}

static void load__refuses_api_key_in_a_file_others_can_read(void **state)
{
    struct settings s;
    char *err, *want;

    write_config("user = a@b.c\napi_key = " SECRET "\n", 0644);
    err = load(&s, NULL, false);
    want = xasprintf("%s:2: refusing to read api_key from a file others can read (mode 0644); "
                     "run: chmod 600 %s",
                     cfgpath, cfgpath);
    assert_contains(err, want);
    assert_null(strstr(err, SECRET));
    assert_null(s.api_key);
    free(want);
    free(err);
    settings_done(&s);

    write_config("user = a@b.c\napi_key = " SECRET "\n", 0640);
    err = load(&s, NULL, false);
    assert_contains(err, "chmod 600");
    free(err);
    settings_done(&s);
}

static void load__reads_api_key_from_a_private_file(void **state)
{
    struct settings s;

    write_config("api_key = " SECRET "\n", 0600);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, SECRET);
    assert_string_equal(s.api_key_source, "config file");
    assert_contains(s.origin[SETTING_API_KEY], ":1");
    settings_done(&s);
}

static void load__environment_key_wins_and_leaves_the_environment(void **state)
{
    struct settings s;
    char *marker = xasprintf("%s/ran", tmpdir);
    char *cfg = xasprintf("api_key_command = touch %s; echo other\n", marker);

    write_config(cfg, 0600);
    setenv("AMPLEMARKET_API_KEY", SECRET, 1);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, SECRET);
    assert_string_equal(s.api_key_source, "environment");
    assert_null(getenv("AMPLEMARKET_API_KEY"));    /* no child can inherit it */
    assert_int_not_equal(access(marker, F_OK), 0); /* the command never ran */
    settings_done(&s);
    free(marker);
    free(cfg);
}

static void load__runs_api_key_command_and_takes_its_first_line(void **state)
{
    struct settings s;
    char *envfile = xasprintf("%s/childenv", tmpdir);
    char *cfg = xasprintf("api_key_command = env > %s; printf '  %s  \\nsecond line\\n'\n", envfile,
                          SECRET);

    write_config(cfg, 0600);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, SECRET);
    assert_string_equal(s.api_key_source, "api_key_command");
    {
        /* the command ran, and nothing of the key reached its environment */
        FILE *fp = fopen(envfile, "r");
        char line[4096];
        assert_non_null(fp);
        while (fgets(line, sizeof(line), fp))
            assert_null(strstr(line, "AMPLEMARKET_API_KEY"));
        fclose(fp);
    }
    settings_done(&s);
    free(envfile);
    free(cfg);
}

static void load__profile_key_command_overrides_default_api_key(void **state)
{
    struct settings s;
    struct settings_flags f = {.profile = "p"};

    write_config("api_key = default-key-123\n[profile p]\napi_key_command = echo profile-key\n",
                 0600);
    free(load(&s, &f, true));
    assert_string_equal(s.api_key, "profile-key");
    settings_done(&s);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, "default-key-123");
    settings_done(&s);
}

static void load__reports_failing_api_key_command_with_exit_status(void **state)
{
    struct settings s;
    char *err, *want;

    write_config("\napi_key_command = echo " SECRET "; exit 3\n", 0600);
    err = load(&s, NULL, false);
    want = xasprintf("%s:2: api_key_command", cfgpath);
    assert_contains(err, want);
    assert_contains(err, "failed with exit status 3");
    assert_null(s.api_key);
    free(want);
    free(err);
    settings_done(&s);
}

static void load__reports_api_key_command_not_found(void **state)
{
    struct settings s;
    char *err;

    write_config("api_key_command = /nonexistent/amplecall-pass show key\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, "exit status 127 (command not found)");
    free(err);
    settings_done(&s);
}

static void load__reports_api_key_command_printing_nothing(void **state)
{
    struct settings s;
    char *err;

    write_config("api_key_command = printf '\\n\\nkey-on-line-3\\n'\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, "printed no key on its first line");
    free(err);
    settings_done(&s);

    write_config("api_key_command = echo 'two words'\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, "spaces or control characters");
    free(err);
    settings_done(&s);
}

static void load__reports_api_key_command_killed_by_signal(void **state)
{
    struct settings s;
    char *err;

    write_config("api_key_command = kill -TERM $$\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, "was killed by signal 15");
    free(err);
    settings_done(&s);
}

static void load__api_key_command_timeout_comes_from_the_profile_then_the_default(void **state)
{
    struct settings s;
    struct settings_flags f = {.profile = "p"};
    char *err;
    time_t t0;

    /* the default section's 100 s would let it finish after 3 s; the profile's 1 s does not */
    write_config("api_key_command = sleep 3; echo k\napi_key_command_timeout = 100\n"
                 "[profile p]\napi_key_command_timeout = 1\n",
                 0600);
    t0 = time(NULL);
    err = load(&s, &f, false);
    assert_true(time(NULL) - t0 <= 2);
    assert_contains(err, "did not finish within 1 s (api_key_command_timeout)");
    free(err);
    settings_done(&s);
    write_config("api_key_command = echo k\napi_key_command_timeout = 0\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, ":2: api_key_command_timeout must be a whole number of seconds (1-600)");
    free(err);
    settings_done(&s);
    write_config("api_key_command = echo k\napi_key_command_timeout = 2\n", 0600);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, "k");
    settings_done(&s);
}

static void load__refuses_a_config_file_others_can_change(void **state)
{
    struct settings s;
    char *err;

    /* it says where the key goes: refused before it is read, whatever it holds */
    write_config("api_key_command = echo k\n", 0620);
    err = load(&s, NULL, false);
    assert_contains(err, "refusing to use");
    assert_contains(err, "its group can write to it (mode 0620); run: chmod 600");
    assert_null(s.api_key);
    free(err);
    settings_done(&s);
    write_config("base_url = https://elsewhere.example\n", 0602);
    err = load(&s, NULL, false);
    assert_contains(err, "others can write to it (mode 0602)");
    free(err);
    settings_done(&s);

    /* readable by others is fine: the file holds no secret */
    write_config("api_key_command = echo k\n", 0644);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, "k");
    settings_done(&s);
}

static void load__rejects_api_key_and_command_in_one_section(void **state)
{
    struct settings s;
    char *err;

    write_config("api_key = abc\napi_key_command = echo k\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, ":2: both api_key and api_key_command are set in [default]");
    free(err);
    settings_done(&s);
}

static void load__reports_bad_environment_values(void **state)
{
    struct settings s;
    char *err;

    setenv("AMPLECALL_TIMEOUT", "0", 1);
    setenv("AMPLECALL_BASE_URL", "api.amplemarket.com", 1);
    setenv("AMPLECALL_USER", "dana", 1);
    err = load(&s, NULL, false);
    assert_contains(err, "AMPLECALL_TIMEOUT must be");
    assert_contains(err, "AMPLECALL_BASE_URL must be");
    assert_contains(err, "AMPLECALL_USER must be");
    free(err);
    settings_done(&s);
}

static void load__reports_unreadable_ca_file_with_its_origin(void **state)
{
    struct settings s;
    char *err;

    write_config("\n\nca_file = ~/missing.pem\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, "missing.pem");
    assert_contains(err, ":3)");
    free(err);
    settings_done(&s);
}

static void load__ca_file_next_to_the_config_passes_its_checks(void **state)
{
    struct settings s;
    char *ca = xasprintf("%s/.config/amplecall/ca.pem", tmpdir), *link, *err;

    write_file(ca, "-----BEGIN CERTIFICATE-----\n", 0644);
    write_config("ca_file = ~/.config/amplecall/ca.pem\n", 0600);
    free(load(&s, NULL, true));
    settings_done(&s);
    /* it decides whom the key goes to: others may not change it */
    assert_int_equal(chmod(ca, 0664), 0);
    err = load(&s, NULL, false);
    assert_contains(err, "ca.pem: its group can write to it (mode 0664); run: chmod 600");
    free(err);
    settings_done(&s);
    /* nor may it be a link there */
    assert_int_equal(chmod(ca, 0644), 0);
    link = xasprintf("%s/.config/amplecall/link.pem", tmpdir);
    assert_int_equal(symlink(ca, link), 0);
    write_config("ca_file = ~/.config/amplecall/link.pem\n", 0600);
    err = load(&s, NULL, false);
    assert_contains(err, "symbolic link");
    free(err);
    settings_done(&s);
    free(link);
    free(ca);
}

static void load__reads_bindings_colors_and_no_color(void **state)
{
    struct settings s;
    struct settings_flags f = {.profile = "p"};
    const struct settings_binding *b;
    const struct settings_color *c;

    write_config("colors = always\nkey.submit = ^S\nkey.timer = f5\ncolor.error = white on red\n"
                 "[profile p]\nkey.submit = M-s\ncolor.label = cyan\n",
                 0600);
    free(load(&s, &f, true));
    assert_int_equal(s.colors, SETTINGS_COLORS_ALWAYS);
    b = settings_binding_for(&s, "submit");
    assert_non_null(b);
    assert_string_equal(b->key, "M-s");
    assert_int_equal(b->spec.kind, KEYSPEC_META);
    b = settings_binding_for(&s, "timer");
    assert_string_equal(b->key, "F5");
    assert_int_equal(b->spec.value, 5);
    assert_null(settings_binding_for(&s, "help"));
    c = settings_color_for(&s, "error");
    assert_int_equal(c->fg, 7);
    assert_int_equal(c->bg, 1);
    c = settings_color_for(&s, "label");
    assert_int_equal(c->fg, 6);
    assert_int_equal(c->bg, -1);
    assert_false(s.is_color_disabled);
    assert_false(s.is_mouse_disabled); /* the default */
    settings_done(&s);

    write_config("mouse = no\n[profile p]\ncolors = auto\n", 0600);
    free(load(&s, &f, true));
    assert_true(s.is_mouse_disabled);
    settings_done(&s);

    setenv("NO_COLOR", "1", 1);
    free(load(&s, &f, true));
    assert_true(s.is_color_disabled);
    assert_string_equal(s.origin[SETTING_COLORS], "environment NO_COLOR");
    settings_done(&s);
}

static void keyspec__accepts_fkeys_ctrl_meta_and_refuses_typing_keys(void **state)
{
    struct keyspec k;
    char *name;

    assert_false(settings_keyspec_parse("", &k));
    assert_false(settings_keyspec_parse("a", &k));
    assert_false(settings_keyspec_parse("F0", &k));
    assert_false(settings_keyspec_parse("F25", &k));
    assert_false(settings_keyspec_parse("C-i", &k)); /* Tab */
    assert_false(settings_keyspec_parse("C-m", &k)); /* Enter */
    assert_false(settings_keyspec_parse("C-c", &k));
    assert_false(settings_keyspec_parse("C-ab", &k));
    assert_false(settings_keyspec_parse("M- ", &k));
    assert_true(settings_keyspec_parse(" Ctrl-X ", &k));
    assert_int_equal(k.kind, KEYSPEC_CTRL);
    assert_int_equal(k.value, 'x');
    name = settings_keyspec_name(&k);
    assert_string_equal(name, "C-x");
    free(name);
    assert_true(settings_keyspec_parse("F12", &k));
    assert_int_equal(k.kind, KEYSPEC_FKEY);
    assert_int_equal(k.value, 12);
    assert_true(settings_keyspec_parse("Alt-?", &k));
    name = settings_keyspec_name(&k);
    assert_string_equal(name, "M-?");
    free(name);
}

static void mask_key__never_shows_the_whole_key(void **state)
{
    char *m = settings_mask_key(NULL);
    assert_string_equal(m, "(none)");
    free(m);
    m = settings_mask_key("short-key");
    assert_null(strstr(m, "short"));
    assert_contains(m, "9 characters");
    free(m);
    m = settings_mask_key(SECRET);
    assert_null(strstr(m, SECRET + 4));
    assert_contains(m, "sk-t");
    free(m);
}

static void take_flag__handles_both_forms_and_bad_values(void **state)
{
    char a[][16] = {"cmd",       "--profile", "work",   "--user=a@b.c",
                    "--timeout", "0",         "--json", "--config"};
    char *argv[] = {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL};
    int argc = 8;
    struct settings_flags f = {0};
    char *err;
    int i = 1;

    assert_int_equal(settings_take_flag(argc, argv, &i, &f, &err), 1);
    assert_int_equal(i, 2);
    assert_string_equal(f.profile, "work");
    i = 3;
    assert_int_equal(settings_take_flag(argc, argv, &i, &f, &err), 1);
    assert_int_equal(i, 3);
    assert_string_equal(f.user, "a@b.c");
    i = 4;
    assert_int_equal(settings_take_flag(argc, argv, &i, &f, &err), -1);
    assert_contains(err, "--timeout");
    free(err);
    i = 6;
    assert_int_equal(settings_take_flag(argc, argv, &i, &f, &err), 0);
    assert_int_equal(i, 6);
    i = 7;
    assert_int_equal(settings_take_flag(argc, argv, &i, &f, &err), -1);
    assert_contains(err, "--config needs a value");
    free(err);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)


/* Rule: the key is masked: a prefix of 4 only from 20 characters on (19: none at all). */
static void mask_key__prefix_only_from_twenty_characters(void **state)
{
    char *m = settings_mask_key("0123456789012345678");

    assert_string_equal(m, "… (19 characters)");
    free(m);
    m = settings_mask_key("01234567890123456789");
    assert_string_equal(m, "0123… (20 characters)");
    free(m);
    m = settings_mask_key("");
    assert_string_equal(m, "… (0 characters)");
    free(m);
}

/* Rule: the key is read from a config file only if no one but its owner can read or write
 * it: 0600 and 0700 are fine, any group or other bit (0604, 0610, 0601) is refused. */
static void load__api_key_file_mode_every_foreign_bit_refused(void **state)
{
    static const mode_t bad[] = {0604, 0610, 0601, 0620, 0602};
    struct settings s;
    char *err;

    write_config("api_key = " SECRET "\n", 0700);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, SECRET);
    settings_done(&s);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        write_config("api_key = " SECRET "\n", bad[i]);
        err = load(&s, NULL, false);
        assert_contains(err, "refusing to ");
        assert_contains(err, "run: chmod 600");
        assert_null(strstr(err, SECRET));
        assert_null(s.api_key);
        free(err);
        settings_done(&s);
    }
    /* without a key in it, a readable file is fine */
    write_config("user = a@b.c\n", 0644);
    free(load(&s, NULL, true));
    settings_done(&s);
}

/* Rule: a key holds no space or control character (it would be cut or mangled in the
 * Authorization header); anything printable is kept. */
static void file_parse__api_key_text_rule(void **state)
{
    static const char *const bad[] = {"api_key = sk a\n", "api_key = sk\x7f\n",
                                      "api_key = sk\x01x\n", "api_key = sk\tx\n"};
    struct settings s;
    char *err;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        write_config(bad[i], 0600);
        err = load(&s, NULL, false);
        assert_contains(err, "api_key is empty or holds spaces or control characters");
        free(err);
        settings_done(&s);
    }
    write_config("api_key = !sk~\n", 0600);
    free(load(&s, NULL, true));
    assert_string_equal(s.api_key, "!sk~");
    settings_done(&s);
}

/* Timeouts: 1 to 3600 s for requests, 1 to 600 s for api_key_command; 0 and one past the
 * cap are refused. Colours: auto, always and never in their spellings. Users: UUID or an
 * address with one @ and text on both sides. */
static void load__value_caps_and_spellings_both_sides(void **state)
{
    static const struct {
        const char *text;
        bool is_ok;
    } t[] = {
        {"timeout = 1\n", true},
        {"timeout = 3600\n", true},
        {"timeout = 3601\n", false},
        {"timeout = 0\n", false},
        {"api_key_command_timeout = 600\napi_key_command = echo k\n", true},
        {"api_key_command_timeout = 601\n", false},
        {"api_key_command_timeout = 0\n", false},
        {"colors = auto\n", true},
        {"colors = AUTO\n", true},
        {"colors = off\n", true},
        {"colors = 1\n", true},
        {"colors = sometimes\n", false},
        {"user = a@b\n", true},
        {"user = a@\n", false},
        {"user = @b\n", false},
        {"user = a@b@c\n", false},
        {"user = a b@c\n", false},
        {"base_url = https://x\n", true},
        {"base_url = HTTP://127.0.0.1:9\n", true},
        {"base_url = https://\n", false},
        {"base_url = https:///x\n", false},
        {"base_url = http://:80\n", false},
        {"base_url = ftp://x\n", false},
        {"base_url = https://x y\n", false},
        {"key.submit = F24\n", true},
        {"key.submit = F25\n", false},
        {"key.submit = F0\n", false},
        {"key.submit = F1\n", true},
        {"key.submit = M-!\n", true},
        {"key.submit = M-~\n", true},
        {"key.submit = C-a\n", true},
        {"key.submit = C-z\n", false},
        {"key.submit = C-@\n", false},
        {"key.submit = C-{\n", false},
    };
    struct settings s;

    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        char *err;
        bool ok;

        write_config(t[i].text, 0600);
        settings_init(&s);
        err = NULL;
        ok = settings_load(&s, NULL, &err);
        if (ok != t[i].is_ok)
            fail_msg("%s: loaded %d, want %d (%s)", t[i].text, ok, t[i].is_ok,
                     err ? err : "no error");
        if (ok && strstr(t[i].text, "colors = auto"))
            assert_int_equal(s.colors, SETTINGS_COLORS_AUTO);
        free(err);
        settings_done(&s);
    }
}

/* The config path: flag, environment, XDG_CONFIG_HOME (absolute only), HOME; none: NULL. */
static void config_path__each_source_and_none(void **state)
{
    char *p;

    setenv("XDG_CONFIG_HOME", "relative", 1);
    p = settings_config_path(NULL);
    assert_non_null(strstr(p, "/.config/amplecall/config"));
    free(p);
    setenv("XDG_CONFIG_HOME", "/x", 1);
    p = settings_config_path(NULL);
    assert_string_equal(p, "/x/amplecall/config");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    assert_null(settings_config_path(NULL));
    setenv("AMPLECALL_CONFIG", "/c", 1);
    p = settings_config_path(NULL);
    assert_string_equal(p, "/c");
    free(p);
    unsetenv("AMPLECALL_CONFIG");
    setenv("HOME", tmpdir, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(mask_key__prefix_only_from_twenty_characters),
        T(load__api_key_file_mode_every_foreign_bit_refused),
        T(file_parse__api_key_text_rule),
        T(load__value_caps_and_spellings_both_sides),
        T(config_path__each_source_and_none),
        T(file_parse__accepts_null_empty_and_comment_only_text),
        T(file_parse__reads_sections_quotes_and_crlf),
        T(file_parse__an_empty_quoted_value_is_empty_not_two_quotes),
        T(file_parse__reports_every_bad_line_with_file_and_line),
        T(file_parse__reports_nul_byte),
        T(load__uses_defaults_without_config_or_environment),
        T(load__profile_overrides_default_section),
        T(load__environment_overrides_profile_and_selects_it),
        T(load__flag_overrides_environment_and_profile),
        T(load__global_flags_fill_what_command_flags_leave_unset),
        T(load__xdg_config_home_and_explicit_config_are_used),
        T(load__reports_config_errors_with_path_and_line),
        T(load__rejects_unknown_profile_naming_the_known_ones),
        T(load__refuses_api_key_in_a_file_others_can_read),
        T(load__reads_api_key_from_a_private_file),
        T(load__environment_key_wins_and_leaves_the_environment),
        T(load__runs_api_key_command_and_takes_its_first_line),
        T(load__profile_key_command_overrides_default_api_key),
        T(load__reports_failing_api_key_command_with_exit_status),
        T(load__reports_api_key_command_not_found),
        T(load__reports_api_key_command_printing_nothing),
        T(load__reports_api_key_command_killed_by_signal),
        T(load__refuses_a_config_file_others_can_change),
        T(load__api_key_command_timeout_comes_from_the_profile_then_the_default),
        T(load__rejects_api_key_and_command_in_one_section),
        T(load__reports_bad_environment_values),
        T(load__reports_unreadable_ca_file_with_its_origin),
        T(load__ca_file_next_to_the_config_passes_its_checks),
        T(load__reads_bindings_colors_and_no_color),
        T(keyspec__accepts_fkeys_ctrl_meta_and_refuses_typing_keys),
        T(mask_key__never_shows_the_whole_key),
        T(take_flag__handles_both_forms_and_bad_values),
    };
    return RUN_TAP(tests);
}

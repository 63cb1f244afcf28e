/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The listing, account, config and import commands end to end: the real binary against the
 * fake API on 127.0.0.1, in text and --json, with profiles, config errors and resumed imports.
 * Checks exit codes, output, and the requests the server received. */
#include "config.h"
#include "unit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "cli_env.h"
#include "fakectl.h"
#include "core/util.h"

static struct fake *fk;
static char *home;

static int setup(void **state)
{
    static const char *const args[] = {"--tasks", "25", NULL};
    fk = fake_start(args);
    home = cli_tmp_home();
    return fk && home ? 0 : -1;
}

static int teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    return 0;
}

/* Fresh server state and a fresh HOME (no config, no store) for every test. */
static int reset(void **state)
{
    cli_rm_tree(home);
    free(home);
    home = cli_tmp_home();
    return home && fake_reset(fk) ? 0 : -1;
}

static struct cli_run run_env(const char *key, const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), key, env, args);
    /* the key must never be echoed, whatever happened */
    assert_false(cli_has(r.out, FAKE_API_KEY));
    assert_false(cli_has(r.err, FAKE_API_KEY));
    return r;
}

static struct cli_run run(const char *const *args)
{
    return run_env(FAKE_API_KEY, NULL, args);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_status(struct cli_run *r, int want)
{
    if (r->status != want)
        fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static void expect_has(const char *s, const char *needle)
{
    if (!cli_has(s, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, s ? s : "(null)");
}

/* stdout parsed as a JSON array of n items; owned */
static json_object *json_array_of(const char *text, size_t n)
{
    json_object *v = json_tokener_parse(text);
    if (!v || !json_object_is_type(v, json_type_array))
        fail_msg("not a JSON array: %s", text);
    assert_int_equal(json_object_array_length(v), n);
    return v;
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v ? json_object_get_string(v) : NULL;
}

static char *config_path(void)
{
    char *dir = xasprintf("%s/config/amplecall", home);
    char *parent = xasprintf("%s/config", home);
    char *path = xasprintf("%s/config", dir);
    mkdir(parent, 0700);
    mkdir(dir, 0700);
    free(dir);
    free(parent);
    return path;
}

static void write_config(const char *text, mode_t mode)
{
    char *path = config_path();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
    free(path);
}

static char *write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", home, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* ---- listings ---- */

static void dispositions__table_shows_names_actions_and_ids(void **state)
{
    struct cli_run r = run(ARGS("dispositions"));

    expect_status(&r, 0);
    expect_has(r.out, "NAME");
    expect_has(r.out, "Interested");
    expect_has(r.out, "complete (completes the task)");
    expect_has(r.out, FAKE_DISPO_NEXT_ID);
    assert_int_equal(fake_request_count(fk, "GET", "/calls/dispositions"), 1);
    cli_run_done(&r);
}

static void dispositions__json_is_an_array_of_id_name_action(void **state)
{
    struct cli_run r = run(ARGS("dispositions", "--json"));
    json_object *a;

    expect_status(&r, 0);
    a = json_array_of(r.out, 5);
    assert_string_equal(member_str(json_object_array_get_idx(a, 0), "name"), "Interested");
    assert_string_equal(member_str(json_object_array_get_idx(a, 0), "action"), "complete");
    json_object_put(a);
    cli_run_done(&r);
}

static void tasks__lists_all_pages_of_the_users_scheduled_calls(void **state)
{
    struct cli_run r = run(ARGS("tasks", "--user", FAKE_USER_EMAIL, "--json"));
    json_object *a, *req;
    char id[FAKE_ID_LEN];

    expect_status(&r, 0);
    a = json_tokener_parse(r.out);
    assert_non_null(a);
    assert_int_equal(json_object_array_length(a), 25); /* one page of page[size]=100 */
    fake_task_id(25, id);
    expect_has(r.out, id);
    expect_has(r.out, "\"status\": \"scheduled\"");
    assert_false(cli_has(r.out, FAKE_TASK_EMAIL_ID));
    assert_false(cli_has(r.out, FAKE_TASK_AUTOMATIC_ID)); /* automatic=false */
    assert_int_equal(fake_request_count(fk, "GET", "/users"), 1);
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 1);
    req = fake_last_request(fk, "GET", "/tasks");
    expect_has(member_str(req, "query"), FAKE_USER_ID);
    expect_has(member_str(req, "query"), "automatic=false");
    expect_has(member_str(req, "query"), "page[size]=100");
    json_object_put(req);
    req = fake_last_request(fk, "GET", "/users");
    expect_has(member_str(req, "query"), "status=active");
    json_object_put(req);
    json_object_put(a);
    cli_run_done(&r);

    r = run(ARGS("tasks", "--user", FAKE_USER_ID));
    expect_status(&r, 0);
    expect_has(r.out, "CONTACT");
    expect_has(r.out, FAKE_TASK_ID_FIRST);
    cli_run_done(&r);
}

static void tasks__without_a_user_is_a_usage_error(void **state)
{
    struct cli_run r = run(ARGS("tasks"));

    expect_status(&r, 64);
    expect_has(r.err, "no user");
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
}

static void users__filters_by_email_in_text_and_json(void **state)
{
    struct cli_run r = run(ARGS("users", "--email", FAKE_USER2_EMAIL, "--json"));
    json_object *a;

    expect_status(&r, 0);
    a = json_array_of(r.out, 1);
    assert_string_equal(member_str(json_object_array_get_idx(a, 0), "id"), FAKE_USER2_ID);
    json_object_put(a);
    cli_run_done(&r);

    r = run(ARGS("users"));
    expect_status(&r, 0);
    expect_has(r.out, FAKE_USER_EMAIL);
    assert_false(cli_has(r.out, FAKE_USER3_EMAIL)); /* status=active */
    cli_run_done(&r);

    r = run(ARGS("users", "--all"));
    expect_status(&r, 0);
    expect_has(r.out, FAKE_USER_EMAIL);
    expect_has(r.out, FAKE_USER3_EMAIL);
    cli_run_done(&r);
}

static void calls__lists_logged_calls_filtered_by_to(void **state)
{
    struct cli_run r = run(ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0111",
                                "--duration", "42", "--answered", "yes", "--human", "yes", "--task",
                                FAKE_TASK_ID_FIRST, "--user", FAKE_USER_ID));
    json_object *a, *req;

    expect_status(&r, 0);
    cli_run_done(&r);
    r = run(ARGS("calls", "--to", "+1 212 555 0111", "--since", "1d", "--json", "--user",
                 FAKE_USER_ID));
    expect_status(&r, 0);
    a = json_array_of(r.out, 1);
    assert_string_equal(member_str(json_object_array_get_idx(a, 0), "duration"), "42");
    json_object_put(a);
    req = fake_last_request(fk, "GET", "/calls");
    expect_has(member_str(req, "query"), "start_date_from=");
    json_object_put(req);
    cli_run_done(&r);

    r = run(ARGS("calls", "--to", "+1 999", "--all-users"));
    expect_status(&r, 0);
    expect_has(r.out, "STARTED");
    expect_has(r.err, "No calls match.");
    cli_run_done(&r);

    r = run(ARGS("calls", "--since", "yesterday"));
    expect_status(&r, 64);
    cli_run_done(&r);
}

static void whoami__resolves_the_user_and_never_shows_the_key(void **state)
{
    static const char *const env[] = {"AMPLECALL_USER=" FAKE_USER_EMAIL, NULL};
    struct cli_run r = run_env(FAKE_API_KEY, env, ARGS("whoami"));
    json_object *o;

    expect_status(&r, 0);
    expect_has(r.out, "Dana Smith <dana@acme.example>");
    expect_has(r.out, FAKE_USER_ID);
    expect_has(r.out, "from environment");
    cli_run_done(&r);

    r = run_env(FAKE_API_KEY, env, ARGS("whoami", "--json"));
    expect_status(&r, 0);
    o = json_tokener_parse(r.out);
    assert_non_null(o);
    assert_string_equal(member_str(o, "key_source"), "environment");
    json_object_put(o);
    cli_run_done(&r);
}

static void whoami__rejected_key_exits_77(void **state)
{
    struct cli_run r = run_env("wrong-key", NULL, ARGS("whoami"));

    expect_status(&r, 77);
    expect_has(r.err, "amplecall whoami:");
    assert_false(cli_has(r.err, "wrong-key"));
    cli_run_done(&r);
}

/* ---- configuration ---- */

static void config_show__masks_the_key_and_names_each_origin(void **state)
{
    char *cfg = xasprintf("user = someone@acme.example\n"
                          "[profile work]\n"
                          "user = %s\n"
                          "from = +1 415 555 0100\n"
                          "timeout = 9\n"
                          "key.submit = C-s\n",
                          FAKE_USER_EMAIL);
    static const char *const env[] = {"AMPLECALL_TIMEOUT=7", NULL};
    struct cli_run r;

    write_config(cfg, 0644);
    r = run_env(FAKE_API_KEY, env, ARGS("--profile", "work", "config", "show"));
    expect_status(&r, 0);
    expect_has(r.out, "(8 characters)");
    expect_has(r.out, FAKE_USER_EMAIL);
    expect_has(r.out, ":3 [profile work])");
    expect_has(r.out, "7 s   (environment AMPLECALL_TIMEOUT)");
    expect_has(r.out, "(flag --profile)");
    expect_has(r.out, "key.submit");
    cli_run_done(&r);

    r = run_env(FAKE_API_KEY, env, ARGS("config", "show", "--json", "--timeout", "3"));
    expect_status(&r, 0);
    expect_has(r.out, "\"origin\": \"flag --timeout\"");
    expect_has(r.out, "someone@acme.example");
    cli_run_done(&r);
    free(cfg);
}

/* `config path` names the file that would be read, and only that, with exit 0: a script
 * runs `$EDITOR "$(amplecall config path)"` and must not open a file named by an error. */
static void config_path__names_the_file_read_and_exits_zero(void **state)
{
    char *path = config_path(); /* $XDG_CONFIG_HOME/amplecall/config */
    char *want = xasprintf("%s\n", path);
    char *other = xasprintf("%s/elsewhere.conf", home);
    char *want_other = xasprintf("%s\n", other);
    char *env_other = xasprintf("AMPLECALL_CONFIG=%s", other);
    const char *const env[] = {env_other, NULL};
    struct cli_run r;

    r = run(ARGS("config", "path"));
    expect_status(&r, 0);
    assert_string_equal(r.out, want);
    assert_string_equal(r.err, "");
    cli_run_done(&r);
    /* the file need not exist; the environment and the flag name another */
    r = run_env(FAKE_API_KEY, env, ARGS("config", "path"));
    expect_status(&r, 0);
    assert_string_equal(r.out, want_other);
    cli_run_done(&r);
    r = run(ARGS("--config", other, "config", "path"));
    expect_status(&r, 0);
    assert_string_equal(r.out, want_other);
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    free(env_other);
    free(want_other);
    free(other);
    free(want);
    free(path);
}

static void config__errors_are_reported_with_file_and_line(void **state)
{
    char *path = config_path();
    char *want;
    struct cli_run r;

    write_config("[profile a]\nuser = a@b.c\nbogus_key = 1\nnot a line\n", 0600);
    r = run(ARGS("dispositions"));
    expect_status(&r, 78);
    want = xasprintf("%s:3: unknown key 'bogus_key'", path);
    expect_has(r.err, want);
    free(want);
    want = xasprintf("%s:4: expected 'key = value'", path);
    expect_has(r.err, want);
    free(want);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
    free(path);
}

static void config__api_key_in_a_readable_file_is_refused(void **state)
{
    char *path = config_path();
    char *want = xasprintf("chmod 600 %s", path);
    struct cli_run r;

    write_config("api_key = " FAKE_API_KEY "\n", 0644);
    r = run_env(NULL, NULL, ARGS("dispositions"));
    expect_status(&r, 78);
    expect_has(r.err, want);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);

    write_config("api_key = " FAKE_API_KEY "\n", 0600);
    r = run_env(NULL, NULL, ARGS("dispositions"));
    expect_status(&r, 0);
    cli_run_done(&r);
    free(want);
    free(path);
}

static void config__api_key_command_supplies_the_key_or_fails_clearly(void **state)
{
    struct cli_run r;

    write_config("api_key_command = printf '%s\\n' " FAKE_API_KEY "\n", 0600);
    r = run_env(NULL, NULL, ARGS("dispositions"));
    expect_status(&r, 0);
    cli_run_done(&r);

    write_config("\napi_key_command = echo nope >&2; exit 4\n", 0600);
    r = run_env(NULL, NULL, ARGS("dispositions"));
    expect_status(&r, 78);
    expect_has(r.err, ":2: api_key_command");
    expect_has(r.err, "failed with exit status 4");
    assert_int_equal(fake_request_count(fk, NULL, NULL), 1); /* only the first run */
    cli_run_done(&r);
}

static void profile__flag_beats_environment_beats_profile(void **state)
{
    char *cfg = xasprintf("base_url = http://127.0.0.1:1\n"
                          "[profile fake]\n"
                          "base_url = %s\n",
                          fake_base_url(fk));
    static const char *const bad_env[] = {"AMPLECALL_BASE_URL=http://127.0.0.1:1", NULL};
    struct cli_run r;

    write_config(cfg, 0600);
    /* the profile's base URL over the default section's */
    r = cli_run(home, NULL, FAKE_API_KEY, NULL, ARGS("--profile", "fake", "dispositions"));
    expect_status(&r, 0);
    cli_run_done(&r);
    /* the environment over the profile */
    r = cli_run(home, NULL, FAKE_API_KEY, bad_env, ARGS("dispositions", "--profile", "fake"));
    expect_status(&r, 75);
    cli_run_done(&r);
    /* the flag over the environment */
    r = cli_run(home, NULL, FAKE_API_KEY, bad_env,
                ARGS("dispositions", "--base-url", fake_base_url(fk)));
    expect_status(&r, 0);
    cli_run_done(&r);
    /* a profile that does not exist */
    r = cli_run(home, NULL, FAKE_API_KEY, NULL, ARGS("--profile", "nope", "dispositions"));
    expect_status(&r, 78);
    expect_has(r.err, "no [profile nope] section (profiles: fake)");
    cli_run_done(&r);
    free(cfg);
}

/* ---- names in `log` ---- */

static void log__disposition_and_task_names_are_resolved(void **state)
{
    struct cli_run r =
        run(ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0122", "--duration", "5",
                 "--answered", "no", "--human", "no", "--task", "contact2@prospect.example",
                 "--user", FAKE_USER_EMAIL, "--disposition", "no ANS"));
    json_object *calls, *c;
    char id[FAKE_ID_LEN];

    expect_status(&r, 0);
    assert_int_equal(fake_request_count(fk, "GET", "/calls/dispositions"), 1);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    calls = fake_stored_calls(fk);
    c = json_object_array_get_idx(calls, 0);
    fake_task_id(2, id);
    assert_string_equal(member_str(c, "task_id"), id);
    assert_string_equal(member_str(c, "disposition_id"), FAKE_DISPO_NEXT_ID);
    assert_string_equal(member_str(c, "user_id"), FAKE_USER_ID);
    json_object_put(calls);
    cli_run_done(&r);
}

static void log__uuids_make_exactly_one_request(void **state)
{
    struct cli_run r =
        run(ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0123", "--duration", "5",
                 "--answered", "no", "--human", "no", "--task", FAKE_TASK_ID_FIRST, "--user",
                 FAKE_USER_ID, "--disposition", FAKE_DISPO_VOICEMAIL_ID));

    expect_status(&r, 0);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 1);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    cli_run_done(&r);
}

static void log__ambiguous_or_unknown_names_exit_65_and_send_nothing(void **state)
{
    struct cli_run r = run(ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0124",
                                "--duration", "5", "--answered", "no", "--human", "no", "--task",
                                FAKE_TASK_ID_FIRST, "--user", FAKE_USER_ID, "--disposition", "No"));

    expect_status(&r, 65);
    expect_has(r.err, "is ambiguous");
    expect_has(r.err, "No answer");
    expect_has(r.err, "Not interested");
    cli_run_done(&r);
    r = run(ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0124", "--duration", "5",
                 "--answered", "no", "--human", "no", "--task", "Nobody Known", "--user",
                 FAKE_USER_ID));
    expect_status(&r, 65);
    expect_has(r.err, "no task matches \"Nobody Known\"");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    cli_run_done(&r);
}

/* ---- import ---- */

#define CSV_HEADER "from,to,duration,answered,human,task,disposition\n"

static void import__reports_bad_rows_and_a_rerun_sends_nothing_twice(void **state)
{
    static const char *const env[] = {"AMPLECALL_USER=" FAKE_USER_EMAIL, NULL};
    char *csv = write_file("calls.csv",
                           CSV_HEADER "+1 415 555 0100,+1 212 555 0001,10,yes,yes,"
                                      "contact3@prospect.example,Interested\n"
                                      "+1 415 555 0100,,ten,maybe,no,contact4@prospect.example,No\n"
                                      "\"+1 415 555 0100\",\"+1 212 555 0003\",30,no,no,"
                                      "contact5@prospect.example,\n");
    struct cli_run r = run_env(FAKE_API_KEY, env, ARGS("import", csv));
    json_object *a;

    expect_status(&r, 65);
    expect_has(r.out, "row 1 (line 2): logged");
    expect_has(r.out, "row 2 (line 3): invalid, not sent");
    expect_has(r.out, "to: is required");
    expect_has(r.out, "duration: must be a whole number");
    expect_has(r.out, "is ambiguous");
    expect_has(r.out, "row 3 (line 4): logged");
    expect_has(r.out, "3 rows: 2 logged, 0 already logged, 1 invalid");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    cli_run_done(&r);

    /* the same file again: nothing is sent twice (task 3 is completed by now, so its name no
     * longer resolves: the row must be recognised before names are looked up) */
    r = run_env(FAKE_API_KEY, env, ARGS("import", "--json", csv));
    expect_status(&r, 65);
    a = json_array_of(r.out, 3);
    assert_string_equal(member_str(json_object_array_get_idx(a, 0), "status"), "already_logged");
    assert_string_equal(member_str(json_object_array_get_idx(a, 1), "status"), "invalid");
    assert_string_equal(member_str(json_object_array_get_idx(a, 2), "status"), "already_logged");
    json_object_put(a);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    cli_run_done(&r);
    free(csv);

    /* the bad row fixed: only it is sent */
    csv = write_file("calls.csv", CSV_HEADER
                     "+1 415 555 0100,+1 212 555 0001,10,yes,yes,"
                     "contact3@prospect.example,Interested\n"
                     "+1 415 555 0100,+1 212 555 0002,10,no,no,contact4@prospect.example,"
                     "No answer\n"
                     "\"+1 415 555 0100\",\"+1 212 555 0003\",30,no,no,"
                     "contact5@prospect.example,\n");
    r = run_env(FAKE_API_KEY, env, ARGS("import", csv));
    expect_status(&r, 0);
    expect_has(r.out, "3 rows: 1 logged, 2 already logged, 0 invalid");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 3);
    cli_run_done(&r);
    free(csv);
}

static void import__stops_at_a_server_error_and_resumes_without_duplicates(void **state)
{
    /* a 500 is an unknown outcome: the rerun looks it up after a settle of one timeout */
    static const char *const env[] = {"AMPLECALL_USER=" FAKE_USER_ID, "AMPLECALL_TIMEOUT=1",
                                      "AMPLECALL_OUTBOX_SETTLE_MS=1", NULL};
    char *csv = write_file("calls.csv", CSV_HEADER
                           "+1 415 555 0100,+1 212 555 0011,1,no,no," FAKE_TASK_ID_FIRST ",\n"
                           "+1 415 555 0100,+1 212 555 0012,2,no,no," FAKE_TASK_ID_FIRST ",\n"
                           "+1 415 555 0100,+1 212 555 0013,3,no,no," FAKE_TASK_ID_FIRST ",\n");
    struct cli_run r;
    json_object *calls;

    /* the second POST fails with a 500 */
    assert_true(fake_set_faults(fk, "[{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"delay_ms\":1},"
                                    "{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"status\":500}]"));
    r = run_env(FAKE_API_KEY, env, ARGS("import", csv));
    expect_status(&r, 75);
    expect_has(r.out, "row 1 (line 2): logged");
    expect_has(r.out, "row 2 (line 3): not logged yet");
    expect_has(r.out, "row 3 (line 4): not sent");
    expect_has(r.err, "run the same import again");
    cli_run_done(&r);

    r = run_env(FAKE_API_KEY, env, ARGS("import", csv));
    expect_status(&r, 0);
    expect_has(r.out, "3 rows: 2 logged, 1 already logged");
    cli_run_done(&r);
    calls = fake_stored_calls(fk);
    assert_int_equal(json_object_array_length(calls), 3);
    json_object_put(calls);
    free(csv);
}

static void import__unknown_column_is_refused_before_any_request(void **state)
{
    char *csv = write_file("bad.csv", "from,to,colour\n1,2,3\n");
    struct cli_run r = run(ARGS("import", csv));

    expect_status(&r, 65);
    expect_has(r.err, "column 3 \"colour\" is not a call field");
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
    free(csv);
}

static void import__latin1_cells_are_refused_naming_the_field_before_any_lookup(void **state)
{
    static const char *const env[] = {"AMPLECALL_USER=" FAKE_USER_ID, NULL};
    char *csv = write_file("latin1.csv",
                           "from,to,duration,answered,human,task,disposition,transcription\n"
                           "+1 415 555 0100,+1 212 555 0021,5,no,no," FAKE_TASK_ID_FIRST
                           ",,Caf\xC3\xA9\n"
                           "+1 415 555 0100,+1 212 555 0022,5,no,no," FAKE_TASK_ID_FIRST
                           ",Int\xE9ress\xE9,Caf\xE9\n");
    struct cli_run r = run_env(FAKE_API_KEY, env, ARGS("import", csv));

    expect_status(&r, 65);
    expect_has(r.out, "row 1 (line 2): logged");
    expect_has(r.out, "row 2 (line 3): invalid, not sent");
    expect_has(r.out, "transcription: is not valid UTF-8 (byte 0xE9 at offset 3)");
    expect_has(r.out, "disposition_id: is not valid UTF-8 (byte 0xE9 at offset 3)");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    assert_int_equal(fake_request_count(fk, "GET", "/dispositions"), 0);
    cli_run_done(&r);
    free(csv);
}

/* ---- import: which rows are the same work ---- */

#define ROW_CSV_HEADER "from,to,duration,answered,human,task\n"
#define ROW(to, dur) "+1 415 555 0100," to "," dur ",no,no," FAKE_TASK_ID_FIRST "\n"

static const char *const user_env[] = {"AMPLECALL_USER=" FAKE_USER_ID, "AMPLECALL_TIMEOUT=1",
                                       "AMPLECALL_OUTBOX_SETTLE_MS=1", NULL};

static size_t server_calls(struct fake *f)
{
    json_object *a = fake_stored_calls(f);
    size_t n;

    assert_non_null(a);
    n = json_object_array_length(a);
    json_object_put(a);
    return n;
}

static struct cli_run import_at(struct fake *f, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(f), FAKE_API_KEY, user_env, args);
    assert_false(cli_has(r.out, FAKE_API_KEY));
    assert_false(cli_has(r.err, FAKE_API_KEY));
    return r;
}

/* Imports path against the fake and expects the exit status and a line of the summary. */
static void import_expect(const char *path, int status, const char *summary)
{
    struct cli_run r = import_at(fk, ARGS("import", path));

    expect_status(&r, status);
    expect_has(r.out, summary);
    cli_run_done(&r);
}

/* Tuesday's unanswered call to the same task, same numbers, same duration, is another call. */
static void import__the_same_row_in_another_file_is_a_new_call(void **state)
{
    char *mon = write_file("monday.csv", ROW_CSV_HEADER ROW("+1 212 555 0031", "0"));
    char *tue = write_file("tuesday.csv", ROW_CSV_HEADER ROW("+1 212 555 0031", "0"));

    import_expect(mon, 0, "1 row: 1 logged");
    import_expect(tue, 0, "1 row: 1 logged, 0 already logged");
    assert_int_equal(server_calls(fk), 2);
    free(mon);
    free(tue);
}

/* The file edited between runs (a spreadsheet re-saved it): "042" is 42 seconds, "No" and
 * "false" are no, a task id in capitals is the same task. Each is the row already logged;
 * a real change (43 seconds) is a new call. */
static void import__an_edited_file_with_the_same_values_resumes(void **state)
{
    char *csv = write_file("calls.csv", ROW_CSV_HEADER "+1 415 555 0100,+1 212 555 0061,042,no,"
                                                       "no," FAKE_TASK_ID_FIRST "\n");
    char *upper = xstrdup(FAKE_TASK_ID_FIRST);
    char *edited;

    for (char *p = upper; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    import_expect(csv, 0, "1 row: 1 logged");
    free(csv);
    edited = xasprintf(ROW_CSV_HEADER "+1 415 555 0100,+1 212 555 0061,42,No,false,%s\n", upper);
    csv = write_file("calls.csv", edited);
    import_expect(csv, 0, "1 row: 0 logged, 1 already logged");
    assert_int_equal(server_calls(fk), 1);
    free(csv);
    csv = write_file("calls.csv", ROW_CSV_HEADER "+1 415 555 0100,+1 212 555 0061,43,no,no,"
                                  FAKE_TASK_ID_FIRST "\n");
    import_expect(csv, 0, "1 row: 1 logged");
    assert_int_equal(server_calls(fk), 2);
    free(csv);
    free(edited);
    free(upper);
}

static void import__a_rerun_after_everything_was_sent_sends_nothing(void **state)
{
    const char *text = ROW_CSV_HEADER ROW("+1 212 555 0041", "1") ROW("+1 212 555 0042", "2");
    char *csv = write_file("calls.csv", text);
    struct cli_run r = import_at(fk, ARGS("import", csv));

    expect_status(&r, 0);
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    import_expect(csv, 0, "2 rows: 0 logged, 2 already logged");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);

    /* standard input is known by its content: the same text resumes, other text is new */
    r = cli_run_input(home, fake_base_url(fk), FAKE_API_KEY, user_env, ARGS("import", "-"), text);
    expect_status(&r, 0);
    expect_has(r.out, "2 rows: 2 logged");
    cli_run_done(&r);
    r = cli_run_input(home, fake_base_url(fk), FAKE_API_KEY, user_env, ARGS("import", "-"), text);
    expect_status(&r, 0);
    expect_has(r.out, "2 rows: 0 logged, 2 already logged");
    cli_run_done(&r);
    r = cli_run_input(home, fake_base_url(fk), FAKE_API_KEY, user_env, ARGS("import", "-"),
                      ROW_CSV_HEADER ROW("+1 212 555 0041", "1"));
    expect_status(&r, 0);
    expect_has(r.out, "1 row: 1 logged");
    cli_run_done(&r);
    assert_int_equal(server_calls(fk), 5);
    free(csv);
}

/* The server fails part way (a 503 on the fourth call): the rerun sends the rest, once. */
static void import__a_rerun_after_a_partial_run_sends_the_rest_once(void **state)
{
    char *csv = write_file("calls.csv", ROW_CSV_HEADER ROW("+1 212 555 0051", "1")
                                            ROW("+1 212 555 0052", "2") ROW("+1 212 555 0053", "3")
                                                ROW("+1 212 555 0054", "4")
                                                    ROW("+1 212 555 0055", "5"));

    assert_true(fake_set_faults(fk, "[{\"method\":\"POST\",\"path\":\"/calls\",\"times\":3,"
                                    "\"delay_ms\":1},"
                                    "{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"status\":503}]"));
    import_expect(csv, 75, "5 rows: 3 logged");
    assert_int_equal(server_calls(fk), 3);
    import_expect(csv, 0, "5 rows: 2 logged, 3 already logged");
    assert_int_equal(server_calls(fk), 5);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 6);
    free(csv);
}

/* A test server first, then the real one: both get the calls. The same server under another
 * spelling of its URL is the same work. */
static void import__another_base_url_is_new_work(void **state)
{
    static const char *const args[] = {"--tasks", "25", NULL};
    struct fake *fk2 = fake_start(args);
    char *csv = write_file("calls.csv", ROW_CSV_HEADER ROW("+1 212 555 0061", "1")
                                            ROW("+1 212 555 0062", "2"));
    char *same = NULL;
    struct cli_run r;

    assert_non_null(fk2);
    r = import_at(fk2, ARGS("import", csv));
    expect_status(&r, 0);
    expect_has(r.out, "2 rows: 2 logged");
    cli_run_done(&r);
    import_expect(csv, 0, "2 rows: 2 logged, 0 already logged");
    assert_int_equal(server_calls(fk2), 2);
    assert_int_equal(server_calls(fk), 2);

    same = xasprintf("HTTP://LocalHost:%d//", fake_port(fk));
    r = cli_run(home, same, FAKE_API_KEY, user_env, ARGS("import", csv));
    expect_status(&r, 0);
    expect_has(r.out, "2 rows: 0 logged, 2 already logged");
    cli_run_done(&r);
    assert_int_equal(server_calls(fk), 2);
    assert_int_equal(fake_stop(fk2), 0);
    free(same);
    free(csv);
}

/* A 404 says nothing about the call (a wrong base path, a proxy): the rerun tries it again.
 * A 422 is a verdict on the call and stays. */
static void import__a_row_refused_with_404_is_retried_on_rerun(void **state)
{
    char *csv = write_file("calls.csv",
                           ROW_CSV_HEADER ROW("+1 212 555 0071", "1")
                           "+1 415 555 0100,+1 212 555 0072,2,no,no,"
                           "0199f0a2-1c3e-7a10-9b7e-00000000ffff\n");
    struct cli_run r;

    /* a 404 naming a field is a refusal (a bare 404, a wrong base path, is only pending) */
    assert_true(fake_set_faults(fk, "{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"body\":\"{\\\"_errors\\\":[{\\\"code\\\":\\\"not_found\\\",\\\"title\\\":\\\"Not found\\\","
                                    "\\\"detail\\\":\\\"No such task\\\",\\\"source\\\":{\\\"pointer\\\":"
                                    "\\\"/task_id\\\"}}],\\\"object\\\":\\\"error\\\"}\","
                                    "\"status\":404}"));
    import_expect(csv, 65, "2 rows: 0 logged, 0 already logged, 0 invalid, 2 rejected");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    assert_int_equal(server_calls(fk), 0);

    r = import_at(fk, ARGS("import", csv));
    expect_status(&r, 65);
    expect_has(r.out, "row 1 (line 2): logged");
    expect_has(r.out, "row 2 (line 3): rejected");
    expect_has(r.out, "2 rows: 1 logged, 0 already logged, 0 invalid, 1 rejected");
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 3);
    assert_int_equal(server_calls(fk), 1);

    import_expect(csv, 65, "2 rows: 0 logged, 1 already logged, 0 invalid, 1 rejected");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 3);
    free(csv);
}

static void import__dry_run_lists_what_would_happen_and_posts_nothing(void **state)
{
    char *csv = write_file("calls.csv",
                           ROW_CSV_HEADER ROW("+1 212 555 0081", "1") ROW("+1 212 555 0082", "2")
                               ROW("+1 212 555 0083", "3") ROW("+1 212 555 0084", "ten")
                                   ROW("+1 212 555 0085", "5")
                           "+1 415 555 0100,+1 212 555 0086,6,no,no,"
                           "\x1b]0;owned\x07\x1b[31mEvil\n");
    char *db = xasprintf("%s/state/amplecall/amplecall.db", home);
    struct cli_run r, again;
    struct stat sb;

    /* nothing stored yet: every good row would be sent, and no store is created */
    r = import_at(fk, ARGS("import", "--dry-run", csv));
    expect_status(&r, 65);
    expect_has(r.out, "row 1: send\n");
    expect_has(r.out, "row 4: invalid: duration: must be a whole number");
    expect_has(r.out, "row 5: send\n");
    expect_has(r.out, "row 6: invalid: task_id: no task matches");
    expect_has(r.out, "Evil");
    assert_false(cli_has(r.out, "\x1b"));
    assert_false(cli_has(r.out, "\x07"));
    expect_has(r.out, "6 rows (dry run, nothing sent): 4 to send, 0 to retry, 0 queued already, "
                      "0 already sent, 0 rejected, 2 invalid");
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, "POST", NULL), 0);
    assert_int_not_equal(stat(db, &sb), 0);

    /* row 1 sent, row 2 refused with a 404, row 3 kept pending by a 500; the run stops */
    assert_true(fake_set_faults(fk, "[{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"delay_ms\":1},"
                                    "{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"body\":\"{\\\"_errors\\\":[{\\\"code\\\":\\\"not_found\\\",\\\"title\\\":\\\"Not found\\\","
                                    "\\\"detail\\\":\\\"No such task\\\",\\\"source\\\":{\\\"pointer\\\":"
                                    "\\\"/task_id\\\"}}],\\\"object\\\":\\\"error\\\"}\","
                                    "\"status\":404},"
                                    "{\"method\":\"POST\",\"path\":\"/calls\",\"times\":1,"
                                    "\"status\":500}]"));
    r = import_at(fk, ARGS("import", csv));
    expect_status(&r, 75);
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 3);

    r = import_at(fk, ARGS("import", "--dry-run", csv));
    expect_status(&r, 65);
    expect_has(r.out, "row 1: already sent (#1)\n");
    expect_has(r.out, "row 2: retry (refused before: HTTP 404)\n");
    expect_has(r.out, "row 3: queued already (#3)\n");
    expect_has(r.out, "row 4: invalid: duration: must be a whole number");
    expect_has(r.out, "row 5: send\n");
    expect_has(r.out, "row 6: invalid: task_id: no task matches");
    assert_false(cli_has(r.out, "\x1b"));
    expect_has(r.out, "6 rows (dry run, nothing sent): 1 to send, 1 to retry, 1 queued already, "
                      "1 already sent, 0 rejected, 2 invalid");
    assert_int_equal(fake_request_count(fk, "POST", NULL), 3);
    /* it changed nothing: the same answer again */
    again = import_at(fk, ARGS("import", "--dry-run", csv));
    assert_string_equal(again.out, r.out);
    cli_run_done(&again);
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, "POST", NULL), 3);

    /* the real run sends rows 2, 3 and 5 */
    import_expect(csv, 65, "6 rows: 3 logged, 1 already logged, 2 invalid, 0 rejected");
    assert_int_equal(server_calls(fk), 4);
    free(db);
    free(csv);
}

static void import__two_identical_rows_in_one_file_are_two_calls(void **state)
{
    char *csv = write_file("calls.csv", ROW_CSV_HEADER ROW("+1 212 555 0091", "0")
                                            ROW("+1 212 555 0091", "0"));
    import_expect(csv, 0, "2 rows: 2 logged");
    assert_int_equal(server_calls(fk), 2);
    import_expect(csv, 0, "2 rows: 0 logged, 2 already logged");
    assert_int_equal(server_calls(fk), 2);
    free(csv);
}

/* ---- help ---- */

static void every_command_has_help(void **state)
{
    static const char *const cmds[] = {"tasks",  "dispositions", "users",  "calls",
                                       "whoami", "config",       "import", "log"};
    for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
        struct cli_run r = run(ARGS(cmds[i], "--help"));
        expect_status(&r, 0);
        expect_has(r.out, "Usage: amplecall ");
        cli_run_done(&r);
    }
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, reset)
    const struct CMUnitTest tests[] = {
        T(dispositions__table_shows_names_actions_and_ids),
        T(dispositions__json_is_an_array_of_id_name_action),
        T(tasks__lists_all_pages_of_the_users_scheduled_calls),
        T(tasks__without_a_user_is_a_usage_error),
        T(users__filters_by_email_in_text_and_json),
        T(calls__lists_logged_calls_filtered_by_to),
        T(whoami__resolves_the_user_and_never_shows_the_key),
        T(whoami__rejected_key_exits_77),
        T(config_show__masks_the_key_and_names_each_origin),
        T(config_path__names_the_file_read_and_exits_zero),
        T(config__errors_are_reported_with_file_and_line),
        T(config__api_key_in_a_readable_file_is_refused),
        T(config__api_key_command_supplies_the_key_or_fails_clearly),
        T(profile__flag_beats_environment_beats_profile),
        T(log__disposition_and_task_names_are_resolved),
        T(log__uuids_make_exactly_one_request),
        T(log__ambiguous_or_unknown_names_exit_65_and_send_nothing),
        T(import__reports_bad_rows_and_a_rerun_sends_nothing_twice),
        T(import__stops_at_a_server_error_and_resumes_without_duplicates),
        T(import__unknown_column_is_refused_before_any_request),
        T(import__latin1_cells_are_refused_naming_the_field_before_any_lookup),
        T(import__the_same_row_in_another_file_is_a_new_call),
        T(import__an_edited_file_with_the_same_values_resumes),
        T(import__a_rerun_after_everything_was_sent_sends_nothing),
        T(import__a_rerun_after_a_partial_run_sends_the_rest_once),
        T(import__another_base_url_is_new_work),
        T(import__a_row_refused_with_404_is_retried_on_rerun),
        T(import__dry_run_lists_what_would_happen_and_posts_nothing),
        T(import__two_identical_rows_in_one_file_are_two_calls),
        T(every_command_has_help),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* StrictModes on a shared machine, with a real second user (useradd here, userdel after):
 * a state directory that user made, holding a valid outbox with a call waiting, is refused
 * (exit 78, one line naming the path and the chown that fixes it) by every command that would
 * read it, no request is made, and inotify shows the planted files were never opened; after the
 * suggested chown the same outbox is read and flushed, so the refusal is what stopped the
 * call. Files that user plants through a group-writable state directory, a group-writable
 * database, links where files should be, and a config file (its base_url pointing at a
 * "thief" server) that user owns or can change are refused the same way before any request,
 * and the key never reaches the thief. Needs root; skipped with the reason otherwise. */
#include "config.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_env.h"
#include "fakectl.h"
#include "sec.h"
#include "core/util.h"

#define CANARY "sk-STRICT-7f3a9c2e5b1d4a60"
#define PLANTED_NUMBER "+1 646 555 0142"

static struct fake *fk;    /* the API, with the canary key */
static struct fake *thief; /* where a changed config would send the key */
static char *home;
static char user[32];
static uid_t other_uid;
static gid_t other_gid;
static bool has_user;

#define LOG_ARGS(...)                                                                          \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", PLANTED_NUMBER, "--duration", "42",        \
            "--answered", "yes", "--human", "no", "--task", FAKE_TASK_ID_FIRST, "--user",       \
            FAKE_USER_ID, __VA_ARGS__ NULL                                                     \
    }

/* Run a shell command; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    va_list ap;
    char *cmd;
    int rc;

    va_start(ap, fmt);
    cmd = xvasprintf(fmt, ap);
    va_end(ap);
    rc = system(cmd);
    free(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

/* Run a shell command as the second user; its exit status. */
static int as_other(const char *cmd)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(other_gid) != 0 || setuid(other_uid) != 0)
            _exit(120);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void remove_user(void)
{
    if (has_user) {
        sh("userdel '%s' >/dev/null 2>&1", user);
        has_user = false;
    }
}

/* Why the test cannot run here, or NULL. */
static const char *skip_reason(void)
{
    if (geteuid() != 0)
        return "a second real user needs root (useradd)";
    if (access("/usr/sbin/useradd", X_OK) != 0 && sh("command -v useradd >/dev/null") != 0)
        return "useradd is not installed";
    return NULL;
}

static int group_setup(void **state)
{
    static const char *const args[] = {"--key", CANARY, NULL};
    struct passwd *pw;

    snprintf(user, sizeof(user), "acall-t%ld", (long)getpid());
    if (sh("useradd --system --no-create-home --user-group --shell /usr/sbin/nologin '%s'",
           user) != 0)
        return -1;
    has_user = true;
    atexit(remove_user);
    pw = getpwnam(user);
    if (!pw)
        return -1;
    other_uid = pw->pw_uid;
    other_gid = pw->pw_gid;
    fk = fake_start(args);
    thief = fake_start(args);
    home = cli_tmp_home();
    /* the second user may pass through HOME (not list it), as on a shared machine */
    if (!home || chmod(home, 0711) != 0)
        return -1;
    return fk && thief ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    fake_stop(thief);
    sh("rm -rf '%s'", home);
    free(home);
    remove_user();
    return 0;
}

static int reset(void **state)
{
    sh("rm -rf '%s/state' '%s/config' '%s/scratch' '%s/shared'", home, home, home, home);
    return fake_reset(fk) && fake_reset(thief) ? 0 : -1;
}

static char *path_in(const char *rel)
{
    return xasprintf("%s/%s", home, rel);
}

/* Run amplecall as ourselves, HOME and the state under home, key in the environment. */
static struct cli_run run(const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), CANARY, env, args);

    if (cli_has(r.out, CANARY) || cli_has(r.err, CANARY))
        fail_msg("amplecall %s printed the key", args[0]);
    return r;
}

/* The run must be refused: exit 78, one line on stderr naming needle and the fix, nothing on
 * stdout, no request to either server. */
static void expect_refused(const char *const *env, const char *const *args, const char *path,
                           const char *problem, const char *fix)
{
    struct cli_run r = run(env, args);
    const char *nl = r.err ? strchr(r.err, '\n') : NULL;

    if (r.status != 78)
        fail_msg("amplecall %s: exit %d, want 78\nstderr: %s", args[0], r.status, r.err);
    if (!cli_has(r.err, path) || !cli_has(r.err, problem) || !cli_has(r.err, fix))
        fail_msg("amplecall %s: the refusal does not name %s, '%s' and '%s':\n%s", args[0], path,
                 problem, fix, r.err);
    if (!nl || nl[1] != '\0')
        fail_msg("amplecall %s: the refusal is not one line:\n%s", args[0], r.err);
    if (*r.out || cli_has(r.err, PLANTED_NUMBER))
        fail_msg("amplecall %s showed something:\n%s%s", args[0], r.out, r.err);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    assert_int_equal(fake_request_count(thief, NULL, NULL), 0);
    cli_run_done(&r);
}

static void expect_ok(const char *const *env, const char *const *args)
{
    struct cli_run r = run(env, args);

    if (r.status != 0)
        fail_msg("amplecall %s: exit %d\nstderr: %s", args[0], r.status, r.err);
    cli_run_done(&r);
}

/* Run args; while it is refused, execute the "run: ..." part of the refusal as the shell
 * would. Returns the fixes applied; fails if the advice does not converge. */
static int apply_fixes(const char *const *args)
{
    int n = 0;

    for (;;) {
        struct cli_run r = run(NULL, args);
        const char *fix = cli_has(r.err, "; run: ") ? strstr(r.err, "; run: ") + 7 : NULL;
        char *cmd;

        if (r.status != 78) {
            cli_run_done(&r);
            return n;
        }
        if (!fix || ++n > 10)
            fail_msg("no usable fix in: %s", r.err);
        cmd = xstrndup(fix, strcspn(fix, "\n"));
        if (sh("%s", cmd) != 0)
            fail_msg("the suggested fix failed: %s", cmd);
        free(cmd);
        cli_run_done(&r);
    }
}

/* A state directory with one call waiting in its outbox (a 429 kept it), built as ourselves
 * under home/scratch; returns its path (owned). */
static char *outbox_with_a_waiting_call(void)
{
    char *scratch = path_in("scratch"), *state;
    struct cli_run r;

    assert_int_equal(mkdir(scratch, 0700), 0);
    assert_true(fake_set_faults(fk, "{\"status\":429,\"times\":1}"));
    r = cli_run(scratch, fake_base_url(fk), CANARY, NULL, LOG_ARGS());
    if (r.status != 75)
        fail_msg("setting up the outbox: exit %d: %s", r.status, r.err);
    cli_run_done(&r);
    assert_true(fake_reset(fk));
    state = xasprintf("%s/state/amplecall", scratch);
    free(scratch);
    return state;
}

/* inotify on each file of dir: any open or read shows. */
struct watch {
    int fd;
    int n;
};

static void watch_files(struct watch *w, const char *dir)
{
    static const char *const names[] = {"amplecall.db", "amplecall.db-wal", "amplecall.db-shm",
                                        "history", "numbers_history"};

    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    w->n = 0;
    assert_true(w->fd >= 0);
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char *p = xasprintf("%s/%s", dir, names[i]);
        if (access(p, F_OK) == 0) {
            assert_true(inotify_add_watch(w->fd, p, IN_OPEN | IN_ACCESS) >= 0);
            w->n++;
        }
        free(p);
    }
}

/* Events since the watch began, of the kinds in mask. */
static int watch_events(struct watch *w, uint32_t mask)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int count = 0;
    ssize_t n;

    while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->mask & mask)
                count++;
            p += sizeof(*e) + e->len;
        }
    }
    return count;
}

static void strict__a_state_directory_another_user_made_is_never_read_nor_sent(void **state)
{
    char *made = outbox_with_a_waiting_call(), *base = path_in("state");
    char *dir = path_in("state/amplecall"), *hist = path_in("state/amplecall/numbers_history");
    struct watch w;

    /* the second user "owns" the whole state directory, outbox and histories */
    assert_int_equal(mkdir(base, 0755), 0);
    assert_int_equal(sh("mv '%s' '%s' && printf '%%s\\n' '" PLANTED_NUMBER "' > '%s' && "
                        "printf 'to\\t%%s\\n' '" PLANTED_NUMBER "' > '%s/history' && "
                        "chown -R '%s:%s' '%s'",
                        made, dir, hist, dir, user, user, dir),
                     0);
    watch_files(&w, dir);
    assert_int_equal(w.n, 5);
    expect_refused(NULL, (const char *const[]){"outbox", "flush", NULL}, dir,
                   "belongs to ", "run: chown root ");
    expect_refused(NULL, (const char *const[]){"outbox", NULL}, dir, "belongs to ", "chown");
    expect_refused(NULL, (const char *const[]){"history", NULL}, dir, "belongs to ", "chown");
    expect_refused(NULL, LOG_ARGS(), dir, "belongs to ", "chown");
    expect_refused(NULL, LOG_ARGS("--prompt", ), dir, "belongs to ", "chown");
    expect_refused(NULL, (const char *const[]){"import", "/dev/null", NULL}, dir, "belongs to ",
                   "chown");
    /* the form too (no command) */
    expect_refused(NULL, (const char *const[]){NULL}, dir, "belongs to ", "chown");
    if (watch_events(&w, IN_OPEN | IN_ACCESS) != 0)
        fail_msg("a planted file was opened or read");
    close(w.fd);
    /* the same outbox, made ours by the suggested fix: its call is read and sent */
    print_message("%d suggested fixes made the planted outbox usable\n",
                  apply_fixes((const char *const[]){"outbox", NULL}));
    {
        struct cli_run r = run(NULL, (const char *const[]){"outbox", NULL});
        if (r.status != 0 || !cli_has(r.out, PLANTED_NUMBER))
            fail_msg("after the fix the outbox is not listed: %d\n%s%s", r.status, r.out, r.err);
        cli_run_done(&r);
    }
    expect_ok((const char *const[]){"AMPLECALL_OUTBOX_SETTLE_MS=0", NULL},
              (const char *const[]){"outbox", "flush", NULL});
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    free(made);
    free(base);
    free(dir);
    free(hist);
}

static void strict__files_another_user_plants_through_a_group_writable_state_dir(void **state)
{
    char *dir = path_in("state/amplecall");
    char *journal = xasprintf("%s/amplecall.db-journal", dir);
    char *cmd;
    struct watch w;

    expect_ok(NULL, (const char *const[]){"outbox", NULL}); /* creates it, ours, 0700 */
    {
        char *st = path_in("state");
        assert_int_equal(chmod(st, 0711), 0); /* they may pass through */
        free(st);
    }
    /* shared with the second user's group, as a careless setup might */
    assert_int_equal(chown(dir, 0, other_gid), 0);
    assert_int_equal(chmod(dir, 0770), 0);
    expect_refused(NULL, (const char *const[]){"history", NULL}, dir,
                   "its group can write to it (mode 0770)", "run: chmod 700 ");
    /* meanwhile they plant a hot journal (SQLite would roll it into the database) and link
     * the line prompt's history to a file of theirs */
    cmd = xasprintf("printf 'planted' > '%s' && ln -s /etc/hostname '%s/numbers_history'",
                    journal, dir);
    assert_int_equal(as_other(cmd), 0);
    free(cmd);
    /* the user follows the advice; the planted files are still there, and still refused */
    assert_int_equal(as_other("true"), 0);
    assert_int_equal(sh("chmod 700 '%s'", dir), 0); /* the advice given above */
    assert_int_equal(sh("rm -f '%s/numbers_history'", dir), 0);
    watch_files(&w, dir);
    assert_true(inotify_add_watch(w.fd, journal, IN_OPEN | IN_ACCESS) >= 0);
    expect_refused(NULL, (const char *const[]){"outbox", "flush", NULL}, journal,
                   "belongs to acall-t", "chown root");
    expect_refused(NULL, LOG_ARGS(), journal, "belongs to acall-t", "chown");
    /* each entry is opened only to fstat it: nothing is read */
    if (watch_events(&w, IN_ACCESS) != 0)
        fail_msg("a planted or checked file was read");
    close(w.fd);
    /* the link they left */
    unlink(journal);
    cmd = xasprintf("ln -s /etc/hostname '%s/numbers_history'", dir);
    assert_int_equal(sh("%s", cmd), 0);
    free(cmd);
    expect_refused(NULL, LOG_ARGS("--prompt", ), "numbers_history", "symbolic link", "run: rm ");
    assert_int_equal(sh("rm -f '%s/numbers_history'", dir), 0);
    expect_ok(NULL, LOG_ARGS());
    free(journal);
    free(dir);
}

static void strict__a_writable_or_linked_database_or_state_dir_is_refused(void **state)
{
    char *dir = path_in("state/amplecall"), *db = path_in("state/amplecall/amplecall.db");
    char *elsewhere = path_in("shared");

    expect_ok(NULL, LOG_ARGS());
    assert_true(fake_reset(fk)); /* from here on, no request may be made */
    assert_int_equal(chmod(db, 0664), 0);
    expect_refused(NULL, (const char *const[]){"history", NULL}, db,
                   "its group can write to it (mode 0664)", "run: chmod 600 ");
    assert_int_equal(apply_fixes((const char *const[]){"history", NULL}), 1);
    expect_ok(NULL, (const char *const[]){"history", NULL});
    /* the database a link to one elsewhere */
    assert_int_equal(sh("mkdir -m 700 '%s' && mv '%s' '%s/' && ln -s '%s/amplecall.db' '%s'",
                        elsewhere, db, elsewhere, elsewhere, db),
                     0);
    expect_refused(NULL, (const char *const[]){"history", NULL}, db, "symbolic link", "rm");
    /* the state directory a link */
    assert_int_equal(sh("rm -rf '%s' && ln -s '%s' '%s'", dir, elsewhere, dir), 0);
    expect_refused(NULL, LOG_ARGS(), dir, "symbolic link", "rm");
    free(dir);
    free(db);
    free(elsewhere);
}

static char *write_config(const char *base_url)
{
    char *d = path_in("config/amplecall"), *p = xasprintf("%s/config", d);
    char *text = xasprintf("base_url = %s\n", base_url);

    assert_int_equal(sh("mkdir -p -m 700 '%s' && chmod 700 '%s/config'", d, home), 0);
    {
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    assert_int_equal(chmod(p, 0644), 0);
    free(d);
    free(text);
    return p;
}

static void strict__a_config_another_user_can_change_is_refused_before_it_is_read(void **state)
{
    /* the config's base_url points at the thief; the real API is in no environment */
    char *cfg = write_config(fake_base_url(thief)), *dir = path_in("config/amplecall");
    static const char *const tasks[] = {"tasks", "--user", FAKE_USER_ID, NULL};
    char *elsewhere = path_in("shared"), *named = path_in("shared/amplecall.conf");
    char *env_named = xasprintf("AMPLECALL_CONFIG=%s", named);
    const char *named_env[] = {env_named, NULL};
    struct cli_run r;

    /* control: a config of ours is used (with the environment's base URL left out) */
    r = cli_run(home, NULL, CANARY, NULL, tasks);
    assert_int_equal(r.status, 0);
    cli_run_done(&r);
    assert_true(fake_request_count(thief, NULL, NULL) > 0);
    assert_true(fake_reset(thief));
#define REFUSED(problem, fix)                                                                 \
    do {                                                                                       \
        r = cli_run(home, NULL, CANARY, NULL, tasks);                                          \
        if (r.status != 78 || !cli_has(r.err, problem) || !cli_has(r.err, fix))                \
            fail_msg("config: exit %d, want 78 with '%s' and '%s':\n%s", r.status, problem,    \
                     fix, r.err);                                                              \
        cli_run_done(&r);                                                                      \
        assert_int_equal(fake_request_count(thief, NULL, NULL), 0);                           \
    } while (0)
    /* the second user owns it */
    assert_int_equal(chown(cfg, other_uid, other_gid), 0);
    REFUSED("belongs to acall-t", "run: chown root ");
    assert_int_equal(chown(cfg, 0, 0), 0);
    /* their group can write to it */
    assert_int_equal(chown(cfg, 0, other_gid), 0);
    assert_int_equal(chmod(cfg, 0664), 0);
    REFUSED("its group can write to it (mode 0664)", "run: chmod 600 ");
    assert_int_equal(chmod(cfg, 0644), 0);
    /* they own the config directory (and so could swap the file) */
    assert_int_equal(chown(dir, other_uid, other_gid), 0);
    REFUSED("belongs to acall-t", "chown root");
    assert_int_equal(chown(dir, 0, 0), 0);
    /* a link */
    assert_int_equal(sh("mv '%s' '%s.real' && ln -s '%s.real' '%s'", cfg, cfg, cfg, cfg), 0);
    REFUSED("symbolic link", "rm");
    assert_int_equal(sh("rm '%s' && mv '%s.real' '%s'", cfg, cfg, cfg), 0);
    /* a config named by AMPLECALL_CONFIG in a directory the second user can write */
    assert_int_equal(sh("mkdir -m 775 '%s' && chgrp '%s' '%s' && cp '%s' '%s'", elsewhere, user,
                        elsewhere, cfg, named),
                     0);
    unlink(cfg);
    r = cli_run(home, NULL, CANARY, named_env, tasks);
    if (r.status != 78 || !cli_has(r.err, "its group can write") || !cli_has(r.err, "chmod go-w"))
        fail_msg("named config in a shared directory: exit %d\n%s", r.status, r.err);
    cli_run_done(&r);
    /* ... but a sticky one (like /tmp) cannot have the file swapped: fine */
    assert_int_equal(chmod(elsewhere, 01777), 0);
    r = cli_run(home, NULL, CANARY, named_env, tasks);
    assert_int_equal(r.status, 0);
    cli_run_done(&r);
    assert_true(fake_request_count(thief, NULL, NULL) > 0);
#undef REFUSED
    free(cfg);
    free(dir);
    free(elsewhere);
    free(named);
    free(env_named);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(strict__a_state_directory_another_user_made_is_never_read_nor_sent,
                               reset),
        cmocka_unit_test_setup(strict__files_another_user_plants_through_a_group_writable_state_dir,
                               reset),
        cmocka_unit_test_setup(strict__a_writable_or_linked_database_or_state_dir_is_refused,
                               reset),
        cmocka_unit_test_setup(
            strict__a_config_another_user_can_change_is_refused_before_it_is_read, reset),
    };
    const char *why = skip_reason();

    if (why) {
        /* cmocka reports skip() as "not ok # SKIP", which automake counts as a failure */
        printf("1..1\nok 1 # SKIP StrictModes tests: %s\n", why);
        return 0;
    }
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* safepath.c: the state directory's place, 0700 creation, and the StrictModes checks on
 * directories and files (owner, group/other write, links, FIFOs), each refusal naming the
 * path and its fix. Each test gets a fresh temp dir as HOME. The other-owner cases chown to
 * "nobody" and need root; they are skipped otherwise. */
#include "config.h"
#include "unit.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safepath.h"
#include "core/util.h"

static char tmpdir[256];

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/amplecall-safepath-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    setenv("HOME", tmpdir, 1);
    unsetenv("XDG_STATE_HOME");
    return 0;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("chmod -R u+rwX '%s' 2>/dev/null; rm -rf '%s'", tmpdir, tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static char *at(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
}

static void touch(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x\n", 2), 2);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

/* uid of "nobody", or -1 when we cannot give files away (not root) */
static int other_uid(void)
{
    struct passwd *pw = getpwnam("nobody");
    return geteuid() == 0 && pw ? (int)pw->pw_uid : -1;
}

static void state_dir_path__follows_xdg_then_home_and_ignores_relative_xdg(void **state)
{
    char *err = NULL, *p;

    unsetenv("HOME");
    assert_null(safepath_state_dir_path(&err));
    assert_contains(err, "neither XDG_STATE_HOME nor HOME");
    free(err);
    setenv("HOME", "", 1);
    err = NULL;
    assert_null(safepath_state_dir_path(&err));
    free(err);
    setenv("HOME", tmpdir, 1);
    setenv("XDG_STATE_HOME", "relative", 1);
    p = safepath_state_dir_path(&err);
    assert_true(!strncmp(p, tmpdir, strlen(tmpdir)));
    assert_string_equal(p + strlen(tmpdir), "/.local/state/amplecall");
    free(p);
    setenv("XDG_STATE_HOME", "/x/state", 1);
    p = safepath_state_dir_path(&err);
    assert_string_equal(p, "/x/state/amplecall");
    free(p);
    unsetenv("XDG_STATE_HOME");
}

static void state_dir__creates_every_missing_part_0700(void **state)
{
    char *dir = NULL, *err = NULL, *parent = at(".local/state");

    assert_int_equal(safepath_state_dir(false, &dir, &err), SAFEPATH_MISSING);
    assert_null(dir);
    free(err);
    umask(022);
    assert_int_equal(safepath_state_dir(true, &dir, &err), SAFEPATH_OK);
    assert_null(err);
    assert_int_equal(mode_of(dir), 0700);
    assert_int_equal(mode_of(parent), 0700);
    free(dir);
    /* again: it exists now, and is still fine */
    assert_int_equal(safepath_state_dir(true, &dir, &err), SAFEPATH_OK);
    free(dir);
    free(parent);
}

static void state_dir__below_a_regular_file_is_missing_not_unsafe(void **state)
{
    char *dir = NULL, *err = NULL, *file = at("file");

    touch(file, 0600);
    setenv("XDG_STATE_HOME", file, 1);
    assert_int_equal(safepath_state_dir(true, &dir, &err), SAFEPATH_MISSING);
    free(err);
    assert_int_equal(safepath_check_state(&err), SAFEPATH_OK);
    assert_null(err);
    unsetenv("XDG_STATE_HOME");
    free(file);
}

static void dir__drops_read_bits_and_refuses_write_bits_naming_the_fix(void **state)
{
    char *d = at("d"), *err = NULL;

    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(chmod(d, 0755), 0);
    assert_int_equal(safepath_dir(d, false, &err), SAFEPATH_OK);
    assert_int_equal(mode_of(d), 0700);
    assert_int_equal(chmod(d, 0770), 0);
    assert_int_equal(safepath_dir(d, true, &err), SAFEPATH_UNSAFE);
    assert_contains(err, d);
    assert_contains(err, "its group can write to it (mode 0770); run: chmod 700 ");
    assert_null(strchr(err, '\n'));
    free(err);
    assert_int_equal(mode_of(d), 0770); /* not "fixed" behind the user's back */
    assert_int_equal(chmod(d, 0703), 0);
    assert_int_equal(safepath_dir(d, false, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "others can write to it (mode 0703)");
    free(err);
    assert_int_equal(chmod(d, 0777), 0);
    assert_int_equal(safepath_dir(d, false, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "group and others can write");
    free(err);
    free(d);
}

static void dir__refuses_a_symlink_even_to_a_good_directory(void **state)
{
    char *real = at("real"), *link = at("link"), *err = NULL;

    assert_int_equal(mkdir(real, 0700), 0);
    assert_int_equal(symlink(real, link), 0);
    assert_int_equal(safepath_dir(link, true, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "symbolic link");
    assert_contains(err, "run: rm ");
    free(err);
    free(real);
    free(link);
}

static void dir__refuses_another_users_directory_with_chown_fix(void **state)
{
    int uid = other_uid();
    char *d = at("theirs"), *err = NULL;

    if (uid < 0)
        noskip_skip("needs root and a user \"nobody\" to give the directory away");
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(chown(d, (uid_t)uid, (gid_t)-1), 0);
    assert_int_equal(safepath_dir(d, true, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "belongs to nobody");
    assert_contains(err, "run: chown root ");
    free(err);
    free(d);
}

static void open__reads_a_good_file_and_creates_0600(void **state)
{
    char *f = at("f"), *n = at("new"), *err = NULL;
    struct stat st;
    int fd;

    touch(f, 0644); /* others may read: the caller decides whether that matters */
    assert_int_equal(safepath_open(f, O_RDONLY, 0, true, &fd, &st, &err), SAFEPATH_OK);
    assert_true(fd >= 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* blocking again after the check */
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
    umask(022);
    assert_int_equal(safepath_open(n, O_RDWR | O_CREAT, 0600, true, &fd, NULL, &err), SAFEPATH_OK);
    close(fd);
    assert_int_equal(mode_of(n), 0600);
    free(f);
    free(n);
}

static void open__refuses_links_fifos_writable_files_and_missing_ones_apart(void **state)
{
    char *f = at("f"), *l = at("l"), *p = at("p"), *m = at("missing"), *err = NULL;
    int fd;

    touch(f, 0600);
    assert_int_equal(symlink(f, l), 0);
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_int_equal(safepath_open(l, O_RDONLY, 0, true, &fd, NULL, &err), SAFEPATH_UNSAFE);
    assert_int_equal(fd, -1);
    assert_contains(err, "symbolic link");
    free(err);
    /* a FIFO would block a plain open: refused without hanging */
    assert_int_equal(safepath_open(p, O_RDONLY, 0, true, &fd, NULL, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "not a regular file");
    free(err);
    assert_int_equal(safepath_open(m, O_RDONLY, 0, true, &fd, NULL, &err), SAFEPATH_MISSING);
    free(err);
    assert_int_equal(chmod(f, 0620), 0);
    assert_int_equal(safepath_open(f, O_RDONLY, 0, true, &fd, NULL, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "run: chmod 600 ");
    free(err);
    /* nor may its directory be open to others */
    assert_int_equal(chmod(f, 0600), 0);
    assert_int_equal(chmod(tmpdir, 0777), 0);
    assert_int_equal(safepath_open(f, O_RDONLY, 0, true, &fd, NULL, &err), SAFEPATH_UNSAFE);
    assert_contains(err, tmpdir);
    assert_contains(err, "group and others can write");
    free(err);
    /* a directory the user named may be root's sticky /tmp, but not merely writable */
    assert_int_equal(safepath_open(f, O_RDONLY, 0, false, &fd, NULL, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "run: chmod go-w");
    free(err);
    assert_int_equal(chmod(tmpdir, 01777), 0);
    assert_int_equal(safepath_open(f, O_RDONLY, 0, false, &fd, NULL, &err), SAFEPATH_OK);
    close(fd);
    assert_int_equal(chmod(tmpdir, 0700), 0);
    free(f);
    free(l);
    free(p);
    free(m);
}

static void open__quotes_a_path_with_spaces_in_the_fix(void **state)
{
    char *f = at("my file's"), *err = NULL;
    int fd;

    touch(f, 0666);
    assert_int_equal(safepath_open(f, O_RDONLY, 0, true, &fd, NULL, &err), SAFEPATH_UNSAFE);
    assert_contains(err, "run: chmod 600 '");
    assert_contains(err, "/my file'\\''s'");
    free(err);
    free(f);
}

static void check_state__is_ok_when_there_is_no_state_directory(void **state)
{
    char *err = NULL;

    assert_int_equal(safepath_check_state(&err), SAFEPATH_OK);
    assert_null(err);
    unsetenv("HOME");
    assert_int_equal(safepath_check_state(&err), SAFEPATH_OK);
    setenv("HOME", tmpdir, 1);
}

/* A fresh good state directory with a database; returns its path (owned). */
static char *good_state(void)
{
    char *dir = NULL, *err = NULL, *db;

    assert_int_equal(safepath_state_dir(true, &dir, &err), SAFEPATH_OK);
    db = xasprintf("%s/amplecall.db", dir);
    touch(db, 0600);
    free(db);
    return dir;
}

static void expect_state(enum safepath_status want, const char *needle)
{
    char *err = NULL;
    enum safepath_status got = safepath_check_state(&err);

    if (got != want)
        fail_msg("check_state: %d, want %d (%s)", got, want, err ? err : "");
    if (needle)
        assert_contains(err, needle);
    free(err);
}

static void check_state__refuses_each_unsafe_entry_of_the_state_directory(void **state)
{
    char *dir = good_state();
    char *db = xasprintf("%s/amplecall.db", dir), *j = xasprintf("%s/amplecall.db-journal", dir);
    char *h = xasprintf("%s/numbers_history", dir), *p = xasprintf("%s/fifo", dir);
    int uid = other_uid();

    expect_state(SAFEPATH_OK, NULL);
    /* a subdirectory of the user's own (backups, say) is fine */
    {
        char *sub = xasprintf("%s/old", dir);
        assert_int_equal(mkdir(sub, 0700), 0);
        expect_state(SAFEPATH_OK, NULL);
        assert_int_equal(chmod(sub, 0777), 0);
        expect_state(SAFEPATH_UNSAFE, "/old: group and others can write");
        rmdir(sub);
        free(sub);
    }
    assert_int_equal(chmod(db, 0660), 0);
    expect_state(SAFEPATH_UNSAFE, "amplecall.db: its group can write");
    assert_int_equal(chmod(db, 0600), 0);
    /* SQLite would roll a hot journal into the database */
    touch(j, 0600);
    assert_int_equal(chmod(j, 0606), 0);
    expect_state(SAFEPATH_UNSAFE, "amplecall.db-journal: others can write");
    unlink(j);
    assert_int_equal(symlink("/etc/passwd", h), 0);
    expect_state(SAFEPATH_UNSAFE, "numbers_history: it is a symbolic link");
    unlink(h);
    assert_int_equal(mkfifo(p, 0600), 0);
    expect_state(SAFEPATH_UNSAFE, "fifo: it is not a regular file");
    unlink(p);
    assert_int_equal(chmod(dir, 0750), 0);
    expect_state(SAFEPATH_OK, NULL); /* readable is no danger; the next use tightens it */
    assert_int_equal(chmod(dir, 0730), 0);
    expect_state(SAFEPATH_UNSAFE, "amplecall: its group can write");
    assert_int_equal(chmod(dir, 0700), 0);
    if (uid >= 0) {
        assert_int_equal(chown(db, (uid_t)uid, (gid_t)-1), 0);
        expect_state(SAFEPATH_UNSAFE, "amplecall.db: it belongs to nobody");
        assert_int_equal(chown(db, 0, (gid_t)-1), 0);
        assert_int_equal(chown(dir, (uid_t)uid, (gid_t)-1), 0);
        expect_state(SAFEPATH_UNSAFE, "amplecall: it belongs to nobody");
        assert_int_equal(chown(dir, 0, (gid_t)-1), 0);
        /* another user's private file cannot even be opened: still named and refused */
        assert_int_equal(chmod(db, 0600), 0);
        assert_int_equal(chown(db, (uid_t)uid, (gid_t)-1), 0);
        expect_state(SAFEPATH_UNSAFE, "belongs to nobody");
    }
    free(db);
    free(j);
    free(h);
    free(p);
    free(dir);
}

static void check_state__refuses_a_state_directory_that_is_a_link(void **state)
{
    char *real = at("elsewhere"), *local = at(".local"), *base = at(".local/state"), *link;

    assert_int_equal(mkdir(real, 0700), 0);
    assert_int_equal(mkdir(local, 0700), 0);
    assert_int_equal(mkdir(base, 0700), 0);
    link = xasprintf("%s/amplecall", base);
    assert_int_equal(symlink(real, link), 0);
    expect_state(SAFEPATH_UNSAFE, "symbolic link");
    free(real);
    free(local);
    free(base);
    free(link);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(state_dir_path__follows_xdg_then_home_and_ignores_relative_xdg),
        T(state_dir__creates_every_missing_part_0700),
        T(state_dir__below_a_regular_file_is_missing_not_unsafe),
        T(dir__drops_read_bits_and_refuses_write_bits_naming_the_fix),
        T(dir__refuses_a_symlink_even_to_a_good_directory),
        T(dir__refuses_another_users_directory_with_chown_fix),
        T(open__reads_a_good_file_and_creates_0600),
        T(open__refuses_links_fifos_writable_files_and_missing_ones_apart),
        T(open__quotes_a_path_with_spaces_in_the_fix),
        T(check_state__is_ok_when_there_is_no_state_directory),
        T(check_state__refuses_each_unsafe_entry_of_the_state_directory),
        T(check_state__refuses_a_state_directory_that_is_a_link),
    };
    return RUN_TAP(tests);
}

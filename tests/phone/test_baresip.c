/* SPDX-License-Identifier: GPL-3.0-or-later */
/* baresip drives the form: two real baresip softphones (Debian baresip-core) call each other
 * inside a private network namespace this test makes for itself (unshare(CLONE_NEWNET): its
 * own loopback and a tun device holding 198.51.100.1, because baresip wants a non-loopback
 * address for media; nothing leaves the machine). The form, on a pty, follows phone A's
 * ctrl_tcp (softphone = baresip); the test plays phone B through B's ctrl_tcp. Needs root,
 * ip(8) and baresip: without them this is a failure, never a skip. */
#define _GNU_SOURCE /* unshare */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "form_check.h"
#include "phone_env.h"
#include "core/util.h"

#define A_CTRL 4444
#define B_CTRL 4445
#define B_NUMBER "+15550100"

struct phone_proc {
    pid_t pid;
    char *dir; /* owned: its config directory */
};

/* baresip's config: ctrl_tcp for the test, a sine tone for audio, a file for the speaker. */
static char *write_baresip_dir(const char *name, const char *listen, int ctrl,
                               const char *account)
{
    char tmpl[] = "/tmp/amplecall-baresip-XXXXXX";
    char *path;
    FILE *f;

    assert_non_null(mkdtemp(tmpl));
    path = xasprintf("%s/config", tmpl);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "poll_method\tpoll\nsip_listen\t%s\nmodule_path\t/usr/lib/baresip/modules\n"
            "module\topus.so\nmodule\tausine.so\nmodule\taufile.so\nmodule\tctrl_tcp.so\n"
            "module_app\taccount.so\nmodule_app\tmenu.so\nctrl_tcp_listen\t127.0.0.1:%d\n"
            "audio_source\tausine,440\naudio_player\taufile,%s/%s-out.wav\n"
            "audio_alert\taufile,%s/%s-alert.wav\n",
            listen, ctrl, tmpl, name, tmpl, name);
    fclose(f);
    free(path);
    path = xasprintf("%s/accounts", tmpl);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", account);
    fclose(f);
    free(path);
    path = xasprintf("%s/contacts", tmpl);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    free(path);
    return xstrdup(tmpl);
}

static int connect_port(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static void proc_run(struct phone_proc *p, int ctrl)
{
    char *log = xasprintf("%s/log", p->dir);
    long long due = now_ms() + 5000;
    int fd;

    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execlp("baresip", "baresip", "-f", p->dir, (char *)NULL);
        _exit(127);
    }
    free(log);
    /* ready when its ctrl_tcp answers */
    while ((fd = connect_port(ctrl)) < 0 && now_ms() < due)
        usleep(50 * 1000);
    if (fd < 0 || waitpid(p->pid, NULL, WNOHANG) != 0) {
        fprintf(stderr, "# baresip (%s) did not open its ctrl_tcp port %d\n", p->dir, ctrl);
        fail();
    }
    close(fd);
}

static void proc_kill(struct phone_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    p->pid = 0;
}

static void proc_free(struct phone_proc *p)
{
    char *cmd = xasprintf("rm -rf '%s'", p->dir);

    proc_kill(p);
    if (system(cmd) != 0)
        fprintf(stderr, "# cannot remove %s\n", p->dir);
    free(cmd);
    free(p->dir);
}

/* ---- phone B's ctrl_tcp, played by the test --------------------------------------------- */

struct ctrl {
    int fd;
    char buf[256 * 1024];
    size_t len;
};

static void ctrl_open(struct ctrl *c, int port)
{
    c->fd = connect_port(port);
    c->len = 0;
    assert_true(c->fd >= 0);
}

static void ctrl_send(struct ctrl *c, const char *command, const char *params)
{
    char *json = xasprintf("{\"command\":\"%s\",\"params\":\"%s\",\"token\":\"t\"}", command,
                           params);
    char *frame = xasprintf("%zu:%s,", strlen(json), json);

    assert_int_equal(write(c->fd, frame, strlen(frame)), (ssize_t)strlen(frame));
    free(json);
    free(frame);
}

/* Wait until the stream holds "type":"TYPE"; the text seen so far is dropped. */
static void ctrl_wait(struct ctrl *c, const char *type, int ms)
{
    char *want = xasprintf("\"type\":\"%s\"", type);
    long long due = now_ms() + ms;

    for (;;) {
        struct pollfd p = {c->fd, POLLIN, 0};
        long long left = due - now_ms();
        ssize_t n;
        char *hit;

        c->buf[c->len] = '\0';
        hit = strstr(c->buf, want);
        if (hit) {
            size_t keep = c->len - (size_t)(hit + strlen(want) - c->buf);
            memmove(c->buf, hit + strlen(want), keep);
            c->len = keep;
            break;
        }
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            fprintf(stderr, "# phone B saw no %s in %d ms\n", type, ms);
            fail();
        }
        n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
        assert_true(n > 0);
        c->len += (size_t)n;
    }
    free(want);
}

static void ctrl_close(struct ctrl *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* ---- the set-up ---------------------------------------------------------------------------- */

struct world {
    struct phone_env *e;
    struct phone_proc a, b;
    struct ctrl bc;
};

static struct world *g_world; /* for the teardown when a check fails half-way */

static struct world *world_new(void)
{
    struct world *w = xcalloc(1, sizeof(*w));
    char *conf = xasprintf("softphone = baresip\nbaresip_address = 127.0.0.1:%d\n", A_CTRL);

    /* A dials "+15550100": baresip completes it with its account's domain, 198.51.100.1,
     * where B listens */
    w->a.dir = write_baresip_dir("a", "127.0.0.1:5070", A_CTRL,
                                 "<sip:a@198.51.100.1;transport=udp>;regint=0");
    w->b.dir = write_baresip_dir("b", "198.51.100.1:5060", B_CTRL,
                                 "<sip:" B_NUMBER
                                 "@198.51.100.1;transport=udp>;regint=0;answermode=manual");
    g_world = w;
    proc_run(&w->a, A_CTRL);
    proc_run(&w->b, B_CTRL);
    ctrl_open(&w->bc, B_CTRL);
    w->e = phone_env_new(conf);
    free(conf);
    phone_form_start(w->e);
    see_regex(w->e->t, "phone: idle +today: [0-9]+ \\| outbox"); /* connected: no "(baresip ...)" */
    return w;
}

static void world_free(struct world *w)
{
    g_world = NULL;
    phone_env_free(w->e);
    ctrl_close(&w->bc);
    proc_free(&w->a);
    proc_free(&w->b);
    free(w);
}

/* Whatever a failed test left running (baresip, the form, the fake) goes with it. */
static int teardown(void **state)
{
    (void)state;
    if (g_world)
        world_free(g_world);
    return 0;
}

static void dial_b(struct world *w)
{
    struct term *t = w->e->t;

    key(t, "Tab");
    type(t, B_NUMBER);
    see_value(t, ROW_TO, B_NUMBER);
    key(t, "F8");
    ctrl_wait(&w->bc, "CALL_INCOMING", WAIT_MS);
    see_text(t, "phone: ringing");
    see_text(t, "running");
}

static void check_duration(struct term *t, long long secs)
{
    long long d = see_some_duration(t);

    if (d < secs - 1 || d > secs + 1) {
        fprintf(stderr, "# Duration %lld, the call lasted %lld s\n", d, secs);
        term_dump(t, stderr);
        fail();
    }
}

static void baresip__answered_call_fills_the_form(void **state)
{
    struct world *w = world_new();
    struct term *t = w->e->t;
    long long t0, secs;

    (void)state;
    dial_b(w);
    ctrl_send(&w->bc, "accept", "");
    ctrl_wait(&w->bc, "CALL_ESTABLISHED", WAIT_MS);
    t0 = now_ms();
    see_value(t, ROW_ANSWERED, "[x] yes  [ ] no");
    see_text(t, "phone: in call");
    usleep(2500 * 1000); /* the call's length */
    key(t, "F9");        /* the form hangs up */
    ctrl_wait(&w->bc, "CALL_CLOSED", WAIT_MS);
    secs = (now_ms() - t0) / 1000;
    see_text(t, "phone: ended");
    see_gone(t, "running");
    see_value(t, ROW_TO, B_NUMBER);
    see_value(t, ROW_ANSWERED, "[x] yes  [ ] no");
    check_duration(t, secs);
    see_cursor(t, ROW_DISPOSITION, LABEL_COL);
    world_free(w);
}

static void baresip__rejected_call_is_unanswered(void **state)
{
    struct world *w = world_new();
    struct term *t = w->e->t;

    (void)state;
    dial_b(w);
    ctrl_send(&w->bc, "hangup", ""); /* B declines */
    see_text(t, "phone: ended");
    see_value(t, ROW_TO, B_NUMBER);
    see_value(t, ROW_ANSWERED, "[ ] yes  [x] no");
    see_value(t, ROW_HUMAN, "[ ] yes  [x] no");
    see_duration(t, 0);
    see_cursor(t, ROW_DISPOSITION, LABEL_COL);
    world_free(w);
}

static void baresip__restart_mid_call_reconnects(void **state)
{
    struct world *w = world_new();
    struct term *t = w->e->t;
    long long t0, secs;

    (void)state;
    dial_b(w);
    ctrl_send(&w->bc, "accept", "");
    ctrl_wait(&w->bc, "CALL_ESTABLISHED", WAIT_MS);
    t0 = now_ms();
    see_text(t, "phone: in call");
    usleep(1500 * 1000);
    proc_kill(&w->a); /* baresip dies with the call */
    secs = (now_ms() - t0) / 1000;
    see_text(t, "(baresip");
    see_text(t, "phone: ended");
    see_value(t, ROW_ANSWERED, "[x] yes  [ ] no");
    check_duration(t, secs);
    ctrl_send(&w->bc, "hangup", ""); /* B's half of the dead call */
    /* baresip comes back: the form reconnects by itself, quietly */
    proc_run(&w->a, A_CTRL);
    see_regex(t, "phone: ended +today: [0-9]+ \\| outbox");
    /* and follows the next call: Enter on Disposition is not needed, F7 a fresh form */
    key(t, "F7");
    see_wrapped(t, "(y/n)");
    key(t, "y");
    see_value(t, ROW_TO, "");
    key(t, "BTab");
    dial_b(w);
    ctrl_send(&w->bc, "accept", "");
    ctrl_wait(&w->bc, "CALL_ESTABLISHED", WAIT_MS);
    see_text(t, "phone: in call");
    key(t, "F9");
    see_text(t, "phone: ended");
    see_value(t, ROW_TO, B_NUMBER);
    see_cursor(t, ROW_DISPOSITION, LABEL_COL);
    world_free(w);
}

/* The namespace: only here do 127.0.0.1 and 198.51.100.1 exist for these processes. */
static bool make_namespace(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "# needs root for unshare(CLONE_NEWNET) and a tun device\n");
        return false;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        fprintf(stderr, "# unshare(CLONE_NEWNET): %s\n", strerror(errno));
        return false;
    }
    if (system("ip link set lo up && ip tuntap add dev t0 mode tun && "
               "ip addr add 198.51.100.1/32 dev t0 && ip link set t0 up") != 0) {
        fprintf(stderr, "# cannot set up lo and the tun device t0 (ip(8) from iproute2)\n");
        return false;
    }
    if (system("command -v baresip >/dev/null") != 0) {
        fprintf(stderr, "# baresip is not installed (Debian: baresip-core)\n");
        return false;
    }
    return true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(baresip__answered_call_fills_the_form, teardown),
        cmocka_unit_test_teardown(baresip__rejected_call_is_unanswered, teardown),
        cmocka_unit_test_teardown(baresip__restart_mid_call_reconnects, teardown),
    };

    if (!make_namespace()) {
        printf("1..1\nnot ok 1 - baresip test environment (see the lines above)\n");
        return 1;
    }
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The recording test proxy (see proxy.h). One thread polls the listening socket and every
 * open connection; a tunnel pairs a client socket with one to the target. */
#include "config.h"
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"

#define MAX_CONNS 32

struct conn {
    int client, target; /* -1 when closed / not tunnelling */
    char head[4096];    /* the request head until it is complete */
    size_t head_len;
    bool is_tunnel;
};

struct proxy {
    int listener;
    int wake[2]; /* a byte here stops the thread */
    bool is_tunnel;
    char *url;
    pthread_t thread;
    pthread_mutex_t lock;
    char *rx; /* guarded by lock: everything received */
    size_t rx_len;
    int n_conns, n_connects;
    struct conn conns[MAX_CONNS];
};

static void record(struct proxy *p, const char *data, size_t len)
{
    pthread_mutex_lock(&p->lock);
    p->rx = xrealloc(p->rx, p->rx_len + len + 1);
    memcpy(p->rx + p->rx_len, data, len);
    p->rx_len += len;
    p->rx[p->rx_len] = '\0';
    pthread_mutex_unlock(&p->lock);
}

static void close_conn(struct conn *c)
{
    if (c->client >= 0)
        close(c->client);
    if (c->target >= 0)
        close(c->target);
    c->client = c->target = -1;
    c->head_len = 0;
    c->is_tunnel = false;
}

static void send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

/* A complete request head arrived: tunnel a CONNECT to 127.0.0.1, refuse the rest. */
static void on_head(struct proxy *p, struct conn *c)
{
    unsigned port = 0;
    char host[256];
    bool is_connect = !strncmp(c->head, "CONNECT ", 8);

    if (is_connect) {
        pthread_mutex_lock(&p->lock);
        p->n_connects++;
        pthread_mutex_unlock(&p->lock);
    }
    if (is_connect && p->is_tunnel && sscanf(c->head + 8, "%255[^:]:%u", host, &port) == 2 &&
        !strcmp(host, "127.0.0.1")) {
        struct sockaddr_in a = {0};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
            static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
            c->target = fd;
            c->is_tunnel = true;
            send_all(c->client, ok, sizeof(ok) - 1);
            return;
        }
        if (fd >= 0)
            close(fd);
    }
    {
        static const char no[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
        send_all(c->client, no, sizeof(no) - 1);
        close_conn(c);
    }
}

static void on_client_data(struct proxy *p, struct conn *c)
{
    char buf[16384];
    ssize_t n = recv(c->client, buf, sizeof(buf), 0);

    if (n <= 0) {
        close_conn(c);
        return;
    }
    record(p, buf, (size_t)n);
    if (c->is_tunnel) {
        send_all(c->target, buf, (size_t)n);
        return;
    }
    if (c->head_len + (size_t)n >= sizeof(c->head)) {
        close_conn(c);
        return;
    }
    memcpy(c->head + c->head_len, buf, (size_t)n);
    c->head_len += (size_t)n;
    c->head[c->head_len] = '\0';
    if (strstr(c->head, "\r\n\r\n"))
        on_head(p, c);
}

static void *run(void *ud)
{
    struct proxy *p = ud;

    for (;;) {
        struct pollfd fds[2 + 2 * MAX_CONNS];
        int who[2 + 2 * MAX_CONNS]; /* conn index * 2 + (0 client, 1 target) */
        nfds_t n = 0;

        fds[n].fd = p->wake[0];
        fds[n].events = POLLIN;
        who[n++] = -1;
        fds[n].fd = p->listener;
        fds[n].events = POLLIN;
        who[n++] = -2;
        for (int i = 0; i < MAX_CONNS; i++) {
            if (p->conns[i].client >= 0) {
                fds[n].fd = p->conns[i].client;
                fds[n].events = POLLIN;
                who[n++] = 2 * i;
            }
            if (p->conns[i].target >= 0) {
                fds[n].fd = p->conns[i].target;
                fds[n].events = POLLIN;
                who[n++] = 2 * i + 1;
            }
        }
        if (poll(fds, n, 1000) < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        if (fds[1].revents & POLLIN) {
            int fd = accept(p->listener, NULL, NULL);
            int i;
            for (i = 0; fd >= 0 && i < MAX_CONNS && p->conns[i].client >= 0; i++) {
            }
            if (fd >= 0 && i < MAX_CONNS) {
                p->conns[i].client = fd;
                pthread_mutex_lock(&p->lock);
                p->n_conns++;
                pthread_mutex_unlock(&p->lock);
            } else if (fd >= 0) {
                close(fd);
            }
        }
        for (nfds_t k = 2; k < n; k++) {
            struct conn *c = &p->conns[who[k] / 2];
            if (!fds[k].revents)
                continue;
            if (who[k] % 2 == 0 && c->client == fds[k].fd) {
                on_client_data(p, c);
            } else if (who[k] % 2 == 1 && c->target == fds[k].fd) {
                char buf[16384];
                ssize_t got = recv(c->target, buf, sizeof(buf), 0);
                if (got <= 0)
                    close_conn(c);
                else
                    send_all(c->client, buf, (size_t)got);
            }
        }
    }
    return NULL;
}

struct proxy *proxy_start(bool is_tunnel)
{
    struct proxy *p = xcalloc(1, sizeof(*p));
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);

    p->is_tunnel = is_tunnel;
    for (int i = 0; i < MAX_CONNS; i++)
        p->conns[i].client = p->conns[i].target = -1;
    pthread_mutex_init(&p->lock, NULL);
    p->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (p->listener < 0 || bind(p->listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(p->listener, 16) != 0 ||
        getsockname(p->listener, (struct sockaddr *)&a, &alen) != 0 || pipe(p->wake) != 0) {
        if (p->listener >= 0)
            close(p->listener);
        free(p);
        return NULL;
    }
    p->url = xasprintf("http://127.0.0.1:%d", ntohs(a.sin_port));
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        close(p->listener);
        close(p->wake[0]);
        close(p->wake[1]);
        free(p->url);
        free(p);
        return NULL;
    }
    return p;
}

void proxy_stop(struct proxy *p)
{
    if (!p)
        return;
    if (write(p->wake[1], "x", 1) != 1)
        perror("proxy_stop");
    pthread_join(p->thread, NULL);
    for (int i = 0; i < MAX_CONNS; i++)
        close_conn(&p->conns[i]);
    close(p->listener);
    close(p->wake[0]);
    close(p->wake[1]);
    pthread_mutex_destroy(&p->lock);
    free(p->rx);
    free(p->url);
    free(p);
}

const char *proxy_url(const struct proxy *p)
{
    return p->url;
}

int proxy_connections(struct proxy *p)
{
    int n;
    pthread_mutex_lock(&p->lock);
    n = p->n_conns;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int proxy_connects(struct proxy *p)
{
    int n;
    pthread_mutex_lock(&p->lock);
    n = p->n_connects;
    pthread_mutex_unlock(&p->lock);
    return n;
}

char *proxy_received(struct proxy *p, size_t *len)
{
    char *copy;

    pthread_mutex_lock(&p->lock);
    copy = xmalloc(p->rx_len + 1);
    memcpy(copy, p->rx ? p->rx : "", p->rx_len);
    copy[p->rx_len] = '\0';
    if (len)
        *len = p->rx_len;
    pthread_mutex_unlock(&p->lock);
    return copy;
}

void proxy_reset(struct proxy *p)
{
    pthread_mutex_lock(&p->lock);
    free(p->rx);
    p->rx = NULL;
    p->rx_len = 0;
    p->n_conns = p->n_connects = 0;
    pthread_mutex_unlock(&p->lock);
}

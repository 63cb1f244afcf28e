/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scale benchmarks for `make bench`, below the terminal: the code the form runs to load every
 * phone-call task (api_tasks, all pages) and to filter the task picker (picker_fill,
 * picker_filter_append), timed, with the client's CPU time and heap use per task. The
 * "callgrind" mode does one run quietly, for `valgrind --tool=callgrind` and
 * `callgrind_annotate --inclusive=yes` to count instructions per function without noise.
 * Prints "metric<TAB>subject<TAB>value" lines. Server and key come from the environment
 * (AMPLECALL_BASE_URL, AMPLEMARKET_API_KEY, AMPLECALL_USER). */
#include "config.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "net/api.h"
#include "net/http.h"
#include "app/app.h"
#include "core/util.h"
#include "tui/view_picker.h"

/* Keystrokes typed into the picker's filter: a contact-name prefix, then a word that narrows
 * it further (each keystroke refilters). */
static const char *const filter_keys[] = {"c", "o", "n", "t", "a", "c", "t", "1", " ", "p"};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

static struct api *make_api(void)
{
    struct http_options opt = {0};
    struct http_client *http;
    char *err = NULL;

    opt.base_url = getenv("AMPLECALL_BASE_URL");
    opt.api_key = getenv("AMPLEMARKET_API_KEY");
    if (!opt.base_url || !opt.api_key || !getenv("AMPLECALL_USER"))
        die("bench_scale: set AMPLECALL_BASE_URL, AMPLEMARKET_API_KEY and AMPLECALL_USER");
    http = http_client_new(&opt, &err);
    if (!http)
        die("bench_scale: %s", err);
    return api_new(http);
}

/* Load all scheduled phone-call tasks as the form does; dies on failure. */
static void load_tasks(struct api *api, struct task_list *out, double *ms)
{
    struct tasks_query q = {getenv("AMPLECALL_USER"), "phone_call", "scheduled"};
    struct api_result res;
    double t0;

    api_result_init(&res);
    t0 = now_ms();
    if (!api_tasks(api, &q, &res, out))
        die("bench_scale: loading tasks failed: %s", res.message ? res.message : "?");
    *ms = now_ms() - t0;
    api_result_done(&res);
}

static double cpu_ms(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One run: load every task, fill a picker, type the filter keys (timing each), clear. */
static void one_run(struct api *api, const char *subject, bool is_quiet)
{
    struct task_list l = {0};
    struct app a;
    struct picker *p;
    size_t h0 = heap_in_use(), h1, h2;
    double ms, c0 = cpu_ms();

    load_tasks(api, &l, &ms);
    h1 = heap_in_use();
    if (!is_quiet) {
        printf("api_load_ms\t%s\t%.3f\n", subject, ms);
        printf("api_load_cpu_ms\t%s\t%.3f\n", subject, cpu_ms() - c0);
        printf("tasks\t%s\t%zu\n", subject, l.n);
    }
    memset(&a, 0, sizeof(a));
    a.tasks = l;
    p = picker_new(PICK_TASK);
    picker_fill(p, &a);
    h2 = heap_in_use();
    if (!is_quiet && l.n) {
        printf("task_list_bytes_per_task\t%s\t%.1f\n", subject, (double)(h1 - h0) / (double)l.n);
        printf("picker_bytes_per_task\t%s\t%.1f\n", subject, (double)(h2 - h1) / (double)l.n);
    }
    for (size_t k = 0; k < ARRAY_LEN(filter_keys); k++) {
        double t0 = now_ms();
        picker_filter_append(p, filter_keys[k]);
        if (!is_quiet)
            printf("filter_key_us\t%s\t%.3f\n", subject, (now_ms() - t0) * 1000.0);
    }
    printf("filter_keys\t%s\t%zu\n", subject, ARRAY_LEN(filter_keys));
    picker_free(p);
    task_list_done(&l);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *subject;
    int runs;
    struct api *api;

    if (argc < 4 || (strcmp(argv[1], "run") && strcmp(argv[1], "callgrind"))) {
        fprintf(stderr, "usage: bench_scale run|callgrind SUBJECT RUNS\n"
                        "  run: RUNS x (load all tasks, fill the picker, type %zu filter keys)\n"
                        "  callgrind: the same once, printing only the key count (for\n"
                        "  valgrind --tool=callgrind; see callgrind_annotate --inclusive=yes)\n",
                ARRAY_LEN(filter_keys));
        return 64;
    }
    subject = argv[2];
    runs = atoi(argv[3]);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        die("bench_scale: curl_global_init failed");
    api = make_api();
    for (int i = 0; i < runs; i++)
        one_run(api, subject, !strcmp(argv[1], "callgrind"));
    api_free(api);
    curl_global_cleanup();
    return 0;
}

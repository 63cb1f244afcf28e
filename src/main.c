/* Entry point: global flags, then dispatch to a subcommand (or the form when none is given).
 * Owns process-wide setup only: locale, curl global init, core dumps off. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <curl/curl.h>

#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"log", cmd_log, "log one call from the command line"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: amplecall [--version] [--help] [COMMAND [ARGS]]\n"
                 "\n"
                 "Log phone calls into Amplemarket. With no COMMAND, opens the call form.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Run 'amplecall COMMAND --help' for the options of a command.\n"
                 "Environment: AMPLEMARKET_API_KEY (required), AMPLECALL_BASE_URL, AMPLECALL_USER.\n"
                 "See amplecall(1).\n");
}

static void disable_core_dumps(void)
{
    /* A core file would hold the API key in clear text. */
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
}

int main(int argc, char **argv)
{
    int rc;

    disable_core_dumps();
    setlocale(LC_ALL, "");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "amplecall: cannot initialise libcurl\n");
        return EXIT_INTERNAL;
    }
    if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        printf("amplecall %s\n", PACKAGE_VERSION);
        rc = 0;
    } else if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        rc = 0;
    } else if (argc < 2) {
        usage(stderr);
        rc = EXIT_USAGE;
    } else {
        rc = -1;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            if (!strcmp(argv[1], commands[i].name)) {
                rc = commands[i].run(argc - 1, argv + 1);
                break;
            }
        }
        if (rc == -1) {
            fprintf(stderr, "amplecall: unknown command '%s'\n\n", argv[1]);
            usage(stderr);
            rc = EXIT_USAGE;
        }
    }
    curl_global_cleanup();
    return rc;
}

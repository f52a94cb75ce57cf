/*
 * k_subcmd.c - the dispatcher of k_subcmd.h.
 */
#include "cli/k_subcmd.h"

#include <stdio.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_log.h"

static void
usage(FILE *f, const char *prog, const char *summary, const char *what,
      const struct k_subcmd *cmds, size_t n)
{
	fprintf(f, "Usage: %s %s [OPTION...] [ARG...]\n%s\n\n", prog, what,
	        summary);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].doc);
	fprintf(f, "\nRun '%s %s --help' for the options of each.\n\n"
	        "  -?, --help                 Give this help list\n"
	        "      --usage                Give a short usage message\n"
	        "  -V, --version              Print program version\n",
	        prog, what);
}

int
k_subcmd_main(const char *prog, const char *summary, const char *what,
              const struct k_subcmd *cmds, size_t n, int argc, char **argv)
{
	k_log_init(prog);
	if (argc < 2) {
		k_err("missing %s", what);
		fprintf(stderr, "Try '%s --help' for more information.\n", prog);
		return 64;
	}
	const char *a = argv[1];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0) {
		usage(stdout, prog, summary, what, cmds, n);
		return 0;
	}
	if (strcmp(a, "--usage") == 0) {
		printf("Usage: %s %s [OPTION...] [ARG...]\n", prog, what);
		return 0;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
		char *av[] = { argv[0], (char *)"--version", NULL };
		static const struct argp none = { 0 };
		k_args_parse(prog, &none, 0, 2, av, NULL);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a, cmds[i].name) == 0) {
			char name[96];
			snprintf(name, sizeof name, "%s %s", prog, cmds[i].name);
			argv[1] = name;
			return cmds[i].run(argc - 1, argv + 1);
		}
	}
	k_err("unknown %s '%s'", what, a);
	fprintf(stderr, "Try '%s --help' for the list.\n", prog);
	return 64;
}

/*
 * k_subcmd.c - the dispatcher of k_subcmd.h.
 */
#include "cli/k_subcmd.h"

#include <stdio.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"

static void
usage(FILE *f, const struct k_subcmd_prog *p)
{
	fprintf(f, "Usage: %s %s [OPTION...]%s%s\n%s\n\n", p->prog, p->what,
	        p->args != NULL ? " " : "", p->args != NULL ? p->args : "",
	        p->summary);
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "  %-14s %s\n", p->cmds[i].name, p->cmds[i].doc);
	fprintf(f, "\nRun '%s %s --help' for the options of each.\n\n"
	        "  -?, --help                 Give this help list\n"
	        "      --usage                Give a short usage message\n"
	        "  -V, --version              Print program version\n",
	        p->prog, p->what);
}

int
k_subcmd_main(const struct k_subcmd_prog *p, int argc, char **argv)
{
	const char *prog = p->prog;

	k_log_init(prog);
	k_out_init();
	if (argc < 2) {
		k_err("missing %s", p->what);
		fprintf(stderr, "Try '%s --help' for more information.\n", prog);
		return 64;
	}
	const char *a = argv[1];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0) {
		usage(stdout, p);
		return 0;
	}
	if (strcmp(a, "--usage") == 0) {
		printf("Usage: %s %s [OPTION...]%s%s\n", prog, p->what,
		       p->args != NULL ? " " : "", p->args != NULL ? p->args : "");
		return 0;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
		char *av[] = { argv[0], (char *)"--version", NULL };
		static const struct argp none = { 0 };
		k_args_parse(prog, &none, 0, 2, av, NULL);
		return 0;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(a, p->cmds[i].name) == 0) {
			char name[96];
			snprintf(name, sizeof name, "%s %s", prog, p->cmds[i].name);
			argv[1] = name;
			return p->cmds[i].run(argc - 1, argv + 1);
		}
	}
	k_err("unknown %s '%s'", p->what, a);
	fprintf(stderr, "Try '%s --help' for the list.\n", prog);
	return 64;
}

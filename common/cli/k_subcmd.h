/*
 * k_subcmd.h - programs of the form `prog NAME [OPTION...]` (ktrain KIND,
 * kfetch SOURCE, kfeatures SET): a table of names, each with a main-like
 * entry that parses its own options with argp. This picks the entry and
 * answers --help, --usage and --version for the program as a whole.
 */
#ifndef K_SUBCMD_H
#define K_SUBCMD_H

#include <stddef.h>

struct k_subcmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is "prog name" */
	const char *doc;                   /* one line for --help */
};

struct k_subcmd_prog {
	const char *prog;                  /* "ktrain" */
	const char *summary;               /* one sentence for --help */
	const char *what;                  /* names the choice: "KIND" */
	const char *args;                  /* what follows: "[FILE...]", NULL */
	const struct k_subcmd *cmds;
	size_t n;
};

/* Dispatch; returns the exit status. */
int k_subcmd_main(const struct k_subcmd_prog *p, int argc, char **argv);

#endif

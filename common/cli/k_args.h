/*
 * k_args.h - the command-line options every program shares, merged into
 * each program's own argp parser by k_args_parse, and the one version
 * hook. A program says which shared groups apply to it:
 *   always          -q, -v, --progress (under "Messages:")
 *   K_ARGS_RECORDS  --strict, --rejects FILE, and the FILE arguments
 *                   (programs that read records; "Bad input:")
 *   K_ARGS_STORE    --model-dir DIR (programs that use models)
 * A program without K_ARGS_RECORDS takes no FILE arguments: one given is
 * a usage error ("unexpected argument 'x'"), unless its own parser takes
 * arguments (ARGP_KEY_ARG) first.
 */
#ifndef K_ARGS_H
#define K_ARGS_H

#include <argp.h>

enum k_args_use {
	K_ARGS_RECORDS = 1u << 0,
	K_ARGS_STORE = 1u << 1,
};

struct k_opts {
	int verbose;           /* -v count; -1 with -q */
	int progress;          /* 1: always, 0: never, -1: when stderr is a tty */
	int strict;            /* stop at the first rejected line */
	const char *rejects;   /* file for rejected lines, verbatim, or NULL */
	const char *model_dir; /* --model-dir, or NULL for the default */
	char **files;          /* K_ARGS_RECORDS: the FILE arguments */
	int nfiles;            /* how many (0: standard input) */
};

extern struct k_opts k_opts;

/* Extra library versions a program links, for --version ("libcurl 7.88").
 * Set before parsing; NULL for none. */
extern const char *(*k_args_libs_hook)(void);

/*
 * Set the program name, logging and SIGPIPE handling, then argp_parse
 * argp (its own options and children, which may be NULL) together with
 * the shared groups use asks for (enum k_args_use), listed after the
 * program's own. Exits 64 on a usage error.
 */
void k_args_parse(const char *progname, const struct argp *argp,
                  unsigned use, int argc, char **argv, void *input);

/* Call argp's usage error: "prog: msg" plus the --help hint, exit 64. */
void k_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif

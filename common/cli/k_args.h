/*
 * k_args.h - the command-line options every program shares, as argp
 * children that each program merges into its own parser, and the one
 * version hook. Programs pick the children that apply to them:
 *   k_args_common   -q, -v, --progress          (every program)
 *   k_args_records  --strict, --rejects FILE    (programs that read records)
 *   k_args_store    --model-dir DIR             (programs that use models)
 */
#ifndef K_ARGS_H
#define K_ARGS_H

#include <argp.h>

struct k_opts {
	int verbose;           /* -v count; -1 with -q */
	int progress;          /* 1: always, 0: never, -1: when stderr is a tty */
	int strict;            /* stop at the first rejected line */
	const char *rejects;   /* file for rejected lines, verbatim, or NULL */
	const char *model_dir; /* --model-dir, or NULL for the default */
};

extern struct k_opts k_opts;
extern const struct argp k_args_common;
extern const struct argp k_args_records;
extern const struct argp k_args_store;

/* Extra library versions a program links, for --version ("libcurl 7.88").
 * Set before parsing; NULL for none. */
extern const char *(*k_args_libs_hook)(void);

/* Set the program name, logging and SIGPIPE handling, then argp_parse.
 * Exits 64 on a usage error. */
void k_args_parse(const char *progname, const struct argp *argp, int argc,
                  char **argv, void *input);

/* Option values: 0 with *out set, or -1 when arg is not a finite number
 * (empty, trailing text, overflow) or, for k_arg_uint, not a whole number
 * in [lo, hi] (a sign is refused). Parsers word their own messages. */
int k_arg_double(const char *arg, double *out);
int k_arg_uint(const char *arg, unsigned long long lo, unsigned long long hi,
               unsigned long long *out);

/* Call argp's usage error: "prog: msg" plus the --help hint, exit 64. */
void k_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif

/*
 * k_args.c - shared argp children, the version hook and start-up.
 */
#include "cli/k_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zlib.h>

#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"

struct k_opts k_opts = { .progress = -1 };
const char *(*k_args_libs_hook)(void);

enum { OPT_PROGRESS = 0x1000, OPT_MODEL_DIR, OPT_STRICT, OPT_REJECTS };

static const struct argp_option common_options[] = {
	{ "quiet", 'q', NULL, 0, "Print only errors on standard error", 0 },
	{ "verbose", 'v', NULL, 0, "Say more on standard error (repeatable)", 0 },
	{ "progress", OPT_PROGRESS, NULL, 0,
	  "Show progress even when standard error is not a terminal", 0 },
	{ 0 }
};

static const struct argp_option records_options[] = {
	{ "strict", OPT_STRICT, NULL, 0,
	  "Stop at the first rejected input line", 0 },
	{ "rejects", OPT_REJECTS, "FILE", 0,
	  "Append rejected input lines, verbatim, to FILE", 0 },
	{ 0 }
};

static const struct argp_option store_options[] = {
	{ "model-dir", OPT_MODEL_DIR, "DIR", 0,
	  "Model store (default $KTOOLS_MODEL_DIR, else ./models)", 0 },
	{ 0 }
};

static error_t
parse_common(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'q':
		k_opts.verbose = -1;
		break;
	case 'v':
		if (k_opts.verbose >= 0)
			k_opts.verbose++;
		break;
	case OPT_PROGRESS:
		k_opts.progress = 1;
		break;
	case ARGP_KEY_ARGS:
		/* Last in line: no parser before this one takes arguments. */
		argp_error(state, "unexpected argument '%s'",
		           state->argv[state->next]);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t
parse_records(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_STRICT:
		k_opts.strict = 1;
		break;
	case OPT_REJECTS:
		k_opts.rejects = k_optval_name(state, "--rejects", arg);
		break;
	case ARGP_KEY_ARGS:
		k_opts.files = state->argv + state->next;
		k_opts.nfiles = state->argc - state->next;
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t
parse_store(int key, char *arg, struct argp_state *state)
{
	if (key != OPT_MODEL_DIR)
		return ARGP_ERR_UNKNOWN;
	k_opts.model_dir = k_optval_name(state, "--model-dir", arg);
	return 0;
}

static const struct argp common_argp = { common_options, parse_common, NULL,
                                         NULL, NULL, NULL, NULL };
static const struct argp records_argp = { records_options, parse_records,
                                          NULL, NULL, NULL, NULL, NULL };
static const struct argp store_argp = { store_options, parse_store, NULL,
                                        NULL, NULL, NULL, NULL };

#define MAX_CHILDREN 16
#define SHARED_GROUP 100 /* after every group of a program's own */

/* The program's children, then the shared groups it uses. */
static void
merge_children(struct argp_child *out, const struct argp_child *own,
               unsigned use)
{
	size_t n = 0;

	for (; own != NULL && own->argp != NULL && n < MAX_CHILDREN - 4; own++)
		out[n++] = *own;
	if (use & K_ARGS_RECORDS)
		out[n++] = (struct argp_child){ &records_argp, 0, "Bad input:",
		                                SHARED_GROUP };
	if (use & K_ARGS_STORE)
		out[n++] = (struct argp_child){ &store_argp, 0, "Model store:",
		                                SHARED_GROUP + 1 };
	out[n++] = (struct argp_child){ &common_argp, 0, "Messages:",
	                                SHARED_GROUP + 2 };
	out[n] = (struct argp_child){ 0 };
}

static void
version_hook(FILE *stream, struct argp_state *state)
{
	(void)state;
	fprintf(stream, "%s (ktools) %s\n", k_progname, KTOOLS_VERSION);
	fprintf(stream, "libraries: jansson %s, zlib %s", jansson_version_str(),
	        zlibVersion());
	if (k_args_libs_hook != NULL)
		fprintf(stream, ", %s", k_args_libs_hook());
	fprintf(stream, "\nLicence GPL-3.0-or-later: "
	        "<https://www.gnu.org/licenses/gpl-3.0.html>\n");
}

void
k_args_parse(const char *progname, const struct argp *argp, unsigned use,
             int argc, char **argv, void *input)
{
	static struct argp_child children[MAX_CHILDREN];
	struct argp whole = *argp;

	k_log_init(progname);
	k_out_init();
	merge_children(children, argp->children, use);
	whole.children = children;
	argp_program_version_hook = version_hook;
	argp_err_exit_status = 64;
	argp_parse(&whole, argc, argv, 0, NULL, input);
	k_log_level = k_opts.verbose;
	if (k_opts.verbose < 0 && k_opts.progress == -1)
		k_opts.progress = 0;
}

void
k_usage_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help' or '%s --usage' for more "
	        "information.\n", k_progname, buf, k_progname, k_progname);
	exit(64);
}

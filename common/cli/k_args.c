/*
 * k_args.c - shared argp children, the version hook and start-up.
 */
#include "cli/k_args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zlib.h>

#include "cli/k_log.h"
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
parse_opt(int key, char *arg, struct argp_state *state)
{
	(void)state;
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
	case OPT_STRICT:
		k_opts.strict = 1;
		break;
	case OPT_REJECTS:
		k_opts.rejects = arg;
		break;
	case OPT_MODEL_DIR:
		if (arg[0] == '\0')
			argp_error(state, "--model-dir: empty directory name");
		k_opts.model_dir = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp k_args_common = { common_options, parse_opt, NULL, NULL,
                                    NULL, NULL, NULL };
const struct argp k_args_records = { records_options, parse_opt, NULL, NULL,
                                     NULL, NULL, NULL };
const struct argp k_args_store = { store_options, parse_opt, NULL, NULL,
                                   NULL, NULL, NULL };

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
k_args_parse(const char *progname, const struct argp *argp, int argc,
             char **argv, void *input)
{
	k_log_init(progname);
	k_out_init();
	argp_program_version_hook = version_hook;
	argp_err_exit_status = 64;
	argp_parse(argp, argc, argv, 0, NULL, input);
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

int
k_arg_double(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	return errno != 0 || end == arg || *end != '\0' || !isfinite(*out) ? -1
	                                                                   : 0;
}

int
k_arg_uint(const char *arg, unsigned long long lo, unsigned long long hi,
           unsigned long long *out)
{
	char *end;

	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(arg, &end, 10);
	return errno != 0 || *end != '\0' || *out < lo || *out > hi ? -1 : 0;
}

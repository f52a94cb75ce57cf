/*
 * k_log.c - messages on stderr, prefixed with the program name. Output to
 * stderr is unbuffered by stdio, so each message is written whole.
 */
#include "cli/k_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/k_out.h"

int k_log_level;
const char *k_progname = "ktools";

void
k_log_init(const char *progname)
{
	k_progname = progname;
}

static void
vlog(const char *fmt, va_list ap)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof buf, "%s: ", k_progname);
	if (n < 0 || (size_t)n >= sizeof buf)
		n = 0;
	vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", buf);
}

void
k_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
k_info(const char *fmt, ...)
{
	va_list ap;

	if (k_log_level < 0 || k_out_closed())
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
k_debug(const char *fmt, ...)
{
	va_list ap;

	if (k_log_level < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
k_die(enum k_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	exit(k_status_exit(st));
}

void
k_die_error(const struct k_error *err)
{
	k_err("%s", err->text);
	exit(k_status_exit(err->code));
}

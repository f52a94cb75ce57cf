/*
 * k_input.c - the input loop of k_input.h.
 */
#include "cli/k_input.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/k_log.h"
#include "cli/k_out.h"

void
k_input_init(struct k_input *in, char **files, int nfiles, unsigned flags,
             struct k_reject *rj)
{
	memset(in, 0, sizeof *in);
	in->files = files;
	in->nfiles = nfiles > 0 ? nfiles : 0;
	in->flags = flags;
	in->rj = rj;
	in->file = -1;
}

/* -1 after an error: end the program, or stop and let the caller see it. */
static int
fail(struct k_input *in, const struct k_error *e)
{
	k_input_release(in);
	in->stop = 1;
	if (!(in->flags & K_INPUT_ERRORS)) {
		k_out_finish();
		k_die_error(e);
	}
	in->err = *e;
	return -1;
}

/* Open the next file: 1, 0 when none is left, -1 after an error. */
static int
open_next(struct k_input *in)
{
	struct k_error e;
	int last = in->nfiles > 0 ? in->nfiles : 1;

	if (in->next >= last)
		return 0;
	in->file = in->next++;
	const char *path = in->nfiles > 0 ? in->files[in->file] : "-";
	if (k_reader_open(&in->r, path, &e) != K_OK)
		return fail(in, &e);
	if (in->rj != NULL)
		in->r.spill_fd = k_reject_spool(in->rj);
	in->source = strcmp(path, "-") == 0 ? "<stdin>" : path;
	in->open = 1;
	return 1;
}

int
k_input_next(struct k_input *in)
{
	struct k_error e;
	int rc;

	for (;;) {
		if (in->stop || k_out_closed()) {
			k_input_release(in);
			return 0;
		}
		if (!in->open && (rc = open_next(in)) <= 0)
			return rc;
		if (in->idle != NULL &&
		    k_reader_would_block(&in->r, in->idle_hold_ms))
			in->idle(in->idle_arg);
		rc = k_reader_next(&in->r, &in->line, &in->len, &e);
		if (rc < 0)
			return fail(in, &e);
		if (rc == 0) {
			k_input_release(in);
			continue;
		}
		in->lineno = in->r.lineno;
		in->toolong = in->r.toolong;
		in->spilled = in->r.spill_len;
		if (in->toolong && !(in->flags & K_INPUT_LONG)) {
			k_input_reject(in, "line longer than %zu bytes",
			               in->r.max_line);
			continue;
		}
		if (!in->toolong && k_reader_blank(in->line, in->len))
			continue;
		in->lines++;
		return 1;
	}
}

int
k_input_reject(struct k_input *in, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (in->toolong ? k_reject_long(in->rj, in->source, in->lineno,
	                                in->spilled, why)
	                : k_reject_line(in->rj, in->source, in->lineno, in->line,
	                                in->len, why))
		in->stop = 1;
	return in->stop;
}

void
k_input_release(struct k_input *in)
{
	if (in->open)
		k_reader_close(&in->r);
	in->open = 0;
}

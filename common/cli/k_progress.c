/*
 * k_progress.c - throttled progress line of k_progress.h.
 */
#include "cli/k_progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"

#define DELAY 0.5   /* seconds before the first line */
#define EVERY 0.25  /* seconds between updates on a terminal */
#define EVERY_LOG 5 /* seconds between lines in a log (--progress) */

void
k_progress_init(struct k_progress *p)
{
	p->tty = isatty(2);
	p->on = k_opts.progress == 1 || (k_opts.progress == -1 && p->tty);
	p->shown = 0;
	p->start = p->last = k_time_mono();
}

void
k_progress_update(struct k_progress *p, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!p->on)
		return;
	double now = k_time_mono();
	if (now - p->start < DELAY || now - p->last < (p->tty ? EVERY : EVERY_LOG))
		return;
	p->last = now;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (p->tty) {
		fprintf(stderr, "\r%s: %s\033[K", k_progname, buf);
		p->shown = 1;
	} else {
		fprintf(stderr, "%s: %s\n", k_progname, buf);
	}
}

void
k_progress_done(struct k_progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = 0;
}

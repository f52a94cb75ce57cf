/*
 * k_progress.h - progress on long work, on stderr only: shown when stderr
 * is a terminal (or with --progress), after a short delay, at most a few
 * times a second, on one line that is cleared at the end (git progress.c).
 */
#ifndef K_PROGRESS_H
#define K_PROGRESS_H

struct k_progress {
	int on;
	int tty;     /* redraw one line; else print a line now and then */
	int shown;
	double start, last;
};

/* Decide from k_opts.progress and isatty(2). */
void k_progress_init(struct k_progress *p);
/* Cheap to call often: formats and prints only when due. */
void k_progress_update(struct k_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clear the progress line if one was shown. */
void k_progress_done(struct k_progress *p);

#endif

/*
 * k_lines.h - an ordered parallel map over the lines of the input files:
 * lines are gathered into batches, worker threads turn each line into
 * output bytes, and the main thread emits the results strictly in input
 * order. When input is a live pipe with nothing more to read yet, every
 * line read so far is processed and emitted first, so a follower sees each
 * record at once. Used by the enriching programs (kscore, karchetype).
 */
#ifndef K_LINES_H
#define K_LINES_H

#include <stddef.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "cli/k_reject.h"

enum k_line_flag {
	K_LINE_OUT = 0,      /* produced output */
	K_LINE_REJECT = 1,   /* rejected: why[i] says why */
	K_LINE_LONG = 2,     /* over the length bound: rejected, its lens[i]
	                        bytes in the rejects spool, none in data */
};

struct k_batch {
	char *data;          /* the lines, each NUL-terminated */
	size_t len, cap;
	size_t *off, *lens;  /* each line's start and length */
	long *lineno;
	size_t n, capn;
	const char *source;  /* name of the input the lines come from */
	/* filled by process() */
	struct k_buf out;    /* output bytes of all lines, in order */
	size_t *out_end;     /* out.len after line i */
	unsigned char *flag; /* enum k_line_flag */
	unsigned char *mark; /* free for the job (e.g. "is an anomaly") */
	char **why;          /* reject reason of line i (malloc'd) or NULL */
	/* private */
	int state;
	unsigned long seq;
};

struct k_lines_job {
	/* Per-thread state for process(); called once per worker. */
	void *(*worker_new)(void *arg);
	void (*worker_free)(void *ws);
	/* Turn line i of b into output appended to b->out, or set
	 * b->flag[i] = K_LINE_REJECT and b->why[i]. Runs on any thread. */
	void (*process)(void *ws, struct k_batch *b, size_t i);
	/* Or the whole batch at once (for work that batches well); it must
	 * set b->out_end[i] for every line, K_LINE_OUT or not. Used instead
	 * of process when set. */
	void (*process_batch)(void *ws, struct k_batch *b);
	/* Called on the main thread for each line that was not rejected, in
	 * input order, with its output bytes. Return nonzero to stop. */
	int (*emit)(void *arg, struct k_batch *b, size_t i, const char *out,
	            size_t n);
	/* Called when input would block, after every line so far has been
	 * emitted (flush, reload). May be NULL. */
	void (*idle)(void *arg);
	void *arg;
	int threads;         /* workers; 1 processes on the main thread */
	/* The bad-line policy: rejected lines are reported and kept through
	 * it, in input order with the output; --strict stops the run. */
	struct k_reject *rj;
};

/*
 * Run job over files (NULL or none: standard input), read by k_input:
 * blank lines are skipped, over-long lines are rejected without being
 * processed, and reading stops when stdout has closed. Returns K_OK, or the
 * status of an input that could not be opened or read (err filled).
 */
enum k_status k_lines_run(struct k_lines_job *job, char **files, int nfiles,
                          struct k_error *err);

/* Record a reject reason for line i (printf-style). */
void k_batch_reject(struct k_batch *b, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Worker threads to use by default: online CPUs, at most 8. */
int k_lines_default_threads(void);

#endif

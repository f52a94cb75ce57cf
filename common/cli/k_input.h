/*
 * k_input.h - the one loop over a program's input: the files named on the
 * command line in turn (none: standard input; "-" too), each line with its
 * source and number, lines over the length bound rejected by the bad-line
 * policy, blank lines skipped, and the loop ended by --strict, by the
 * caller, or when standard output has closed. Every program that reads
 * records reads them through this, so the rules and messages are the same.
 */
#ifndef K_INPUT_H
#define K_INPUT_H

#include <stddef.h>

#include "base/k_reader.h"
#include "base/k_status.h"
#include "cli/k_reject.h"

enum k_input_flag {
	/* Return over-long lines to the caller (toolong set, len 0, their
	 * bytes spilled to rj's spool) instead of rejecting them here: for
	 * readers that keep rejects in order with the lines around them
	 * (k_lines, which rejects them with k_reject_long). */
	K_INPUT_LONG = 1u << 0,
	/* Return -1 with err filled when a file cannot be opened or read,
	 * instead of ending the program (output flushed, exit 66 or 74). */
	K_INPUT_ERRORS = 1u << 1,
};

struct k_input {
	/* set by k_input_init */
	char **files;            /* the paths; nfiles 0: standard input */
	int nfiles;
	unsigned flags;          /* enum k_input_flag */
	struct k_reject *rj;     /* the bad-line policy, borrowed */
	/* Called before a read that would wait (a live pipe with nothing
	 * buffered), so that followers flush what they hold. May be NULL. */
	void (*idle)(void *arg);
	void *idle_arg;
	int idle_hold_ms;        /* how long input may pause before idle (0) */
	/* the current line, after k_input_next returned 1 */
	char *line;              /* NUL-terminated; valid until the next call */
	size_t len;
	long lineno;             /* its number in its file, from 1 */
	int toolong;             /* K_INPUT_LONG: over the bound, len 0 */
	size_t spilled;          /* its bytes, in rj's spool (k_reject_long) */
	int file;                /* index of its file in files (0 for stdin) */
	const char *source;      /* its file's name: the path or "<stdin>";
	                            valid as long as files is */
	long lines;              /* lines returned so far, all files */
	int stop;                /* set: k_input_next returns 0 from now on */
	struct k_error err;      /* K_INPUT_ERRORS: why -1 was returned */
	/* private */
	struct k_reader r;
	int open, next;
};

/* Read files[0..nfiles) (none: standard input) under the policy rj. */
void k_input_init(struct k_input *in, char **files, int nfiles,
                  unsigned flags, struct k_reject *rj);

/*
 * The next line to handle: 1 with line, len, lineno and source set; 0 when
 * there is none (every file read, stop set, --strict stopped at a rejected
 * line, or standard output closed), the file being read closed then. A
 * file that cannot be opened (66) or read (74) ends the program after
 * flushing the output so far, or with K_INPUT_ERRORS returns -1 with err
 * filled and stop set.
 */
int k_input_next(struct k_input *in);

/* Reject the current line, kept verbatim in --rejects, for reason (one
 * line, printf-style). Under --strict, sets stop. Returns stop. */
int k_input_reject(struct k_input *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Close the file being read (when stopping early). Safe to call twice. */
void k_input_release(struct k_input *in);

#endif

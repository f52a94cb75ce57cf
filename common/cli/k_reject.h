/*
 * k_reject.h - the bad-line policy, the same in every program: a rejected
 * line is reported as "prog: source:line: reason", good lines go on, the
 * line is kept verbatim in the --rejects file if one is named, --strict
 * stops at the first, and the exit status is 65 if any line was rejected.
 * Lines over the reader's length bound are kept too: the reader writes
 * their bytes to a spool (an unlinked temporary file) as it skips them,
 * and they are copied from there, in the order they were read.
 */
#ifndef K_REJECT_H
#define K_REJECT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/k_status.h"

#define K_REJECT_REPORT_MAX 100 /* lines reported one by one, then a count */

struct k_reject {
	FILE *file;      /* --rejects, or NULL */
	const char *path;
	int strict;
	long count;      /* lines rejected so far */
	int spool;       /* over-long lines not yet copied, or -1 */
	off_t spool_read; /* where the next one starts */
};

/* Set up from k_opts (--strict, --rejects). Exits 73 if the rejects file
 * cannot be opened. */
void k_reject_init(struct k_reject *rj);

/* Report one rejected line; raw may be NULL when it is not kept (too
 * long). Returns 1 if the program must stop now (--strict). */
int k_reject_line(struct k_reject *rj, const char *source, long line,
                  const char *raw, size_t len, const char *reason);

/* The descriptor a reader spills over-long lines to (k_reader's
 * spill_fd), created on first use; -1 when there is no rejects file. */
int k_reject_spool(struct k_reject *rj);

/* Report one over-long rejected line, whose len bytes the reader spilled
 * to the spool: the next len bytes not yet copied. */
int k_reject_long(struct k_reject *rj, const char *source, long line,
                  size_t len, const char *reason);

/* Close the rejects file (exit 74 if that fails) and print the total when
 * messages were suppressed. Returns the status to end with: K_OK or
 * K_EDATA. */
enum k_status k_reject_finish(struct k_reject *rj);

#endif

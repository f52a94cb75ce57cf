/*
 * k_reject.c - the bad-line policy of k_reject.h.
 */
#include "cli/k_reject.h"

#include <errno.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_log.h"

void
k_reject_init(struct k_reject *rj)
{
	memset(rj, 0, sizeof *rj);
	rj->strict = k_opts.strict;
	rj->path = k_opts.rejects;
	if (rj->path != NULL) {
		rj->file = fopen(rj->path, "ae");
		if (rj->file == NULL)
			k_die(K_ECANTCREAT, "cannot open rejects file '%s': %s",
			      rj->path, strerror(errno));
	}
}

int
k_reject_line(struct k_reject *rj, const char *source, long line,
              const char *raw, size_t len, const char *reason)
{
	rj->count++;
	if (rj->count <= K_REJECT_REPORT_MAX)
		k_err("%s:%ld: %s", source, line, reason);
	else if (rj->count == K_REJECT_REPORT_MAX + 1)
		k_err("further rejected lines are counted, not shown%s",
		      rj->file ? " (all are kept in the rejects file)" : "");
	if (rj->file != NULL && raw != NULL) {
		if (fwrite(raw, 1, len, rj->file) != len ||
		    putc('\n', rj->file) == EOF)
			k_die(K_EIO, "write error on rejects file '%s': %s",
			      rj->path, strerror(errno));
	}
	if (rj->strict) {
		k_err("stopping at the first rejected line (--strict)");
		return 1;
	}
	return 0;
}

enum k_status
k_reject_finish(struct k_reject *rj)
{
	if (rj->file != NULL) {
		if (fclose(rj->file) != 0)
			k_die(K_EIO, "write error on rejects file '%s': %s",
			      rj->path, strerror(errno));
		rj->file = NULL;
	}
	if (rj->count > K_REJECT_REPORT_MAX)
		k_err("%ld lines rejected in all", rj->count);
	return rj->count > 0 ? K_EDATA : K_OK;
}

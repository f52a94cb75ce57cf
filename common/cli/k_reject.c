/*
 * k_reject.c - the bad-line policy of k_reject.h.
 */
#include "cli/k_reject.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/k_args.h"
#include "cli/k_log.h"

void
k_reject_init(struct k_reject *rj)
{
	memset(rj, 0, sizeof *rj);
	rj->spool = -1;
	rj->strict = k_opts.strict;
	rj->path = k_opts.rejects;
	if (rj->path != NULL) {
		rj->file = fopen(rj->path, "ae");
		if (rj->file == NULL)
			k_die(K_ECANTCREAT, "cannot open rejects file '%s': %s",
			      rj->path, strerror(errno));
	}
}

/* Count and report a rejected line; its bytes are the caller's. */
static void
report(struct k_reject *rj, const char *source, long line,
       const char *reason)
{
	rj->count++;
	if (rj->count <= K_REJECT_REPORT_MAX)
		k_err("%s:%ld: %s", source, line, reason);
	else if (rj->count == K_REJECT_REPORT_MAX + 1)
		k_err("further rejected lines are counted, not shown%s",
		      rj->file ? " (all are kept in the rejects file)" : "");
}

static int
stop(const struct k_reject *rj)
{
	if (rj->strict) {
		k_err("stopping at the first rejected line (--strict)");
		return 1;
	}
	return 0;
}

static void
write_error(const struct k_reject *rj)
{
	k_die(K_EIO, "write error on rejects file '%s': %s", rj->path,
	      strerror(errno));
}

int
k_reject_line(struct k_reject *rj, const char *source, long line,
              const char *raw, size_t len, const char *reason)
{
	report(rj, source, line, reason);
	if (rj->file != NULL && raw != NULL) {
		if (fwrite(raw, 1, len, rj->file) != len ||
		    putc('\n', rj->file) == EOF)
			write_error(rj);
	}
	return stop(rj);
}

int
k_reject_spool(struct k_reject *rj)
{
	char path[4096];
	const char *dir = getenv("TMPDIR");

	if (rj->file == NULL || rj->spool >= 0)
		return rj->spool;
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/ktools-rejects.XXXXXX", dir);
	rj->spool = mkostemp(path, O_CLOEXEC | O_APPEND);
	if (rj->spool < 0)
		k_die(K_ECANTCREAT, "cannot create a spool for over-long "
		      "rejected lines in '%s': %s", dir, strerror(errno));
	unlink(path);
	return rj->spool;
}

/* Copy the next len bytes of the spool to the rejects file, and empty
 * the spool once everything in it is copied. */
static void
copy_spooled(struct k_reject *rj, size_t len)
{
	char buf[65536];
	struct stat st;

	while (len > 0) {
		size_t want = len < sizeof buf ? len : sizeof buf;
		ssize_t n = pread(rj->spool, buf, want, rj->spool_read);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			k_die(K_EIO, "reading the spool of over-long rejected "
			      "lines: %s", n < 0 ? strerror(errno) : "short");
		if (fwrite(buf, 1, (size_t)n, rj->file) != (size_t)n)
			write_error(rj);
		rj->spool_read += n;
		len -= (size_t)n;
	}
	if (putc('\n', rj->file) == EOF)
		write_error(rj);
	if (fstat(rj->spool, &st) == 0 && st.st_size == rj->spool_read &&
	    ftruncate(rj->spool, 0) == 0)
		rj->spool_read = 0;
}

int
k_reject_long(struct k_reject *rj, const char *source, long line,
              size_t len, const char *reason)
{
	report(rj, source, line, reason);
	if (rj->file != NULL && rj->spool >= 0)
		copy_spooled(rj, len);
	return stop(rj);
}

enum k_status
k_reject_finish(struct k_reject *rj)
{
	if (rj->file != NULL) {
		if (fclose(rj->file) != 0)
			write_error(rj);
		rj->file = NULL;
	}
	if (rj->spool >= 0)
		close(rj->spool);
	rj->spool = -1;
	if (rj->count > K_REJECT_REPORT_MAX)
		k_err("%ld lines rejected in all", rj->count);
	return rj->count > 0 ? K_EDATA : K_OK;
}

/*
 * k_reader.c - the line reader of k_reader.h.
 */
#include "base/k_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (1u << 20)

/* Ask for a pipe as big as a read, so a fast writer is not held to 64 KiB
 * at a time; refused (not a pipe, over the user's limit) is harmless. */
static void
grow_pipe(int fd)
{
	(void)fcntl(fd, F_SETPIPE_SZ, (int)READ_CHUNK);
}

enum k_status
k_reader_open(struct k_reader *r, const char *path, struct k_error *err)
{
	memset(r, 0, sizeof *r);
	r->max_line = K_READER_MAX_LINE;
	r->spill_fd = -1;
	if (path == NULL || strcmp(path, "-") == 0) {
		r->fd = 0;
		grow_pipe(r->fd);
		snprintf(r->name, sizeof r->name, "<stdin>");
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(r->name, sizeof r->name, "%s", path);
		if (r->fd < 0)
			return k_error_set(err, K_ENOINPUT, "%s: %s", path,
			                   strerror(errno));
		r->own_fd = 1;
	}
	r->cap = READ_CHUNK + 1;
	r->buf = malloc(r->cap);
	if (r->buf == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

void
k_reader_close(struct k_reader *r)
{
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
	r->fd = -1;
}

/* Read more bytes after end; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct k_reader *r, struct k_error *err)
{
	ssize_t n;

	if (r->start > 0 && (r->cap - 1 - r->end) < READ_CHUNK / 2) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - 1 - r->end < READ_CHUNK / 2) {
		size_t ncap = r->cap * 2;
		char *nb = realloc(r->buf, ncap);
		if (nb == NULL) {
			k_error_set(err, K_ENOMEM, "%s: out of memory", r->name);
			return -1;
		}
		r->buf = nb;
		r->cap = ncap;
	}
	for (;;) {
		n = read(r->fd, r->buf + r->end, r->cap - 1 - r->end);
		if (n >= 0)
			break;
		if (errno != EINTR) {
			k_error_set(err, K_EIO, "%s: read error: %s", r->name,
			            strerror(errno));
			return -1;
		}
	}
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return n;
}

/* Write n bytes of an over-long line to spill_fd, if set. */
static int
spill(struct k_reader *r, const char *p, size_t n, struct k_error *err)
{
	if (r->spill_fd < 0)
		return 0;
	r->spill_len += n;
	while (n > 0) {
		ssize_t w = write(r->spill_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			k_error_set(err, K_EIO, "%s: keeping an over-long line for "
			            "the rejects file: %s", r->name, strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Skip (and spill) the rest of an over-long line, nothing of it left in
 * the buffer; the caller has counted it. */
static int
skip_line(struct k_reader *r, struct k_error *err)
{
	r->start = r->end = 0;
	while (!r->eof) {
		if (fill(r, err) < 0)
			return -1;
		char *nl = memchr(r->buf, '\n', r->end);
		size_t n = nl != NULL ? (size_t)(nl - r->buf) : r->end;
		if (spill(r, r->buf, n, err) < 0)
			return -1;
		if (nl != NULL) {
			r->start = n + 1;
			return 0;
		}
		r->start = r->end = 0;
	}
	return 0;
}

int
k_reader_next(struct k_reader *r, char **line, size_t *len,
              struct k_error *err)
{
	size_t scanned = 0;

	r->toolong = 0;
	r->spill_len = 0;
	for (;;) {
		char *p = r->buf + r->start + scanned;
		size_t avail = r->end - r->start - scanned;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;
		if (nl != NULL) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			r->lineno++;
			if (n > r->max_line) {
				r->toolong = 1;
				if (spill(r, r->buf + r->start, n, err) < 0)
					return -1;
				r->start += n + 1;
				*line = r->buf + r->start - 1;
				*nl = '\0';
				*len = 0;
				return 1;
			}
			*nl = '\0';
			*line = r->buf + r->start;
			*len = n;
			r->start += n + 1;
			return 1;
		}
		scanned = r->end - r->start;
		if (scanned > r->max_line) {
			/* Too long: count it, spill what we have and the rest. */
			r->lineno++;
			r->toolong = 1;
			if (spill(r, r->buf + r->start, scanned, err) < 0 ||
			    skip_line(r, err) < 0)
				return -1;
			r->buf[r->start > 0 ? r->start - 1 : 0] = '\0';
			*line = r->buf + (r->start > 0 ? r->start - 1 : 0);
			*len = 0;
			return 1;
		}
		if (r->eof) {
			if (scanned == 0)
				return 0;
			/* Last line without a newline. */
			r->lineno++;
			r->buf[r->end] = '\0';
			*line = r->buf + r->start;
			*len = scanned;
			r->start = r->end;
			return 1;
		}
		if (fill(r, err) < 0)
			return -1;
	}
}

int
k_reader_would_block(struct k_reader *r, int hold_ms)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };

	if (r->eof)
		return 0;
	if (r->end > r->start && memchr(r->buf + r->start, '\n',
	                                r->end - r->start) != NULL)
		return 0;
	return poll(&p, 1, hold_ms) == 0;
}

int
k_reader_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
		    line[i] != '\n')
			return 0;
	return 1;
}

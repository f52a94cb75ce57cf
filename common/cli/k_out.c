/*
 * k_out.c - the standard output writer of k_out.h.
 */
#include "cli/k_out.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/k_log.h"

#define OUT_CAP (1u << 16)
static char out_buf[OUT_CAP];
static size_t out_len;
static int out_linebuf;
static int out_closed;     /* the reader went away: output is dropped */
static int stdio_checked;  /* k_out_finish has flushed stdio's stdout */

static void
out_drain(const char *p, size_t n)
{
	while (n > 0 && !out_closed) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				out_closed = 1;
				return;
			}
			k_die(K_EIO, "write error on standard output: %s",
			      strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

void
k_out_flush(void)
{
	if (out_len > 0) {
		size_t n = out_len;
		out_len = 0;
		out_drain(out_buf, n);
	}
}

int
k_out_closed(void)
{
	return out_closed;
}

void
k_out_write(const void *p, size_t n)
{
	if (n == 0 || out_closed)
		return;
	if (n >= OUT_CAP) {
		k_out_flush();
		out_drain(p, n);
		return;
	}
	if (out_len + n > OUT_CAP)
		k_out_flush();
	memcpy(out_buf + out_len, p, n);
	out_len += n;
}

void
k_out_putc(int c)
{
	if (out_closed)
		return;
	if (out_len == OUT_CAP)
		k_out_flush();
	out_buf[out_len++] = (char)c;
}

void
k_out_set_linebuf(int on)
{
	out_linebuf = on;
}

void
k_out_line_end(void)
{
	k_out_putc('\n');
	if (out_linebuf)
		k_out_flush();
}

void
k_out_finish(void)
{
	k_out_flush();
	stdio_checked = 1;
	if (fflush(stdout) != 0 && errno != EPIPE)
		k_die(K_EIO, "write error on standard output: %s",
		      strerror(errno));
	if (close(1) != 0 && errno != EBADF && errno != EPIPE)
		k_die(K_EIO, "error closing standard output: %s",
		      strerror(errno));
}

/* At exit, what stdio holds for stdout (--help, --version, --usage,
 * which argp ends with exit(0)) is written and checked too. */
static void
stdio_check(void)
{
	if (stdio_checked || (fflush(stdout) == 0 && !ferror(stdout)))
		return;
	if (errno == EPIPE)
		return;
	k_err("write error on standard output: %s", strerror(errno));
	_exit(k_status_exit(K_EIO));
}

void
k_out_init(void)
{
	/* Held whole until exit, so a failed write is seen with its errno. */
	static char stdio_buf[1 << 16];
	static int done;

	if (done++)
		return;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, stdio_buf, _IOFBF, sizeof stdio_buf);
	atexit(stdio_check);
}

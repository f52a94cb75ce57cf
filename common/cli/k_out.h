/*
 * k_out.h - checked record output on standard output: buffered, flushed
 * per line when following a live stream, ending the program quietly
 * (status 0) when the reader of a pipe goes away, and reporting any other
 * write or flush failure as an I/O error (exit 74).
 */
#ifndef K_OUT_H
#define K_OUT_H

#include <stddef.h>

/* Buffered standard output. */
void k_out_write(const void *p, size_t n);
void k_out_putc(int c);
/* Flush now; with line buffering on, every k_out_line_end() flushes. */
void k_out_flush(void);
void k_out_set_linebuf(int on);
/* End of a record: writes '\n', flushes when line buffered. */
void k_out_line_end(void);
/* Flush and close standard output at exit; exits 74 if that fails. */
void k_out_finish(void);

/* Ignore SIGPIPE so that writes fail with EPIPE, which k_out turns into a
 * quiet exit. Called once at start-up by k_args. */
void k_out_init(void);

#endif

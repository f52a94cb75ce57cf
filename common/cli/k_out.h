/*
 * k_out.h - checked record output on standard output: buffered, flushed
 * per line when following a live stream, and reporting a failed write or
 * flush as an I/O error (exit 74). When the reader of a pipe goes away
 * (kscore | head), the writer never ends the process: it records that the
 * output is closed and drops what follows, and the program stops
 * producing, finishes its work (rejected lines kept, state saved) and ends
 * quietly with the status it would have had.
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
/* Flush and close standard output at exit; exits 74 if that fails
 * (a closed pipe is not a failure). */
void k_out_finish(void);

/* 1 once a write found the reader gone (EPIPE): every later write is
 * dropped. Loops that produce output test it to stop early. */
int k_out_closed(void);

/* Ignore SIGPIPE so that writes fail with EPIPE, which k_out records
 * (k_out_closed), and check at exit what stdio wrote to stdout (help,
 * version): a failure is a message and exit 74. Called at start-up by
 * k_args and k_subcmd; a second call does nothing. */
void k_out_init(void);

#endif

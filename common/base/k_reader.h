/*
 * k_reader.h - one-pass line input. The reader takes a file name or "-"
 * (standard input), reads it with large read(2) calls, never seeks (input
 * may be a pipe), counts lines itself and bounds the line length.
 */
#ifndef K_READER_H
#define K_READER_H

#include <stddef.h>
#include <sys/types.h>

#include "base/k_status.h"

#define K_READER_MAX_LINE (16u << 20) /* bytes, newline excluded */

struct k_reader {
	int fd;
	int own_fd;           /* close fd on free */
	char name[512];       /* "<stdin>" or the path, for messages */
	char *buf;
	size_t cap, start, end;
	size_t max_line;      /* longest accepted line, bytes */
	long lineno;          /* number of the line last returned */
	int eof;
	int toolong;          /* the line last returned exceeded max_line */
	/* Set by the caller after open (-1: none): a descriptor that each
	 * over-long line's bytes are written to as they are skipped, so that
	 * it can be kept without being held in memory. */
	int spill_fd;
	size_t spill_len;     /* bytes of the line last returned written there */
};

/* Open path ("-" or NULL for stdin). K_ENOINPUT if it does not exist or
 * cannot be read, with the reason in err. */
enum k_status k_reader_open(struct k_reader *r, const char *path,
                            struct k_error *err);
void k_reader_close(struct k_reader *r);

/*
 * Next line, without its '\n', NUL-terminated in the reader's buffer and
 * valid until the next call. Returns 1 with *line and *len set, 0 at end of
 * input, -1 on a read error (err filled, K_EIO). A line longer than
 * max_line is returned with len 0, r->toolong set and its bytes skipped,
 * written to spill_fd if one is set (spill_len of them; a failed write is
 * K_EIO).
 */
int k_reader_next(struct k_reader *r, char **line, size_t *len,
                  struct k_error *err);

/* 1 if the next k_reader_next would have to wait for input: no complete
 * line is buffered and the descriptor has nothing to read right now (a
 * live pipe) nor within hold_ms milliseconds (0: no wait). Never 1 for a
 * regular file. Lets followers flush output; the hold keeps a fast pipe,
 * which is briefly empty between its writer's chunks, from looking live. */
int k_reader_would_block(struct k_reader *r, int hold_ms);

/* 1 if the line holds nothing but JSON white space. */
int k_reader_blank(const char *line, size_t len);

#endif

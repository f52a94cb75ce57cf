/*
 * k_csv.h - one line of comma-separated values (RFC 4180: quoted fields,
 * doubled quotes, CRLF endings) split into NUL-terminated fields, for
 * importing transaction exports (kfetch csv). A quoted field running over
 * a line end is refused rather than guessed at.
 */
#ifndef K_CSV_H
#define K_CSV_H

#include <stddef.h>

#include "base/k_status.h"

struct k_csv {
	char delim;      /* ',' unless set */
	char **f;        /* the fields of the last line, into buf */
	size_t n, cap;
	char *buf;
	size_t bcap;
};

void k_csv_init(struct k_csv *c, char delim);
void k_csv_release(struct k_csv *c);

/* Split line[0..len) into c->f[0..c->n). K_OK, K_EDATA (an unterminated
 * quote, a quote inside an unquoted field, text after a closing quote:
 * err says which column), K_ENOMEM. */
enum k_status k_csv_split(struct k_csv *c, const char *line, size_t len,
                          struct k_error *err);

#endif

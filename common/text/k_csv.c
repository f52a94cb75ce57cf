/*
 * k_csv.c - the line splitter of k_csv.h.
 */
#include "text/k_csv.h"

#include <stdlib.h>
#include <string.h>

void
k_csv_init(struct k_csv *c, char delim)
{
	memset(c, 0, sizeof *c);
	c->delim = delim ? delim : ',';
}

void
k_csv_release(struct k_csv *c)
{
	free(c->f);
	free(c->buf);
	memset(c, 0, sizeof *c);
}

static int
push(struct k_csv *c, char *start)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		char **nf = realloc(c->f, nc * sizeof *nf);
		if (nf == NULL)
			return -1;
		c->f = nf;
		c->cap = nc;
	}
	c->f[c->n++] = start;
	return 0;
}

enum k_status
k_csv_split(struct k_csv *c, const char *line, size_t len,
            struct k_error *err)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len + 1 > c->bcap) {
		char *nb = realloc(c->buf, len + 1);
		if (nb == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		c->buf = nb;
		c->bcap = len + 1;
	}
	c->n = 0;
	char *o = c->buf;
	size_t i = 0;
	for (;;) {
		if (push(c, o) < 0)
			return k_error_set(err, K_ENOMEM, "out of memory");
		if (i < len && line[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return k_error_set(err, K_EDATA, "column %zu: "
					                   "unterminated quoted field",
					                   c->n);
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"') {
						*o++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*o++ = line[i++];
			}
			if (i < len && line[i] != c->delim)
				return k_error_set(err, K_EDATA, "column %zu: text after "
				                   "a closing quote", c->n);
		} else {
			while (i < len && line[i] != c->delim) {
				if (line[i] == '"')
					return k_error_set(err, K_EDATA, "column %zu: a "
					                   "quote inside an unquoted field",
					                   c->n);
				*o++ = line[i++];
			}
		}
		*o++ = '\0';
		if (i >= len)
			break;
		i++;   /* the delimiter */
	}
	return K_OK;
}

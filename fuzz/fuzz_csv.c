/*
 * fuzz_csv.c - the CSV line splitter (text/k_csv) as kfetch csv uses it:
 * the first byte is the delimiter (',', ';', tab or '|'; another byte
 * picks one of them by its value), the rest is lines. Each line that splits must split again to the same fields when
 * they are written back (quoted where they need it), and a line without
 * quotes must be its fields joined by the delimiter.
 */
#include <string.h>

#include "base/k_buf.h"
#include "text/k_csv.h"
#include "fuzz.h"

/* 1 if field i of c must be quoted: it holds the delimiter or a quote,
 * or it ends the line with a CR that the splitter would take for CRLF. */
static int
needs_quotes(const struct k_csv *c, size_t i)
{
	const char *f = c->f[i];
	size_t n = strlen(f);
	return strchr(f, c->delim) != NULL || strchr(f, '"') != NULL ||
	       (i + 1 == c->n && n > 0 && f[n - 1] == '\r');
}

/* The fields of c written back as one line into b. */
static void
join(const struct k_csv *c, struct k_buf *b)
{
	k_buf_reset(b);
	for (size_t i = 0; i < c->n; i++) {
		const char *f = c->f[i];
		if (i > 0)
			k_buf_addc(b, c->delim);
		if (!needs_quotes(c, i)) {
			k_buf_adds(b, f);
			continue;
		}
		k_buf_addc(b, '"');
		for (; *f; f++) {
			if (*f == '"')
				k_buf_addc(b, '"');
			k_buf_addc(b, *f);
		}
		k_buf_addc(b, '"');
	}
	FUZZ_CHECK(!b->oom, "out of memory");
}

/* One line: split, written back, split again. */
static void
line_round_trip(struct k_csv *c, struct k_csv *c2, struct k_buf *b,
                const char *line, size_t len)
{
	struct k_error err;

	if (k_csv_split(c, line, len, &err) != K_OK)
		return;
	FUZZ_CHECK(c->n >= 1, "no field");
	if (memchr(line, '\0', len) != NULL)
		return;   /* fields end at the first NUL: no text to compare */
	join(c, b);
	size_t plain = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
	if (memchr(line, '"', len) == NULL && !needs_quotes(c, c->n - 1))
		FUZZ_CHECK(b->len == plain &&
		           (plain == 0 || memcmp(b->data, line, plain) == 0),
		           "unquoted line changed by a round trip");
	FUZZ_CHECK(k_csv_split(c2, b->data, b->len, &err) == K_OK,
	           "written back, refused: %s", err.text);
	FUZZ_CHECK(c2->n == c->n, "%zu fields, then %zu", c->n, c2->n);
	for (size_t i = 0; i < c->n; i++)
		FUZZ_CHECK(strcmp(c->f[i], c2->f[i]) == 0, "field %zu differs", i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[4] = { ',', ';', '\t', '|' };
	struct k_csv c, c2;
	struct k_buf b;

	if (size == 0)
		return 0;
	char d = memchr(delims, data[0], sizeof delims) ? (char)data[0]
	         : delims[data[0] % 4];
	k_csv_init(&c, d);
	k_csv_init(&c2, c.delim);
	k_buf_init(&b);
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		line_round_trip(&c, &c2, &b, p, len);
		p += len + 1;
	}
	k_buf_release(&b);
	k_csv_release(&c);
	k_csv_release(&c2);
	return 0;
}

/*
 * k_buf.c - growable buffer and little-endian codec of k_buf.h.
 */
#include "base/k_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
k_buf_init(struct k_buf *b)
{
	memset(b, 0, sizeof *b);
}

void
k_buf_release(struct k_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

void
k_buf_reset(struct k_buf *b)
{
	b->len = 0;
}

int
k_buf_reserve(struct k_buf *b, size_t n)
{
	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t nc = b->cap ? b->cap : 256;
	while (nc < b->len + n + 1)
		nc *= 2;
	char *nd = realloc(b->data, nc);
	if (nd == NULL) {
		b->oom = 1;
		return -1;
	}
	b->data = nd;
	b->cap = nc;
	return 0;
}

void
k_buf_add(struct k_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (k_buf_reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
k_buf_addc(struct k_buf *b, char c)
{
	if (b->len + 2 > b->cap && k_buf_reserve(b, 1) < 0)
		return;
	b->data[b->len++] = c;
}

void
k_buf_adds(struct k_buf *b, const char *s)
{
	k_buf_add(b, s, strlen(s));
}

void
k_buf_printf(struct k_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || k_buf_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
k_buf_cstr(struct k_buf *b)
{
	if (k_buf_reserve(b, 0) < 0)
		return NULL;
	b->data[b->len] = '\0';
	return b->data;
}

void k_buf_le16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
void k_buf_le32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
void k_buf_le64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
uint16_t k_buf_rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

uint32_t
k_buf_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t
k_buf_rd64(const unsigned char *p)
{
	return (uint64_t)k_buf_rd32(p) | (uint64_t)k_buf_rd32(p + 4) << 32;
}

void
k_buf_put_u8(struct k_buf *b, uint8_t v)
{
	k_buf_addc(b, (char)v);
}

void
k_buf_put_u16(struct k_buf *b, uint16_t v)
{
	unsigned char t[2];
	k_buf_le16(t, v);
	k_buf_add(b, t, 2);
}

void
k_buf_put_u32(struct k_buf *b, uint32_t v)
{
	unsigned char t[4];
	k_buf_le32(t, v);
	k_buf_add(b, t, 4);
}

void
k_buf_put_u64(struct k_buf *b, uint64_t v)
{
	unsigned char t[8];
	k_buf_le64(t, v);
	k_buf_add(b, t, 8);
}

void
k_buf_put_i32(struct k_buf *b, int32_t v)
{
	k_buf_put_u32(b, (uint32_t)v);
}

void
k_buf_put_f64(struct k_buf *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	k_buf_put_u64(b, u);
}

void
k_buf_cur_init(struct k_buf_cur *c, const void *p, size_t n)
{
	c->p = p;
	c->end = c->p + n;
	c->bad = 0;
}

static const unsigned char *
take(struct k_buf_cur *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	const unsigned char *r = c->p;
	c->p += n;
	return r;
}

uint16_t
k_buf_cur_u16(struct k_buf_cur *c)
{
	const unsigned char *p = take(c, 2);
	return p ? k_buf_rd16(p) : 0;
}

uint32_t
k_buf_cur_u32(struct k_buf_cur *c)
{
	const unsigned char *p = take(c, 4);
	return p ? k_buf_rd32(p) : 0;
}

uint64_t
k_buf_cur_u64(struct k_buf_cur *c)
{
	const unsigned char *p = take(c, 8);
	return p ? k_buf_rd64(p) : 0;
}

int32_t
k_buf_cur_i32(struct k_buf_cur *c)
{
	return (int32_t)k_buf_cur_u32(c);
}

double
k_buf_cur_f64(struct k_buf_cur *c)
{
	uint64_t u = k_buf_cur_u64(c);
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

size_t
k_buf_cur_left(const struct k_buf_cur *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

/*
 * k_buf.h - a growable byte buffer, and little-endian encoding into it and
 * out of a bounded cursor. Model payloads are written byte by byte through
 * these, never by fwrite of a struct, so files are the same on every host.
 */
#ifndef K_BUF_H
#define K_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

struct k_buf {
	char *data;
	size_t len, cap;
	int oom;           /* an allocation failed; later appends are dropped */
};

void k_buf_init(struct k_buf *b);
void k_buf_release(struct k_buf *b);
void k_buf_reset(struct k_buf *b);
/* Make room for n more bytes; 0, or -1 (and oom set) on failure. */
int k_buf_reserve(struct k_buf *b, size_t n);
void k_buf_add(struct k_buf *b, const void *p, size_t n);
void k_buf_addc(struct k_buf *b, char c);
void k_buf_adds(struct k_buf *b, const char *s);
void k_buf_printf(struct k_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* NUL-terminate without counting the NUL; returns data. */
char *k_buf_cstr(struct k_buf *b);

void k_buf_put_u8(struct k_buf *b, uint8_t v);
void k_buf_put_u16(struct k_buf *b, uint16_t v);
void k_buf_put_u32(struct k_buf *b, uint32_t v);
void k_buf_put_u64(struct k_buf *b, uint64_t v);
void k_buf_put_i32(struct k_buf *b, int32_t v);
void k_buf_put_f64(struct k_buf *b, double v);

/* Reading side: a cursor over n bytes that never reads past the end. Once
 * a read would overrun, bad is set and every later read returns 0. */
struct k_buf_cur {
	const unsigned char *p, *end;
	int bad;
};

void k_buf_cur_init(struct k_buf_cur *c, const void *p, size_t n);
uint16_t k_buf_cur_u16(struct k_buf_cur *c);
uint32_t k_buf_cur_u32(struct k_buf_cur *c);
uint64_t k_buf_cur_u64(struct k_buf_cur *c);
int32_t k_buf_cur_i32(struct k_buf_cur *c);
double k_buf_cur_f64(struct k_buf_cur *c);
size_t k_buf_cur_left(const struct k_buf_cur *c);

/* Little-endian helpers on raw memory (model header). */
void k_buf_le16(unsigned char *p, uint16_t v);
void k_buf_le32(unsigned char *p, uint32_t v);
void k_buf_le64(unsigned char *p, uint64_t v);
uint16_t k_buf_rd16(const unsigned char *p);
uint32_t k_buf_rd32(const unsigned char *p);
uint64_t k_buf_rd64(const unsigned char *p);

#endif

/*
 * k_jsonw.h - a small JSON writer into a k_buf: fixed key order as the caller
 * writes it, compact, and doubles in the shortest form that reads back to
 * the same value (jansson prints 17 digits: 0.10000000000000001). Non-finite
 * numbers become null. Used for every record a program creates or extends.
 */
#ifndef K_JSONW_H
#define K_JSONW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"

#define K_JSONW_MAX_DEPTH 64

struct k_jsonw {
	struct k_buf *b;
	int depth;
	int after_key;
	unsigned char first[K_JSONW_MAX_DEPTH];
};

/* Start writing into b (appending to what it holds). */
void k_jsonw_init(struct k_jsonw *w, struct k_buf *b);

void k_jsonw_obj(struct k_jsonw *w);
void k_jsonw_obj_end(struct k_jsonw *w);
void k_jsonw_arr(struct k_jsonw *w);
void k_jsonw_arr_end(struct k_jsonw *w);
/* Continue an object already open in the buffer (its members so far are
 * not empty when nonempty is 1); used to extend a passed-through record. */
void k_jsonw_obj_continue(struct k_jsonw *w, int nonempty);
void k_jsonw_key(struct k_jsonw *w, const char *key);
void k_jsonw_str(struct k_jsonw *w, const char *s);
void k_jsonw_strn(struct k_jsonw *w, const char *s, size_t n);
void k_jsonw_num(struct k_jsonw *w, double d);
void k_jsonw_int(struct k_jsonw *w, long long v);
void k_jsonw_bool(struct k_jsonw *w, int v);
void k_jsonw_null(struct k_jsonw *w);
/* d rounded to `places` decimals (0-9) and written in the shortest form:
 * 87.5, 43.5682, 3 (same text as k_jsonw_num(k_round(d, places)), faster). */
void k_jsonw_fixed(struct k_jsonw *w, double d, int places);
/* A jansson value, written with k_jsonw's number format. */
void k_jsonw_value(struct k_jsonw *w, const json_t *v);

/* Shortest round-trip text of d (at most 24 bytes + NUL); "null" if not
 * finite. Returns the length. */
size_t k_fmt_double(double d, char *buf);

/* d rounded to the given number of decimal places. */
double k_round(double d, int places);

#endif

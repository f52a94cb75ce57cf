/*
 * k_jw.h - a small JSON writer into a k_buf: fixed key order as the caller
 * writes it, compact, and doubles in the shortest form that reads back to
 * the same value (jansson prints 17 digits: 0.10000000000000001). Non-finite
 * numbers become null. Used for every record a program creates or extends.
 */
#ifndef K_JW_H
#define K_JW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"

#define K_JW_MAX_DEPTH 64

struct k_jw {
	struct k_buf *b;
	int depth;
	int after_key;
	unsigned char first[K_JW_MAX_DEPTH];
};

/* Start writing into b (appending to what it holds). */
void k_jw_init(struct k_jw *w, struct k_buf *b);

void k_jw_obj(struct k_jw *w);
void k_jw_obj_end(struct k_jw *w);
void k_jw_arr(struct k_jw *w);
void k_jw_arr_end(struct k_jw *w);
/* Continue an object already open in the buffer (its members so far are
 * not empty when nonempty is 1); used to extend a passed-through record. */
void k_jw_obj_continue(struct k_jw *w, int nonempty);
void k_jw_key(struct k_jw *w, const char *key);
void k_jw_str(struct k_jw *w, const char *s);
void k_jw_strn(struct k_jw *w, const char *s, size_t n);
void k_jw_num(struct k_jw *w, double d);
void k_jw_int(struct k_jw *w, long long v);
void k_jw_bool(struct k_jw *w, int v);
void k_jw_null(struct k_jw *w);
/* A value already serialised as JSON. */
void k_jw_raw(struct k_jw *w, const char *json, size_t n);
/* d rounded to `places` decimals (0-9) and written in the shortest form:
 * 87.5, 43.5682, 3 (same text as k_jw_num(k_round(d, places)), faster). */
void k_jw_fixed(struct k_jw *w, double d, int places);
/* A jansson value, written with k_jw's number format. */
void k_jw_value(struct k_jw *w, const json_t *v);

/* Shortest round-trip text of d (at most 24 bytes + NUL); "null" if not
 * finite. Returns the length. */
size_t k_fmt_double(double d, char *buf);

/* d rounded to the given number of decimal places. */
double k_round(double d, int places);

#endif

/*
 * k_jsonw.c - the JSON writer of k_jsonw.h.
 */
#include "text/k_jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/k_dtoa.h"

void
k_jsonw_init(struct k_jsonw *w, struct k_buf *b)
{
	w->b = b;
	w->depth = 0;
	w->after_key = 0;
	w->first[0] = 1;
}

/* Comma before a new element, unless it follows a key or comes first. */
static void
sep(struct k_jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			k_buf_addc(w->b, ',');
		w->first[w->depth] = 0;
	}
}

static void
open_(struct k_jsonw *w, char c)
{
	sep(w);
	k_buf_addc(w->b, c);
	if (w->depth + 1 < K_JSONW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = 1;
}

static void
close_(struct k_jsonw *w, char c)
{
	k_buf_addc(w->b, c);
	if (w->depth > 0)
		w->depth--;
}

void k_jsonw_obj(struct k_jsonw *w) { open_(w, '{'); }
void k_jsonw_obj_end(struct k_jsonw *w) { close_(w, '}'); }
void k_jsonw_arr(struct k_jsonw *w) { open_(w, '['); }
void k_jsonw_arr_end(struct k_jsonw *w) { close_(w, ']'); }

void
k_jsonw_obj_continue(struct k_jsonw *w, int nonempty)
{
	w->depth = 1;
	w->after_key = 0;
	w->first[1] = !nonempty;
}

static void
put_escaped(struct k_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	k_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		k_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': k_buf_add(b, "\\\"", 2); break;
		case '\\': k_buf_add(b, "\\\\", 2); break;
		case '\n': k_buf_add(b, "\\n", 2); break;
		case '\r': k_buf_add(b, "\\r", 2); break;
		case '\t': k_buf_add(b, "\\t", 2); break;
		case '\b': k_buf_add(b, "\\b", 2); break;
		case '\f': k_buf_add(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			k_buf_add(b, u, 6);
		}
		}
	}
	k_buf_add(b, s + run, n - run);
	k_buf_addc(b, '"');
}

void
k_jsonw_key(struct k_jsonw *w, const char *key)
{
	sep(w);
	put_escaped(w->b, key, strlen(key));
	k_buf_addc(w->b, ':');
	w->after_key = 1;
}

void
k_jsonw_strn(struct k_jsonw *w, const char *s, size_t n)
{
	sep(w);
	put_escaped(w->b, s, n);
}

void
k_jsonw_str(struct k_jsonw *w, const char *s)
{
	if (s == NULL) {
		k_jsonw_null(w);
		return;
	}
	k_jsonw_strn(w, s, strlen(s));
}

size_t
k_fmt_double(double d, char *buf)
{
	if (!isfinite(d)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	if (d == 0) {
		memcpy(buf, "0", 2);
		return 1;
	}
	/* Whole numbers as %lld wrote them; the rest as the first of %.15g,
	 * %.16g, %.17g that reads back to d, which k_dtoa finds without
	 * printf. */
	if (fabs(d) < 1e15 && d == (double)(long long)d) {
		long long i = (long long)d;
		unsigned long long u = i < 0 ? 0 - (unsigned long long)i
		                             : (unsigned long long)i;
		char t[20];
		size_t n = 0, k = 0;
		do {
			t[k++] = (char)('0' + u % 10);
			u /= 10;
		} while (u != 0);
		if (i < 0)
			buf[n++] = '-';
		while (k > 0)
			buf[n++] = t[--k];
		buf[n] = '\0';
		return n;
	}
	return k_dtoa_format(d, buf);
}

void
k_jsonw_num(struct k_jsonw *w, double d)
{
	char t[32];
	size_t n = k_fmt_double(d, t);

	sep(w);
	k_buf_add(w->b, t, n);
}

void
k_jsonw_fixed(struct k_jsonw *w, double d, int places)
{
	static const double scale[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	                                1e8, 1e9 };
	char t[40];
	size_t n = 0;

	/* Huge values, and tiny ones that %g writes with an exponent, take
	 * the general path. */
	if (places < 0 || places > 9 || !isfinite(d) ||
	    fabs(d) * scale[places] >= 9e15 ||
	    (places > 4 && fabs(d) < 1e-4)) {
		k_jsonw_num(w, k_round(d, places));
		return;
	}
	/* round() as k_round does, then integer digits. */
	double r = round(d * scale[places]);
	long long q = (long long)r;
	unsigned long long u = q < 0 ? (unsigned long long)-q : (unsigned long long)q;
	unsigned long long ip = u, fp = 0, div = 1;
	for (int i = 0; i < places; i++)
		div *= 10;
	ip = u / div;
	fp = u % div;
	if (q < 0)
		t[n++] = '-';
	n += (size_t)snprintf(t + n, sizeof t - n, "%llu", ip);
	if (fp != 0) {
		int width = places;
		while (fp % 10 == 0) {
			fp /= 10;
			width--;
		}
		t[n++] = '.';
		for (int i = width - 1; i >= 0; i--) {
			t[n + (size_t)i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		n += (size_t)width;
	}
	if (n == 2 && t[0] == '-' && t[1] == '0')
		n = 1, t[0] = '0';
	sep(w);
	k_buf_add(w->b, t, n);
}

void
k_jsonw_int(struct k_jsonw *w, long long v)
{
	char t[32];
	int n = snprintf(t, sizeof t, "%lld", v);

	sep(w);
	k_buf_add(w->b, t, (size_t)n);
}

void
k_jsonw_bool(struct k_jsonw *w, int v)
{
	sep(w);
	k_buf_adds(w->b, v ? "true" : "false");
}

void
k_jsonw_null(struct k_jsonw *w)
{
	sep(w);
	k_buf_adds(w->b, "null");
}

void
k_jsonw_value(struct k_jsonw *w, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		k_jsonw_obj(w);
		json_object_foreach((json_t *)v, k, x) {
			k_jsonw_key(w, k);
			k_jsonw_value(w, x);
		}
		k_jsonw_obj_end(w);
		break;
	case JSON_ARRAY:
		k_jsonw_arr(w);
		json_array_foreach(v, i, x)
			k_jsonw_value(w, x);
		k_jsonw_arr_end(w);
		break;
	case JSON_STRING:
		k_jsonw_strn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		k_jsonw_int(w, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		k_jsonw_num(w, json_real_value(v));
		break;
	case JSON_TRUE:
		k_jsonw_bool(w, 1);
		break;
	case JSON_FALSE:
		k_jsonw_bool(w, 0);
		break;
	case JSON_NULL:
		k_jsonw_null(w);
		break;
	}
}

double
k_round(double d, int places)
{
	double f = pow(10.0, places);
	double r = round(d * f) / f;
	return isfinite(r) ? r : d;
}

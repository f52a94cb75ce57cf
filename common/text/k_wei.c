/*
 * k_wei.c - exact 256-bit amounts of k_wei.h: four 64-bit limbs, schoolbook
 * multiply-add by 10 or 16 while parsing with the carry out of the top limb
 * as the overflow test, and division by 10^19 chunks when formatting.
 */
#include "text/k_wei.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

void
k_wei_from_u64(struct k_wei *v, uint64_t x)
{
	v->w[0] = x;
	v->w[1] = v->w[2] = v->w[3] = 0;
}

int
k_wei_is_zero(const struct k_wei *v)
{
	return (v->w[0] | v->w[1] | v->w[2] | v->w[3]) == 0;
}

int
k_wei_cmp(const struct k_wei *a, const struct k_wei *b)
{
	for (int i = 3; i >= 0; i--) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

int
k_wei_add(struct k_wei *acc, const struct k_wei *b)
{
	struct k_wei r;
	uint64_t carry = 0;

	for (int i = 0; i < 4; i++) {
		u128 s = (u128)acc->w[i] + b->w[i] + carry;
		r.w[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	if (carry)
		return -1;
	*acc = r;
	return 0;
}

/* v = v * m + a; returns the carry out of the top limb (0: no overflow). */
static uint64_t
muladd(struct k_wei *v, uint64_t m, uint64_t a)
{
	uint64_t carry = a;

	for (int i = 0; i < 4; i++) {
		u128 p = (u128)v->w[i] * m + carry;
		v->w[i] = (uint64_t)p;
		carry = (uint64_t)(p >> 64);
	}
	return carry;
}

int
k_wei_mul_u64(struct k_wei *v, uint64_t m)
{
	struct k_wei r = *v;

	if (muladd(&r, m, 0) != 0)
		return -1;
	*v = r;
	return 0;
}

uint32_t
k_wei_divmod_u32(struct k_wei *v, uint32_t d)
{
	uint64_t rem = 0;

	for (int i = 3; i >= 0; i--) {
		u128 cur = ((u128)rem << 64) | v->w[i];
		v->w[i] = (uint64_t)(cur / d);
		rem = (uint64_t)(cur % d);
	}
	return (uint32_t)rem;
}

/* Divide by 10^19 (the largest power of ten in 64 bits); the remainder. */
static uint64_t
divmod_e19(struct k_wei *v)
{
	const uint64_t d = UINT64_C(10000000000000000000);
	uint64_t rem = 0;

	for (int i = 3; i >= 0; i--) {
		u128 cur = ((u128)rem << 64) | v->w[i];
		v->w[i] = (uint64_t)(cur / d);
		rem = (uint64_t)(cur % d);
	}
	return rem;
}

size_t
k_wei_format(const struct k_wei *v, char *buf, size_t cap)
{
	char tmp[K_WEI_STRLEN];
	size_t pos = sizeof tmp;
	struct k_wei q = *v;

	if (cap == 0)
		return 0;
	tmp[--pos] = '\0';
	do {
		uint64_t chunk = divmod_e19(&q);
		int last = k_wei_is_zero(&q);
		for (int k = 0; k < 19; k++) {
			tmp[--pos] = (char)('0' + chunk % 10);
			chunk /= 10;
			if (last && chunk == 0)
				break;
		}
	} while (!k_wei_is_zero(&q));
	size_t len = sizeof tmp - 1 - pos;
	if (len + 1 > cap) {
		buf[0] = '\0';
		return 0;
	}
	memcpy(buf, tmp + pos, len + 1);
	return len;
}

size_t
k_wei_format_hex(const struct k_wei *v, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[68];
	size_t len = 0;
	int started = 0;

	tmp[len++] = '0';
	tmp[len++] = 'x';
	for (int i = 3; i >= 0; i--) {
		for (int sh = 60; sh >= 0; sh -= 4) {
			unsigned nib = (unsigned)(v->w[i] >> sh) & 0xf;
			if (nib != 0)
				started = 1;
			if (started)
				tmp[len++] = hex[nib];
		}
	}
	if (!started)
		tmp[len++] = '0';
	tmp[len] = '\0';
	if (len + 1 > cap) {
		if (cap > 0)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, tmp, len + 1);
	return len;
}

/* The input quoted for a message: at most 40 bytes, "..." when cut,
 * control characters as '?'. */
static void
quote(const char *s, size_t n, char *out, size_t cap)
{
	size_t lim = n > 40 ? 37 : n, j = 0;

	for (size_t i = 0; i < lim && j + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		out[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n > lim) {
		for (int k = 0; k < 3 && j + 1 < cap; k++)
			out[j++] = '.';
	}
	out[j] = '\0';
}

static enum k_status
bad(struct k_error *err, struct k_wei *out, const char *s, size_t n,
    const char *why)
{
	char q[48];

	k_wei_from_u64(out, 0);
	quote(s, n, q, sizeof q);
	return k_error_set(err, K_EDATA, "amount '%s': %s", q, why);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum k_status
k_wei_parse(const char *s, size_t n, unsigned forms, struct k_wei *out,
            struct k_error *err)
{
	struct k_wei v;

	k_wei_from_u64(&v, 0);
	if (n == 0)
		return bad(err, out, s, n, "empty");
	if (is_space(s[0]) || is_space(s[n - 1]))
		return bad(err, out, s, n, "white space is not allowed");
	if (s[0] == '-' || s[0] == '+')
		return bad(err, out, s, n,
		           "a sign is not allowed, amounts are unsigned");
	int ishex = n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (ishex) {
		if (!(forms & K_WEI_HEX))
			return bad(err, out, s, n, "hex where a decimal "
			           "integer was expected");
		if (n == 2)
			return bad(err, out, s, n, "no digits after '0x'");
		for (size_t i = 2; i < n; i++) {
			int h = hexval(s[i]);
			if (h < 0)
				return bad(err, out, s, n, is_space(s[i]) ?
				           "white space is not allowed" :
				           "not a hex quantity");
			if (muladd(&v, 16, (uint64_t)h) != 0)
				return bad(err, out, s, n, "exceeds 2^256-1");
		}
		*out = v;
		return K_OK;
	}
	if (!(forms & K_WEI_DEC))
		return bad(err, out, s, n, "expected a hex quantity '0x...'");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c < '0' || c > '9') {
			const char *why = "not a decimal integer";
			if (c == '.')
				why = "a fraction is not allowed, amounts are "
				      "whole base units";
			else if (c == 'e' || c == 'E')
				why = "an exponent is not allowed, amounts are "
				      "exact integers";
			else if (is_space(c))
				why = "white space is not allowed";
			return bad(err, out, s, n, why);
		}
		if (muladd(&v, 10, (uint64_t)(c - '0')) != 0)
			return bad(err, out, s, n, "exceeds 2^256-1");
	}
	*out = v;
	return K_OK;
}

static enum k_status parse_plain_units(const char *s, size_t n,
                                       unsigned decimals, struct k_wei *out,
                                       struct k_error *err);

/*
 * s[0..n) in scientific notation ("1.5e-05", "2E3") as the plain decimal
 * string it stands for, into buf: the mantissa's digits with the point
 * moved by the exponent. 0, or -1 with why set.
 */
static int
unexponent(const char *s, size_t n, const char *e, char *buf, size_t cap,
           const char **why)
{
	size_t nm = (size_t)(e - s), nd = 0, point = nm;
	char digits[K_WEI_DIGITS + K_WEI_MAX_DECIMALS + 8];
	char *end;
	long x;

	*why = "a decimal amount needs digits before and after its exponent";
	if (nm == 0 || n - nm < 2 || e[1] == ' ' || e[1] == '\t')
		return -1;
	errno = 0;
	x = strtol(e + 1, &end, 10);
	if (end != s + n || errno != 0 || !(e[1] == '-' || e[1] == '+' ||
	                                   (e[1] >= '0' && e[1] <= '9')))
		return -1;
	*why = "exceeds 2^256-1";
	if (x > K_WEI_DIGITS + K_WEI_MAX_DECIMALS ||
	    x < -(long)(K_WEI_DIGITS + K_WEI_MAX_DECIMALS) ||
	    nm > sizeof digits - 1)
		return -1;
	for (size_t i = 0; i < nm; i++) {
		if (s[i] == '.')
			point = nd;
		else
			digits[nd++] = s[i];
	}
	long p = (long)point + x; /* the point's place among the digits */
	size_t k = 0;
	if (p <= 0) { /* "0." and -p zeros before the digits */
		buf[k++] = '0';
		buf[k++] = '.';
		for (long z = 0; z < -p; z++)
			buf[k++] = '0';
	}
	for (size_t i = 0; i < nd && k + 2 < cap; i++) {
		if ((long)i == p && p > 0)
			buf[k++] = '.';
		buf[k++] = digits[i];
	}
	while ((long)k < p && k + 1 < cap)
		buf[k++] = '0';
	if (k + 1 >= cap)
		return -1;
	buf[k] = '\0';
	return 0;
}

enum k_status
k_wei_parse_units(const char *s, size_t n, unsigned decimals,
                  struct k_wei *out, struct k_error *err)
{
	const char *ex = memchr(s, 'e', n);

	if (ex == NULL)
		ex = memchr(s, 'E', n);
	if (ex != NULL && n > 0 && s[0] != '-' && s[0] != '+') {
		char plain[2 * (K_WEI_DIGITS + K_WEI_MAX_DECIMALS) + 16];
		const char *why;
		if (unexponent(s, n, ex, plain, sizeof plain, &why) < 0)
			return bad(err, out, s, n, why);
		enum k_status st = k_wei_parse_units(plain, strlen(plain),
		                                     decimals, out, err);
		if (st != K_OK) {
			char w[200];
			const char *c = strstr(err->text, "': ");
			snprintf(w, sizeof w, "%s", c ? c + 3 : "not a decimal amount");
			return bad(err, out, s, n, w);
		}
		return K_OK;
	}
	return parse_plain_units(s, n, decimals, out, err);
}

static enum k_status
parse_plain_units(const char *s, size_t n, unsigned decimals,
                  struct k_wei *out, struct k_error *err)
{
	const char *dot = memchr(s, '.', n);
	struct k_wei v;
	char digits[K_WEI_DIGITS + K_WEI_MAX_DECIMALS + 8];
	size_t nd = 0, ni, nf;

	if (n == 0)
		return bad(err, out, s, n, "empty");
	if (dot == NULL)
		ni = n, nf = 0;
	else
		ni = (size_t)(dot - s), nf = n - ni - 1;
	if (dot != NULL && (ni == 0 || nf == 0))
		return bad(err, out, s, n, "a decimal point needs digits on "
		           "both sides");
	if (dot != NULL && memchr(dot + 1, '.', nf) != NULL)
		return bad(err, out, s, n, "more than one decimal point");
	/* drop zeros beyond the allowed decimals */
	while (nf > decimals && dot[nf] == '0')
		nf--;
	if (nf > decimals) {
		char why[80];
		snprintf(why, sizeof why, "more than %u decimal places",
		         decimals);
		return bad(err, out, s, n, why);
	}
	/* integer digits, fraction digits, then zeros to fill the scale;
	 * leading zeros are dropped first so long inputs still fit */
	size_t i0 = 0;
	while (i0 + 1 < ni && s[i0] == '0')
		i0++;
	if (ni - i0 + decimals > sizeof digits - 1)
		return bad(err, out, s, n, "exceeds 2^256-1");
	memcpy(digits, s + i0, ni - i0);
	nd = ni - i0;
	if (nf > 0) {
		memcpy(digits + nd, dot + 1, nf);
		nd += nf;
	}
	for (size_t k = nf; k < decimals; k++)
		digits[nd++] = '0';
	enum k_status st = k_wei_parse(digits, nd, K_WEI_DEC, &v, err);
	if (st != K_OK) {
		/* say it about the input, not the scaled digits */
		char why[200];
		const char *c = strstr(err->text, "': ");
		snprintf(why, sizeof why, "%s", c ? c + 3 : "not a decimal amount");
		return bad(err, out, s, n, why);
	}
	*out = v;
	return K_OK;
}

double
k_wei_to_double(const struct k_wei *v, unsigned decimals)
{
	char buf[K_WEI_STRLEN + 8];
	size_t len = k_wei_format(v, buf, K_WEI_STRLEN);

	if (decimals > K_WEI_MAX_DECIMALS)
		decimals = K_WEI_MAX_DECIMALS;
	if (decimals > 0)
		snprintf(buf + len, sizeof buf - len, "e-%u", decimals);
	return strtod(buf, NULL);
}

unsigned
k_wei_trailing_zeros(const struct k_wei *v)
{
	struct k_wei q = *v;
	unsigned z = 0;

	if (k_wei_is_zero(&q))
		return 0;
	for (;;) {
		struct k_wei t = q;
		if (k_wei_divmod_u32(&t, 10) != 0)
			break;
		q = t;
		z++;
	}
	return z;
}

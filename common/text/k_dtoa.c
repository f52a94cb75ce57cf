/*
 * k_dtoa.c - see k_dtoa.h. d, and when needed the two bounds of the
 * interval of reals that strtod rounds to d, are scaled by a power of ten
 * to 17 integer digits with the truncated 128-bit powers of k_pow10.h
 * (those of the Eisel-Lemire parser); every choice the old %g loop made
 * (rounding to 15, 16 or 17 digits, reading back to d) is then an exact
 * integer comparison. What the 128 bits cannot settle goes to that loop.
 */
#include "text/k_dtoa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/k_pow10.h"

#define POW10_17 UINT64_C(100000000000000000)

/* floor(a / 2^s) for a > -2^40, without shifting a negative. */
static int
floor_shift(int64_t a, int s)
{
	return (int)((a + (INT64_C(1) << 40)) >> s) - (int)(INT64_C(1) << (40 - s));
}

/* floor(b * log10(2)) and floor(e * log2(10)); exact for |b|, |e| < 1100
 * (checked against exact rationals over that range). */
static int floor_log10_pow2(int b) { return floor_shift((int64_t)b * 78913, 18); }
static int floor_log2_pow10(int e) { return floor_shift((int64_t)e * 217706, 16); }

/* One scaled value x: n = floor(x), exact when x == n. */
struct scaled {
	uint64_t n;
	int exact;
};

/* 1 if c * 2^q * 10^e is an integer; c > 0. */
static int
is_integer(uint64_t c, int q, int e)
{
	if (q + e + __builtin_ctzll(c) < 0)
		return 0;
	/* 10^e with e < 0 leaves 5^-e to divide; c < 5^25 ends this soon. */
	for (int i = e; i < 0; i++) {
		if (c % 5 != 0)
			return 0;
		c /= 5;
	}
	return 1;
}

/*
 * x = c * 2^q * 10^e, with g = floor(10^e * 2^S) from k_pow10.h and
 * sh = S - q in 65..127 (123..126 in fact), so that c * g <= x * 2^sh <
 * c * g + c. Returns 0 when that range holds an integer and x may lie on
 * either side of it: a non-integer x closer to an integer than c / 2^sh,
 * never seen, but not ruled out here by proof.
 */
static inline int
scale(uint64_t c, int q, int e, const uint64_t *g, int sh, struct scaled *out)
{
	__uint128_t lo = (__uint128_t)c * g[1];
	__uint128_t hi = (__uint128_t)c * g[0];
	/* c * g = up * 2^64 + p0; up < 2^120 cannot overflow. */
	__uint128_t up = hi + (uint64_t)(lo >> 64);
	uint64_t p0 = (uint64_t)lo, u1 = (uint64_t)(up >> 64), u0 = (uint64_t)up;
	int t = sh - 64;
	uint64_t n = u1 << (64 - t) | u0 >> t;
	/* The sh low bits of c * g are f1 * 2^64 + p0; plus c, do they
	 * reach 2^sh? */
	uint64_t f1 = u0 & ((UINT64_C(1) << t) - 1);
	uint64_t s0 = p0 + c, s1 = f1 + (s0 < c);

	if (s1 < UINT64_C(1) << t || (s1 == UINT64_C(1) << t && s0 == 0)) {
		out->n = n;
		out->exact = f1 == 0 && p0 == 0 && is_integer(c, q, e);
		return 1;
	}
	if (is_integer(c, q, e)) {
		out->n = n + 1;
		out->exact = 1;
		return 1;
	}
	return 0;
}

static void
div10(struct scaled *v)
{
	v->exact = v->exact && v->n % 10 == 0;
	v->n /= 10;
}

/*
 * The interval of reals that strtod rounds to d, in the units of x = 4 d
 * 10^e. Its bounds (cu and cl * 2^qn * 10^e, over 10 if tenth) cost two
 * more products: they are computed only when the half-widths du and dl
 * (each less than 2 short of the truth) leave the answer open.
 */
struct interval {
	uint64_t cu, cl;
	int qn, e, sh, tenth;
	const uint64_t *g;
	int incl;               /* the bounds themselves round to d */
	uint64_t du, dl;
	int known;              /* lo and hi are computed */
	struct scaled lo, hi;
};

/* w against the exact bounds, computed on first use: 1 inside, 0 not,
 * -1 if scale() cannot decide. */
static int
contains_exact(struct interval *iv, uint64_t w)
{
	if (!iv->known) {
		if (!scale(iv->cu, iv->qn, iv->e, iv->g, iv->sh, &iv->hi) ||
		    !scale(iv->cl, iv->qn, iv->e, iv->g, iv->sh, &iv->lo))
			return -1;
		if (iv->tenth) {
			div10(&iv->hi);
			div10(&iv->lo);
		}
		iv->known = 1;
	}
	/* x < w iff floor(x) < w; x == w iff floor(x) == w and x is exact. */
	const struct scaled *lo = &iv->lo, *hi = &iv->hi;
	int above = lo->n < w || (lo->n == w && lo->exact && iv->incl);
	int below = w < hi->n || (w == hi->n && (!hi->exact || iv->incl));
	return above && below;
}

/* 1 if the integer w lies in the interval around x, 0 if not, -1 if
 * scale() cannot decide. */
static inline int
contains(struct interval *iv, const struct scaled *x, uint64_t w)
{
	/* x is in [x->n, x->n + 1): most w are clearly in or out. */
	if (w + iv->dl >= x->n + 1 && w < x->n + iv->du)
		return 1;
	if (w + iv->dl + 2 <= x->n || w >= x->n + iv->du + 3)
		return 0;
	return contains_exact(iv, w);
}

/* x / m rounded to nearest, ties to even (m even). */
static inline uint64_t
round_div(const struct scaled *x, uint64_t m)
{
	uint64_t v = x->n / m, r = x->n - v * m;
	/* Without a branch (& and |, not && and ||): up or down is a coin
	 * toss. */
	return v + ((r > m / 2) | ((r == m / 2) & ((x->exact == 0) | (int)(v & 1))));
}

/* What the %g loop itself computes, for what scale() cannot decide.
 * Returns the precision that read back, 15 to 17. */
static int
slow_digits(double d, uint64_t *digits, int *exp10)
{
	char buf[40], *end;
	int p;

	for (p = 15; p < 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (p == 17)
		snprintf(buf, sizeof buf, "%.*e", p - 1, d);
	uint64_t v = 0;
	for (const char *s = buf; *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			v = v * 10 + (uint64_t)(*s - '0');
	char *e = strchr(buf, 'e');
	*digits = v;
	*exp10 = (int)strtol(e + 1, &end, 10) - (p - 1);
	return p;
}

/* The digits as the %g loop chose them, possibly with trailing zeros
 * and possibly 10^P; returns P (15 to 17), or 0 if scale() cannot
 * decide. */
static int
fast_digits(uint64_t bits, uint64_t *digits, int *exp10)
{
	uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
	int be = (int)(bits >> 52 & 0x7ff);

	/* |d| = c * 2^q; z normalises c to 53 bits for subnormals. */
	uint64_t c = be != 0 ? frac | UINT64_C(1) << 52 : frac;
	int q = be != 0 ? be - 1075 : -1074;
	int z = be != 0 ? 0 : __builtin_clzll(c) - 11;
	int irregular = frac == 0 && be > 1;
	/* 4 d is cx * 2^qn, cx < 2^55. */
	uint64_t cx = c << (z + 2);
	int qn = q - z;

	/* 10^X <= |d| < 10^(X+2) for X = floor(log10(2^floor(log2 |d|))):
	 * scaled by 10^(16-X), d has 17 or 18 integer digits. */
	int e = 16 - floor_log10_pow2(q + 52 - z);
	int sh = 127 - floor_log2_pow10(e) - qn;
	const uint64_t *g = k_pow10_tab[e - K_POW10_MIN];
	struct scaled vx;

	if (sh < 65 || sh > 127 || !scale(cx, qn, e, g, sh, &vx))
		return 0;
	/* Half an ulp is 2^(z+1) * 2^qn * 10^e in these units: du is that
	 * with g for 10^e, short by less than 1 + 2^(z+1-sh), and by less
	 * than 2 after a division by 10 or 2. Below a power of two the lower
	 * neighbour is half as far. strtod breaks ties to the even
	 * significand: the bounds belong to d then. */
	struct interval iv = {
		.cu = cx + (UINT64_C(2) << z),
		.cl = cx - ((irregular ? UINT64_C(1) : UINT64_C(2)) << z),
		.qn = qn, .e = e, .sh = sh, .g = g, .incl = (c & 1) == 0,
		.du = (uint64_t)(((__uint128_t)g[0] << 64 | g[1]) >> (sh - z - 1)),
	};
	if (vx.n >> 2 >= POW10_17) {
		div10(&vx);
		iv.tenth = 1;
		iv.du /= 10;
		e--;
	}
	iv.dl = irregular ? iv.du / 2 : iv.du;
	/* vx.n / 4 has 17 integer digits now. The first of 15, 16 and 17
	 * digits, correctly rounded, that lies in the interval; 17 always
	 * does. */
	uint64_t v = round_div(&vx, 400);
	int prec = 15, in = contains(&iv, &vx, v * 400);
	if (in == 0) {
		v = round_div(&vx, 40);
		prec = 16;
		in = contains(&iv, &vx, v * 40);
		if (in == 0) {
			v = round_div(&vx, 4);
			prec = 17;
			in = 1;
		}
	}
	if (in < 0)
		return 0;
	*digits = v;
	*exp10 = 17 - prec - e;
	return prec;
}

/*
 * Divide *v by 10^k if it divides; returns k or 0. inv5 is 5^-k modulo
 * 2^64 (pow(5**k, -1, 2**64) in Python), max = floor((2^64 - 1) / 10^k).
 * r = *v * 5^-k rotated right by k is at most max exactly when 10^k
 * divides *v, and is then the quotient: if *v = 10^k a, *v 5^-k = 2^k a
 * (mod 2^64); conversely r <= max < 2^(64-k) means the k bits rotated
 * to the top were zero, and 10^k r <= 2^64 - 1 is congruent to *v.
 * One multiplication, no division or branch: the number of trailing
 * zeros is not predictable.
 */
static inline int
strip(uint64_t *v, uint64_t inv5, uint64_t max, int k)
{
	uint64_t r = *v * inv5;
	r = r >> k | r << (64 - k);
	int t = r <= max;
	*v = t ? r : *v;
	return t ? k : 0;
}

int
k_dtoa_digits(double d, uint64_t *digits, int *exp10)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	bits &= ~(UINT64_C(1) << 63);
	if (bits >= UINT64_C(0x7ff) << 52 || bits == 0)
		return 0;
	int prec = fast_digits(bits, digits, exp10), fast = prec != 0;
	if (!fast)
		prec = slow_digits(fabs(d), digits, exp10);
	/* prec digits, or 10^prec when rounding carried. */
	static const uint64_t carried[] = { UINT64_C(1000000000000000),
	                                    UINT64_C(10000000000000000),
	                                    POW10_17 };
	if (*digits == carried[prec - 15]) {
		*digits = 1;
		*exp10 += prec;
		return 1;
	}
	/* 16 or 17 digits ending in 0 would have been found a digit shorter:
	 * only 15 can have trailing zeros, at most 14 (8 + 4 + 2 + 1). */
	if (fast && prec > 15)
		return prec;
	int zeros = strip(digits, UINT64_C(0xc767074b22e90e21), 184467440737, 8);
	zeros += strip(digits, UINT64_C(0xd288ce703afb7e91), 1844674407370955, 4);
	zeros += strip(digits, UINT64_C(0x8f5c28f5c28f5c29), 184467440737095516, 2);
	zeros += strip(digits, UINT64_C(0xcccccccccccccccd), 1844674407370955161, 1);
	*exp10 += zeros;
	return prec - zeros;
}

static const char pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* Eight decimal digits of w < 10^8 at p. */
static void
put8(char *p, uint32_t w)
{
	uint32_t hi = w / 10000, lo = w % 10000;
	memcpy(p, pairs + 2 * (hi / 100), 2);
	memcpy(p + 2, pairs + 2 * (hi % 100), 2);
	memcpy(p + 4, pairs + 2 * (lo / 100), 2);
	memcpy(p + 6, pairs + 2 * (lo % 100), 2);
}

/* The n <= 8 decimal digits of w at p. */
static void
put_small(char *p, uint32_t w, int n)
{
	for (; n > 1; n -= 2, w /= 100)
		memcpy(p + n - 2, pairs + 2 * (w % 100), 2);
	if (n == 1)
		p[0] = (char)('0' + w);
}

/* The n decimal digits of v < 10^17 at p. */
static void
put_digits(char *p, uint64_t v, int n)
{
	if (n > 8) {
		put8(p + n - 8, (uint32_t)(v % 100000000));
		v /= 100000000;
		n -= 8;
		if (n > 8) {
			put8(p + 1, (uint32_t)(v % 100000000));
			p[0] = (char)('0' + v / 100000000);
			return;
		}
	}
	put_small(p, (uint32_t)v, n);
}

size_t
k_dtoa_format(double d, char *buf)
{
	char *p = buf;
	uint64_t v;
	int ex;

	if (signbit(d))
		*p++ = '-';
	int n = k_dtoa_digits(d, &v, &ex);
	if (n == 0) {
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - buf);
	}
	/* %g: exponent form when X < -4 or X >= P, trailing zeros dropped. */
	int x = ex + n - 1;
	int prec = n > 15 ? n : 15;
	if (x < -4 || x >= prec) {
		/* 1.2345e-07: the digits one place on, the first moved back. */
		put_digits(p + 1, v, n);
		p[0] = p[1];
		if (n > 1) {
			p[1] = '.';
			p++;
		}
		p += n;
		*p++ = 'e';
		*p++ = x < 0 ? '-' : '+';
		unsigned a = (unsigned)(x < 0 ? -x : x);
		if (a >= 100) {
			*p++ = (char)('0' + a / 100);
			a %= 100;
		}
		memcpy(p, pairs + 2 * a, 2);
		p += 2;
	} else if (x < 0) {
		/* 0.00012345 */
		memcpy(p, "0.0000", (size_t)(1 - x));
		p += 1 - x;
		put_digits(p, v, n);
		p += n;
	} else if (n <= x + 1) {
		/* 12345000 */
		put_digits(p, v, n);
		p += n;
		memset(p, '0', (size_t)(x + 1 - n));
		p += x + 1 - n;
	} else {
		/* 123.45: the integer digits moved back before the point. */
		put_digits(p + 1, v, n);
		for (int i = 0; i <= x; i++)
			p[i] = p[i + 1];
		p[x + 1] = '.';
		p += n + 1;
	}
	*p = '\0';
	return (size_t)(p - buf);
}

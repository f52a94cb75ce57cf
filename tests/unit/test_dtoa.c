/*
 * test_dtoa.c - k_fmt_double, now built on k_dtoa, must write byte for
 * byte what the old snprintf/strtod loop (kept here as the reference)
 * wrote: on random bit patterns over every exponent, on decimal-looking
 * values, at the %g layout switch points, around powers of two and ten,
 * integers near 1e15 and 2^53, subnormals and DBL_MAX. The digits of
 * k_dtoa_digits must read back to the same double.
 * KTEST_DTOA_SCALE=n (environment) multiplies the random counts by n.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_parallel.h"
#include "base/k_rng.h"
#include "text/k_dtoa.h"
#include "text/k_jsonw.h"
#include "ktest.h"

/* Random counts at scale 1: about 2 s in all at -O2 on two cores, most
 * of it in the reference's multi-precision printf (1.5 us a value at
 * large exponents). Sanitizers run fewer. DECIMALS makes 12 values each. */
#if defined(__SANITIZE_ADDRESS__)
#define RANDOM_BITS 200000
#define DECIMALS 10000
#else
#define RANDOM_BITS 1000000
#define DECIMALS 50000
#endif
#define CHUNKS 64

/* The k_fmt_double this replaced. */
static size_t
old_fmt(double d, char *buf)
{
	if (!isfinite(d)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	if (d == 0) {
		memcpy(buf, "0", 2);
		return 1;
	}
	if (fabs(d) < 1e15 && d == (double)(long long)d) {
		return (size_t)snprintf(buf, 25, "%lld", (long long)d);
	}
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 25, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return (size_t)n;
}

struct tally {
	long values;
	long bad;
};

static void
fail(struct tally *t, double d, const char *what, const char *got,
     const char *want)
{
	if (t->bad++ < 5)
		fprintf(stderr, "%s:%d: FAIL: %a (%.17g): %s: \"%s\", want \"%s\"\n",
		        __FILE__, __LINE__, d, d, what, got, want);
}

/* Every check on one double. Thread-safe: counts go to t only. */
static void
one(double d, struct tally *t)
{
	char got[40], want[40], back[40];
	size_t ng = k_fmt_double(d, got), nw = old_fmt(d, want);

	t->values++;
	if (ng != nw || strcmp(got, want) != 0)
		fail(t, d, "k_fmt_double", got, want);
	/* The text reads back to d if it is the old loop's: no strtod here. */
	if (!isfinite(d) || d == 0)
		return;

	uint64_t v = 0;
	int ex = 0, n = k_dtoa_digits(d, &v, &ex);
	snprintf(back, sizeof back, "%llue%d", (unsigned long long)v, ex);
	int len = (int)strcspn(back, "e");
	if (n < 1 || n > 17 || n != len || v % 10 == 0 ||
	    strtod(back, NULL) != fabs(d))
		fail(t, d, "k_dtoa_digits", back, want);
}

static struct tally T;

static void
both(double d)
{
	one(d, &T);
	one(-d, &T);
}

static void
text(const char *s)
{
	both(strtod(s, NULL));
}

/* d and its n neighbours on each side. */
static void
around(double d, int n)
{
	double lo = d, hi = d;
	both(d);
	for (int i = 0; i < n; i++) {
		lo = nextafter(lo, -INFINITY);
		hi = nextafter(hi, INFINITY);
		both(lo);
		both(hi);
	}
}

static double
from_bits(uint64_t b)
{
	double d;
	memcpy(&d, &b, sizeof d);
	return d;
}

static long scale = 1;

struct chunk_job {
	struct tally t[CHUNKS];
};

/* Random 64-bit patterns, chunk by chunk on independent streams, so the
 * values do not depend on the thread count. */
static void
random_bits(void *arg, size_t lo, size_t hi, int tid)
{
	struct chunk_job *job = arg;
	(void)tid;
	for (size_t c = lo; c < hi; c++) {
		struct k_rng r;
		k_rng_seed(&r, 2385, c);
		for (long i = 0; i < RANDOM_BITS / CHUNKS * scale; i++) {
			double d = from_bits(k_rng_u64(&r));
			if (isfinite(d))
				one(d, &job->t[c]);
		}
	}
}

static void
known(void)
{
	static const struct { double d; const char *s; } k[] = {
		{ 0.1, "0.1" }, { 2.385, "2.385" }, { 1.0 / 3, "0.3333333333333333" },
		{ 2.0 / 3, "0.6666666666666666" }, { 70.2472223517388, "70.2472223517388" },
		{ -42, "-42" }, { 1e15, "1e+15" }, { 1e16, "1e+16" }, { 1e300, "1e+300" },
		{ 1234567890123456.5, "1234567890123456.5" }, { 1e-5, "1e-05" },
		{ 1.5e-7, "1.5e-07" }, { 0.0001, "0.0001" }, { 123456.789, "123456.789" },
		{ 9007199254740993.0, "9007199254740992" }, { 1e21, "1e+21" },
		{ 0.30000000000000004, "0.30000000000000004" },
		/* 5.960464477539063e-08 also reads back, but %.16g rounds to
		 * ...062 which does not: the old loop went on to 17 digits. */
		{ 0x1p-24, "5.9604644775390625e-08" },
		{ 5e-324, "4.94065645841247e-324" }, { DBL_MAX, "1.7976931348623157e+308" },
		{ DBL_MIN, "2.2250738585072014e-308" }, { -0.0, "0" },
		{ NAN, "null" }, { INFINITY, "null" }, { -INFINITY, "null" },
	};
	char buf[40];
	uint64_t v;
	int ex;

	for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
		k_fmt_double(k[i].d, buf);
		KT_EQ_STR(buf, k[i].s);
	}
	KT_EQ_INT(k_dtoa_digits(0.0, &v, &ex), 0);
	KT_EQ_INT(k_dtoa_digits(-0.0, &v, &ex), 0);
	KT_EQ_INT(k_dtoa_digits(INFINITY, &v, &ex), 0);
	KT_EQ_INT(k_dtoa_digits(NAN, &v, &ex), 0);
	KT_EQ_INT(k_dtoa_digits(-2.385, &v, &ex), 4);
	KT_EQ_INT(v, 2385);
	KT_EQ_INT(ex, -3);
	KT_EQ_INT(k_dtoa_digits(1e300, &v, &ex), 1);
	KT_EQ_INT(v, 1);
	KT_EQ_INT(ex, 300);
	KT_EQ_INT(k_dtoa_format(0.0, buf), 1);
	KT_EQ_STR(buf, "0");
	KT_EQ_INT(k_dtoa_format(-0.0, buf), 2);
	KT_EQ_STR(buf, "-0");
	/* Integers, which k_fmt_double writes itself, in %.15g layout. */
	k_dtoa_format(-123, buf);
	KT_EQ_STR(buf, "-123");
	k_dtoa_format(1e14, buf);
	KT_EQ_STR(buf, "100000000000000");
	k_dtoa_format(-1.7976931348623157e308, buf);
	KT_EQ_INT(strlen(buf), K_DTOA_MAX);
}

int
main(void)
{
	const char *env = getenv("KTEST_DTOA_SCALE");
	char buf[64];
	struct k_rng r;

	if (env != NULL) {
		char *end;
		scale = strtol(env, &end, 10);
		if (*env == '\0' || *end != '\0' || scale < 1 || scale > 100000) {
			fprintf(stderr, "KTEST_DTOA_SCALE: expected 1..100000, got \"%s\"\n", env);
			return 1;
		}
	}
	known();
	k_rng_seed(&r, 2385, 1000);

	/* Powers of two and of ten over the whole range, with neighbours. */
	for (int e = -1074; e <= 1023; e++)
		around(ldexp(1, e), 3);
	for (int e = -324; e <= 308; e++) {
		static const char *lead[] = { "1", "2", "2.5", "5", "9.999999999999999",
		                              "9.9999999999999999", "1.0000000000000001" };
		for (size_t i = 0; i < sizeof lead / sizeof *lead; i++) {
			snprintf(buf, sizeof buf, "%se%d", lead[i], e);
			around(strtod(buf, NULL), i == 0 ? 3 : 0);
		}
	}
	/* Subnormals: the smallest and largest runs, random ones, DBL_MIN. */
	for (uint64_t b = 1; b <= 20000; b++) {
		both(from_bits(b));
		both(from_bits((UINT64_C(1) << 52) - b));
	}
	for (int i = 0; i < 20000; i++)
		both(from_bits(k_rng_u64(&r) >> 12));
	around(DBL_MIN, 100);
	around(DBL_MAX, 1000);
	/* %g switches to the exponent form below 1e-4 and at 10^P, P=15..17;
	 * whole numbers below 1e15 take the integer path. */
	static const double switches[] = { 1e-5, 1e-4, 1e-3, 1e14, 1e15, 1e16, 1e17,
	                                   0x1p53, 0x1p54 };
	for (size_t i = 0; i < sizeof switches / sizeof *switches; i++)
		around(switches[i], 3000);
	for (int i = -3000; i <= 3000; i++) {
		both(1e15 + i);
		both(1e15 + i + 0.5);
		both(9007199254740992.0 + 2 * i);
		both(1e16 + 2 * i);
		both(1e17 + 16 * i);
	}
	for (int nines = 1; nines <= 18; nines++) {
		static const char *at[] = { "e-5", "e-4", "e14", "e15", "e16" };
		for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
			int n = snprintf(buf, sizeof buf, "9.");
			for (int k = 0; k < nines; k++)
				buf[n++] = '9';
			snprintf(buf + n, sizeof buf - (size_t)n, "%s", at[i]);
			text(buf);
		}
	}

	/* Decimal-looking values, as read from text: short decimals, prices,
	 * scores 0..100 with 1-6 decimals, 15-17 digit mantissas. */
	for (long i = 0; i < DECIMALS * scale; i++) {
		unsigned long long ip = k_rng_below(&r, 1000000000);
		ip %= (unsigned long long)pow(10, (double)k_rng_below(&r, 10));
		int places = 1 + (int)k_rng_below(&r, 6);
		unsigned long long fp = k_rng_below(&r, (uint64_t)pow(10, places));
		snprintf(buf, sizeof buf, "%llu.%0*llu", ip, places, fp);
		text(buf);
		snprintf(buf, sizeof buf, "%llu.%02llu",
		         (unsigned long long)k_rng_below(&r, 1000000),
		         (unsigned long long)k_rng_below(&r, 100));
		text(buf);
		places = 1 + (int)k_rng_below(&r, 6);
		snprintf(buf, sizeof buf, "%.*f", places, 100 * k_rng_uniform(&r));
		text(buf);
		int digits = 15 + (int)k_rng_below(&r, 3);
		uint64_t lo = (uint64_t)pow(10, digits - 1);
		snprintf(buf, sizeof buf, "%llue%d",
		         (unsigned long long)(lo + k_rng_below(&r, 9 * lo)),
		         (int)k_rng_below(&r, 61) - 30 - digits);
		text(buf);
		/* Computed values: features, ratios. */
		both(k_rng_normal(&r) * pow(10, (double)k_rng_below(&r, 24) - 12));
		both((double)k_rng_below(&r, 1000) / (double)(1 + k_rng_below(&r, 999)));
	}

	/* Random bit patterns: every exponent, both signs. */
	static struct chunk_job job;
	k_parallel_for(CHUNKS, k_parallel_threads(), random_bits, &job);
	for (int c = 0; c < CHUNKS; c++) {
		T.values += job.t[c].values;
		T.bad += job.t[c].bad;
	}

	fprintf(stderr, "%s: %ld values compared with the old loop, %ld differ\n",
	        __FILE__, T.values, T.bad);
	ktest_checks += (int)(T.values > 2000000000 ? 2000000000 : T.values);
	KT_EQ_INT(T.bad, 0);
	KT_DONE();
}

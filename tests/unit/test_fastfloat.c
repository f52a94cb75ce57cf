/*
 * test_fastfloat.c - k_fastfloat must return exactly what strtod returns,
 * bit for bit: on edge cases, on millions of random doubles printed at
 * every precision, and on random digit strings with random exponents.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "text/k_fastfloat.h"
#include "ktest.h"

static long mismatches;

static void
same(const char *s)
{
	/* As in a JSON line: a delimiter follows the number. */
	char buf[512];
	size_t n = strlen(s);
	memcpy(buf, s, n);
	buf[n] = ',';
	buf[n + 1] = '\0';
	double a = k_fastfloat(buf, n), b = strtod(s, NULL);
	uint64_t ua, ub;
	memcpy(&ua, &a, 8);
	memcpy(&ub, &b, 8);
	ktest_checks++;
	if (ua != ub && mismatches++ < 10)
		KT_FAIL("\"%s\": got %.17g, strtod %.17g", s, a, b);
}

int
main(void)
{
	static const char *edge[] = {
		"0", "-0", "0.0", "0e10", "1", "-1", "2.385", "0.1", "0.3",
		"9007199254740992", "9007199254740993", "9007199254740995",
		"1e22", "1e23", "1e-22", "1e-23", "123456789012345678901234567890",
		"1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "1e309", "-1e309", "2.2250738585072014e-308",
		"2.2250738585072011e-308", "4.9406564584124654e-324",
		"2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
		"0.000000000000000000000000000000000000000000001",
		"100000000000000000000000000000000000000000000000000",
		"3.14159265358979323846264338327950288419716939937510",
		"7.2057594037927933e16", "18446744073709551615",
		"18446744073709551616", "1e0000000000000000001", "0.1e-0",
		"8.98846567431158e307", "4.4501477170144023e-308",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"9.109e-31", "6.02214076e23", "-12345.678e-3",
	};
	struct k_rng r;
	char buf[128];

	for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
		same(edge[i]);
	k_rng_seed(&r, 2385, 0);
	/* Random bit patterns: every exponent, printed at every precision. */
	for (int i = 0; i < 1000000; i++) {
		uint64_t bits = k_rng_u64(&r);
		double d;
		memcpy(&d, &bits, 8);
		if (!isfinite(d))
			continue;
		int prec = 1 + (int)k_rng_below(&r, 19);
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strchr(buf, 'n') || strchr(buf, 'i'))
			continue;
		same(buf);
	}
	/* Values like features: normal draws at full precision. */
	for (int i = 0; i < 1000000; i++) {
		snprintf(buf, sizeof buf, "%.17g", k_rng_normal(&r) *
		         pow(10, (double)k_rng_below(&r, 20) - 10));
		same(buf);
	}
	/* Random digit strings: long mantissas, random exponents. */
	for (int i = 0; i < 300000; i++) {
		size_t n = 0;
		int digits = 1 + (int)k_rng_below(&r, 30);
		if (k_rng_below(&r, 2))
			buf[n++] = '-';
		buf[n++] = (char)('1' + k_rng_below(&r, 9));
		int dot = (int)k_rng_below(&r, (uint64_t)digits + 1);
		for (int k = 1; k < digits; k++) {
			if (k == dot)
				buf[n++] = '.';
			buf[n++] = (char)('0' + k_rng_below(&r, 10));
		}
		n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d",
		                      (int)k_rng_below(&r, 700) - 350);
		buf[n] = '\0';
		same(buf);
	}
	KT_EQ_INT(mismatches, 0);
	KT_DONE();
}

/*
 * test_wei.c - exact 256-bit amounts: the edges of the range (0, 2^256-1,
 * 2^256 rejected), every malformed spelling an API or a CSV export could
 * send (signs, hex, white space, fractions, exponents), round trips of
 * seeded random values through both notations, and the rounding of the
 * conversion to a double ETH or token value.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "text/k_wei.h"
#include "ktest.h"

#define MAX_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define OVER_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639936"

static int
parse(const char *s, unsigned forms, struct k_wei *v, struct k_error *e)
{
	return k_wei_parse(s, strlen(s), forms, v, e) == K_OK;
}

/* The canonical decimal string of s, or "ERR: <message>". */
static const char *
canon(const char *s, unsigned forms)
{
	static char buf[600];
	struct k_wei v;
	struct k_error e;

	if (k_wei_parse(s, strlen(s), forms, &v, &e) != K_OK) {
		snprintf(buf, sizeof buf, "ERR: %s", e.text);
		return buf;
	}
	k_wei_format(&v, buf, sizeof buf);
	return buf;
}

static void
check_rejected(const char *s, unsigned forms, const char *needle)
{
	struct k_wei v;
	struct k_error e;

	v.w[0] = 7;
	int ok = parse(s, forms, &v, &e);
	KT_CHECK(!ok);
	if (!ok) {
		KT_EQ_INT(e.code, K_EDATA);
		KT_CHECK(strstr(e.text, needle) != NULL);
		if (strstr(e.text, needle) == NULL)
			fprintf(stderr, "  message was: %s\n", e.text);
		KT_CHECK(k_wei_is_zero(&v));
	}
}

static void
test_edges(void)
{
	struct k_wei v, one;
	struct k_error e;
	char buf[K_WEI_STRLEN];

	KT_EQ_STR(canon("0", K_WEI_DEC), "0");
	KT_EQ_STR(canon("1", K_WEI_DEC), "1");
	KT_EQ_STR(canon(MAX_DEC, K_WEI_DEC), MAX_DEC);
	KT_CHECK(parse(MAX_DEC, K_WEI_DEC, &v, &e));
	for (int i = 0; i < 4; i++)
		KT_CHECK(v.w[i] == UINT64_MAX);
	/* 2^256-1 + 1 overflows, and leaves v as it was */
	k_wei_from_u64(&one, 1);
	KT_EQ_INT(k_wei_add(&v, &one), -1);
	KT_CHECK(v.w[0] == UINT64_MAX && v.w[3] == UINT64_MAX);
	KT_EQ_INT(k_wei_mul_u64(&v, 2), -1);
	KT_CHECK(v.w[0] == UINT64_MAX);

	check_rejected(OVER_DEC, K_WEI_DEC, "exceeds 2^256-1");
	check_rejected(MAX_DEC "0", K_WEI_DEC, "exceeds 2^256-1");
	check_rejected("999999999999999999999999999999999999999999999999999999"
	               "999999999999999999999999999999", K_WEI_DEC,
	               "exceeds 2^256-1");
	/* 2^64 and 2^128 cross limb boundaries */
	KT_EQ_STR(canon("18446744073709551616", K_WEI_DEC),
	          "18446744073709551616");
	KT_CHECK(parse("18446744073709551616", K_WEI_DEC, &v, &e));
	KT_CHECK(v.w[0] == 0 && v.w[1] == 1 && v.w[2] == 0 && v.w[3] == 0);
	KT_EQ_STR(canon("340282366920938463463374607431768211456", K_WEI_DEC),
	          "340282366920938463463374607431768211456");
	/* exact multiples of 10^19 format with their inner zeros */
	KT_EQ_STR(canon("10000000000000000000", K_WEI_DEC),
	          "10000000000000000000");
	KT_EQ_STR(canon("100000000000000000000000000000000000000", K_WEI_DEC),
	          "100000000000000000000000000000000000000");
	KT_EQ_STR(canon("1000000000000000000000000000000000000000000000000000"
	                "0000000000000000000000000", K_WEI_DEC),
	          "1000000000000000000000000000000000000000000000000000"
	          "0000000000000000000000000");

	/* leading zeros: accepted, dropped from the canonical string */
	KT_EQ_STR(canon("000123", K_WEI_DEC), "123");
	KT_EQ_STR(canon("0000", K_WEI_DEC), "0");
	KT_EQ_STR(canon("0000000000000000000000000000000000000000000000000000"
	                "0000000000000000000000000000000000000000000001",
	                K_WEI_DEC), "1");
	KT_EQ_STR(canon("00" MAX_DEC, K_WEI_DEC), MAX_DEC);

	/* a buffer too small gives 0 and "" */
	KT_CHECK(parse("12345", K_WEI_DEC, &v, &e));
	KT_EQ_INT(k_wei_format(&v, buf, 5), 0);
	KT_EQ_STR(buf, "");
	KT_EQ_INT(k_wei_format(&v, buf, 6), 5);
	KT_EQ_STR(buf, "12345");
}

static void
test_malformed(void)
{
	check_rejected("", K_WEI_DEC, "empty");
	check_rejected("-1", K_WEI_DEC, "a sign is not allowed");
	check_rejected("-0", K_WEI_DEC, "a sign is not allowed");
	check_rejected("+1", K_WEI_DEC, "a sign is not allowed");
	check_rejected("-0x1", K_WEI_DEC | K_WEI_HEX, "a sign is not allowed");
	check_rejected(" 1", K_WEI_DEC, "white space");
	check_rejected("1 ", K_WEI_DEC, "white space");
	check_rejected("1\n", K_WEI_DEC, "white space");
	check_rejected("\t1", K_WEI_DEC, "white space");
	check_rejected("1 000", K_WEI_DEC, "white space");
	check_rejected("0x1 ", K_WEI_HEX, "white space");
	check_rejected("1.5", K_WEI_DEC, "a fraction is not allowed");
	check_rejected("1.0", K_WEI_DEC, "a fraction is not allowed");
	check_rejected("1e18", K_WEI_DEC, "an exponent is not allowed");
	check_rejected("1E18", K_WEI_DEC, "an exponent is not allowed");
	check_rejected("12a", K_WEI_DEC, "not a decimal integer");
	check_rejected("1,000", K_WEI_DEC, "not a decimal integer");
	check_rejected("null", K_WEI_DEC, "not a decimal integer");
	check_rejected("0x10", K_WEI_DEC, "hex where a decimal");
	check_rejected("0X10", K_WEI_DEC, "hex where a decimal");
	check_rejected("16", K_WEI_HEX, "expected a hex quantity");
	check_rejected("0x", K_WEI_HEX, "no digits after '0x'");
	check_rejected("0xg1", K_WEI_HEX, "not a hex quantity");
	check_rejected("0x1" "0000000000000000000000000000000000000000000000000000"
	               "000000000000", K_WEI_HEX, "exceeds 2^256-1");
	/* an embedded NUL is a bad character, not the end of the string */
	{
		struct k_wei v;
		struct k_error e;
		KT_CHECK(k_wei_parse("12\0" "3", 4, K_WEI_DEC, &v, &e) != K_OK);
		KT_CHECK(strstr(e.text, "'12?3'") != NULL);
	}
	/* long input is quoted cut short */
	{
		struct k_wei v;
		struct k_error e;
		KT_CHECK(!parse("x12345678901234567890123456789012345678901234567890",
		                K_WEI_DEC, &v, &e));
		KT_CHECK(strstr(e.text, "...':") != NULL);
		KT_CHECK(strlen(e.text) < 120);
	}
}

static void
test_hex(void)
{
	struct k_wei v;
	struct k_error e;
	char buf[80];

	KT_EQ_STR(canon("0x0", K_WEI_HEX), "0");
	KT_EQ_STR(canon("0xde0b6b3a7640000", K_WEI_HEX), "1000000000000000000");
	KT_EQ_STR(canon("0xDE0B6B3A7640000", K_WEI_HEX), "1000000000000000000");
	KT_EQ_STR(canon("0x0001", K_WEI_HEX | K_WEI_DEC), "1");
	KT_EQ_STR(canon("0xffffffffffffffffffffffffffffffffffffffffffffffffffff"
	                "ffffffffffff", K_WEI_HEX), MAX_DEC);
	KT_EQ_STR(canon("42", K_WEI_HEX | K_WEI_DEC), "42");
	KT_CHECK(parse("0x1bc16d674ec80000", K_WEI_HEX, &v, &e));
	KT_EQ_INT(k_wei_format_hex(&v, buf, sizeof buf), 18);
	KT_EQ_STR(buf, "0x1bc16d674ec80000");
	k_wei_from_u64(&v, 0);
	k_wei_format_hex(&v, buf, sizeof buf);
	KT_EQ_STR(buf, "0x0");
	KT_CHECK(parse(MAX_DEC, K_WEI_DEC, &v, &e));
	KT_EQ_INT(k_wei_format_hex(&v, buf, sizeof buf), 66);
	KT_EQ_INT(k_wei_format_hex(&v, buf, 66), 0);
}

/* Random values of every size round-trip exactly through decimal and hex,
 * and agree with a reference computed digit by digit in base 10^9. */
static void
test_roundtrip(void)
{
	struct k_rng r;
	k_rng_seed(&r, 20240501, 0);
	int bad = 0;

	for (int it = 0; it < 2000; it++) {
		struct k_wei v, back;
		struct k_error e;
		char dec[K_WEI_STRLEN], hex[80], dec2[K_WEI_STRLEN];
		int limbs = 1 + (int)k_rng_below(&r, 4);
		for (int i = 0; i < 4; i++)
			v.w[i] = i < limbs ? k_rng_u64(&r) >> k_rng_below(&r, 64)
			                   : 0;
		k_wei_format(&v, dec, sizeof dec);
		k_wei_format_hex(&v, hex, sizeof hex);
		if (k_wei_parse(dec, strlen(dec), K_WEI_DEC, &back, &e) != K_OK ||
		    k_wei_cmp(&back, &v) != 0)
			bad++;
		if (k_wei_parse(hex, strlen(hex), K_WEI_HEX, &back, &e) != K_OK ||
		    k_wei_cmp(&back, &v) != 0)
			bad++;
		/* reference: repeated division by 10 gives the same digits */
		struct k_wei q = v;
		char rev[K_WEI_STRLEN];
		size_t n = 0;
		do
			rev[n++] = (char)('0' + k_wei_divmod_u32(&q, 10));
		while (!k_wei_is_zero(&q));
		for (size_t i = 0; i < n; i++)
			dec2[i] = rev[n - 1 - i];
		dec2[n] = '\0';
		if (strcmp(dec, dec2) != 0)
			bad++;
	}
	KT_EQ_INT(bad, 0);
}

static void
test_arith(void)
{
	struct k_wei a, b;
	struct k_error e;
	char buf[K_WEI_STRLEN];

	KT_CHECK(parse("18446744073709551615", K_WEI_DEC, &a, &e));
	k_wei_from_u64(&b, 1);
	KT_EQ_INT(k_wei_add(&a, &b), 0);
	k_wei_format(&a, buf, sizeof buf);
	KT_EQ_STR(buf, "18446744073709551616");
	KT_EQ_INT(k_wei_cmp(&a, &b), 1);
	KT_EQ_INT(k_wei_cmp(&b, &a), -1);
	KT_EQ_INT(k_wei_cmp(&a, &a), 0);
	k_wei_from_u64(&a, 1000000000);
	KT_EQ_INT(k_wei_mul_u64(&a, 1000000000), 0);
	KT_EQ_INT(k_wei_mul_u64(&a, 1000000000), 0);
	KT_EQ_INT(k_wei_mul_u64(&a, 1000000000), 0);
	k_wei_format(&a, buf, sizeof buf);
	KT_EQ_STR(buf, "1000000000000000000000000000000000000");
	KT_EQ_INT(k_wei_divmod_u32(&a, 7), 1);
	KT_EQ_INT(k_wei_trailing_zeros(&b), 0);
	k_wei_from_u64(&b, 0);
	KT_EQ_INT(k_wei_trailing_zeros(&b), 0);
	KT_CHECK(parse("10000000000000000", K_WEI_DEC, &b, &e));
	KT_EQ_INT(k_wei_trailing_zeros(&b), 16);
	KT_CHECK(parse("2500000000000000000", K_WEI_DEC, &b, &e));
	KT_EQ_INT(k_wei_trailing_zeros(&b), 17);
	KT_CHECK(parse(MAX_DEC, K_WEI_DEC, &b, &e));
	KT_EQ_INT(k_wei_trailing_zeros(&b), 0);
}

static void
test_double(void)
{
	struct k_wei v;
	struct k_error e;

	k_wei_from_u64(&v, 0);
	KT_CHECK(k_wei_to_double(&v, 18) == 0.0);
	KT_CHECK(parse("1", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 18) == 1e-18);
	KT_CHECK(k_wei_to_double(&v, 0) == 1.0);
	KT_CHECK(parse("100000000000000000", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 18) == 0.1);
	KT_CHECK(parse("1500000", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 6) == 1.5);        /* 1.5 USDC */
	KT_CHECK(parse("123456789012345678901", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 18) == 123.456789012345678901);
	/* 2^53 + 1 wei: not a double; ties to even gives 2^53 */
	KT_CHECK(parse("9007199254740993", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 0) == 9007199254740992.0);
	/* 2^53 + 3: ties to even rounds up to 2^53 + 4 */
	KT_CHECK(parse("9007199254740995", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 0) == 9007199254740996.0);
	KT_CHECK(parse(MAX_DEC, K_WEI_DEC, &v, &e));
	KT_RNEAR(k_wei_to_double(&v, 18), 1.157920892373162e59, 1e-15);
	KT_CHECK(k_wei_to_double(&v, 0) == ldexp(1.0, 256));
	KT_CHECK(isfinite(k_wei_to_double(&v, 0)));
	/* decimals beyond the limit are clamped, not undefined */
	KT_CHECK(parse("1", K_WEI_DEC, &v, &e));
	KT_CHECK(k_wei_to_double(&v, 500) == 1e-77);

	/* One rounding, not two: for random values the result is the double
	 * nearest the exact quotient, i.e. within half an ulp of a long
	 * double reference computed from the exact digits. */
	struct k_rng r;
	k_rng_seed(&r, 7, 1);
	int worse = 0;
	for (int it = 0; it < 2000; it++) {
		uint64_t x = k_rng_u64(&r);
		k_wei_from_u64(&v, x);
		double d = k_wei_to_double(&v, 18);
		long double exact = (long double)x / 1e18L;
		long double err = fabsl((long double)d - exact);
		long double ulp = (long double)nextafter(d, INFINITY) - d;
		if (err > ulp / 2 * (1 + 4e-3L))
			worse++;
	}
	KT_EQ_INT(worse, 0);
}

static const char *
units(const char *s, unsigned d)
{
	static char buf[600];
	struct k_wei v;
	struct k_error e;
	if (k_wei_parse_units(s, strlen(s), d, &v, &e) != K_OK) {
		snprintf(buf, sizeof buf, "ERR: %s", e.text);
		return buf;
	}
	k_wei_format(&v, buf, sizeof buf);
	return buf;
}

static void
test_units(void)
{
	KT_EQ_STR(units("1.5", 18), "1500000000000000000");
	KT_EQ_STR(units("0.000000000000000001", 18), "1");
	KT_EQ_STR(units("1", 18), "1000000000000000000");
	KT_EQ_STR(units("12.34", 6), "12340000");
	KT_EQ_STR(units("0.10000", 2), "10");          /* spare zeros */
	KT_EQ_STR(units("007.5", 1), "75");
	KT_EQ_STR(units("0", 18), "0");
	KT_EQ_STR(units("42", 0), "42");
	KT_CHECK(strstr(units("0.123", 2), "more than 2 decimal places"));
	KT_CHECK(strstr(units("1.", 18), "digits on both sides"));
	KT_CHECK(strstr(units(".5", 18), "digits on both sides"));
	KT_CHECK(strstr(units("1.2.3", 18), "more than one decimal point"));
	KT_CHECK(strstr(units("-1.5", 18), "'-1.5': a sign is not allowed"));
	/* Scientific notation, as spreadsheets and pandas write amounts:
	 * exact when the digits fit the decimals. */
	KT_EQ_STR(units("1e3", 18), "1000000000000000000000");
	KT_EQ_STR(units("1.5e-05", 18), "15000000000000");
	KT_EQ_STR(units("1.5E-05", 18), "15000000000000");
	KT_EQ_STR(units("2.5e+2", 0), "250");
	KT_EQ_STR(units("1e-18", 18), "1");
	KT_EQ_STR(units("0.0012e3", 4), "12000");
	KT_EQ_STR(units("123.456e-1", 4), "123456");
	KT_CHECK(strstr(units("1e-19", 18), "'1e-19': more than 18 decimal places"));
	KT_CHECK(strstr(units("1e", 18), "digits before and after its exponent"));
	KT_CHECK(strstr(units("e5", 18), "digits before and after its exponent"));
	KT_CHECK(strstr(units("1e+", 18), "digits before and after its exponent"));
	KT_CHECK(strstr(units("1e5x", 18), "digits before and after its exponent"));
	KT_CHECK(strstr(units("1e999", 18), "exceeds 2^256-1"));
	KT_CHECK(strstr(units("-1e3", 18), "a sign is not allowed"));
	KT_CHECK(strstr(units(" 1.5", 18), "white space"));
	KT_CHECK(strstr(units("1,5", 18), "not a decimal integer"));
	KT_CHECK(strstr(units("115792089237316195423570985008687907853269984665"
	                      "640564039457584007913129639936", 0),
	                "exceeds 2^256-1"));
	KT_CHECK(strstr(units("115792089237316195423570985008687907853269984665"
	                      "6405640394575840079131296399.36", 18),
	                "exceeds 2^256-1"));
	KT_CHECK(strstr(units("", 18), "empty"));
}

int
main(void)
{
	test_units();
	test_edges();
	test_malformed();
	test_hex();
	test_roundtrip();
	test_arith();
	test_double();
	KT_DONE();
}

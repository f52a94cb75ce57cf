/*
 * test_jscan.c - the fast line scanner must accept what jansson accepts,
 * but for integers past 64 bits: a table of edge cases, then thousands of
 * seeded random mutations of real records checked against jansson; and
 * k_json_parse, the jansson reader every program uses, must give the
 * scanner's verdict where jansson alone differs (a NUL byte, nesting,
 * big integers). Also the member spans, number and string decoding, and
 * the time and writer helpers the scanner's users rely on.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "base/k_time.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_json.h"
#include "text/k_jsonw.h"
#include "ktest.h"

static struct k_jscan S;

static int
scan_ok(const char *line)
{
	struct k_error e;
	return k_jscan_line(&S, line, strlen(line), &e) == K_OK;
}

/* jansson alone, as k_json_parse calls it: an object, no duplicates. */
static int
jansson_ok(const char *line, size_t n, int *bigint)
{
	json_error_t je;
	json_t *v = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
	int ok = v != NULL && json_is_object(v);

	*bigint = v == NULL && strstr(je.text, "too big") != NULL;
	json_decref(v);
	return ok;
}

/* Where jansson alone and the scanner part, k_json_parse sides with the
 * scanner, so that no program accepts a line another refuses. */
static void
test_parse_rules(void)
{
	char deep[1300];
	struct k_error e;
	size_t n = 0;
	int big;

	n += (size_t)snprintf(deep, sizeof deep, "{\"a\":");
	for (int i = 0; i < 600; i++)
		deep[n++] = '[';
	for (int i = 0; i < 600; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	KT_CHECK(jansson_ok(deep, n, &big));      /* jansson allows 2048 */
	KT_CHECK(k_json_parse(&S, deep, n, &e) == NULL);
	KT_CHECK(strstr(e.text, "nesting too deep") != NULL);
	static const char nul[] = "{\"a\":1\0}";
	KT_CHECK(jansson_ok(nul, sizeof nul - 1, &big));
	KT_CHECK(k_json_parse(&S, nul, sizeof nul - 1, &e) == NULL);
	const char *bigs = "{\"a\":123456789012345678901234567890,\"b\":7}";
	KT_CHECK(!jansson_ok(bigs, strlen(bigs), &big) && big);
	json_t *v = k_json_parse(&S, bigs, strlen(bigs), &e);
	KT_CHECK(v != NULL);
	KT_NEAR(json_number_value(json_object_get(v, "a")), 1.2345678901234568e29,
	        1e14);
	KT_NEAR(json_number_value(json_object_get(v, "b")), 7, 0);
	json_decref(v);
	/* And a line both refuse keeps the scanner's message. */
	KT_CHECK(k_json_parse(&S, "[1,2]", 5, &e) == NULL);
	KT_CHECK(strstr(e.text, "a record must be a JSON object") != NULL);
}

static void
test_table(void)
{
	static const struct { const char *line; int ok; } cases[] = {
		{ "{}", 1 },
		{ " {\"a\":1} ", 1 },
		{ "{\"a\":1,\"a\":2}", 0 },
		{ "{\"a\":{\"b\":1,\"b\":2}}", 0 },
		{ "{\"a\":{\"b\":1},\"c\":{\"b\":2}}", 1 },
		{ "{\"a\":1,\"\\u0061\":2}", 0 },
		{ "{\"a\":1} x", 0 },
		{ "{\"a\":1}{}", 0 },
		{ "[1,2]", 0 },
		{ "\"x\"", 0 },
		{ "", 0 },
		{ "{\"a\":01}", 0 },
		{ "{\"a\":-0.5e-3}", 1 },
		{ "{\"a\":1.}", 0 },
		{ "{\"a\":.5}", 0 },
		{ "{\"a\":1e999}", 0 },
		{ "{\"a\":-1e999}", 0 },
		{ "{\"a\":1e-999}", 1 },
		{ "{\"a\":NaN}", 0 },
		{ "{\"a\":Infinity}", 0 },
		{ "{\"a\":tru}", 0 },
		{ "{\"a\":[1,2,]}", 0 },
		{ "{\"a\":[1 2]}", 0 },
		{ "{\"a\":\"\\u00e9\\ud83d\\ude00\"}", 1 },
		{ "{\"a\":\"\\ud83d\"}", 0 },
		{ "{\"a\":\"\\ude00\"}", 0 },
		{ "{\"a\":\"\\u0000\"}", 0 },
		{ "{\"a\":\"\\x\"}", 0 },
		{ "{\"a\":\"tab\there\"}", 0 },
		{ "{\"a\":\"\xc3\xa9\"}", 1 },
		{ "{\"a\":\"\xc3\"}", 0 },
		{ "{\"a\":\"\xed\xa0\x80\"}", 0 },
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0 },
		{ "{\"a\":\"\xe0\x80\xaf\"}", 0 },
		{ "{\"a\" 1}", 0 },
		{ "{a:1}", 0 },
		{ "{\"a\":1,}", 0 },
		{ "{\"features\":{\"x\":1,\"y\":null},\"ts\":\"t\"}", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int big;
		int s = scan_ok(cases[i].line);
		int j = jansson_ok(cases[i].line, strlen(cases[i].line), &big);
		if (s != cases[i].ok)
			KT_FAIL("scan of case %zu <%s>: got %d", i, cases[i].line, s);
		if (j != cases[i].ok)
			KT_FAIL("jansson on case %zu <%s>: got %d", i,
			        cases[i].line, j);
		ktest_checks += 2;
	}
}

static void
test_members(void)
{
	const char *line = "{\"kind\":\"features\",\"ts\":\"2025-03-15T14:20:00Z\","
	                   "\"features\":{\"b\":2.385,\"a\":null,\"s\":\"x\","
	                   "\"e\\u0078\":-1e2},\"n\":[1,{\"features\":1}]}";
	struct k_error e;

	KT_EQ_INT(k_jscan_line(&S, line, strlen(line), &e), K_OK);
	KT_EQ_INT(S.ntop, 4);
	KT_EQ_INT(S.nsub, 4);
	KT_CHECK(S.subm != NULL && S.subm->type == K_JOBJ);
	KT_CHECK(k_jkey_eq(&S.sub[3], "ex", 2));
	KT_NEAR(k_jnum(&S.sub[0]), 2.385, 0);
	KT_NEAR(k_jnum(&S.sub[3]), -100, 0);
	char buf[64];
	KT_EQ_INT(k_jstr(&S.top[1], buf, sizeof buf), 20);
	KT_EQ_STR(buf, "2025-03-15T14:20:00Z");

	/* Feature extraction by name, order-independent, with errors. */
	const char *names[] = { "ex", "b", "a" };
	struct k_featmap fm;
	double x[3];
	KT_EQ_INT(k_featmap_init(&fm, names, 3), K_OK);
	KT_EQ_INT(k_featmap_get(&fm, &S, x, &e), K_OK);
	KT_NEAR(x[0], -100, 0);
	KT_NEAR(x[1], 2.385, 0);
	KT_CHECK(isnan(x[2]));
	const char *names2[] = { "s" };
	struct k_featmap fm2;
	KT_EQ_INT(k_featmap_init(&fm2, names2, 1), K_OK);
	KT_EQ_INT(k_featmap_get(&fm2, &S, x, &e), K_EDATA);
	KT_EQ_STR(e.text, "feature 's': expected number, got string \"x\"");
	const char *missing = "{\"features\":{\"b\":1,\"a\":2}}";
	KT_EQ_INT(k_jscan_line(&S, missing, strlen(missing), &e), K_OK);
	KT_EQ_INT(k_featmap_get(&fm, &S, x, &e), K_EDATA);
	KT_EQ_STR(e.text, "feature 'ex': missing");
	const char *nofeat = "{\"features\":[1]}";
	KT_EQ_INT(k_jscan_line(&S, nofeat, strlen(nofeat), &e), K_OK);
	KT_EQ_INT(k_featmap_get(&fm, &S, x, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'features': expected object, got array");
	k_featmap_release(&fm);
	k_featmap_release(&fm2);

	/* Errors name the column. */
	KT_EQ_INT(k_jscan_line(&S, "{\"a\":1,\"a\":2}", 13, &e), K_EDATA);
	KT_EQ_STR(e.text, "duplicate key 'a' at column 8");
}

/* Random mutations of real records: scanner and jansson must agree. */
static void
test_differential(void)
{
	static const char *seeds[] = {
		"{\"kind\":\"features\",\"entity\":\"hlp\",\"ts\":\"2025-03-15T14:20:00Z\","
		"\"features\":{\"return_1h\":-0.0123,\"volatility_24h\":2.385e-3,"
		"\"is_weekend\":0,\"x\":null},\"label\":true,\"tags\":[\"a\",{\"b\":[]}]}",
		"{\"a\":\"\\u00e9\\n\",\"b\":[1,-2.5,true,false,null],\"c\":{}}",
	};
	static const char alphabet[] = "{}[]\":,.-+eE0123456789tfnaul \\u\xc3\xa9";
	struct k_rng r;
	char line[512];
	long agree = 0;

	k_rng_seed(&r, 2385, 0);
	for (int it = 0; it < 40000; it++) {
		const char *s = seeds[it % 2];
		size_t n = strlen(s);
		memcpy(line, s, n);
		int muts = 1 + (int)k_rng_below(&r, 3);
		for (int m = 0; m < muts; m++) {
			size_t at = (size_t)k_rng_below(&r, n);
			int op = (int)k_rng_below(&r, 3);
			char c = alphabet[k_rng_below(&r, sizeof alphabet - 1)];
			if (op == 0) {
				line[at] = c;
			} else if (op == 1 && n + 1 < sizeof line) {
				memmove(line + at + 1, line + at, n - at);
				line[at] = c;
				n++;
			} else if (n > 1) {
				memmove(line + at, line + at + 1, n - at - 1);
				n--;
			}
		}
		line[n] = '\0';
		struct k_error e;
		int big;
		int a = k_jscan_line(&S, line, n, &e) == K_OK;
		int b = jansson_ok(line, n, &big);
		if (big)
			continue; /* jansson refuses integers past 2^63; we read doubles */
		if (a != b) {
			KT_FAIL("disagree (scan %d, jansson %d) on <%s>", a, b, line);
			break;
		}
		agree++;
	}
	ktest_checks++;
	KT_CHECK(agree > 39000);
}

static void
test_big_objects(void)
{
	/* More keys than the table starts with: it grows and rescans. */
	struct k_buf b;
	struct k_error e;
	k_buf_init(&b);
	k_buf_adds(&b, "{\"features\":{");
	for (int i = 0; i < 3000; i++)
		k_buf_printf(&b, "%s\"f%d\":%d", i ? "," : "", i, i);
	k_buf_adds(&b, "}}");
	KT_EQ_INT(k_jscan_line(&S, b.data, b.len, &e), K_OK);
	KT_EQ_INT(S.nsub, 3000);
	b.len -= 2;
	size_t col = b.len + 2; /* 1-based, after the comma */
	k_buf_adds(&b, ",\"f1234\":0}}");
	KT_EQ_INT(k_jscan_line(&S, b.data, b.len, &e), K_EDATA);
	char want[64];
	snprintf(want, sizeof want, "duplicate key 'f1234' at column %zu", col);
	KT_EQ_STR(e.text, want);
	k_buf_release(&b);
	/* Nesting bound. */
	char deep[2000];
	size_t n = 0;
	deep[n++] = '{';
	deep[n++] = '"';
	deep[n++] = 'a';
	deep[n++] = '"';
	deep[n++] = ':';
	for (int i = 0; i < 600; i++)
		deep[n++] = '[';
	for (int i = 0; i < 600; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	KT_EQ_INT(k_jscan_line(&S, deep, n, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "nesting") != NULL);
}

static void
test_time_and_writer(void)
{
	int64_t ms;
	char buf[40];

	KT_EQ_INT(k_time_parse("2025-03-15T14:20:00Z", 20, &ms), 0);
	KT_EQ_INT(ms, INT64_C(1742048400000));
	KT_EQ_STR(k_time_format(ms, buf, sizeof buf), "2025-03-15T14:20:00Z");
	KT_EQ_INT(k_time_parse("2025-03-15T15:20:00.250+01:00", 29, &ms), 0);
	KT_EQ_STR(k_time_format(ms, buf, sizeof buf), "2025-03-15T14:20:00.250Z");
	KT_EQ_INT(k_time_parse("2024-02-29T00:00:00Z", 20, &ms), 0);
	KT_EQ_INT(k_time_parse("2025-02-29T00:00:00Z", 20, &ms), -1);
	KT_EQ_INT(k_time_parse("2025-03-15 14:20:00", 19, &ms), -1);
	KT_EQ_INT(k_time_parse("2025-03-15T24:00:00Z", 20, &ms), -1);
	KT_EQ_STR(k_time_format(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");

	char t[32];
	k_fmt_double(0.1, t);
	KT_EQ_STR(t, "0.1");
	k_fmt_double(2.385, t);
	KT_EQ_STR(t, "2.385");
	k_fmt_double(1.0 / 3, t);
	KT_CHECK(strtod(t, NULL) == 1.0 / 3);
	k_fmt_double(1e300, t);
	KT_EQ_STR(t, "1e+300");
	k_fmt_double(NAN, t);
	KT_EQ_STR(t, "null");
	k_fmt_double(-42, t);
	KT_EQ_STR(t, "-42");

	struct k_buf b;
	struct k_jsonw w;
	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "a");
	k_jsonw_num(&w, 87.5);
	k_jsonw_key(&w, "s");
	k_jsonw_str(&w, "q\"\n\x01");
	k_jsonw_key(&w, "l");
	k_jsonw_arr(&w);
	k_jsonw_bool(&w, 1);
	k_jsonw_null(&w);
	k_jsonw_obj(&w);
	k_jsonw_obj_end(&w);
	k_jsonw_arr_end(&w);
	k_jsonw_obj_end(&w);
	KT_EQ_STR(k_buf_cstr(&b),
	          "{\"a\":87.5,\"s\":\"q\\\"\\n\\u0001\",\"l\":[true,null,{}]}");

	/* k_jsonw_fixed writes what k_jsonw_num(k_round()) writes, faster. */
	struct k_rng r;
	struct k_buf b1, b2;
	struct k_jsonw w1, w2;
	long diff = 0;
	k_rng_seed(&r, 2385, 1);
	k_buf_init(&b1);
	k_buf_init(&b2);
	for (int i = 0; i < 200000; i++) {
		double v = k_rng_normal(&r) * pow(10, (double)k_rng_below(&r, 8) - 2);
		int places = (int)k_rng_below(&r, 7);
		if (i % 50 == 0)
			v = (double)((int)k_rng_below(&r, 200) - 100) / 4;
		k_buf_reset(&b1);
		k_buf_reset(&b2);
		k_jsonw_init(&w1, &b1);
		k_jsonw_init(&w2, &b2);
		k_jsonw_fixed(&w1, v, places);
		k_jsonw_num(&w2, k_round(v, places));
		if (strcmp(k_buf_cstr(&b1), k_buf_cstr(&b2)) != 0 && diff++ < 5)
			KT_FAIL("k_jsonw_fixed(%.17g, %d) = %s, k_jsonw_num = %s", v,
			        places, b1.data, b2.data);
	}
	KT_EQ_INT(diff, 0);
	k_buf_release(&b1);
	k_buf_release(&b2);
	k_buf_release(&b);
}

int
main(void)
{
	k_jscan_init(&S, "features");
	test_table();
	test_members();
	test_differential();
	test_big_objects();
	test_parse_rules();
	test_time_and_writer();
	k_jscan_release(&S);
	KT_DONE();
}

/*
 * test_sample.c - k_sampler, the reservoirs ktrain samples its input with:
 * a reservoir no larger than its stream keeps the whole stream in order;
 * a smaller one keeps exactly k distinct lines, copied (text, length, line
 * number, source) and shared between reservoirs by reference count, in
 * memory bounded by the reservoirs and not by the stream; one seed gives
 * one sample, pinned exactly against a model written apart from the code,
 * and another seed another; over many reservoirs every line and every
 * stretch of the stream is kept about equally often.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numeric/k_sample.h"
#include "ktest.h"

/* Offer lines "line <i>" for i in [0, n), lineno i + 1, source i % 3. */
static void
offer_n(struct k_sampler *s, long n)
{
	char buf[32];

	for (long i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof buf, "line %ld", i);
		KT_EQ_INT(k_sampler_offer(s, buf, (size_t)len, i + 1,
		                          (int)(i % 3)), K_OK);
	}
}

/* The stream index (lineno - 1) of slot j of reservoir r. */
static long
kept(const struct k_sampler *s, size_t r, size_t j)
{
	return s->lines[s->res[r].slot[j]].lineno - 1;
}

/* What every sampler must hold after any stream: each kept line is an
 * intact copy of what was offered, none twice in a reservoir, its count
 * of references is the number of reservoirs holding it, freed slots hold
 * nothing, and the copies never number more than the reservoirs hold
 * plus the one being taken in. */
static void
check_invariants(const struct k_sampler *s)
{
	size_t total = 0;
	int *refs = calloc(s->nlines + 1, sizeof *refs);

	for (size_t r = 0; r < s->nres; r++) {
		const struct k_reservoir *res = &s->res[r];
		total += res->k;
		KT_CHECK(res->filled <= res->k);
		for (size_t j = 0; j < res->filled; j++) {
			uint32_t id = res->slot[j];
			KT_CHECK(id < s->nlines);
			if (id >= s->nlines)
				continue;
			refs[id]++;
			const struct k_sline *l = &s->lines[id];
			char want[32];
			snprintf(want, sizeof want, "line %ld", l->lineno - 1);
			KT_EQ_STR(l->text, want);
			KT_EQ_INT(l->len, strlen(want));
			KT_EQ_INT(l->source, (l->lineno - 1) % 3);
			for (size_t m = 0; m < j; m++)
				KT_CHECK(res->slot[m] != id);
		}
	}
	for (size_t id = 0; id < s->nlines; id++) {
		KT_EQ_INT(s->lines[id].refs, refs[id]);
		if (refs[id] == 0)
			KT_CHECK(s->lines[id].text == NULL);
	}
	KT_CHECK(s->nlines <= total + 1);
	free(refs);
}

/* k >= n: the reservoir is the stream, in order, and each line is copied
 * once however many reservoirs take it (by hand: every line is taken
 * while the reservoirs fill, so no random draw decides anything). */
static void
test_small_stream(void)
{
	struct k_sampler s;
	size_t k[3] = { 5, 8, 5 };   /* k = n, k > n, k = n again */

	KT_EQ_INT(k_sampler_init(&s, 3, k, 1), K_OK);
	KT_EQ_INT(s.nres, 3);
	KT_EQ_INT(s.seen, 0);
	offer_n(&s, 5);
	KT_EQ_INT(s.seen, 5);
	KT_EQ_INT(s.nlines, 5);
	for (size_t r = 0; r < 3; r++) {
		KT_EQ_INT(s.res[r].k, k[r]);
		KT_EQ_INT(s.res[r].filled, 5);
		for (size_t j = 0; j < 5; j++)
			KT_EQ_INT(kept(&s, r, j), (long)j);
	}
	for (size_t id = 0; id < 5; id++)
		KT_EQ_INT(s.lines[id].refs, 3);
	KT_EQ_STR(s.lines[s.res[0].slot[3]].text, "line 3");
	KT_EQ_INT(s.lines[s.res[0].slot[3]].source, 0);
	KT_EQ_INT(s.lines[s.res[0].slot[4]].source, 1);
	check_invariants(&s);
	k_sampler_release(&s);
	k_sampler_release(&s);   /* twice is harmless: release clears it */

	/* An empty stream leaves the reservoirs empty. */
	KT_EQ_INT(k_sampler_init(&s, 1, k, 1), K_OK);
	KT_EQ_INT(s.res[0].filled, 0);
	KT_EQ_INT(s.nlines, 0);
	k_sampler_release(&s);
}

/* The line is copied, not pointed to: the caller's buffer is reused. The
 * copy is NUL-terminated at len even when the caller's text goes on, and
 * keeps embedded NULs and an empty line as given. */
static void
test_copies(void)
{
	struct k_sampler s;
	size_t k = 3;
	char buf[16];

	KT_EQ_INT(k_sampler_init(&s, 1, &k, 9), K_OK);
	memcpy(buf, "abcdef", 7);
	KT_EQ_INT(k_sampler_offer(&s, buf, 3, 10, 4), K_OK);
	memcpy(buf, "xy\0z", 5);
	KT_EQ_INT(k_sampler_offer(&s, buf, 4, 11, 5), K_OK);
	KT_EQ_INT(k_sampler_offer(&s, "", 0, 12, 6), K_OK);
	memset(buf, '!', sizeof buf);
	const struct k_sline *a = &s.lines[s.res[0].slot[0]];
	const struct k_sline *b = &s.lines[s.res[0].slot[1]];
	const struct k_sline *c = &s.lines[s.res[0].slot[2]];
	KT_EQ_STR(a->text, "abc");
	KT_EQ_INT(a->len, 3);
	KT_EQ_INT(a->lineno, 10);
	KT_EQ_INT(a->source, 4);
	KT_EQ_INT(b->len, 4);
	KT_CHECK(memcmp(b->text, "xy\0z", 5) == 0);
	KT_EQ_INT(b->lineno, 11);
	KT_EQ_INT(b->source, 5);
	KT_EQ_STR(c->text, "");
	KT_EQ_INT(c->len, 0);
	KT_EQ_INT(c->lineno, 12);
	k_sampler_release(&s);
}

/* n > k: exactly k distinct lines, and the copies stay bounded by the
 * reservoirs (here 4 + 7 + 1 = 12 lines) over a stream of 20000. */
static void
test_large_stream(void)
{
	struct k_sampler s;
	size_t k[3] = { 4, 7, 1 };

	KT_EQ_INT(k_sampler_init(&s, 3, k, 77), K_OK);
	offer_n(&s, 20000);
	KT_EQ_INT(s.seen, 20000);
	for (size_t r = 0; r < 3; r++)
		KT_EQ_INT(s.res[r].filled, k[r]);
	check_invariants(&s);
	KT_CHECK(s.nlines <= 4 + 7 + 1 + 1);
	/* A stream of that length does not end with the first lines kept. */
	int all_first = 1;
	for (size_t j = 0; j < 7; j++)
		all_first &= kept(&s, 1, j) == (long)j;
	KT_CHECK(!all_first);
	k_sampler_release(&s);
}

/* One reservoir, seed 42, k = 4, lines 0..39; and two reservoirs sharing
 * the generator, seed 7, k = {3, 5}, lines 0..59. Expected values from an
 * independent Python model (xoshiro256** seeded by splitmix64 with stream
 * 0x5a3b1e, Li's Algorithm L with the draws in k_sample.c's order:
 * fill, w = U^(1/k), then per replacement floor(log U / log1p(-w)) lines
 * skipped, a uniform slot by Lemire's method, w *= U^(1/k)), run with
 * /usr/bin/python3. They pin the sample ktrain trains on for a seed. */
static void
expect_one(uint64_t seed, size_t k, long n, const long *want)
{
	struct k_sampler s;

	KT_EQ_INT(k_sampler_init(&s, 1, &k, seed), K_OK);
	offer_n(&s, n);
	for (size_t j = 0; j < k; j++)
		KT_EQ_INT(kept(&s, 0, j), want[j]);
	k_sampler_release(&s);
}

static void
test_exact(void)
{
	static const long want42[4] = { 5, 28, 38, 33 };
	static const long want43[4] = { 35, 15, 4, 25 };
	static const long want7a[3] = { 38, 52, 57 };
	static const long want7b[5] = { 15, 34, 32, 43, 21 };
	static const long want_big[10] = { 44928, 6017, 7401, 17796, 95390,
	                                   28698, 87232, 69375, 62978, 83819 };
	struct k_sampler s;
	size_t k2[2] = { 3, 5 };

	expect_one(42, 4, 40, want42);
	expect_one(43, 4, 40, want43);
	/* Long skips: seed 2385, k = 10, 100000 lines. */
	expect_one(2385, 10, 100000, want_big);

	KT_EQ_INT(k_sampler_init(&s, 2, k2, 7), K_OK);
	offer_n(&s, 60);
	for (size_t j = 0; j < 3; j++)
		KT_EQ_INT(kept(&s, 0, j), want7a[j]);
	for (size_t j = 0; j < 5; j++)
		KT_EQ_INT(kept(&s, 1, j), want7b[j]);
	check_invariants(&s);
	k_sampler_release(&s);
}

/* The same seed and stream give the same sample, slot for slot; another
 * seed another sample (for 10 of 1000 lines, two equal samples would be
 * a coincidence of about 1 in 2.6e23). */
static void
test_seed(void)
{
	struct k_sampler a, b, c;
	size_t k = 10;

	KT_EQ_INT(k_sampler_init(&a, 1, &k, 2024), K_OK);
	KT_EQ_INT(k_sampler_init(&b, 1, &k, 2024), K_OK);
	KT_EQ_INT(k_sampler_init(&c, 1, &k, 2025), K_OK);
	offer_n(&a, 1000);
	offer_n(&b, 1000);
	offer_n(&c, 1000);
	int same_c = 1;
	for (size_t j = 0; j < k; j++) {
		KT_EQ_INT(kept(&a, 0, j), kept(&b, 0, j));
		int in_c = 0;
		for (size_t m = 0; m < k; m++)
			in_c |= kept(&a, 0, j) == kept(&c, 0, m);
		same_c &= in_c;
	}
	KT_CHECK(!same_c);
	k_sampler_release(&a);
	k_sampler_release(&b);
	k_sampler_release(&c);
}

/* Uniformity, with many reservoirs over one stream as many independent
 * samples (fixed seeds, so the statistics below are the same every run).
 *
 * 1000 reservoirs of k = 10 over 100 lines: each line kept 100 times in
 * expectation; X2 = sum (count - 100)^2 / 100 over the 100 lines has mean
 * about 99 * 0.9 = 89 (a count's variance is 1000 * 0.1 * 0.9 = 90) and
 * standard deviation about 13. Accepted: 30 < X2 < 200, more than 4
 * standard deviations either way.
 *
 * 2000 reservoirs of k = 5 over 1000 lines, which is mostly Algorithm L's
 * skipping: the kept lines in 20 stretches of 50 lines, 500 per stretch in
 * expectation, variance about 2000 * 5 * 0.05 * 0.95 = 475; X2 over the
 * stretches has mean about 19 and standard deviation about 6. Accepted:
 * X2 < 70. */
static void
test_uniform(void)
{
	struct k_sampler s;
	static size_t k[2000];
	long count[1000] = { 0 };
	double x2 = 0;

	for (size_t i = 0; i < 1000; i++)
		k[i] = 10;
	KT_EQ_INT(k_sampler_init(&s, 1000, k, 31337), K_OK);
	offer_n(&s, 100);
	for (size_t r = 0; r < 1000; r++) {
		KT_EQ_INT(s.res[r].filled, 10);
		for (size_t j = 0; j < 10; j++)
			count[kept(&s, r, j)]++;
	}
	check_invariants(&s);
	k_sampler_release(&s);
	for (size_t i = 0; i < 100; i++)
		x2 += (count[i] - 100.0) * (count[i] - 100.0) / 100.0;
	if (!(x2 > 30 && x2 < 200))
		KT_FAIL("inclusion X2 over 100 lines = %g, outside (30, 200)", x2);
	ktest_checks++;

	for (size_t i = 0; i < 2000; i++)
		k[i] = 5;
	memset(count, 0, sizeof count);
	KT_EQ_INT(k_sampler_init(&s, 2000, k, 4242), K_OK);
	offer_n(&s, 1000);
	for (size_t r = 0; r < 2000; r++)
		for (size_t j = 0; j < s.res[r].filled; j++)
			count[kept(&s, r, j)]++;
	check_invariants(&s);
	k_sampler_release(&s);
	double bin[20] = { 0 };
	for (size_t i = 0; i < 1000; i++)
		bin[i / 50] += (double)count[i];
	x2 = 0;
	for (size_t b = 0; b < 20; b++)
		x2 += (bin[b] - 500) * (bin[b] - 500) / 500;
	if (!(x2 < 70))
		KT_FAIL("stretch X2 over 20 stretches = %g, not below 70", x2);
	ktest_checks++;
}

/* DOCUMENTED BEHAVIOUR THE CODE DOES NOT HAVE (reported to the lead, not
 * fixed here): k_sample.h says reservoir i holds "up to k[i] lines", so a
 * reservoir of k = 0 holds none; k_sampler_init makes it a reservoir of 1
 * (r->k = k[i] ? k[i] : 1), which then keeps one line. ktrain never asks
 * for 0 (--sample is at least 10). Either the header or the code is to
 * change; until then this check fails. */
static void
test_k_zero(void)
{
	struct k_sampler s;
	size_t k[2] = { 0, 2 };

	KT_EQ_INT(k_sampler_init(&s, 2, k, 5), K_OK);
	offer_n(&s, 10);
	KT_EQ_INT(s.res[0].filled, 0);   /* fails: 1 */
	KT_EQ_INT(s.res[1].filled, 2);
	k_sampler_release(&s);
}

int
main(void)
{
	test_small_stream();
	test_copies();
	test_large_stream();
	test_exact();
	test_seed();
	test_uniform();
	test_k_zero();
	KT_DONE();
}

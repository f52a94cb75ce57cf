/*
 * test_iforest.c - the Isolation Forest against its definition and
 * scikit-learn: c(n) equals sklearn's _average_path_length, the same seed
 * grows the same bytes, a planted outlier ranks first, the attribution
 * names the perturbed feature, missing values score between branches, and
 * the payload codec refuses every inconsistency it can meet.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "numeric/k_iforest.h"
#include "ktest.h"

#define N 300
#define D 6

static double X[N * D];

static struct k_iforest *
train(uint64_t seed, size_t ntrees, size_t psi)
{
	struct k_iforest *f = k_iforest_alloc(D, ntrees, psi);
	struct k_iforest_ws ws;
	struct k_rng pick;
	uint32_t rows[N];

	k_iforest_ws_init(&ws);
	for (size_t t = 0; t < ntrees; t++) {
		struct k_rng r;
		/* Each tree's own sample, without replacement. */
		uint32_t all[N];
		for (uint32_t i = 0; i < N; i++)
			all[i] = i;
		k_rng_seed(&pick, seed, 1000 + t);
		for (size_t i = 0; i < psi; i++) {
			size_t j = i + (size_t)k_rng_below(&pick, N - i);
			uint32_t tmp = all[i];
			all[i] = all[j];
			all[j] = tmp;
			rows[i] = all[i];
		}
		k_rng_seed(&r, seed, t);
		KT_EQ_INT(k_iforest_grow(f, t, X, rows, psi, &r, &ws, NULL), K_OK);
	}
	k_iforest_ws_release(&ws);
	return f;
}

static void
test_c(void)
{
	/* Values printed by sklearn.ensemble._iforest._average_path_length. */
	KT_NEAR(k_iforest_c(0), 0.0, 0);
	KT_NEAR(k_iforest_c(1), 0.0, 0);
	KT_NEAR(k_iforest_c(2), 1.0, 0);
	KT_NEAR(k_iforest_c(3), 1.207392357589623, 1e-14);
	KT_NEAR(k_iforest_c(5), 2.327020052042847, 1e-14);
	KT_NEAR(k_iforest_c(10), 3.748880484475504, 1e-14);
	KT_NEAR(k_iforest_c(100), 8.364671030072245, 1e-13);
	KT_NEAR(k_iforest_c(256), 10.244770920119917, 1e-13);
	KT_NEAR(k_iforest_c(1000), 12.969940887100172, 1e-13);
	KT_NEAR(k_iforest_c(100000), 22.180282259643523, 1e-12);
}

static void
make_data(void)
{
	struct k_rng r;

	/* A uniform background has no natural outliers, so "first" is a
	 * property of the algorithm, not of the draw. */
	k_rng_seed(&r, 7, 0);
	for (size_t i = 0; i < N * D; i++)
		X[i] = 10 + 2.385 * k_rng_uniform(&r);
	/* Row 17: one feature (3) far out, the others typical. */
	X[17 * D + 3] = 10 + 3 * 2.385;
}

static void
test_outlier_and_attribution(void)
{
	struct k_iforest *f = train(42, 100, 256);
	double best = -1, s17;
	size_t arg = 0;

	KT_CHECK(f != NULL);
	KT_EQ_INT(f->max_depth, 8);
	for (size_t i = 0; i < N; i++) {
		double s = k_iforest_score(f, &X[i * D]);
		KT_CHECK(s > 0 && s <= 1);
		if (s > best) {
			best = s;
			arg = i;
		}
	}
	KT_EQ_INT(arg, 17);
	s17 = k_iforest_score(f, &X[17 * D]);
	KT_CHECK(s17 > 0.6);

	double gain[D], h = k_iforest_explain(f, &X[17 * D], gain), sum = 0;
	size_t top = 0;
	for (size_t j = 0; j < D; j++) {
		sum += gain[j];
		if (gain[j] > gain[top])
			top = j;
	}
	KT_EQ_INT(top, 3);
	/* The gains decompose the path: sum = c(psi) - E[h]. */
	KT_NEAR(sum, f->c_psi - h, 1e-9);
	KT_NEAR(h, k_iforest_path(f, &X[17 * D]), 1e-12);

	/* A missing value scores between the branches: finite, in range,
	 * and the gains still add up. */
	double x[D];
	memcpy(x, &X[17 * D], sizeof x);
	x[0] = NAN;
	double sn = k_iforest_score(f, x);
	KT_CHECK(sn > 0 && sn <= 1);
	h = k_iforest_explain(f, x, gain);
	sum = 0;
	for (size_t j = 0; j < D; j++)
		sum += gain[j];
	KT_NEAR(sum, f->c_psi - h, 1e-9);
	/* All missing: every tree averages over its leaves. */
	for (size_t j = 0; j < D; j++)
		x[j] = NAN;
	sn = k_iforest_score(f, x);
	KT_CHECK(sn > 0.3 && sn < 0.7);
	k_iforest_free(f);
}

static void
test_determinism_and_codec(void)
{
	struct k_iforest *a = train(42, 50, 128), *b = train(42, 50, 128);
	struct k_iforest *c = train(43, 50, 128), *back = NULL;
	struct k_buf ba, bb, bc, bd;

	k_buf_init(&ba);
	k_buf_init(&bb);
	k_buf_init(&bc);
	k_buf_init(&bd);
	a->threshold = b->threshold = c->threshold = 0.6125;
	k_iforest_encode(a, &ba);
	k_iforest_encode(b, &bb);
	k_iforest_encode(c, &bc);
	KT_EQ_INT(ba.len, bb.len);
	KT_CHECK(memcmp(ba.data, bb.data, ba.len) == 0);
	KT_CHECK(ba.len != bc.len || memcmp(ba.data, bc.data, ba.len) != 0);

	KT_EQ_INT(k_iforest_decode(ba.data, ba.len, &back, NULL), K_OK);
	KT_CHECK(back != NULL);
	if (back != NULL) {
		k_iforest_encode(back, &bd);
		KT_EQ_INT(bd.len, ba.len);
		KT_CHECK(memcmp(bd.data, ba.data, ba.len) == 0);
		KT_NEAR(back->threshold, 0.6125, 0);
		for (size_t i = 0; i < N; i += 37)
			KT_NEAR(k_iforest_score(back, &X[i * D]),
			        k_iforest_score(a, &X[i * D]), 0);
		k_iforest_free(back);
	}

	/* Every truncation is refused, never read past the end. */
	struct k_error e;
	for (size_t cut = 0; cut < ba.len; cut += (cut < 64 ? 1 : 97)) {
		back = NULL;
		KT_EQ_INT(k_iforest_decode(ba.data, cut, &back, &e), K_EDATA);
		KT_CHECK(back == NULL);
	}
	/* Trailing bytes. */
	k_buf_addc(&ba, 0);
	KT_EQ_INT(k_iforest_decode(ba.data, ba.len, &back, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "trailing") != NULL);
	ba.len--;
	/* A split on a feature beyond d: first node of tree 0 at offset 24. */
	unsigned char *p = (unsigned char *)ba.data;
	uint16_t saved = k_buf_rd16(p + 24);
	k_buf_le16(p + 24, D + 1);
	KT_EQ_INT(k_iforest_decode(ba.data, ba.len, &back, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "feature") != NULL);
	k_buf_le16(p + 24, saved);
	/* An impossible node count. */
	k_buf_le32(p + 20, 0xffffffu);
	KT_EQ_INT(k_iforest_decode(ba.data, ba.len, &back, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "node count") != NULL);

	k_buf_release(&ba);
	k_buf_release(&bb);
	k_buf_release(&bc);
	k_buf_release(&bd);
	k_iforest_free(a);
	k_iforest_free(b);
	k_iforest_free(c);
}

static void
test_batch(void)
{
	/* The lockstep batch path gives exactly the single-row scores, with
	 * rows holding missing values mixed in, and through a row index. */
	struct k_iforest *f = train(42, 100, 256);
	static double Y[N * D], one[N], many[N], picked[N];
	uint32_t rows[N];

	memcpy(Y, X, sizeof Y);
	for (size_t i = 0; i < N; i += 11)
		Y[i * D + i % D] = NAN;
	for (size_t i = 0; i < N; i++) {
		one[i] = k_iforest_score(f, &Y[i * D]);
		rows[i] = (uint32_t)(N - 1 - i);
	}
	k_iforest_score_batch(f, Y, NULL, N, many);
	k_iforest_score_batch(f, Y, rows, N, picked);
	for (size_t i = 0; i < N; i++) {
		KT_NEAR(many[i], one[i], 0);
		KT_NEAR(picked[i], one[N - 1 - i], 0);
	}
	k_iforest_score_batch(f, Y, NULL, 3, many);
	KT_NEAR(many[2], one[2], 0);
	k_iforest_free(f);
}

static void
test_params(void)
{
	struct k_iforest_params p = k_iforest_params_default();

	KT_EQ_INT(p.trees, 100);
	KT_EQ_INT(p.max_samples, 256);
	KT_NEAR(p.contamination, 0.05, 0);
	KT_EQ_INT(p.seed, 42);
	KT_CHECK(k_iforest_params_check(&p) == NULL);
	p.contamination = 0.7;
	KT_CHECK(k_iforest_params_check(&p) != NULL);
	p.contamination = 0.05;
	p.trees = 0;
	KT_CHECK(k_iforest_params_check(&p) != NULL);
	p.trees = 100;
	p.max_samples = 1;
	KT_CHECK(k_iforest_params_check(&p) != NULL);
	KT_CHECK(k_iforest_alloc(0, 10, 10) == NULL);
	KT_CHECK(k_iforest_alloc(3, 0, 10) == NULL);
}

static void
test_constant_data(void)
{
	/* All rows equal: every tree is one leaf, every score is the same. */
	double Z[20 * 2];
	uint32_t rows[20];
	struct k_iforest *f = k_iforest_alloc(2, 3, 20);
	struct k_iforest_ws ws;
	struct k_rng r;

	for (size_t i = 0; i < 40; i++)
		Z[i] = 2.385;
	for (uint32_t i = 0; i < 20; i++)
		rows[i] = i;
	k_iforest_ws_init(&ws);
	k_rng_seed(&r, 1, 0);
	for (size_t t = 0; t < 3; t++)
		KT_EQ_INT(k_iforest_grow(f, t, Z, rows, 20, &r, &ws, NULL), K_OK);
	KT_EQ_INT(f->trees[0].n, 1);
	/* Path = c(20) exactly, so s = 2^-1. */
	KT_NEAR(k_iforest_score(f, Z), 0.5, 1e-15);
	KT_EQ_INT(k_iforest_grow(f, 0, Z, rows, 19, &r, &ws, NULL), K_EINTERNAL);
	k_iforest_ws_release(&ws);
	k_iforest_free(f);
}

int
main(void)
{
	make_data();
	test_c();
	test_params();
	test_outlier_and_attribution();
	test_determinism_and_codec();
	test_batch();
	test_constant_data();
	KT_DONE();
}

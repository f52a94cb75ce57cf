/*
 * test_anomaly.c - the anomaly model kind without the command line: its
 * parameters, the rows each tree and the threshold are drawn from,
 * training on a small deterministic set (feature statistics worked out by
 * hand, threshold against the score quantiles, the thread count making no
 * difference), the store round trip, explanations, and the refusals:
 * bad parameters, too few rows, a wrong feature set, and a decoder fed
 * truncated or inconsistent payloads and headers.
 */
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "model/k_anomaly.h"
#include "model/k_model.h"
#include "model/k_store.h"
#include "numeric/k_iforest.h"
#include "numeric/k_stats.h"
#include "ktest.h"

#define N 40
#define D 3

static const char *const names[D] = { "a", "b", "c" };

static int
has(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/*
 * 40 rows: a = 10 + 0.5 ((3 i) mod 8), missing in rows 7 and 13, and 60
 * in row 39, the outlier; b = 2.385 throughout; c = 0.25 (i mod 10). The
 * pairs (a, c) do not repeat.
 */
static void
dataset(double *X)
{
	for (int i = 0; i < N; i++) {
		X[i * D + 0] = 10 + 0.5 * ((3 * i) % 8);
		X[i * D + 1] = 2.385;
		X[i * D + 2] = 0.25 * (i % 10);
	}
	X[7 * D] = NAN;
	X[13 * D] = NAN;
	X[39 * D] = 60;
}

static void
test_params(void)
{
	struct k_anomaly_params p = k_anomaly_params_default(), q;

	KT_EQ_INT(p.forest.trees, 100);
	KT_EQ_INT(p.forest.max_samples, 256);
	KT_NEAR(p.forest.contamination, 0.05, 0);
	KT_EQ_INT(p.forest.seed, 42);
	KT_EQ_INT(p.sample, 10000);
	KT_EQ_INT(p.threads, 1);
	KT_CHECK(k_anomaly_params_check(&p) == NULL);
	q = p;
	q.forest.trees = 0;
	KT_CHECK(has(k_anomaly_params_check(&q), "trees"));
	q = p;
	q.forest.contamination = 0.6;
	KT_CHECK(has(k_anomaly_params_check(&q), "contamination"));
	q = p;
	q.sample = 0;
	KT_CHECK(has(k_anomaly_params_check(&q), "sample"));
	q = p;
	q.threads = 0;
	KT_CHECK(has(k_anomaly_params_check(&q), "threads"));
}

static void
test_draw(void)
{
	struct k_iforest_params p = k_iforest_params_default();
	struct k_anomaly_rows r, r2;
	struct k_error e;

	p.trees = 3;
	p.max_samples = 8;
	KT_EQ_INT(k_anomaly_draw(&r, &p, 20, 10, &e), K_OK);
	KT_EQ_INT(r.trees, 3);
	KT_EQ_INT(r.psi, 8);
	KT_EQ_INT(r.nscore, 10);
	for (size_t t = 0; t < 3; t++) {
		unsigned char seen[20] = { 0 };
		for (size_t i = 0; i < 8; i++) {
			KT_CHECK(r.tree_rows[t][i] < 20);
			KT_EQ_INT(seen[r.tree_rows[t][i]]++, 0);   /* no repeats */
		}
	}
	unsigned char seen[20] = { 0 };
	int identity = 1;
	for (size_t i = 0; i < 10; i++) {
		KT_EQ_INT(seen[r.score_rows[i]]++, 0);
		identity &= r.score_rows[i] == i;
	}
	KT_CHECK(!identity);       /* 10 of 20: drawn */
	/* The same seed draws the same rows; another seed others; each tree
	 * its own. */
	KT_EQ_INT(k_anomaly_draw(&r2, &p, 20, 10, &e), K_OK);
	KT_CHECK(memcmp(r.tree_rows[2], r2.tree_rows[2], 8 * 4) == 0);
	KT_CHECK(memcmp(r.score_rows, r2.score_rows, 10 * 4) == 0);
	KT_CHECK(memcmp(r.tree_rows[0], r.tree_rows[1], 8 * 4) != 0);
	k_anomaly_rows_release(&r2);
	/* The documented streams: tree t's rows are the head of a shuffle
	 * seeded (seed, 2^32 + t), the scored rows of one seeded (seed,
	 * 2^33). */
	for (size_t t = 0; t < 4; t++) {
		struct k_rng rng;
		uint32_t perm[20];
		size_t k = t < 3 ? 8 : 10;
		k_rng_seed(&rng, 42, t < 3 ? 0x100000000ull + t : 0x200000000ull);
		for (uint32_t i = 0; i < 20; i++)
			perm[i] = i;
		for (size_t i = 0; i < k; i++) {
			size_t j = i + (size_t)k_rng_below(&rng, 20 - i);
			uint32_t tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		KT_CHECK(memcmp(t < 3 ? r.tree_rows[t] : r.score_rows, perm,
		                k * 4) == 0);
	}
	p.seed = 43;
	KT_EQ_INT(k_anomaly_draw(&r2, &p, 20, 10, &e), K_OK);
	KT_CHECK(memcmp(r.tree_rows[0], r2.tree_rows[0], 8 * 4) != 0);
	k_anomaly_rows_release(&r2);
	k_anomaly_rows_release(&r);
	KT_CHECK(r.tree_rows == NULL && r.score_rows == NULL);
	k_anomaly_rows_release(&r);

	/* Fewer rows than max_samples or sample: every row, in order. */
	KT_EQ_INT(k_anomaly_draw(&r, &p, 5, 10, &e), K_OK);
	KT_EQ_INT(r.psi, 5);
	KT_EQ_INT(r.nscore, 5);
	for (uint32_t i = 0; i < 5; i++)
		KT_EQ_INT(r.score_rows[i], i);
	k_anomaly_rows_release(&r);

	KT_EQ_INT(k_anomaly_draw(&r, &p, 0, 10, &e), K_EDATA);
	KT_CHECK(has(e.text, "0 rows"));
	KT_EQ_INT(k_anomaly_draw(&r, &p, (size_t)UINT32_MAX + 1, 10, &e),
	          K_EDATA);
	p.max_samples = 1;
	KT_EQ_INT(k_anomaly_draw(&r, &p, 20, 10, &e), K_EUSAGE);
	KT_CHECK(r.tree_rows == NULL);
}

static double
jnum(const json_t *o, const char *a, const char *b)
{
	return json_number_value(json_object_get(json_object_get(o, a), b));
}

/* The model trained on the dataset with 25 trees of 16 rows. */
static void
trained(struct k_anomaly *m, struct k_anomaly_summary *sum, double contam,
        int threads, size_t sample)
{
	struct k_anomaly_params p = k_anomaly_params_default();
	struct k_anomaly_source src = { 2, 0, INT64_MIN, INT64_MIN };
	struct k_error e;
	double X[N * D];

	dataset(X);
	p.forest.trees = 25;
	p.forest.max_samples = 16;
	p.forest.contamination = contam;
	p.sample = sample;
	p.threads = threads;
	KT_EQ_INT(k_anomaly_train(m, &p, X, N, D, names, &src, sum, &e), K_OK);
}

static void
test_train(void)
{
	struct k_anomaly m, m4;
	struct k_anomaly_summary sum, sum4;
	double X[N * D];

	dataset(X);
	trained(&m, &sum, 0.1, 1, 10000);
	KT_EQ_INT(m.d, 3);
	KT_EQ_STR(m.names[2], "c");
	KT_EQ_INT(m.forest->ntrees, 25);
	KT_EQ_INT(m.forest->psi, 16);
	/* c: values 0, 0.25, ..., 2.25, four times each: median 1.125; the
	 * deviations 0.125 .. 1.125, eight times each: MAD 0.625, scale
	 * 1.4826 * 0.625. b is constant: scale 1. */
	KT_NEAR(m.centre[2], 1.125, 1e-15);
	KT_NEAR(m.scale[2], 0.926625, 1e-12);
	KT_NEAR(m.centre[1], 2.385, 0);
	KT_NEAR(m.scale[1], 1, 0);
	KT_EQ_INT(sum.constant, 1);
	/* The threshold is the 0.9 quantile of the 40 scores: at most 4
	 * rows above it, the outlier among them. */
	KT_EQ_INT(sum.scored, 40);
	KT_CHECK(sum.anomalies >= 1 && sum.anomalies <= 4);
	KT_NEAR(sum.rate_pct, 100.0 * (double)sum.anomalies / 40, 0);
	double s39 = 100 * k_iforest_score(m.forest, &X[39 * D]);
	KT_NEAR(s39, sum.max, 1e-9);
	KT_CHECK(k_anomaly_flag(&m, s39));
	KT_CHECK(!k_anomaly_flag(&m, sum.min));
	KT_CHECK(!k_anomaly_flag(&m, sum.threshold));
	KT_NEAR(100 * m.forest->threshold, sum.threshold, 1e-12);
	KT_CHECK(sum.min <= sum.mean && sum.mean <= sum.threshold);

	/* The header: the score quantiles agree with the summary. */
	const json_t *h = m.header;
	const json_t *tr = json_object_get(h, "training");
	const json_t *qs = json_object_get(tr, "score_quantiles");
	KT_EQ_INT(json_array_size(qs), K_ANOMALY_QUANTILES);
	KT_NEAR(json_number_value(json_array_get(qs, 0)), sum.min, 1e-9);
	KT_NEAR(json_number_value(json_array_get(qs, 20)), sum.max, 1e-9);
	KT_NEAR(json_number_value(json_array_get(qs, 18)), sum.threshold, 1e-9);
	KT_NEAR(jnum(h, "metrics", "threshold"), sum.threshold, 0);
	KT_NEAR(jnum(h, "metrics", "anomaly_rate_pct"), sum.rate_pct, 0);
	KT_EQ_INT(jnum(h, "metrics", "scored_rows"), 40);
	KT_EQ_INT(jnum(h, "training", "rows"), 40);
	KT_EQ_INT(jnum(h, "training", "rows_parsed"), 40);
	KT_EQ_INT(jnum(h, "training", "rows_rejected"), 2);
	KT_EQ_INT(jnum(h, "training", "sample"), 10000);
	KT_EQ_INT(jnum(h, "training", "psi"), 16);
	KT_CHECK(json_is_null(json_object_get(tr, "days")));
	KT_CHECK(json_is_null(json_object_get(tr, "ts_first")));
	KT_EQ_INT(jnum(h, "params", "trees"), 25);
	KT_NEAR(jnum(h, "params", "contamination"), 0.1, 0);
	const json_t *fa = json_array_get(json_object_get(tr, "feature_stats"), 0);
	KT_EQ_INT(json_integer_value(json_object_get(fa, "missing")), 2);
	const json_t *qa = json_object_get(fa, "quantiles");
	KT_NEAR(json_number_value(json_array_get(qa, 0)), 10, 0);
	KT_NEAR(json_number_value(json_array_get(qa, 20)), 60, 0);

	/* The explanation of the outlier: a, far out. */
	struct k_contrib out[D];
	double gain[D];
	size_t k = k_anomaly_explain(&m, &X[39 * D], gain, out, D);
	KT_CHECK(k >= 1);
	KT_EQ_INT(out[0].feature, 0);
	KT_NEAR(out[0].value, 60, 0);
	KT_NEAR(out[0].deviation, (60 - m.centre[0]) / m.scale[0], 1e-12);
	KT_EQ_STR(k_anomaly_severity(out[0].deviation), "high");
	KT_EQ_INT(k_anomaly_explain(&m, &X[39 * D], gain, out, 0), 0);
	KT_EQ_STR(k_anomaly_severity(-2.385), "medium");
	KT_EQ_STR(k_anomaly_severity(2), "low");

	/* Threads change nothing. */
	trained(&m4, &sum4, 0.1, 4, 10000);
	struct k_buf a, b;
	k_buf_init(&a);
	k_buf_init(&b);
	k_iforest_encode(m.forest, &a);
	k_iforest_encode(m4.forest, &b);
	KT_EQ_INT(a.len, b.len);
	KT_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	KT_NEAR(sum4.mean, sum.mean, 0);
	k_buf_release(&a);
	k_buf_release(&b);
	k_anomaly_release(&m4);

	/* "auto": scores above 50; a sample of 20 of the 40 rows. */
	trained(&m4, &sum4, 0, 1, 20);
	KT_NEAR(sum4.threshold, 50, 0);
	KT_EQ_INT(sum4.scored, 20);
	KT_EQ_STR(json_string_value(json_object_get(json_object_get(m4.header,
	          "params"), "contamination")), "auto");
	k_anomaly_release(&m4);
	k_anomaly_release(&m);
	k_anomaly_release(&m);     /* released twice is fine */
}

static void
test_train_errors(void)
{
	struct k_anomaly_params p = k_anomaly_params_default();
	struct k_anomaly_source src = { 0, 0, INT64_MIN, INT64_MIN };
	struct k_anomaly_summary sum;
	struct k_anomaly m;
	struct k_error e;
	double X[N * D];

	dataset(X);
	KT_EQ_INT(k_anomaly_train(&m, &p, X, 9, D, names, &src, &sum, &e),
	          K_EDATA);
	KT_EQ_STR(e.text, "need at least 10 rows to train an anomaly model, "
	          "got 9");
	p.sample = 0;
	KT_EQ_INT(k_anomaly_train(&m, &p, X, N, D, names, &src, &sum, &e),
	          K_EUSAGE);
	p = k_anomaly_params_default();
	const char *dup[D] = { "a", "b", "a" };
	KT_EQ_INT(k_anomaly_train(&m, &p, X, N, D, dup, &src, &sum, &e),
	          K_EDATA);
	KT_EQ_STR(e.text, "feature 'a' appears twice");
	KT_CHECK(m.names == NULL && m.forest == NULL && m.header == NULL);

	/* k_anomaly_build's own checks. */
	struct k_anomaly_rows r;
	KT_EQ_INT(k_anomaly_draw(&r, &p.forest, N, N, &e), K_OK);
	KT_EQ_INT(k_anomaly_build(&m, &p.forest, X, 0, D, names, r.tree_rows,
	                          r.psi, r.score_rows, r.nscore, NULL, 1, &sum,
	                          &e), K_EDATA);
	KT_EQ_STR(e.text, "no rows to train on");
	KT_EQ_INT(k_anomaly_build(&m, &p.forest, X, N, D, names, r.tree_rows,
	                          r.psi, r.score_rows, 0, NULL, 1, &sum, &e),
	          K_EDATA);
	p.forest.max_samples = 1;
	KT_EQ_INT(k_anomaly_build(&m, &p.forest, X, N, D, names, r.tree_rows,
	                          r.psi, r.score_rows, r.nscore, NULL, 1, &sum,
	                          &e), K_EUSAGE);
	k_anomaly_rows_release(&r);

	/* More features than a forest can hold. */
	size_t d = K_IFOREST_MAX_FEATURES + 1;
	double *W = calloc(10 * d, sizeof *W);
	char **nm = calloc(d, sizeof *nm);
	for (size_t j = 0; j < d; j++) {
		nm[j] = malloc(8);
		snprintf(nm[j], 8, "f%05zu", j);
	}
	p = k_anomaly_params_default();
	p.forest.trees = 2;
	KT_EQ_INT(k_anomaly_train(&m, &p, W, 10, d, (const char *const *)nm,
	                          &src, &sum, &e), K_EDATA);
	KT_CHECK(has(e.text, "too many features"));
	for (size_t j = 0; j < d; j++)
		free(nm[j]);
	free(nm);
	free(W);
}

/* A model from its header (borrowed) and payload, as a loaded file. */
static enum k_status
decode(struct k_anomaly *m, json_t *header, const void *pay, size_t n,
       struct k_error *e)
{
	struct k_model mf;

	memset(&mf, 0, sizeof mf);
	snprintf(mf.kind, sizeof mf.kind, "anomaly");
	mf.header = header;
	mf.payload = (unsigned char *)pay;
	mf.payload_len = n;
	return k_anomaly_from_model(m, &mf, "mem.ktm", e);
}

static void
test_decode(void)
{
	struct k_anomaly m, m2;
	struct k_anomaly_summary sum;
	struct k_error e;
	struct k_buf pay;

	trained(&m, &sum, 0.1, 1, 10000);
	k_buf_init(&pay);
	k_iforest_encode(m.forest, &pay);
	KT_EQ_INT(decode(&m2, m.header, pay.data, pay.len, &e), K_OK);
	KT_EQ_STR(m2.path, "mem.ktm");
	KT_NEAR(m2.forest->threshold, m.forest->threshold, 0);
	k_anomaly_release(&m2);

	/* Every truncation is refused, none crashes. */
	int refused = 0;
	for (size_t n = 0; n < pay.len; n++) {
		if (decode(&m2, m.header, pay.data, n, &e) == K_EDATA &&
		    has(e.text, "model file 'mem.ktm': corrupted: "))
			refused++;
		else
			KT_FAIL("truncated to %zu of %zu bytes: accepted", n, pay.len);
	}
	KT_EQ_INT(refused, pay.len);
	/* A byte too many. */
	unsigned char *p = malloc(pay.len + 1);
	memcpy(p, pay.data, pay.len);
	p[pay.len] = 0;
	KT_EQ_INT(decode(&m2, m.header, p, pay.len + 1, &e), K_EDATA);
	KT_CHECK(has(e.text, "trailing bytes"));
	/* Impossible sizes: no features, a threshold above 1. */
	memcpy(p, pay.data, pay.len);
	memset(p, 0, 4);
	KT_EQ_INT(decode(&m2, m.header, p, pay.len, &e), K_EDATA);
	KT_CHECK(has(e.text, "impossible sizes"));
	memcpy(p, pay.data, pay.len);
	p[12 + 7] = 0x40;          /* the f64 threshold's top byte: 2.0-ish */
	KT_EQ_INT(decode(&m2, m.header, p, pay.len, &e), K_EDATA);
	/* The forest of another feature set: four features, the header
	 * three. */
	memcpy(p, pay.data, pay.len);
	p[0] = 4;
	KT_EQ_INT(decode(&m2, m.header, p, pay.len, &e), K_EDATA);
	KT_CHECK(has(e.text, "header lists 3 features, the forest has 4 (wrong "
	             "feature set)"));
	free(p);

	/* Headers that do not describe the forest. */
	static const struct { const char *path, *json, *why; } bad[] = {
		{ "features", NULL, "lacks 'features'" },
		{ "features", "[\"a\",\"b\"]", "header lists 2 features" },
		{ "features", "[\"a\",\"\",\"c\"]", "feature 1 has no usable name" },
		{ "features", "[\"a\",\"b\",\"a\"]", "feature 'a' appears twice" },
		{ "training", "{}", "lacks 'features' or 'training.feature_stats'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *h = json_deep_copy(m.header);
		if (bad[i].json == NULL)
			json_object_del(h, bad[i].path);
		else
			json_object_set_new(h, bad[i].path,
			                    json_loads(bad[i].json, 0, NULL));
		KT_EQ_INT(decode(&m2, h, pay.data, pay.len, &e), K_EDATA);
		if (!has(e.text, bad[i].why))
			KT_FAIL("case %zu: %s", i, e.text);
		KT_CHECK(m2.forest == NULL && m2.header == NULL);
		json_decref(h);
	}
	/* A scale of 0 or a median that is not a number. */
	const char *stat[] = { "scale", "median" };
	for (int i = 0; i < 2; i++) {
		json_t *h = json_deep_copy(m.header);
		json_t *fs = json_object_get(json_object_get(h, "training"),
		                             "feature_stats");
		json_object_set_new(json_array_get(fs, 2), stat[i],
		                    i == 0 ? json_real(0) : json_string("x"));
		KT_EQ_INT(decode(&m2, h, pay.data, pay.len, &e), K_EDATA);
		KT_CHECK(has(e.text, "feature 2 has no usable name, median or "
		             "scale"));
		json_decref(h);
	}
	k_buf_release(&pay);
	k_anomaly_release(&m);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
test_store(void)
{
	char dir[] = "/tmp/test_anomaly.XXXXXX";
	struct k_anomaly m, m2;
	struct k_anomaly_summary sum;
	struct k_store st;
	struct k_error e;
	double X[N * D];

	KT_CHECK(mkdtemp(dir) != NULL);
	k_store_init(&st, dir);
	KT_EQ_INT(k_anomaly_load(&m2, &st, NULL, &e), K_ECONFIG);
	trained(&m, &sum, 0.1, 1, 10000);
	KT_EQ_INT(k_anomaly_save(&m, &st, "a1", &e), K_OK);
	KT_EQ_STR(m.version, "a1");
	KT_EQ_INT(k_anomaly_save(&m, &st, "a1", &e), K_ECANTCREAT);
	KT_EQ_INT(k_anomaly_load(&m2, &st, "a2", &e), K_ENOINPUT);
	KT_EQ_INT(k_anomaly_load(&m2, &st, "latest", &e), K_OK);
	KT_EQ_STR(m2.version, "a1");
	KT_EQ_INT(m2.d, 3);
	dataset(X);
	for (size_t j = 0; j < D; j++) {
		KT_EQ_STR(m2.names[j], names[j]);
		KT_NEAR(m2.centre[j], m.centre[j], 0);
		KT_NEAR(m2.scale[j], m.scale[j], 0);
	}
	for (int i = 0; i < N; i++)
		KT_NEAR(k_iforest_score(m2.forest, &X[i * D]),
		        k_iforest_score(m.forest, &X[i * D]), 0);
	KT_NEAR(m2.forest->threshold, m.forest->threshold, 0);
	k_anomaly_release(&m2);
	/* A file of another kind. */
	char path[600];
	snprintf(path, sizeof path, "%s/forecast.ktm", dir);
	struct k_buf file;
	k_buf_init(&file);
	KT_EQ_INT(k_model_encode("forecast", m.header, "x", 1, 1, &file, &e),
	          K_OK);
	FILE *fp = fopen(path, "wb");
	KT_CHECK(fp != NULL);
	fwrite(file.data, 1, file.len, fp);
	fclose(fp);
	KT_EQ_INT(k_anomaly_load_file(&m2, path, &e), K_EDATA);
	k_buf_release(&file);
	k_anomaly_release(&m);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	test_params();
	test_draw();
	test_train();
	test_train_errors();
	test_decode();
	test_store();
	KT_DONE();
}

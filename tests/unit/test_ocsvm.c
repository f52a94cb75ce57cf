/*
 * test_ocsvm.c - the `ocsvm` model kind: training on rows with missing
 * values and a constant feature, the transform, the score scale (a
 * percentile of the training decisions) and the flag, explanations that
 * name the feature a planted outlier differs in, the store round trip
 * (the same decisions from the loaded model), and every header or payload
 * the loader must refuse, naming the file.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "model/k_model.h"
#include "model/k_ocsvm.h"
#include "ktest.h"

#define N 400
#define D 4

static const char *const names[D] = { "a", "b", "c", "k" };

/* Normal rows; b missing in every tenth; k constant. */
static void
dataset(double *X)
{
	struct k_rng r;

	k_rng_seed(&r, 11, 0);
	for (int i = 0; i < N; i++) {
		X[i * D + 0] = 10 + k_rng_normal(&r);
		X[i * D + 1] = i % 10 == 0 ? NAN : 100 * k_rng_normal(&r);
		X[i * D + 2] = k_rng_normal(&r) * 0.01;
		X[i * D + 3] = 7;
	}
}

static void
trained(struct k_ocsvm *m, struct k_ocsvm_summary *sum)
{
	static double X[N * D];
	struct k_ocsvm_params p = k_ocsvm_params_default();
	struct k_anomaly_source src = { 0, 0, INT64_MIN, INT64_MIN };
	struct k_error e;

	dataset(X);
	KT_EQ_INT(k_ocsvm_train(m, &p, X, N, D, names, &src, sum, &e), K_OK);
}

static double
decision_of(const struct k_ocsvm *m, const double *x)
{
	double z[D], dv, *scratch = malloc(k_ocsvm_scratch(m) * sizeof *scratch);

	k_ocsvm_transform(m, x, z);
	k_svm_decision(&m->svm, z, 1, &dv, scratch);
	free(scratch);
	return dv;
}

static void
test_train(void)
{
	struct k_ocsvm m;
	struct k_ocsvm_summary sum;
	struct k_error e;

	trained(&m, &sum);
	KT_EQ_INT(sum.trained, N);
	KT_EQ_INT(sum.constant, 1);
	KT_CHECK(sum.support >= N / 20 && sum.support < N);
	KT_CHECK(sum.flagged <= N / 20 + 1);
	KT_CHECK(m.scale[3] == 1 && m.centre[3] == 7);
	/* Missing is the centre: z = 0. */
	double x[D] = { m.centre[0], NAN, m.centre[2], 7 }, z[D];
	k_ocsvm_transform(&m, x, z);
	KT_CHECK(z[0] == 0 && z[1] == 0 && z[2] == 0 && z[3] == 0);
	/* The centre is inside (though not always deepest: the decision is
	 * a sum of kernels on the support vectors, which lie on the
	 * boundary); a row far out in c is flagged, scores 100, and is
	 * explained by c first. */
	double in = decision_of(&m, x);
	KT_CHECK(in > 0 && !k_ocsvm_flag(&m, in));
	KT_CHECK(k_ocsvm_score(&m, in) < 100);
	double out[D] = { m.centre[0], 20, m.centre[2] + 0.2, 7 };
	double dv = decision_of(&m, out);
	KT_CHECK(k_ocsvm_flag(&m, dv));
	KT_NEAR(k_ocsvm_score(&m, dv), 100, 1e-9);
	double zo[D], *scratch = malloc(k_ocsvm_scratch(&m) * sizeof *scratch);
	struct k_contrib c[D];
	k_ocsvm_transform(&m, out, zo);
	size_t nc = k_ocsvm_explain(&m, out, zo, dv, scratch, c, 3);
	KT_CHECK(nc >= 1 && c[0].feature == 2);
	KT_NEAR(c[0].deviation, 0.2 / m.scale[2], 1e-9);
	KT_CHECK(c[0].gain > 0);
	free(scratch);
	/* The score rises as the decision falls. */
	KT_CHECK(k_ocsvm_score(&m, m.dq[100]) > k_ocsvm_score(&m, m.dq[150]));
	KT_NEAR(k_ocsvm_score(&m, m.dq[190]), 5, 1e-9);
	/* Parameters and rows are checked. */
	struct k_ocsvm_params p = k_ocsvm_params_default();
	struct k_anomaly_source src = { 0, 0, INT64_MIN, INT64_MIN };
	struct k_ocsvm m2;
	p.svm.nu = 2;
	KT_EQ_INT(k_ocsvm_train(&m2, &p, m.dq, 10, 1, names, &src, &sum, &e),
	          K_EUSAGE);
	p = k_ocsvm_params_default();
	KT_EQ_INT(k_ocsvm_train(&m2, &p, m.dq, 9, 1, names, &src, &sum, &e),
	          K_EDATA);
	KT_CHECK(strstr(e.text, "need at least 10 rows") != NULL);
	const char *dup[2] = { "a", "a" };
	KT_EQ_INT(k_ocsvm_train(&m2, &p, m.dq, 20, 2, dup, &src, &sum, &e),
	          K_EDATA);
	KT_CHECK(strstr(e.text, "'a' appears twice") != NULL);
	k_ocsvm_release(&m);
}

/* Load from a header and payload in memory, as from a file. */
static enum k_status
decode(struct k_ocsvm *m, json_t *h, const void *p, size_t n,
       struct k_error *e)
{
	struct k_model mf = { .header = h, .payload = (unsigned char *)p,
	                      .payload_len = n };
	return k_ocsvm_from_model(m, &mf, "mem.ktm", e);
}

static void
test_decode(void)
{
	struct k_ocsvm m, m2;
	struct k_ocsvm_summary sum;
	struct k_error e;
	struct k_buf pay;

	trained(&m, &sum);
	k_buf_init(&pay);
	k_svm_encode(&m.svm, &pay);
	KT_EQ_INT(decode(&m2, m.header, pay.data, pay.len, &e), K_OK);
	KT_CHECK(memcmp(m2.dq, m.dq, sizeof m.dq) == 0 && m2.tol == m.tol);
	k_ocsvm_release(&m2);
	KT_EQ_INT(decode(&m2, m.header, pay.data, pay.len - 1, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "model file 'mem.ktm': corrupted: ") != NULL);
	static const struct { const char *obj, *key, *json, *why; } bad[] = {
		{ NULL, "features", "[\"a\",\"b\"]", "header lists 2 features, "
		  "the SVM has 4" },
		{ NULL, "features", "[\"a\",\"b\",\"a\",\"k\"]", "'a' appears twice" },
		{ "training", "decision_quantiles", "[1,2]", "decision_quantiles" },
		{ "training", "feature_stats", "7", "lacks 'features' or" },
		{ "params", "tol", "\"x\"", "params.tol" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *h = json_deep_copy(m.header);
		json_t *o = bad[i].obj ? json_object_get(h, bad[i].obj) : h;
		json_object_set_new(o, bad[i].key, json_loads(bad[i].json,
		                    JSON_DECODE_ANY, NULL));
		KT_EQ_INT(decode(&m2, h, pay.data, pay.len, &e), K_EDATA);
		if (strstr(e.text, bad[i].why) == NULL ||
		    strstr(e.text, "mem.ktm") == NULL)
			KT_FAIL("case %zu: %s", i, e.text);
		json_decref(h);
	}
	/* Quantiles out of order. */
	json_t *h = json_deep_copy(m.header);
	json_t *q = json_object_get(json_object_get(h, "training"),
	                            "decision_quantiles");
	json_array_set_new(q, 5, json_real(1e9));
	KT_EQ_INT(decode(&m2, h, pay.data, pay.len, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "ascending") != NULL);
	json_decref(h);
	k_buf_release(&pay);
	k_ocsvm_release(&m);
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
	char dir[] = "/tmp/test_ocsvm.XXXXXX";
	struct k_ocsvm m, m2;
	struct k_ocsvm_summary sum;
	struct k_store st;
	struct k_error e;
	static double X[N * D];

	KT_CHECK(mkdtemp(dir) != NULL);
	k_store_init(&st, dir);
	KT_EQ_INT(k_ocsvm_load(&m2, &st, NULL, &e), K_ECONFIG);
	trained(&m, &sum);
	KT_EQ_INT(k_ocsvm_save(&m, &st, "s1", &e), K_OK);
	KT_EQ_INT(k_ocsvm_load(&m2, &st, "latest", &e), K_OK);
	KT_EQ_STR(m2.version, "s1");
	dataset(X);
	for (int i = 0; i < N; i += 7)
		KT_NEAR(decision_of(&m2, &X[i * D]), decision_of(&m, &X[i * D]), 0);
	k_ocsvm_release(&m2);
	k_ocsvm_release(&m);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	test_train();
	test_decode();
	test_store();
	KT_DONE();
}

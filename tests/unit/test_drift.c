/*
 * test_drift.c - PSI against a quantile sketch: data drawn like the
 * training data is stable, a shift of one standard deviation is major,
 * tied quantiles (a 0/1 feature) are merged into honest bins, and a
 * feature that stops arriving is a major shift through the missing bin.
 * A model header's drift reference (k_anomaly_drift_ref) gives one check
 * per feature, and names what it lacks.
 */
#include <math.h>

#include <jansson.h>

#include "base/k_rng.h"
#include "model/k_anomaly.h"
#include "numeric/k_drift.h"
#include "numeric/k_stats.h"
#include "ktest.h"

static double sample[20000];

static void
sketch(double *q, double shift, struct k_rng *r)
{
	for (int i = 0; i < 20000; i++)
		sample[i] = k_rng_normal(r) + shift;
	k_sort_doubles(sample, 20000);
	for (int k = 0; k <= 20; k++)
		q[k] = k_quantile_sorted(sample, 20000, k / 20.0);
}

/* The header of an anomaly model with features a and b: a's sketch is
 * 0, 1, ..., 20, b's is unknown (nulls); 5 of 50 scored rows lacked a. */
static json_t *
header(const char *metrics)
{
	char text[2048];
	int n = snprintf(text, sizeof text, "{\"features\":[\"a\",\"b\"],"
	                 "\"training\":{\"feature_stats\":["
	                 "{\"missing\":5,\"quantiles\":[0,1,2,3,4,5,6,7,8,9,10,"
	                 "11,12,13,14,15,16,17,18,19,20]},"
	                 "{\"missing\":0,\"quantiles\":[null,null,null,null,"
	                 "null,null,null,null,null,null,null,null,null,null,"
	                 "null,null,null,null,null,null,null]}]}%s}", metrics);
	KT_CHECK(n > 0 && (size_t)n < sizeof text);
	return json_loads(text, 0, NULL);
}

/* The header text is refused with K_EDATA and message msg. */
static void
ref_fails(const char *text, const char *msg)
{
	struct k_drift_set ds;
	struct k_error e;
	json_t *h = json_loads(text, 0, NULL);

	KT_CHECK(h != NULL);
	KT_EQ_INT(k_anomaly_drift_ref(h, "anomaly/v1", &ds, &e), K_EDATA);
	KT_EQ_STR(e.text, msg);
	k_drift_set_release(&ds);
	json_decref(h);
}

static void
drift_ref(void)
{
	struct k_drift_set ds;
	struct k_error e;
	json_t *h = header(",\"metrics\":{\"scored_rows\":50}");

	KT_EQ_INT(k_anomaly_drift_ref(h, "anomaly/v1", &ds, &e), K_OK);
	KT_EQ_INT(ds.d, 2);
	KT_EQ_STR(ds.names[0], "a");
	KT_EQ_STR(ds.names[1], "b");
	KT_NEAR(ds.train_missing_pct[0], 10, 1e-12);
	KT_NEAR(ds.train_missing_pct[1], 0, 0);
	KT_EQ_INT(ds.feat[0].nbins, 20);
	KT_NEAR(ds.feat[0].expect_missing, 0.10, 1e-12);
	KT_NEAR(ds.feat[0].edge[0], 1, 0);
	KT_EQ_INT(ds.feat[1].nbins, 1);
	double row[2] = { 2.385, NAN };
	k_drift_set_add(&ds, row);
	KT_EQ_INT(ds.feat[0].n, 1);
	KT_EQ_INT(ds.feat[0].count[2], 1);
	KT_EQ_INT(ds.feat[1].missing, 1);
	k_drift_set_release(&ds);
	KT_CHECK(ds.names == NULL && ds.d == 0);
	k_drift_set_release(&ds);
	json_decref(h);

	/* Without metrics.scored_rows the training share missing is not
	 * known: NAN, and the check expects none. */
	h = header("");
	KT_EQ_INT(k_anomaly_drift_ref(h, "anomaly/v1", &ds, NULL), K_OK);
	KT_CHECK(isnan(ds.train_missing_pct[0]));
	KT_NEAR(ds.feat[0].expect_missing, 0, 0);
	k_drift_set_release(&ds);
	json_decref(h);

	ref_fails("{}", "model anomaly/v1 keeps no feature sketch to compare "
	          "with");
	ref_fails("{\"features\":[\"a\"],\"training\":{}}",
	          "model anomaly/v1 keeps no feature sketch to compare with");
	ref_fails("{\"features\":[\"a\",\"b\"],\"training\":"
	          "{\"feature_stats\":[{}]}}",
	          "model anomaly/v1 keeps no feature sketch to compare with");
	ref_fails("{\"features\":[\"a\",\"b\"],\"training\":"
	          "{\"feature_stats\":[{\"quantiles\":[0,1,2,3,4,5,6,7,8,9,"
	          "10,11,12,13,14,15,16,17,18,19,20]},{\"quantiles\":[1,2]}]}}",
	          "model anomaly/v1: feature 1 has no sketch");
	ref_fails("{\"features\":[7],\"training\":{\"feature_stats\":"
	          "[{\"quantiles\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
	          "17,18,19,20]}]}}",
	          "model anomaly/v1: feature 0 has no sketch");
}

int
main(void)
{
	struct k_rng r;
	struct k_drift dr;
	double q[21];

	k_rng_seed(&r, 2385, 0);
	sketch(q, 0, &r);
	k_drift_init(&dr, q, 0);
	KT_EQ_INT(dr.nbins, 20);
	KT_NEAR(dr.expect[0], 0.05, 1e-12);
	KT_NEAR(dr.expect[19], 0.05, 1e-12);
	KT_NEAR(k_drift_psi(&dr), 0, 0);
	for (int i = 0; i < 20000; i++)
		k_drift_add(&dr, k_rng_normal(&r));
	KT_CHECK(k_drift_psi(&dr) < 0.01);
	KT_EQ_STR(k_drift_verdict(k_drift_psi(&dr)), "stable");

	k_drift_init(&dr, q, 0);
	for (int i = 0; i < 20000; i++)
		k_drift_add(&dr, k_rng_normal(&r) + 1);
	KT_CHECK(k_drift_psi(&dr) > 0.25);
	KT_EQ_STR(k_drift_verdict(k_drift_psi(&dr)), "major");
	KT_EQ_STR(k_drift_verdict(0.15), "moderate");

	/* 70% zeros, 30% ones: quantiles 0..0.70 are 0, 0.75..1 are 1. */
	for (int k = 0; k <= 20; k++)
		q[k] = k <= 14 ? 0 : 1;
	k_drift_init(&dr, q, 0);
	KT_EQ_INT(dr.nbins, 3);
	KT_NEAR(dr.expect[0], 0.70, 1e-12);
	KT_NEAR(dr.expect[1], 0.30, 1e-12);
	KT_NEAR(dr.expect[2], 0, 1e-12);
	for (int i = 0; i < 1000; i++)
		k_drift_add(&dr, i < 700 ? 0 : 1);
	KT_CHECK(k_drift_psi(&dr) < 0.001);
	k_drift_init(&dr, q, 0);
	for (int i = 0; i < 1000; i++)
		k_drift_add(&dr, 1);
	KT_CHECK(k_drift_psi(&dr) > 0.25);

	/* Missing values: 10% in training; the same now is stable, all
	 * missing now is a major shift. */
	sketch(q, 0, &r);
	k_drift_init(&dr, q, 0.10);
	for (int i = 0; i < 20000; i++)
		k_drift_add(&dr, i % 10 == 0 ? NAN : k_rng_normal(&r));
	KT_CHECK(k_drift_psi(&dr) < 0.01);
	k_drift_init(&dr, q, 0.10);
	for (int i = 0; i < 100; i++)
		k_drift_add(&dr, NAN);
	KT_CHECK(k_drift_psi(&dr) > 1);
	KT_EQ_INT(dr.missing, 100);

	drift_ref();
	KT_DONE();
}

/*
 * test_svm.c - the One-Class SVM against scikit-learn's OneClassSVM on the
 * same standardised rows with the same nu and gamma: the same number of
 * support vectors and decision values within 1e-6 (the bound) on
 * training and unseen rows; gamma "scale" as scikit-learn computes it;
 * the payload codec (round trip bit for bit, every corruption refused)
 * and the parameter checks. The fixture is tests/fixtures/ocsvm/parity.json
 * (make_parity.py there), read from the repository root, or argv[1].
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "numeric/k_svm.h"
#include "ktest.h"

#define FIXTURE "tests/fixtures/ocsvm/parity.json"
#define TOL_DECISION 1e-6

/* A JSON array of rows as an n x d matrix. */
static double *
matrix(const json_t *a, size_t *n, size_t *d)
{
	*n = json_array_size(a);
	*d = json_array_size(json_array_get(a, 0));
	double *X = malloc(*n * *d * sizeof *X);
	for (size_t i = 0; i < *n; i++)
		for (size_t j = 0; j < *d; j++)
			X[i * *d + j] = json_number_value(
				json_array_get(json_array_get(a, i), j));
	return X;
}

/* max |ours - theirs| over the rows of Z. */
static double
max_gap(const struct k_svm *m, const double *Z, size_t n, const json_t *want)
{
	double *out = malloc(n * sizeof *out);
	double *scratch = malloc(k_svm_scratch(m) * sizeof *scratch);
	double gap = 0;

	k_svm_decision(m, Z, n, out, scratch);
	for (size_t i = 0; i < n; i++)
		gap = fmax(gap, fabs(out[i] -
		           json_number_value(json_array_get(want, i))));
	free(out);
	free(scratch);
	return gap;
}

static void
test_parity(const json_t *c)
{
	size_t n, d, nt, dt;
	double *X = matrix(json_object_get(c, "train"), &n, &d);
	double *T = matrix(json_object_get(c, "test"), &nt, &dt);
	struct k_svm_params p = k_svm_params_default();
	struct k_svm m;
	struct k_error e;

	p.nu = json_number_value(json_object_get(c, "nu"));
	p.gamma = json_number_value(json_object_get(c, "gamma"));
	KT_EQ_INT(k_svm_train(&m, &p, X, n, d, &e), K_OK);
	KT_RNEAR(m.gamma, json_number_value(json_object_get(c, "gamma_used")),
	         1e-12);
	KT_EQ_INT(m.nsv, json_integer_value(json_object_get(c, "n_support")));
	KT_NEAR(m.rho, json_number_value(json_object_get(c, "rho")),
	        TOL_DECISION);
	KT_NEAR(max_gap(&m, X, n, json_object_get(c, "decision_train")), 0,
	        TOL_DECISION);
	KT_NEAR(max_gap(&m, T, nt, json_object_get(c, "decision_test")), 0,
	        TOL_DECISION);
	k_svm_release(&m);
	free(X);
	free(T);
}

/* A small trained model for the codec tests. */
static void
small_model(struct k_svm *m)
{
	double X[40 * 2];
	struct k_svm_params p = k_svm_params_default();
	struct k_error e;

	for (int i = 0; i < 40; i++) {
		X[2 * i] = sin(i * 1.3);
		X[2 * i + 1] = cos(i * 0.7) * 2;
	}
	p.nu = 0.3;
	KT_EQ_INT(k_svm_train(m, &p, X, 40, 2, &e), K_OK);
}

static void
test_codec(void)
{
	struct k_svm m, m2;
	struct k_buf b;
	struct k_error e;

	small_model(&m);
	k_buf_init(&b);
	k_svm_encode(&m, &b);
	KT_EQ_INT(k_svm_decode(&m2, b.data, b.len, &e), K_OK);
	KT_EQ_INT(m2.nsv, m.nsv);
	KT_CHECK(m2.rho == m.rho && m2.gamma == m.gamma);
	KT_CHECK(memcmp(m2.sv, m.sv, m.nsv * m.d * sizeof *m.sv) == 0);
	KT_CHECK(memcmp(m2.coef, m.coef, m.nsv * sizeof *m.coef) == 0);
	k_svm_release(&m2);
	/* Every truncation refused, never a crash. */
	for (size_t len = 0; len < b.len; len++)
		KT_EQ_INT(k_svm_decode(&m2, b.data, len, &e), K_EDATA);
	/* A trailing byte, a bad version, counts, gamma, a NaN value. */
	k_buf_put_u8(&b, 0);
	KT_EQ_INT(k_svm_decode(&m2, b.data, b.len, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "bytes of values") != NULL);
	b.len--;
	unsigned char *u = (unsigned char *)b.data;
	k_buf_le32(u, 2);
	KT_EQ_INT(k_svm_decode(&m2, b.data, b.len, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "version 2") != NULL);
	k_buf_le32(u, 1);
	k_buf_le32(u + 8, 0);
	KT_EQ_INT(k_svm_decode(&m2, b.data, b.len, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "impossible sizes") != NULL);
	k_buf_le32(u + 8, (uint32_t)m.nsv);
	k_buf_le64(u + 12, 0xbff0000000000000ull); /* gamma -1 */
	KT_EQ_INT(k_svm_decode(&m2, b.data, b.len, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "gamma") != NULL);
	k_buf_le64(u + 12, 0x3ff0000000000000ull);
	k_buf_le64(u + 28, 0x7ff8000000000000ull); /* coef[0] NaN */
	KT_EQ_INT(k_svm_decode(&m2, b.data, b.len, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "coefficient 0") != NULL);
	k_buf_release(&b);
	k_svm_release(&m);
}

static void
test_checks(void)
{
	struct k_svm_params p = k_svm_params_default();
	struct k_svm m;
	struct k_error e;
	double X[4] = { 0, 1, NAN, 2 };

	KT_CHECK(p.nu == 0.05 && p.gamma == 0 && k_svm_params_check(&p) == NULL);
	p.nu = 0;
	KT_EQ_INT(k_svm_train(&m, &p, X, 2, 2, &e), K_EUSAGE);
	KT_CHECK(strstr(e.text, "nu") != NULL);
	p.nu = 1.5;
	KT_CHECK(k_svm_params_check(&p) != NULL);
	p = k_svm_params_default();
	p.gamma = -1;
	KT_CHECK(k_svm_params_check(&p) != NULL);
	p = k_svm_params_default();
	KT_EQ_INT(k_svm_train(&m, &p, X, 2, 2, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "row 1, feature 0") != NULL);
	KT_EQ_INT(k_svm_train(&m, &p, X, 0, 2, &e), K_EDATA);
	/* gamma "scale": 1 / (d * var); a constant matrix gives 1. */
	double Z[6] = { 1, 2, 3, 4, 5, 6 };
	KT_NEAR(k_svm_gamma_scale(Z, 3, 2), 1.0 / (2 * 35.0 / 12), 1e-15);
	double C[4] = { 3, 3, 3, 3 };
	KT_NEAR(k_svm_gamma_scale(C, 2, 2), 1, 0);
}

int
main(int argc, char **argv)
{
	json_error_t je;
	json_t *root = json_load_file(argc > 1 ? argv[1] : FIXTURE, 0, &je);
	size_t i;
	json_t *c;

	if (root == NULL) {
		fprintf(stderr, "test_svm: %s: %s\n", FIXTURE, je.text);
		return 1;
	}
	json_array_foreach(json_object_get(root, "cases"), i, c)
		test_parity(c);
	json_decref(root);
	test_codec();
	test_checks();
	KT_DONE();
}

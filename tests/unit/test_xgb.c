/*
 * test_xgb.c - the XGBoost wrapper against Debian's python3-xgboost (the
 * same libxgboost): the same data and parameters give the same class
 * probabilities, margins and SHAP contributions within 1e-6, contributions
 * sum to the margin, a model saved and loaded (ours or Python's, JSON or
 * UBJSON, with its feature names) predicts the same, the log loss early
 * stopping watches is the probabilities', and every error path: bad parameters, a corrupt model buffer
 * (refused with XGBoost's message), a model of another kind, a wrong
 * feature count. The fixtures are tests/fixtures/xgb/ (make_cases.py).
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "numeric/k_xgb.h"
#include "ktest.h"

#define CASES "tests/fixtures/xgb/cases.json"
#define MODEL "tests/fixtures/xgb/model.json"
#define NAMED "tests/fixtures/xgb/model_named.ubj"

/* Issue 11: the same probabilities as xgboost Python within 1e-6. */
#define TOL 1e-6

struct fixture {
	json_t *root;
	size_t n, d, k;
	double *X;
	float *Xf;
	uint32_t *y;
	struct k_xgb_params p;
};

static void
load_fixture(struct fixture *f)
{
	json_error_t je;
	json_t *X, *y, *p;

	memset(f, 0, sizeof *f);
	f->root = json_load_file(CASES, 0, &je);
	if (f->root == NULL) {
		fprintf(stderr, "%s: %s\n", CASES, je.text);
		exit(1);
	}
	f->n = (size_t)json_integer_value(json_object_get(f->root, "n"));
	f->d = (size_t)json_integer_value(json_object_get(f->root, "d"));
	f->k = (size_t)json_integer_value(json_object_get(f->root, "classes"));
	X = json_object_get(f->root, "X");
	y = json_object_get(f->root, "y");
	f->X = malloc(f->n * f->d * sizeof *f->X);
	f->Xf = malloc(f->n * f->d * sizeof *f->Xf);
	f->y = malloc(f->n * sizeof *f->y);
	for (size_t i = 0; i < f->n; i++) {
		for (size_t j = 0; j < f->d; j++) {
			json_t *v = json_array_get(json_array_get(X, i), j);
			f->X[i * f->d + j] = json_is_null(v) ? NAN
			                                     : json_number_value(v);
			f->Xf[i * f->d + j] = (float)f->X[i * f->d + j];
		}
		f->y[i] = (uint32_t)json_integer_value(json_array_get(y, i));
	}
	p = json_object_get(f->root, "params");
	f->p = k_xgb_params_default();
	f->p.rounds = (size_t)json_integer_value(json_object_get(p, "rounds"));
	f->p.max_depth = (int)json_integer_value(json_object_get(p, "max_depth"));
	f->p.eta = json_number_value(json_object_get(p, "eta"));
	f->p.subsample = json_number_value(json_object_get(p, "subsample"));
	f->p.colsample_bytree = json_number_value(json_object_get(p,
	                                          "colsample_bytree"));
	f->p.min_child_weight = json_number_value(json_object_get(p,
	                                          "min_child_weight"));
	f->p.seed = (uint64_t)json_integer_value(json_object_get(p, "seed"));
	f->p.threads = (int)json_integer_value(json_object_get(p, "threads"));
}

static void
release_fixture(struct fixture *f)
{
	json_decref(f->root);
	free(f->X);
	free(f->Xf);
	free(f->y);
}

/* The fixture's array name, flattened row-major, against got. */
static void
compare(const struct fixture *f, const char *name, const double *got,
        size_t len)
{
	json_t *a = json_object_get(f->root, name);
	size_t at = 0, bad = 0;
	double worst = 0;

	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *r = json_array_get(a, i);
		for (size_t c = 0; c < json_array_size(r); c++) {
			json_t *e = json_array_get(r, c);
			size_t m = json_is_array(e) ? json_array_size(e) : 1;
			for (size_t j = 0; j < m; j++, at++) {
				double want = json_number_value(json_is_array(e)
				              ? json_array_get(e, j) : e);
				double diff = at < len ? fabs(got[at] - want) : INFINITY;
				worst = diff > worst ? diff : worst;
				bad += !(diff <= TOL);
			}
		}
	}
	ktest_checks++;
	if (at != len || bad != 0)
		KT_FAIL("%s: %zu values (want %zu), %zu beyond %g, worst %g",
		        name, len, at, bad, TOL, worst);
}

/* A model's probabilities, margins and contributions against Python's. */
static void
compare_all(const struct fixture *f, const struct k_xgb *m,
            struct k_xgb_data *x)
{
	size_t lp = k_xgb_output_len(m, K_XGB_PROB, f->n);
	size_t lc = k_xgb_output_len(m, K_XGB_CONTRIB, f->n);
	double *prob = malloc(lp * sizeof *prob);
	double *margin = malloc(lp * sizeof *margin);
	double *contrib = malloc(lc * sizeof *contrib);

	KT_EQ_INT(lp, f->n * f->k);
	KT_EQ_INT(lc, f->n * f->k * (f->d + 1));
	KT_EQ_INT(k_xgb_predict(m, x, K_XGB_PROB, prob, NULL), K_OK);
	KT_EQ_INT(k_xgb_predict(m, x, K_XGB_MARGIN, margin, NULL), K_OK);
	KT_EQ_INT(k_xgb_predict(m, x, K_XGB_CONTRIB, contrib, NULL), K_OK);
	compare(f, "prob", prob, lp);
	compare(f, "margin", margin, lp);
	compare(f, "contrib", contrib, lc);
	/* Each row's probabilities sum to 1; each class's contributions
	 * (features and bias) to its margin. */
	double worst_p = 0, worst_c = 0;
	for (size_t i = 0; i < f->n; i++) {
		double sp = 0;
		for (size_t c = 0; c < f->k; c++) {
			const double *v = contrib + (i * f->k + c) * (f->d + 1);
			double sc = 0;
			for (size_t j = 0; j <= f->d; j++)
				sc += v[j];
			sp += prob[i * f->k + c];
			worst_c = fmax(worst_c, fabs(sc - margin[i * f->k + c]));
		}
		worst_p = fmax(worst_p, fabs(sp - 1));
	}
	KT_NEAR(worst_p, 0, 1e-6);
	KT_NEAR(worst_c, 0, 1e-5);
	free(prob);
	free(margin);
	free(contrib);
}

static struct k_xgb *
train(const struct fixture *f, struct k_xgb_data **x)
{
	struct k_xgb *m = NULL;
	struct k_error e;

	KT_EQ_INT(k_xgb_data_alloc(x, f->X, K_XGB_DOUBLE, f->n, f->d, f->y,
	                           f->k, 1, &e), K_OK);
	if (*x == NULL)
		return NULL;
	KT_EQ_INT(k_xgb_data_rows(*x), f->n);
	KT_EQ_INT(k_xgb_data_cols(*x), f->d);
	KT_EQ_INT(k_xgb_train(&m, &f->p, *x, f->k, &e), K_OK);
	if (m == NULL)
		fprintf(stderr, "train: %s\n", e.text);
	return m;
}

static void
test_against_python(const struct fixture *f)
{
	struct k_xgb_data *x = NULL, *xf = NULL;
	struct k_xgb *m = train(f, &x);

	if (m == NULL)
		return;
	KT_EQ_INT(m->rounds, f->p.rounds);
	KT_EQ_INT(m->d, f->d);
	KT_EQ_INT(m->nclass, f->k);
	compare_all(f, m, x);
	/* The same rows as floats (no labels) predict the same. */
	KT_EQ_INT(k_xgb_data_alloc(&xf, f->Xf, K_XGB_FLOAT, f->n, f->d, NULL,
	                           0, 2, NULL), K_OK);
	if (xf != NULL)
		compare_all(f, m, xf);
	k_xgb_data_free(xf);
	k_xgb_data_free(x);
	k_xgb_free(m);
}

/* By rounds: the program owns the loop. The same model as k_xgb_train. */
static void
test_iterate(const struct fixture *f)
{
	struct k_xgb_data *x = NULL;
	struct k_xgb *m = NULL;
	size_t steps = 0;

	KT_EQ_INT(k_xgb_data_alloc(&x, f->X, K_XGB_DOUBLE, f->n, f->d, f->y,
	                           f->k, 1, NULL), K_OK);
	KT_EQ_INT(k_xgb_init(&m, &f->p, x, f->k, NULL), K_OK);
	if (m == NULL)
		return;
	KT_EQ_INT(m->rounds, 0);
	while (!k_xgb_converged(m) && steps++ < 100)
		KT_EQ_INT(k_xgb_iterate(m, x, NULL), K_OK);
	KT_EQ_INT(steps, f->p.rounds);
	compare_all(f, m, x);
	k_xgb_free(m);
	k_xgb_data_free(x);
}

/* A model trained on the fixture, its data and its saved bytes, shared by
 * the tests below. */
struct trained {
	struct k_xgb_data *x;
	struct k_xgb *m;
	struct k_buf bytes;
};

static void
test_save_load(const struct fixture *f, const struct trained *t)
{
	struct k_xgb *m2 = NULL;
	const struct k_buf *b = &t->bytes;
	struct k_error e;

	KT_CHECK(b->len > 100);
	/* UBJSON: an object whose first key is "learner" ('{', 'L', len). */
	KT_CHECK(b->len > 2 && b->data[0] == '{' && b->data[1] == 'L');
	KT_EQ_INT(k_xgb_load(&m2, b->data, b->len, &f->p, &e), K_OK);
	if (m2 != NULL) {
		KT_EQ_INT(m2->d, f->d);
		KT_EQ_INT(m2->nclass, f->k);
		KT_EQ_INT(m2->rounds, f->p.rounds);
		KT_EQ_INT(m2->p.seed, f->p.seed);
		compare_all(f, m2, t->x);
		/* Saved again: the same bytes. */
		struct k_buf b2;
		k_buf_init(&b2);
		KT_EQ_INT(k_xgb_save(m2, &b2, NULL), K_OK);
		KT_CHECK(b2.len == b->len &&
		         memcmp(b2.data, b->data, b->len) == 0);
		k_buf_release(&b2);
	}
	k_xgb_free(m2);
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *p = NULL;
	long len;

	*n = 0;
	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 || (p = malloc((size_t)len + 1)) == NULL ||
	    fread(p, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(1);
	}
	fclose(fp);
	*n = (size_t)len;
	return p;
}

/* A model Python wrote (JSON) loads and predicts as Python did. */
static void
test_python_model(const struct fixture *f)
{
	struct k_xgb_data *x = NULL;
	struct k_xgb *m = NULL;
	struct k_error e;
	size_t n;
	char *json = slurp(MODEL, &n);

	KT_EQ_INT(k_xgb_load(&m, json, n, NULL, &e), K_OK);
	KT_EQ_INT(k_xgb_data_alloc(&x, f->X, K_XGB_DOUBLE, f->n, f->d, NULL, 0,
	                           1, NULL), K_OK);
	if (m != NULL && x != NULL) {
		KT_EQ_INT(m->rounds, f->p.rounds);
		KT_EQ_INT(m->p.seed, 42);
		compare_all(f, m, x);
	}
	/* Python's JSON names no features. */
	char **names = (char **)1;
	KT_EQ_INT(k_xgb_feature_names(m, &names, &e), K_OK);
	KT_CHECK(names == NULL);
	k_xgb_data_free(x);
	k_xgb_free(m);
	/* Not a classifier: the same trees, another objective. */
	char *obj = strstr(json, "\"multi:softprob\"");
	KT_CHECK(obj != NULL);
	if (obj != NULL) {
		char *again = strstr(obj + 1, "\"multi:softprob\"");
		KT_CHECK(again == NULL);
		memcpy(obj, "\"multi:softmax\" ", 16);
		KT_EQ_INT(k_xgb_load(&m, json, n, NULL, &e), K_EDATA);
		KT_CHECK(m == NULL);
		KT_EQ_STR(e.text, "xgboost model: objective 'multi:softmax', not "
		          "multi:softprob");
	}
	free(json);
}

/* Python's UBJSON of the same training on named features: the names, and
 * the same predictions. */
static void
test_python_named(const struct fixture *f)
{
	static const char *const want[] = { "tx_count", "gas_p90", "age_days",
	                                    "defi_share" };
	struct k_xgb_data *x = NULL;
	struct k_xgb *m = NULL;
	char **names = NULL;
	size_t n;
	char *ubj = slurp(NAMED, &n);

	KT_EQ_INT(k_xgb_load(&m, ubj, n, NULL, NULL), K_OK);
	KT_EQ_INT(k_xgb_data_alloc(&x, f->X, K_XGB_DOUBLE, f->n, f->d, NULL, 0,
	                           1, NULL), K_OK);
	if (m != NULL && x != NULL) {
		KT_EQ_INT(k_xgb_feature_names(m, &names, NULL), K_OK);
		KT_CHECK(names != NULL);
		for (size_t j = 0; names != NULL && j < f->d; j++) {
			KT_EQ_STR(names[j], want[j]);
			free(names[j]);
		}
		free(names);
		compare_all(f, m, x);
	}
	k_xgb_data_free(x);
	k_xgb_free(m);
	free(ubj);
}

/* XGBoost's mlogloss, round by round, against the mean of -ln p of the
 * true class from the probabilities (XGBoost sums in floats). */
static void
test_eval_logloss(const struct fixture *f)
{
	struct k_xgb_data *x = NULL, *plain = NULL;
	struct k_xgb *m = NULL;
	struct k_error e;
	double *p = malloc(f->n * f->k * sizeof *p), ll, two_rounds = NAN;

	KT_EQ_INT(k_xgb_data_alloc(&x, f->X, K_XGB_DOUBLE, f->n, f->d, f->y,
	                           f->k, 1, NULL), K_OK);
	KT_EQ_INT(k_xgb_init(&m, &f->p, x, f->k, NULL), K_OK);
	for (int r = 0; m != NULL && r < 3; r++) {
		KT_EQ_INT(k_xgb_iterate(m, x, NULL), K_OK);
		KT_EQ_INT(k_xgb_eval_logloss(m, x, &ll, &e), K_OK);
		KT_EQ_INT(k_xgb_predict(m, x, K_XGB_PROB, p, NULL), K_OK);
		double want = 0;
		for (size_t i = 0; i < f->n; i++)
			want -= log(p[i * f->k + f->y[i]]) / (double)f->n;
		KT_NEAR(ll, want, 1e-5);
		if (r == 1)
			two_rounds = ll;
	}
	/* The first 2 of the 3 rounds: the log loss after round 2. */
	struct k_xgb *two = NULL, *four = NULL;
	if (m != NULL) {
		KT_EQ_INT(k_xgb_slice(m, 4, &four, &e), K_EUSAGE);
		KT_EQ_STR(e.text, "the first 4 rounds of a model of 3");
		KT_CHECK(four == NULL);
		KT_EQ_INT(k_xgb_slice(m, 2, &two, NULL), K_OK);
	}
	if (two != NULL) {
		KT_EQ_INT(two->rounds, 2);
		KT_EQ_INT(m->rounds, 3);
		KT_EQ_INT(k_xgb_eval_logloss(two, x, &ll, NULL), K_OK);
		KT_NEAR(ll, two_rounds, 1e-7);
		k_xgb_free(two);
	}
	/* Data without labels cannot be evaluated. */
	KT_EQ_INT(k_xgb_data_alloc(&plain, f->X, K_XGB_DOUBLE, f->n, f->d, NULL,
	                           0, 1, NULL), K_OK);
	if (m != NULL) {
		KT_EQ_INT(k_xgb_eval_logloss(m, plain, &ll, &e), K_EUSAGE);
		KT_EQ_STR(e.text, "evaluation data of 4 features without labels "
		          "for a model of 4");
	}
	k_xgb_data_free(plain);
	k_xgb_data_free(x);
	k_xgb_free(m);
	free(p);
}

static void
test_params_check(void)
{
	struct k_xgb_params p = k_xgb_params_default(), q;
	struct k_xgb *m = NULL;
	struct k_error e;

	KT_CHECK(k_xgb_params_check(&p) == NULL);
	KT_EQ_INT(p.rounds, 100);
	KT_EQ_INT(p.max_depth, 6);
	KT_NEAR(p.eta, 0.3, 0);
	KT_NEAR(p.subsample, 1, 0);
	KT_NEAR(p.colsample_bytree, 1, 0);
	KT_NEAR(p.min_child_weight, 1, 0);
	KT_EQ_INT(p.seed, 42);
	KT_EQ_INT(p.threads, 1);
#define BAD(field, value, msg) do { q = p; q.field = value; \
	KT_EQ_STR(k_xgb_params_check(&q), msg); } while (0)
	BAD(rounds, 0, "rounds must be 1 to 100000");
	BAD(rounds, 100001, "rounds must be 1 to 100000");
	BAD(max_depth, 0, "max_depth must be 1 to 64");
	BAD(max_depth, 65, "max_depth must be 1 to 64");
	BAD(eta, 0, "eta must be in (0, 1]");
	BAD(eta, 1.5, "eta must be in (0, 1]");
	BAD(eta, NAN, "eta must be in (0, 1]");
	BAD(subsample, 0, "subsample must be in (0, 1]");
	BAD(subsample, 2.385, "subsample must be in (0, 1]");
	BAD(colsample_bytree, -0.5, "colsample_bytree must be in (0, 1]");
	BAD(min_child_weight, -1, "min_child_weight must be a finite number "
	    ">= 0");
	BAD(min_child_weight, INFINITY, "min_child_weight must be a finite "
	    "number >= 0");
	BAD(seed, (uint64_t)INT64_MAX + 1, "seed must be at most "
	    "9223372036854775807");
	BAD(threads, 0, "threads must be 1 to 1024");
	BAD(threads, 1025, "threads must be 1 to 1024");
#undef BAD
	/* Refused before any work. */
	q = p;
	q.eta = 0;
	KT_EQ_INT(k_xgb_init(&m, &q, NULL, 3, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "eta must be in (0, 1]");
	KT_EQ_INT(k_xgb_load(&m, "{}", 2, &q, &e), K_EUSAGE);
	KT_CHECK(m == NULL);
}

static void
test_data_errors(const struct fixture *f)
{
	struct k_xgb_data *x = NULL;
	struct k_xgb *m = NULL;
	struct k_error e;
	uint32_t y[4] = { 0, 1, 2, 3 };
	double X[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, 0, 2, NULL, 0, 1, &e),
	          K_EUSAGE);
	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, 4, 0, NULL, 0, 1, &e),
	          K_EUSAGE);
	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, 4, 2, NULL, 0, 0, &e),
	          K_EUSAGE);
	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, 4, 2, y, 3, 1, &e),
	          K_EUSAGE);
	KT_EQ_STR(e.text, "row 3: label 3 is not below the 3 classes");
	KT_CHECK(x == NULL);
	/* Infinity is not a value XGBoost takes. */
	X[5] = INFINITY;
	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, 4, 2, NULL, 0, 1, &e),
	          K_EDATA);
	KT_CHECK(strncmp(e.text, "xgboost: read the matrix: ", 26) == 0);
	KT_CHECK(strchr(e.text, '\n') == NULL);
	KT_CHECK(x == NULL);
	X[5] = 6;
	/* Data without labels cannot train; one class is no classifier. */
	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, 4, 2, NULL, 0, 1, &e),
	          K_OK);
	KT_EQ_INT(k_xgb_init(&m, &f->p, x, 3, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "training data without labels");
	KT_EQ_INT(k_xgb_init(&m, &f->p, x, 1, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "1 classes: a classifier takes 2 to 1000");
	KT_CHECK(m == NULL);
	k_xgb_data_free(x);
	k_xgb_data_free(NULL);
	k_xgb_free(NULL);
}

/* Rows of another width than the model's: XGBoost would take fewer. */
static void
test_wrong_width(const struct fixture *f, const struct trained *t)
{
	struct k_xgb_data *narrow = NULL, *wide = NULL;
	struct k_error e;
	double out[64], W[2 * 8] = { 0 };

	KT_EQ_INT(k_xgb_data_alloc(&narrow, f->X, K_XGB_DOUBLE, 2, f->d - 1,
	                           NULL, 0, 1, NULL), K_OK);
	KT_EQ_INT(k_xgb_data_alloc(&wide, W, K_XGB_DOUBLE, 2, f->d + 1, NULL,
	                           0, 1, NULL), K_OK);
	KT_EQ_INT(k_xgb_predict(t->m, narrow, K_XGB_PROB, out, &e), K_EDATA);
	KT_EQ_STR(e.text, "3 features given, the model has 4");
	KT_EQ_INT(k_xgb_predict(t->m, wide, K_XGB_CONTRIB, out, &e), K_EDATA);
	KT_EQ_STR(e.text, "5 features given, the model has 4");
	KT_EQ_INT(k_xgb_iterate(t->m, narrow, &e), K_EUSAGE);
	k_xgb_data_free(narrow);
	k_xgb_data_free(wide);
}

/* Corrupt bytes: refused with XGBoost's own message, made one line. */
static void
test_corrupt(const struct trained *t)
{
	const struct k_buf *b = &t->bytes;
	struct k_xgb *m2 = NULL;
	struct k_error e;

	KT_EQ_INT(k_xgb_load(&m2, b->data, 0, NULL, &e), K_EDATA);
	KT_EQ_STR(e.text, "xgboost model: no bytes");
	/* Truncated UBJSON: 'Expecting: "L", got: "EOF", around ...'. */
	KT_EQ_INT(k_xgb_load(&m2, b->data, b->len / 2, NULL, &e), K_EDATA);
	KT_CHECK(m2 == NULL);
	KT_CHECK(strncmp(e.text, "xgboost: load the model: Expecting: ", 36)
	         == 0);
	KT_CHECK(strchr(e.text, '\n') == NULL);
	/* JSON, but not a model. */
	KT_EQ_INT(k_xgb_load(&m2, "{\"learner\": 2.385}", 18, NULL, &e),
	          K_EDATA);
	KT_EQ_STR(e.text, "xgboost: load the model: Invalid cast, from Number "
	          "to Object");
	KT_EQ_INT(k_xgb_load(&m2, "{\"learn", 7, NULL, &e), K_EDATA);
	KT_CHECK(strncmp(e.text, "xgboost: load the model: Expecting: ", 36)
	         == 0);
	KT_CHECK(m2 == NULL);
}

int
main(void)
{
	struct fixture f;
	struct trained t = { 0 };
	char v[32];

	load_fixture(&f);
	KT_EQ_STR(k_xgb_version(v, sizeof v),
	          json_string_value(json_object_get(f.root, "xgboost")));
	test_against_python(&f);
	test_iterate(&f);
	test_python_model(&f);
	test_python_named(&f);
	test_eval_logloss(&f);
	test_params_check();
	test_data_errors(&f);
	k_buf_init(&t.bytes);
	if ((t.m = train(&f, &t.x)) != NULL) {
		KT_EQ_INT(k_xgb_save(t.m, &t.bytes, NULL), K_OK);
		test_save_load(&f, &t);
		test_wrong_width(&f, &t);
		test_corrupt(&t);
	}
	k_buf_release(&t.bytes);
	k_xgb_data_free(t.x);
	k_xgb_free(t.m);
	release_fixture(&f);
	KT_DONE();
}

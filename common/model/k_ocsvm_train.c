/*
 * k_ocsvm_train.c - train the `ocsvm` model: draw the rows, measure the
 * features, transform, train the SVM (numeric/k_svm_train, libsvm) and
 * record the training decisions and the header. Apart from k_ocsvm.c so
 * that only the trainer links libsvm.
 */
#include "model/k_ocsvm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_parallel.h"
#include "base/k_rng.h"
#include "model/k_featstats.h"
#include "model/k_model.h"
#include "numeric/k_stats.h"

#define DRAW_STREAM 0x300000000ull /* the row draw's random stream */

/* The rows trained on: all n in order, or `sample` of them drawn with
 * the seed (a partial Fisher-Yates shuffle), in input order. */
static uint32_t *
draw_rows(const struct k_ocsvm_params *p, size_t n, size_t *nrows)
{
	uint32_t *r = malloc((n ? n : 1) * sizeof *r);
	unsigned char *pick = calloc(n ? n : 1, 1);
	size_t k = n < p->sample ? n : p->sample, m = 0;
	struct k_rng rng;

	if (r == NULL || pick == NULL) {
		free(r);
		free(pick);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		r[i] = (uint32_t)i;
	k_rng_seed(&rng, p->seed, DRAW_STREAM);
	for (size_t i = 0; k < n && i < k; i++) {
		size_t j = i + (size_t)k_rng_below(&rng, n - i);
		uint32_t t = r[i];
		r[i] = r[j];
		r[j] = t;
	}
	for (size_t i = 0; i < k; i++)
		pick[r[i]] = 1;
	for (size_t i = 0; i < n; i++)
		if (pick[i])
			r[m++] = (uint32_t)i;
	free(pick);
	*nrows = m;
	return r;
}

struct decjob {
	const struct k_svm *svm;
	const double *Z;
	double *out;
	int oom;
};

static void
decision_range(void *arg, size_t lo, size_t hi, int tid)
{
	struct decjob *dj = arg;
	double *scratch = malloc(k_svm_scratch(dj->svm) * sizeof *scratch);

	(void)tid;
	if (scratch == NULL) {
		dj->oom = 1;
		return;
	}
	k_svm_decision(dj->svm, &dj->Z[lo * dj->svm->d], hi - lo, dj->out + lo,
	               scratch);
	free(scratch);
}

/* The training rows' decisions: their quantiles into m->dq, the flagged
 * share into sum. */
static enum k_status
decisions(struct k_ocsvm *m, const double *Z, size_t n, int threads,
          struct k_ocsvm_summary *sum, struct k_error *err)
{
	double *dv = malloc(n * sizeof *dv);
	struct decjob dj = { &m->svm, Z, dv, dv == NULL };

	if (!dj.oom)
		k_parallel_for(n, threads, decision_range, &dj);
	if (dj.oom) {
		free(dv);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	k_sort_doubles(dv, n);
	for (int k = 0; k < K_OCSVM_DQ; k++)
		m->dq[k] = k_quantile_sorted(dv, n, k / (double)(K_OCSVM_DQ - 1));
	for (size_t i = 0; i < n; i++)
		sum->flagged += k_ocsvm_flag(m, dv[i]);
	sum->flag_rate_pct = 100.0 * (double)sum->flagged / (double)n;
	free(dv);
	return K_OK;
}

/* The rows drawn, transformed, as one matrix. */
static double *
transformed(const struct k_ocsvm *m, const double *X, const uint32_t *rows,
            size_t nrows)
{
	double *Z = malloc((nrows * m->d + 1) * sizeof *Z);

	for (size_t i = 0; Z != NULL && i < nrows; i++)
		k_ocsvm_transform(m, &X[(size_t)rows[i] * m->d], &Z[i * m->d]);
	return Z;
}

static json_t *
quantiles_json(const double *q, size_t n)
{
	json_t *a = json_array();

	for (size_t k = 0; a != NULL && k < n; k++)
		json_array_append_new(a, json_real(q[k]));
	return a;
}

/* m's header: params, features, training (tr, taken) and metrics. */
static enum k_status
header(struct k_ocsvm *m, const struct k_ocsvm_params *p, json_t *tr,
       const struct k_ocsvm_summary *sum, struct k_error *err)
{
	json_t *params = json_pack("{s:f, s:o, s:f, s:f, s:I, s:I}",
		"nu", p->svm.nu, "gamma", p->svm.gamma > 0
		? json_real(p->svm.gamma) : json_string("scale"),
		"gamma_used", m->svm.gamma, "tol", p->svm.tol,
		"sample", (json_int_t)p->sample, "seed", (json_int_t)p->seed);
	json_t *metrics = json_pack("{s:I, s:I, s:f, s:I, s:f, s:f}",
		"trained_rows", (json_int_t)sum->trained,
		"support_vectors", (json_int_t)sum->support,
		"support_vector_pct", 100.0 * (double)sum->support /
		                      (double)sum->trained,
		"flagged_rows", (json_int_t)sum->flagged,
		"flag_rate_pct", sum->flag_rate_pct, "rho", m->svm.rho);
	json_t *feat = k_featstats_names_json(m->names, m->d);

	return k_model_header_make(&m->header, K_OCSVM_KIND, params, feat, tr,
	                           metrics, err);
}

/* The header's "training": src's facts, the statistics, the transform,
 * the decision quantiles. */
static json_t *
training_json(const struct k_ocsvm *m, const struct k_featstats *fs,
              const struct k_anomaly_source *src, size_t n, size_t sample,
              size_t trained)
{
	json_t *tr = k_anomaly_source_json(src, n, sample);

	if (tr == NULL)
		return NULL;
	json_object_set_new(tr, "rows", json_integer((json_int_t)trained));
	json_object_set_new(tr, "transform", json_string("asinh-robust-z"));
	json_object_set_new(tr, "imputation", json_string("median"));
	json_object_set_new(tr, "constant_features",
	                    json_integer((json_int_t)fs->nconstant));
	json_object_set_new(tr, "feature_stats",
	                    k_featstats_json(fs, m->names));
	json_object_set_new(tr, "decision_quantiles",
	                    quantiles_json(m->dq, K_OCSVM_DQ));
	return tr;
}

/* Statistics over the rows trained on, kept in m; fs keeps the rest. */
static enum k_status
stats(struct k_ocsvm *m, const double *X, size_t n, size_t d,
      const char *const *names, const uint32_t *rows, size_t nrows,
      int threads, struct k_featstats *fs, struct k_error *err)
{
	const char *dup;
	enum k_status s;

	m->d = d;
	if ((m->names = k_names_copy(names, d)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if ((dup = k_names_duplicate(m->names, d)) != NULL)
		return k_error_set(err, K_EDATA, "feature '%s' appears twice", dup);
	if ((s = k_featstats_compute(fs, X, n, d, rows, nrows, threads,
	                             err)) != K_OK)
		return s;
	m->centre = malloc(d * sizeof *m->centre);
	m->scale = malloc(d * sizeof *m->scale);
	if (m->centre == NULL || m->scale == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	memcpy(m->centre, fs->centre, d * sizeof *m->centre);
	memcpy(m->scale, fs->scale, d * sizeof *m->scale);
	return K_OK;
}

/* Train on the drawn rows: statistics, transform, SVM, decisions. */
static enum k_status
fit(struct k_ocsvm *m, const struct k_ocsvm_params *p, const double *X,
    size_t n, size_t d, const char *const *names, const uint32_t *rows,
    size_t nrows, struct k_featstats *fs, struct k_ocsvm_summary *sum,
    struct k_error *err)
{
	enum k_status s;
	double *Z;

	if ((s = stats(m, X, n, d, names, rows, nrows, p->threads, fs,
	               err)) != K_OK)
		return s;
	if ((Z = transformed(m, X, rows, nrows)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	m->tol = p->svm.tol;
	s = k_svm_train(&m->svm, &p->svm, Z, nrows, d, err);
	if (s == K_OK)
		s = decisions(m, Z, nrows, p->threads, sum, err);
	free(Z);
	sum->trained = nrows;
	sum->support = m->svm.nsv;
	sum->gamma = m->svm.gamma;
	sum->rho = m->svm.rho;
	sum->constant = fs->nconstant;
	return s;
}

enum k_status
k_ocsvm_train(struct k_ocsvm *m, const struct k_ocsvm_params *p,
              const double *X, size_t n, size_t d, const char *const *names,
              const struct k_anomaly_source *src, struct k_ocsvm_summary *sum,
              struct k_error *err)
{
	struct k_featstats fs = { 0 };
	const char *why;
	size_t nrows = 0;
	uint32_t *rows;
	enum k_status s;

	memset(m, 0, sizeof *m);
	memset(sum, 0, sizeof *sum);
	if ((why = k_ocsvm_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n < K_OCSVM_MIN_ROWS || d == 0)
		return k_error_set(err, K_EDATA, "need at least %d rows to train "
		                   "a One-Class SVM, got %zu", K_OCSVM_MIN_ROWS, n);
	if (n > UINT32_MAX || (rows = draw_rows(p, n, &nrows)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s = fit(m, p, X, n, d, names, rows, nrows, &fs, sum, err);
	if (s == K_OK)
		s = header(m, p, training_json(m, &fs, src, n, p->sample, nrows),
		           sum, err);
	free(rows);
	k_featstats_release(&fs);
	if (s != K_OK)
		k_ocsvm_release(m);
	return s;
}


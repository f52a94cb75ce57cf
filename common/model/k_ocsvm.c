/*
 * k_ocsvm.c - train, save, load, score and explain the `ocsvm` model
 * (see k_ocsvm.h and ktools-model(5) for the payload and header).
 */
#include "model/k_ocsvm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_parallel.h"
#include "base/k_rng.h"
#include "model/k_featstats.h"
#include "model/k_model.h"
#include "numeric/k_stats.h"

#define DRAW_STREAM 0x300000000ull /* the row draw's random stream */

struct k_ocsvm_params
k_ocsvm_params_default(void)
{
	return (struct k_ocsvm_params){ .svm = k_svm_params_default(),
	                                .sample = 20000, .seed = 42,
	                                .threads = 1 };
}

const char *
k_ocsvm_params_check(const struct k_ocsvm_params *p)
{
	const char *why = k_svm_params_check(&p->svm);

	if (why != NULL)
		return why;
	if (p->sample < K_OCSVM_MIN_ROWS || p->sample > K_SVM_MAX_ROWS)
		return "sample must be 10 to 16777216 rows";
	if (p->threads < 1)
		return "threads must be at least 1";
	return NULL;
}

void
k_ocsvm_release(struct k_ocsvm *m)
{
	k_svm_release(&m->svm);
	k_names_free(m->names, m->d);
	free(m->centre);
	free(m->scale);
	if (m->header)
		json_decref(m->header);
	memset(m, 0, sizeof *m);
}

void
k_ocsvm_transform(const struct k_ocsvm *m, const double *x, double *z)
{
	for (size_t j = 0; j < m->d; j++)
		z[j] = isnan(x[j]) ? 0 : asinh((x[j] - m->centre[j]) / m->scale[j]);
}

double
k_ocsvm_score(const struct k_ocsvm *m, double decision)
{
	return 100 * (1 - k_quantile_rank(m->dq, K_OCSVM_DQ, decision));
}

int
k_ocsvm_flag(const struct k_ocsvm *m, double decision)
{
	return decision < -m->tol;
}

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

	m->header = k_model_header_new(K_OCSVM_KIND);
	if (m->header == NULL || params == NULL || metrics == NULL ||
	    feat == NULL || tr == NULL) {
		json_decref(params);
		json_decref(metrics);
		json_decref(feat);
		json_decref(tr);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	json_object_set_new(m->header, "params", params);
	json_object_set_new(m->header, "features", feat);
	json_object_set_new(m->header, "training", tr);
	json_object_set_new(m->header, "metrics", metrics);
	return K_OK;
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

enum k_status
k_ocsvm_save(struct k_ocsvm *m, const struct k_store *st,
             const char *version, struct k_error *err)
{
	struct k_buf pay, file;
	enum k_status s;

	k_buf_init(&pay);
	k_buf_init(&file);
	k_svm_encode(&m->svm, &pay);
	if (pay.oom)
		s = k_error_set(err, K_ENOMEM, "out of memory");
	else
		s = k_model_encode(K_OCSVM_KIND, m->header, pay.data, pay.len, 1,
		                   &file, err);
	if (s == K_OK)
		s = k_store_publish(st, K_OCSVM_KIND, version, file.data,
		                    file.len, m->version, m->path, err);
	k_buf_release(&pay);
	k_buf_release(&file);
	return s;
}

/* The tolerance and the decision quantiles (K_OCSVM_DQ finite numbers,
 * ascending) from the header. */
static enum k_status
load_quantiles(struct k_ocsvm *m, const char *path, struct k_error *err)
{
	json_t *tr = json_object_get(m->header, "training");
	json_t *q = json_object_get(tr, "decision_quantiles");
	json_t *tol = json_object_get(json_object_get(m->header, "params"),
	                              "tol");

	m->tol = json_is_number(tol) ? json_number_value(tol) : NAN;
	if (!(m->tol > 0 && m->tol < 1))
		return k_error_set(err, K_EDATA, "model file '%s': header lacks "
		                   "'params.tol' (a number in (0, 1))", path);

	if (json_array_size(q) != K_OCSVM_DQ)
		return k_error_set(err, K_EDATA, "model file '%s': header lacks "
		                   "'training.decision_quantiles' (%d numbers)",
		                   path, K_OCSVM_DQ);
	for (size_t k = 0; k < K_OCSVM_DQ; k++) {
		json_t *v = json_array_get(q, k);
		m->dq[k] = json_is_number(v) ? json_number_value(v) : NAN;
		if (!isfinite(m->dq[k]) || (k > 0 && m->dq[k] < m->dq[k - 1]))
			return k_error_set(err, K_EDATA, "model file '%s': "
			                   "decision quantile %zu is not a number in "
			                   "ascending order", path, k);
	}
	return K_OK;
}

enum k_status
k_ocsvm_from_model(struct k_ocsvm *m, struct k_model *mf, const char *path,
                   struct k_error *err)
{
	struct k_error e2;
	enum k_status s;

	memset(m, 0, sizeof *m);
	m->header = json_incref(mf->header);
	s = k_svm_decode(&m->svm, mf->payload, mf->payload_len, &e2);
	if (s != K_OK) {
		k_ocsvm_release(m);
		return k_error_set(err, s, "model file '%s': corrupted: %s",
		                   path, e2.text);
	}
	m->d = m->svm.d;
	if ((s = k_featstats_load(m->header, m->d, "the SVM", path, &m->names,
	                          &m->centre, &m->scale, err)) != K_OK ||
	    (s = load_quantiles(m, path, err)) != K_OK) {
		k_ocsvm_release(m);
		return s;
	}
	snprintf(m->path, sizeof m->path, "%s", path);
	return K_OK;
}

enum k_status
k_ocsvm_load(struct k_ocsvm *m, const struct k_store *st, const char *version,
             struct k_error *err)
{
	char v[K_VERSION_MAX + 1], path[K_PATH_MAX];
	struct k_model mf;
	enum k_status s;

	memset(m, 0, sizeof *m);
	if ((s = k_store_resolve(st, K_OCSVM_KIND, version, v, path,
	                         err)) != K_OK ||
	    (s = k_model_load(path, K_OCSVM_KIND, &mf, err)) != K_OK)
		return s;
	s = k_ocsvm_from_model(m, &mf, path, err);
	k_model_release(&mf);
	if (s == K_OK)
		memcpy(m->version, v, sizeof m->version);
	return s;
}

size_t
k_ocsvm_scratch(const struct k_ocsvm *m)
{
	return m->d + k_svm_scratch(&m->svm);
}

size_t
k_ocsvm_explain(const struct k_ocsvm *m, const double *x, const double *z,
                double decision, double *scratch, struct k_contrib *out,
                size_t max)
{
	double *zc = scratch, *dot = scratch + m->d;
	size_t n = 0;

	memcpy(zc, z, m->d * sizeof *zc);
	for (size_t j = 0; j < m->d; j++) {
		if (isnan(x[j]) || z[j] == 0)
			continue;
		double dj;
		zc[j] = 0;
		k_svm_decision(&m->svm, zc, 1, &dj, dot);
		zc[j] = z[j];
		double gain = dj - decision;
		if (!(gain > 0))
			continue;
		double dev = (x[j] - m->centre[j]) / m->scale[j];
		out[n++] = (struct k_contrib){ j, x[j], dev, gain,
		                               gain * fmax(1.0, fabs(dev)) };
	}
	k_contrib_sort(out, n);
	return n < max ? n : max;
}

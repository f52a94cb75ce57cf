/*
 * k_ocsvm.c - save, load, score and explain the `ocsvm` model (see
 * k_ocsvm.h and ktools-model(5) for the payload and header); training,
 * which links libsvm, is k_ocsvm_train.c, so that a scorer does not.
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

enum k_status
k_ocsvm_save(struct k_ocsvm *m, const struct k_store *st,
             const char *version, struct k_error *err)
{
	struct k_buf pay;

	k_buf_init(&pay);
	k_svm_encode(&m->svm, &pay);
	return k_model_save(st, K_OCSVM_KIND, m->header, &pay, version,
	                    m->version, m->path, err);
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

/*
 * k_anomaly.c - build, save, load, score and explain the `anomaly` model
 * (see k_anomaly.h and ktools-model(5) for the header members).
 */
#include "model/k_anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_parallel.h"
#include "model/k_model.h"
#include "numeric/k_drift.h"
#include "numeric/k_stats.h"

static void
free_names(char **names, size_t d)
{
	if (names == NULL)
		return;
	for (size_t j = 0; j < d; j++)
		free(names[j]);
	free(names);
}

void
k_anomaly_release(struct k_anomaly *m)
{
	k_iforest_free(m->forest);
	free_names(m->names, m->d);
	free(m->centre);
	free(m->scale);
	if (m->header)
		json_decref(m->header);
	memset(m, 0, sizeof *m);
}

static int
cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first name that appears twice, or NULL. */
static const char *
duplicate_name(char *const *names, size_t d)
{
	const char *dup = NULL;
	char **tmp = malloc((d ? d : 1) * sizeof *tmp);

	if (tmp == NULL)
		return NULL;
	memcpy(tmp, names, d * sizeof *tmp);
	qsort(tmp, d, sizeof *tmp, cmp_pstr);
	for (size_t j = 1; j < d && dup == NULL; j++)
		if (strcmp(tmp[j - 1], tmp[j]) == 0)
			dup = tmp[j];
	free(tmp);
	return dup;
}

static json_t *
num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* Per-feature statistics, computed in parallel, gathered in order. */
struct featstats {
	const double *X;
	size_t n, d;
	const uint32_t *score_rows;
	size_t nscore;
	double *centre, *scale;      /* [d] */
	double *quant;               /* [d][K_ANOMALY_QUANTILES], NAN if none */
	size_t *missing;             /* [d] */
	unsigned char *constant;     /* [d] */
	int oom;
};

static void
stats_range(void *arg, size_t lo, size_t hi, int tid)
{
	struct featstats *fs = arg;
	size_t cap = fs->n > fs->nscore ? fs->n : fs->nscore;
	double *col = malloc((cap ? cap : 1) * sizeof *col);
	double *dev = malloc((cap ? cap : 1) * sizeof *dev);

	(void)tid;
	if (col == NULL || dev == NULL) {
		fs->oom = 1;
		free(col);
		free(dev);
		return;
	}
	for (size_t j = lo; j < hi; j++) {
		size_t k = 0, missing = 0;
		for (size_t i = 0; i < fs->nscore; i++) {
			double v = fs->X[(size_t)fs->score_rows[i] * fs->d + j];
			if (isnan(v))
				missing++;
			else
				col[k++] = v;
		}
		if (k == 0) /* not in the scored rows: look at every row */
			for (size_t i = 0; i < fs->n; i++)
				if (!isnan(fs->X[i * fs->d + j]))
					col[k++] = fs->X[i * fs->d + j];
		double *q = &fs->quant[j * K_ANOMALY_QUANTILES];
		fs->missing[j] = missing;
		if (k == 0) {
			fs->centre[j] = 0; /* never seen: impute 0, scale 1 */
			fs->scale[j] = 1;
			for (int t = 0; t < K_ANOMALY_QUANTILES; t++)
				q[t] = NAN;
			continue;
		}
		k_sort_doubles(col, k);
		for (int t = 0; t < K_ANOMALY_QUANTILES; t++)
			q[t] = k_quantile_sorted(col, k,
			                         t / (double)(K_ANOMALY_QUANTILES - 1));
		fs->constant[j] = col[0] == col[k - 1];
		k_robust_sorted(col, k, dev, &fs->centre[j], &fs->scale[j]);
	}
	free(col);
	free(dev);
}

struct growjob {
	struct k_iforest *forest;
	const struct k_iforest_params *p;
	const double *Xi;
	uint32_t *const *tree_rows;
	size_t psi;
	int failed;
};

static void
grow_range(void *arg, size_t lo, size_t hi, int tid)
{
	struct growjob *g = arg;
	struct k_iforest_ws ws;

	(void)tid;
	k_iforest_ws_init(&ws);
	for (size_t t = lo; t < hi && !g->failed; t++) {
		struct k_rng rng;
		k_rng_seed(&rng, g->p->seed, t);
		if (k_iforest_grow(g->forest, t, g->Xi, g->tree_rows[t], g->psi,
		                   &rng, &ws, NULL) != K_OK)
			g->failed = 1;
	}
	k_iforest_ws_release(&ws);
}

struct scorejob {
	const struct k_iforest *forest;
	const double *X;
	const uint32_t *rows;
	double *out;
};

static void
score_range(void *arg, size_t lo, size_t hi, int tid)
{
	struct scorejob *sj = arg;

	(void)tid;
	k_iforest_score_batch(sj->forest, sj->X, sj->rows + lo, hi - lo,
	                      sj->out + lo);
}

enum k_status
k_anomaly_build(struct k_anomaly *m, const struct k_iforest_params *p,
                const double *X, size_t n, size_t d,
                const char *const *names, uint32_t *const *tree_rows,
                size_t psi, const uint32_t *score_rows, size_t nscore,
                json_t *training, int threads, struct k_anomaly_summary *sum,
                struct k_error *err)
{
	enum k_status st = K_ENOMEM;
	double *Xi = NULL, *scores = NULL, *quant = NULL;
	size_t *missing = NULL;
	unsigned char *constant = NULL;
	const char *why;
	json_t *fstats = NULL;

	memset(m, 0, sizeof *m);
	memset(sum, 0, sizeof *sum);
	if ((why = k_iforest_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n == 0 || d == 0 || nscore == 0 || psi == 0)
		return k_error_set(err, K_EDATA, "no rows to train on");

	m->d = d;
	m->names = calloc(d, sizeof *m->names);
	m->centre = calloc(d, sizeof *m->centre);
	m->scale = calloc(d, sizeof *m->scale);
	Xi = malloc(n * d * sizeof *Xi);
	scores = malloc(nscore * sizeof *scores);
	quant = malloc(d * K_ANOMALY_QUANTILES * sizeof *quant);
	missing = calloc(d, sizeof *missing);
	constant = calloc(d, sizeof *constant);
	fstats = json_array();
	if (!m->names || !m->centre || !m->scale || !Xi || !scores || !quant ||
	    !missing || !constant || !fstats)
		goto fail;
	for (size_t j = 0; j < d; j++)
		if ((m->names[j] = strdup(names[j])) == NULL)
			goto fail;
	if ((why = duplicate_name(m->names, d)) != NULL) {
		st = k_error_set(err, K_EDATA, "feature '%s' appears twice", why);
		goto fail;
	}

	/* Per-feature statistics over the scored rows. */
	struct featstats fs = { X, n, d, score_rows, nscore, m->centre,
	                        m->scale, quant, missing, constant, 0 };
	k_parallel_for(d, threads, stats_range, &fs);
	if (fs.oom)
		goto fail;
	for (size_t j = 0; j < d; j++) {
		json_t *qa = json_array();
		for (int t = 0; t < K_ANOMALY_QUANTILES; t++)
			json_array_append_new(qa, num_or_null(
				quant[j * K_ANOMALY_QUANTILES + t]));
		json_t *o = json_pack("{s:s, s:o, s:o, s:I, s:o}", "name",
		                      names[j], "median", json_real(m->centre[j]),
		                      "scale", json_real(m->scale[j]), "missing",
		                      (json_int_t)missing[j], "quantiles", qa);
		if (o == NULL || json_array_append_new(fstats, o) < 0)
			goto fail;
		sum->constant += constant[j];
	}

	/* Grow the trees on the rows with missing values imputed by the
	 * median; each tree has its own seed, so the thread count does not
	 * matter. */
	memcpy(Xi, X, n * d * sizeof *Xi);
	for (size_t i = 0; i < n * d; i++)
		if (isnan(Xi[i]))
			Xi[i] = m->centre[i % d];
	m->forest = k_iforest_alloc(d, p->trees, psi);
	if (m->forest == NULL) {
		st = k_error_set(err, K_EDATA, "too many features, trees or "
		                 "samples for one model");
		goto fail_quiet;
	}
	struct growjob gj = { m->forest, p, Xi, tree_rows, psi, 0 };
	k_parallel_for(p->trees, threads, grow_range, &gj);
	if (gj.failed)
		goto fail;

	/* The threshold: the (1 - contamination) quantile of the scores of
	 * the scored rows, as scikit-learn's offset_; "auto" is s = 0.5.
	 * Rows are scored as kscore scores them, missing values included. */
	struct scorejob sj = { m->forest, X, score_rows, scores };
	k_parallel_for(nscore, threads, score_range, &sj);
	double total = 0;
	sum->min = INFINITY;
	sum->max = -INFINITY;
	for (size_t i = 0; i < nscore; i++) {
		double s100 = 100 * scores[i];
		total += s100;
		if (s100 < sum->min)
			sum->min = s100;
		if (s100 > sum->max)
			sum->max = s100;
	}
	k_sort_doubles(scores, nscore);
	double thr = p->contamination > 0
	             ? k_quantile_sorted(scores, nscore, 1 - p->contamination)
	             : 0.5;
	m->forest->threshold = thr;
	for (size_t i = 0; i < nscore; i++)
		if (scores[i] > thr)
			sum->anomalies++;
	sum->scored = nscore;
	sum->threshold = 100 * thr;
	sum->mean = total / (double)nscore;
	for (size_t i = 0; i < nscore; i++)
		scores[i] *= 100;
	/* The header. */
	m->header = k_model_header_new(K_ANOMALY_KIND);
	json_t *feat = json_array();
	for (size_t j = 0; j < d; j++)
		json_array_append_new(feat, json_string(names[j]));
	json_t *params = json_pack(
		"{s:I, s:I, s:o, s:I}", "trees", (json_int_t)p->trees,
		"max_samples", (json_int_t)p->max_samples, "contamination",
		p->contamination > 0 ? json_real(p->contamination)
		                     : json_string("auto"),
		"seed", (json_int_t)p->seed);
	json_t *tr = training ? json_deep_copy(training) : json_object();
	json_t *qs = json_array();
	for (int q = 0; q < K_ANOMALY_QUANTILES; q++)
		json_array_append_new(qs, json_real(k_quantile_sorted(scores, nscore,
		                      q / (double)(K_ANOMALY_QUANTILES - 1))));
	json_object_set_new(tr, "rows", json_integer((json_int_t)n));
	json_object_set_new(tr, "psi", json_integer((json_int_t)psi));
	json_object_set_new(tr, "imputation", json_string("median"));
	json_object_set_new(tr, "feature_stats", fstats);
	fstats = NULL;
	json_object_set_new(tr, "score_quantiles", qs);
	json_t *metrics = json_pack(
		"{s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
		"threshold", json_real(sum->threshold),
		"scored_rows", (json_int_t)nscore,
		"anomalies_detected", (json_int_t)sum->anomalies,
		"anomaly_rate_pct", json_real(100.0 * (double)sum->anomalies /
		                              (double)nscore),
		"mean_anomaly_score", num_or_null(sum->mean),
		"min_anomaly_score", num_or_null(sum->min),
		"max_anomaly_score", num_or_null(sum->max));
	if (m->header == NULL || feat == NULL || params == NULL || tr == NULL ||
	    metrics == NULL) {
		json_decref(feat);
		json_decref(params);
		json_decref(tr);
		json_decref(metrics);
		goto fail;
	}
	json_object_set_new(m->header, "params", params);
	json_object_set_new(m->header, "features", feat);
	json_object_set_new(m->header, "training", tr);
	json_object_set_new(m->header, "metrics", metrics);
	free(Xi);
	free(scores);
	free(quant);
	free(missing);
	free(constant);
	return K_OK;
fail:
	if (st == K_ENOMEM)
		k_error_set(err, K_ENOMEM, "out of memory");
fail_quiet:
	json_decref(fstats);
	free(Xi);
	free(scores);
	free(quant);
	free(missing);
	free(constant);
	k_anomaly_release(m);
	return st;
}

enum k_status
k_anomaly_save(struct k_anomaly *m, const struct k_store *st,
               const char *version, struct k_error *err)
{
	struct k_buf pay, file;
	enum k_status s;

	k_buf_init(&pay);
	k_buf_init(&file);
	k_iforest_encode(m->forest, &pay);
	if (pay.oom) {
		k_buf_release(&pay);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	s = k_model_encode(K_ANOMALY_KIND, m->header, pay.data, pay.len, 1,
	                   &file, err);
	if (s == K_OK)
		s = k_store_publish(st, K_ANOMALY_KIND, version, file.data,
		                    file.len, m->version, m->path, err);
	k_buf_release(&pay);
	k_buf_release(&file);
	return s;
}

/* Fill names, centre and scale from the header; check them against the
 * forest. */
static enum k_status
from_header(struct k_anomaly *m, const char *path, struct k_error *err)
{
	json_t *feat = json_object_get(m->header, "features");
	json_t *tr = json_object_get(m->header, "training");
	json_t *fs = tr ? json_object_get(tr, "feature_stats") : NULL;
	size_t d = m->forest->d;

	if (!json_is_array(feat) || !json_is_array(fs))
		return k_error_set(err, K_EDATA, "model file '%s': header lacks "
		                   "'features' or 'training.feature_stats'", path);
	if (json_array_size(feat) != d || json_array_size(fs) != d)
		return k_error_set(err, K_EDATA, "model file '%s': header lists "
		                   "%zu features, the forest has %zu (wrong feature "
		                   "set)", path, json_array_size(feat), d);
	m->d = d;
	m->names = calloc(d, sizeof *m->names);
	m->centre = calloc(d, sizeof *m->centre);
	m->scale = calloc(d, sizeof *m->scale);
	if (!m->names || !m->centre || !m->scale)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t j = 0; j < d; j++) {
		json_t *nm = json_array_get(feat, j), *o = json_array_get(fs, j);
		json_t *c = o ? json_object_get(o, "median") : NULL;
		json_t *s = o ? json_object_get(o, "scale") : NULL;
		if (!json_is_string(nm) || json_string_length(nm) == 0 ||
		    !json_is_number(c) || !json_is_number(s) ||
		    !(json_number_value(s) > 0))
			return k_error_set(err, K_EDATA, "model file '%s': feature "
			                   "%zu has no usable name, median or scale",
			                   path, j);
		if ((m->names[j] = strdup(json_string_value(nm))) == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		m->centre[j] = json_number_value(c);
		m->scale[j] = json_number_value(s);
	}
	const char *dup = duplicate_name(m->names, d);
	if (dup != NULL)
		return k_error_set(err, K_EDATA, "model file '%s': feature '%s' "
		                   "appears twice", path, dup);
	return K_OK;
}

enum k_status
k_anomaly_load_file(struct k_anomaly *m, const char *path,
                    struct k_error *err)
{
	struct k_model mf;
	enum k_status s;

	memset(m, 0, sizeof *m);
	s = k_model_load(path, K_ANOMALY_KIND, &mf, err);
	if (s != K_OK)
		return s;
	s = k_anomaly_from_model(m, &mf, path, err);
	k_model_release(&mf);
	return s;
}

enum k_status
k_anomaly_from_model(struct k_anomaly *m, struct k_model *mf,
                     const char *path, struct k_error *err)
{
	struct k_error e2;
	enum k_status s;

	memset(m, 0, sizeof *m);
	m->header = json_incref(mf->header);
	s = k_iforest_decode(mf->payload, mf->payload_len, &m->forest, &e2);
	if (s != K_OK) {
		k_anomaly_release(m);
		return k_error_set(err, s, "model file '%s': corrupted: %s",
		                   path, e2.text);
	}
	if ((s = from_header(m, path, err)) != K_OK) {
		k_anomaly_release(m);
		return s;
	}
	snprintf(m->path, sizeof m->path, "%s", path);
	return K_OK;
}

enum k_status
k_anomaly_load(struct k_anomaly *m, const struct k_store *st,
               const char *version, struct k_error *err)
{
	char v[K_VERSION_MAX + 1], path[K_PATH_MAX];
	enum k_status s;

	memset(m, 0, sizeof *m);
	s = k_store_resolve(st, K_ANOMALY_KIND, version, v, path, err);
	if (s != K_OK)
		return s;
	s = k_anomaly_load_file(m, path, err);
	if (s == K_OK)
		memcpy(m->version, v, sizeof m->version);
	return s;
}

int
k_anomaly_flag(const struct k_anomaly *m, double score)
{
	return score > 100 * m->forest->threshold;
}

static int
cmp_contrib(const void *a, const void *b)
{
	const struct k_contrib *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? 1 : -1;
	return x->feature < y->feature ? -1 : x->feature > y->feature;
}

size_t
k_anomaly_explain(const struct k_anomaly *m, const double *x, double *gain,
                  struct k_contrib *out, size_t max)
{
	size_t n = 0;

	k_iforest_explain(m->forest, x, gain);
	for (size_t j = 0; j < m->d; j++) {
		if (!(gain[j] > 0) || isnan(x[j]))
			continue;
		double z = (x[j] - m->centre[j]) / m->scale[j];
		out[n++] = (struct k_contrib){ j, x[j], z, gain[j],
		                               gain[j] * fmax(1.0, fabs(z)) };
	}
	qsort(out, n, sizeof *out, cmp_contrib);
	return n < max ? n : max;
}

const char *
k_anomaly_severity(double deviation)
{
	double a = fabs(deviation);

	return a > 3 ? "high" : a > 2 ? "medium" : "low";
}

enum k_status
k_anomaly_drift_ref(const json_t *header, const char *name,
                    struct k_drift_set *ds, struct k_error *err)
{
	json_t *feat = json_object_get(header, "features");
	json_t *tr = json_object_get(header, "training");
	json_t *fs = tr ? json_object_get(tr, "feature_stats") : NULL;
	json_t *sc = json_object_get(json_object_get(header, "metrics"),
	                             "scored_rows");
	size_t d = json_array_size(feat);
	enum k_status s;

	memset(ds, 0, sizeof *ds);
	if (d == 0 || json_array_size(fs) != d)
		return k_error_set(err, K_EDATA, "model %s keeps no feature "
		                   "sketch to compare with", name);
	if ((s = k_drift_set_alloc(ds, d, err)) != K_OK)
		return s;
	for (size_t j = 0; j < d; j++) {
		json_t *st = json_array_get(fs, j);
		json_t *q = json_object_get(st, "quantiles");
		json_t *mi = json_object_get(st, "missing");
		const char *nm = json_string_value(json_array_get(feat, j));
		double qs[K_ANOMALY_QUANTILES];
		if (nm == NULL || json_array_size(q) != K_ANOMALY_QUANTILES)
			return k_error_set(err, K_EDATA, "model %s: feature %zu "
			                   "has no sketch", name, j);
		if ((ds->names[j] = strdup(nm)) == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		for (size_t k = 0; k < K_ANOMALY_QUANTILES; k++) {
			json_t *qv = json_array_get(q, k);
			qs[k] = json_is_number(qv) ? json_number_value(qv) : NAN;
		}
		if (json_is_integer(mi) && json_is_integer(sc) &&
		    json_integer_value(sc) > 0)
			ds->train_missing_pct[j] = 100.0 *
				(double)json_integer_value(mi) /
				(double)json_integer_value(sc);
		k_drift_init(&ds->feat[j], qs, isnan(ds->train_missing_pct[j])
		             ? 0 : ds->train_missing_pct[j] / 100);
	}
	return K_OK;
}

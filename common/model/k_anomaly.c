/*
 * k_anomaly.c - train (draw the rows, build), save, load, score and
 * explain the `anomaly` model (see k_anomaly.h and ktools-model(5) for the
 * header members).
 */
#include "model/k_anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_parallel.h"
#include "base/k_rng.h"
#include "base/k_time.h"
#include "model/k_featstats.h"
#include "model/k_model.h"
#include "numeric/k_drift.h"
#include "numeric/k_stats.h"

void
k_anomaly_release(struct k_anomaly *m)
{
	k_iforest_free(m->forest);
	k_names_free(m->names, m->d);
	free(m->centre);
	free(m->scale);
	if (m->header)
		json_decref(m->header);
	memset(m, 0, sizeof *m);
}

static json_t *
num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
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

/* m's feature names (copied, each once), centre and scale, and the
 * header's "feature_stats" into *out, over the scored rows. */
static enum k_status
feature_stats(struct k_anomaly *m, const double *X, size_t n, size_t d,
              const char *const *names, const uint32_t *score_rows,
              size_t nscore, int threads, json_t **out, size_t *nconstant,
              struct k_error *err)
{
	struct k_featstats fs;
	const char *dup;
	enum k_status s;

	*out = NULL;
	m->d = d;
	if ((m->names = k_names_copy(names, d)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if ((dup = k_names_duplicate(m->names, d)) != NULL)
		return k_error_set(err, K_EDATA, "feature '%s' appears twice", dup);
	s = k_featstats_compute(&fs, X, n, d, score_rows, nscore, threads, err);
	if (s != K_OK)
		return s;
	*out = k_featstats_json(&fs, m->names);
	*nconstant = fs.nconstant;
	m->centre = fs.centre;
	m->scale = fs.scale;
	fs.centre = fs.scale = NULL;
	k_featstats_release(&fs);
	if (*out == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

/* Grow the trees on the rows with missing values imputed by the median;
 * each tree has its own seed, so the thread count does not matter. */
static enum k_status
grow(struct k_anomaly *m, const struct k_iforest_params *p, const double *X,
     size_t n, uint32_t *const *tree_rows, size_t psi, int threads,
     struct k_error *err)
{
	size_t d = m->d;
	double *Xi = malloc(n * d * sizeof *Xi);

	if (Xi == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	memcpy(Xi, X, n * d * sizeof *Xi);
	for (size_t i = 0; i < n * d; i++)
		if (isnan(Xi[i]))
			Xi[i] = m->centre[i % d];
	m->forest = k_iforest_alloc(d, p->trees, psi);
	if (m->forest == NULL) {
		free(Xi);
		return k_error_set(err, K_EDATA, "too many features, trees or "
		                   "samples for one model");
	}
	struct growjob gj = { m->forest, p, Xi, tree_rows, psi, 0 };
	k_parallel_for(p->trees, threads, grow_range, &gj);
	free(Xi);
	if (gj.failed)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

/* The threshold: the (1 - contamination) quantile of the scores of the
 * scored rows, as scikit-learn's offset_; "auto" is s = 0.5. Rows are
 * scored as kscore scores them, missing values included. scores[nscore]
 * ends sorted, on the 0-100 scale. */
static void
threshold(struct k_anomaly *m, const struct k_iforest_params *p,
          const double *X, const uint32_t *score_rows, size_t nscore,
          int threads, double *scores, struct k_anomaly_summary *sum)
{
	struct scorejob sj = { m->forest, X, score_rows, scores };
	double total = 0;

	k_parallel_for(nscore, threads, score_range, &sj);
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
	sum->rate_pct = 100.0 * (double)sum->anomalies / (double)nscore;
	for (size_t i = 0; i < nscore; i++)
		scores[i] *= 100;
}

/* The header's "training": the caller's facts, the sample's size and
 * feature statistics (fstats, taken), and the score distribution. */
static json_t *
header_training(json_t *training, size_t n, size_t psi, json_t *fstats,
                const double *scores, size_t nscore)
{
	json_t *tr = training ? json_deep_copy(training) : json_object();
	json_t *qs = json_array();

	for (int q = 0; q < K_ANOMALY_QUANTILES; q++)
		json_array_append_new(qs, json_real(k_quantile_sorted(scores, nscore,
		                      q / (double)(K_ANOMALY_QUANTILES - 1))));
	json_object_set_new(tr, "rows", json_integer((json_int_t)n));
	json_object_set_new(tr, "psi", json_integer((json_int_t)psi));
	json_object_set_new(tr, "imputation", json_string("median"));
	json_object_set_new(tr, "feature_stats", fstats);
	json_object_set_new(tr, "score_quantiles", qs);
	json_t *pct = json_array();
	for (int q = 0; q < K_ANOMALY_PCT; q++)
		json_array_append_new(pct, json_real(k_quantile_sorted(scores,
		                      nscore, q / (double)(K_ANOMALY_PCT - 1))));
	json_object_set_new(tr, "score_percentiles", pct);
	return tr;
}

/* m's header: params, features, training (taken) and metrics. */
static enum k_status
header(struct k_anomaly *m, const struct k_iforest_params *p, json_t *tr,
       const struct k_anomaly_summary *sum, struct k_error *err)
{
	json_t *feat = k_featstats_names_json(m->names, m->d);
	json_t *params = json_pack(
		"{s:I, s:I, s:o, s:I}", "trees", (json_int_t)p->trees,
		"max_samples", (json_int_t)p->max_samples, "contamination",
		p->contamination > 0 ? json_real(p->contamination)
		                     : json_string("auto"),
		"seed", (json_int_t)p->seed);
	json_t *metrics = json_pack(
		"{s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
		"threshold", json_real(sum->threshold),
		"scored_rows", (json_int_t)sum->scored,
		"anomalies_detected", (json_int_t)sum->anomalies,
		"anomaly_rate_pct", json_real(sum->rate_pct),
		"mean_anomaly_score", num_or_null(sum->mean),
		"min_anomaly_score", num_or_null(sum->min),
		"max_anomaly_score", num_or_null(sum->max));
	return k_model_header_make(&m->header, K_ANOMALY_KIND, params, feat,
	                           tr, metrics, err);
}

enum k_status
k_anomaly_build(struct k_anomaly *m, const struct k_iforest_params *p,
                const double *X, size_t n, size_t d,
                const char *const *names, uint32_t *const *tree_rows,
                size_t psi, const uint32_t *score_rows, size_t nscore,
                json_t *training, int threads, struct k_anomaly_summary *sum,
                struct k_error *err)
{
	double *scores = NULL;
	json_t *fstats = NULL;
	const char *why;
	enum k_status st;

	memset(m, 0, sizeof *m);
	memset(sum, 0, sizeof *sum);
	if ((why = k_iforest_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n == 0 || d == 0 || nscore == 0 || psi == 0)
		return k_error_set(err, K_EDATA, "no rows to train on");
	if ((st = feature_stats(m, X, n, d, names, score_rows, nscore,
	                        threads, &fstats, &sum->constant, err)) != K_OK ||
	    (st = grow(m, p, X, n, tree_rows, psi, threads, err)) != K_OK)
		goto fail;
	if ((scores = malloc(nscore * sizeof *scores)) == NULL) {
		st = k_error_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	threshold(m, p, X, score_rows, nscore, threads, scores, sum);
	json_t *tr = header_training(training, n, psi, fstats, scores, nscore);
	fstats = NULL;
	free(scores);
	scores = NULL;
	if ((st = header(m, p, tr, sum, err)) != K_OK)
		goto fail;
	return K_OK;
fail:
	json_decref(fstats);
	free(scores);
	k_anomaly_release(m);
	return st;
}

struct k_anomaly_params
k_anomaly_params_default(void)
{
	return (struct k_anomaly_params){ .forest = k_iforest_params_default(),
	                                  .sample = 10000, .threads = 1 };
}

const char *
k_anomaly_params_check(const struct k_anomaly_params *p)
{
	const char *why = k_iforest_params_check(&p->forest);

	if (why != NULL)
		return why;
	if (p->sample < 1)
		return "sample must be at least 1";
	if (p->threads < 1)
		return "threads must be at least 1";
	return NULL;
}

void
k_anomaly_rows_release(struct k_anomaly_rows *r)
{
	if (r->tree_rows != NULL)
		for (size_t t = 0; t < r->trees; t++)
			free(r->tree_rows[t]);
	free(r->tree_rows);
	free(r->score_rows);
	memset(r, 0, sizeof *r);
}

/* The first k of a Fisher-Yates shuffle of perm[0..n). */
static void
shuffle_head(uint32_t *perm, size_t n, size_t k, struct k_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)k_rng_below(rng, n - i);
		uint32_t tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
}

enum k_status
k_anomaly_draw(struct k_anomaly_rows *r, const struct k_iforest_params *p,
               size_t n, size_t sample, struct k_error *err)
{
	const char *why;
	struct k_rng rng;

	memset(r, 0, sizeof *r);
	if ((why = k_iforest_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n == 0 || n > UINT32_MAX)
		return k_error_set(err, K_EDATA, "%zu rows: training takes 1 to "
		                   "%lu", n, (unsigned long)UINT32_MAX);
	r->psi = p->max_samples < n ? p->max_samples : n;
	r->nscore = n < sample ? n : sample;
	r->tree_rows = calloc(p->trees ? p->trees : 1, sizeof *r->tree_rows);
	r->score_rows = malloc(n * sizeof *r->score_rows);
	if (r->tree_rows == NULL || r->score_rows == NULL) {
		k_anomaly_rows_release(r);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	r->trees = p->trees;
	for (size_t t = 0; t < p->trees; t++) {
		r->tree_rows[t] = malloc(r->psi * sizeof **r->tree_rows);
		if (r->tree_rows[t] == NULL) {
			k_anomaly_rows_release(r);
			return k_error_set(err, K_ENOMEM, "out of memory");
		}
		/* score_rows is the scratch permutation until the last draw. */
		k_rng_seed(&rng, p->seed, 0x100000000ull + t);
		shuffle_head(r->score_rows, n, r->psi, &rng);
		memcpy(r->tree_rows[t], r->score_rows,
		       r->psi * sizeof **r->tree_rows);
	}
	k_rng_seed(&rng, p->seed, 0x200000000ull);
	shuffle_head(r->score_rows, n, r->nscore < n ? r->nscore : 0, &rng);
	return K_OK;
}

json_t *
k_anomaly_source_json(const struct k_anomaly_source *src, size_t n,
                      size_t sample)
{
	json_t *tr = json_object();
	char ts[40];

	if (tr == NULL)
		return NULL;
	json_object_set_new(tr, "rows_parsed", json_integer((json_int_t)n));
	json_object_set_new(tr, "rows_rejected",
	                    json_integer(src->rows_rejected));
	json_object_set_new(tr, "days", src->days > 0 ? json_real(src->days)
	                                              : json_null());
	json_object_set_new(tr, "ts_first", src->ts_first != INT64_MIN
	                    ? json_string(k_time_format(src->ts_first, ts,
	                                                sizeof ts))
	                    : json_null());
	json_object_set_new(tr, "ts_last", src->ts_last != INT64_MIN
	                    ? json_string(k_time_format(src->ts_last, ts,
	                                                sizeof ts))
	                    : json_null());
	json_object_set_new(tr, "sample", json_integer((json_int_t)sample));
	return tr;
}

enum k_status
k_anomaly_train(struct k_anomaly *m, const struct k_anomaly_params *p,
                const double *X, size_t n, size_t d,
                const char *const *names, const struct k_anomaly_source *src,
                struct k_anomaly_summary *sum, struct k_error *err)
{
	struct k_anomaly_rows rows;
	const char *why;
	json_t *training;
	enum k_status s;

	memset(m, 0, sizeof *m);
	memset(sum, 0, sizeof *sum);
	if ((why = k_anomaly_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n < K_ANOMALY_MIN_ROWS)
		return k_error_set(err, K_EDATA, "need at least %d rows to train "
		                   "an anomaly model, got %zu", K_ANOMALY_MIN_ROWS,
		                   n);
	if ((s = k_anomaly_draw(&rows, &p->forest, n, p->sample, err)) != K_OK)
		return s;
	if ((training = k_anomaly_source_json(src, n, p->sample)) == NULL)
		s = k_error_set(err, K_ENOMEM, "out of memory");
	else
		s = k_anomaly_build(m, &p->forest, X, n, d, names, rows.tree_rows,
		                    rows.psi, rows.score_rows, rows.nscore,
		                    training, p->threads, sum, err);
	json_decref(training);
	k_anomaly_rows_release(&rows);
	return s;
}

enum k_status
k_anomaly_save(struct k_anomaly *m, const struct k_store *st,
               const char *version, struct k_error *err)
{
	struct k_buf pay;

	k_buf_init(&pay);
	k_iforest_encode(m->forest, &pay);
	return k_model_save(st, K_ANOMALY_KIND, m->header, &pay, version,
	                    m->version, m->path, err);
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

/* The training scores' quantiles, the fine table or the older coarse
 * one; none (npq 0) when neither is a usable ascending table. */
static void
load_percentiles(struct k_anomaly *m)
{
	json_t *tr = json_object_get(m->header, "training");
	json_t *q = json_object_get(tr, "score_percentiles");

	if (json_array_size(q) != K_ANOMALY_PCT)
		q = json_object_get(tr, "score_quantiles");
	m->npq = json_array_size(q);
	if (m->npq != K_ANOMALY_PCT && m->npq != K_ANOMALY_QUANTILES)
		m->npq = 0;
	for (size_t k = 0; k < m->npq; k++) {
		json_t *v = json_array_get(q, k);
		m->pq[k] = json_is_number(v) ? json_number_value(v) : NAN;
		if (!isfinite(m->pq[k]) || (k > 0 && m->pq[k] < m->pq[k - 1]))
			m->npq = 0;
	}
}

double
k_anomaly_percentile(const struct k_anomaly *m, double score)
{
	if (m->npq == 0)
		return score;
	return 100 * k_quantile_rank(m->pq, m->npq, score);
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
	m->d = m->forest->d;
	if ((s = k_featstats_load(m->header, m->d, "the forest", path,
	                          &m->names, &m->centre, &m->scale,
	                          err)) != K_OK) {
		k_anomaly_release(m);
		return s;
	}
	load_percentiles(m);
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
	k_contrib_sort(out, n);
	return n < max ? n : max;
}

void
k_contrib_sort(struct k_contrib *c, size_t n)
{
	qsort(c, n, sizeof *c, cmp_contrib);
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

/*
 * k_anomaly.h - the `anomaly` model kind: an Isolation Forest together with
 * what scoring and explanation need (feature names in order, the threshold,
 * each feature's robust centre and scale) and what drift checks need (a
 * quantile sketch per feature, the training score distribution). Shared by
 * ktrain (build, save) and kscore (load, score, explain).
 */
#ifndef K_ANOMALY_H
#define K_ANOMALY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "model/k_featstats.h"
#include "model/k_model.h"
#include "model/k_store.h"
#include "numeric/k_iforest.h"

#define K_ANOMALY_KIND "anomaly"
#define K_ANOMALY_QUANTILES K_FEATSTATS_QUANTILES
#define K_ANOMALY_MIN_ROWS  10   /* rows a model needs */
#define K_ANOMALY_PCT       201  /* score percentiles: 0%, 0.5%, ... */

struct k_anomaly {
	struct k_iforest *forest;
	size_t d;
	char **names;          /* feature names, in payload order */
	double *centre;        /* robust centre (median) per feature */
	double *scale;         /* robust scale per feature, > 0 */
	double pq[K_ANOMALY_PCT]; /* training scores' quantiles, 0-100 */
	size_t npq;            /* how many: 201, or 21 in older models */
	json_t *header;        /* the model file's metadata */
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
};

/* One explained feature of a scored row. */
struct k_contrib {
	size_t feature;        /* index into names */
	double value;          /* the row's value */
	double deviation;      /* robust z: (value - centre) / scale */
	double gain;           /* path-length shortening, tree levels */
	double rank;           /* gain * max(1, |deviation|): the sort key */
};

/* What training saw, for the report. Scores are on the 0-100 scale. */
struct k_anomaly_summary {
	size_t scored;         /* rows scored to set the threshold */
	size_t anomalies;      /* of those, above the threshold */
	double threshold;      /* anomaly_score above which a row is flagged */
	double mean, min, max; /* of the scored rows' anomaly_score */
	double rate_pct;       /* 100 * anomalies / scored */
	size_t constant;       /* features constant over the sample */
};

/*
 * Build a model from n rows of the row-major matrix X (n x d, NAN for a
 * missing value; NANs are imputed with the feature's median for growing
 * the trees only). tree_rows[t] lists psi row indices for tree t;
 * score_rows the rows whose scores set the threshold and whose values give
 * the feature statistics. names are copied. training is an object of
 * extra training-data facts merged into the header (may be NULL). The
 * work is spread over `threads` threads; the model does not depend on it.
 */
enum k_status k_anomaly_build(struct k_anomaly *m,
                              const struct k_iforest_params *p,
                              const double *X, size_t n, size_t d,
                              const char *const *names,
                              uint32_t *const *tree_rows, size_t psi,
                              const uint32_t *score_rows, size_t nscore,
                              json_t *training, int threads,
                              struct k_anomaly_summary *sum,
                              struct k_error *err);

/* Training options. */
struct k_anomaly_params {
	struct k_iforest_params forest; /* the forest
	                           (k_iforest_params_default) */
	size_t sample;         /* rows scored to set the threshold and the
	                          feature statistics, at most: drawn uniformly
	                          when there are more (10000) */
	int threads;           /* worker threads; the model does not depend
	                          on them (1) */
};

struct k_anomaly_params k_anomaly_params_default(void);

/* NULL if p is usable, else a message naming the bad field. */
const char *k_anomaly_params_check(const struct k_anomaly_params *p);

/* The rows of an n-row matrix that training uses, drawn with the forest's
 * seed: tree t grows on psi = min(max_samples, n) rows drawn without
 * replacement (random stream 2^32 + t); the threshold is set by nscore =
 * min(sample, n) rows, drawn the same way (stream 2^33), or all n in
 * order when there are no more than sample. */
struct k_anomaly_rows {
	uint32_t **tree_rows;  /* [trees][psi] */
	size_t trees, psi;
	uint32_t *score_rows;  /* [n], the first nscore used */
	size_t nscore;
};

/* Draw r for n rows (1 to UINT32_MAX; K_EDATA otherwise). K_EUSAGE when
 * p fails k_iforest_params_check; K_ENOMEM. */
enum k_status k_anomaly_draw(struct k_anomaly_rows *r,
                             const struct k_iforest_params *p, size_t n,
                             size_t sample, struct k_error *err);
void k_anomaly_rows_release(struct k_anomaly_rows *r);

/* What reading the input saw, recorded in the header ("training"). */
struct k_anomaly_source {
	long rows_rejected;    /* lines rejected */
	double days;           /* the window the rows were cut to, days; 0:
	                          none */
	int64_t ts_first, ts_last; /* the rows' first and last "ts", ms;
	                          INT64_MIN when unknown */
};

/* The header's "training" facts of src: rows_parsed (n), rows_rejected,
 * days, ts_first, ts_last, sample. NULL when out of memory. */
json_t *k_anomaly_source_json(const struct k_anomaly_source *src, size_t n,
                              size_t sample);

/*
 * Train a model on the n rows of X (n x d, as k_anomaly_build): draw the
 * rows (k_anomaly_draw) and build, recording src, n ("rows_parsed") and
 * p->sample in the header's "training". K_EUSAGE for bad parameters,
 * K_EDATA for fewer than K_ANOMALY_MIN_ROWS rows, and k_anomaly_build's
 * errors.
 */
enum k_status k_anomaly_train(struct k_anomaly *m,
                              const struct k_anomaly_params *p,
                              const double *X, size_t n, size_t d,
                              const char *const *names,
                              const struct k_anomaly_source *src,
                              struct k_anomaly_summary *sum,
                              struct k_error *err);

/* Publish as a new version (NULL: a timestamp) of the store; fills
 * m->version and m->path. */
enum k_status k_anomaly_save(struct k_anomaly *m, const struct k_store *st,
                             const char *version, struct k_error *err);

/* Load version (NULL or "latest") from the store, checking that the
 * header and the forest agree. K_ECONFIG if there is no model. */
enum k_status k_anomaly_load(struct k_anomaly *m, const struct k_store *st,
                             const char *version, struct k_error *err);

/* The anomaly model of a file already loaded (k_model_load, kind
 * "anomaly"): decode the forest and check it against the header; path is
 * for messages. mf stays the caller's. */
enum k_status k_anomaly_from_model(struct k_anomaly *m, struct k_model *mf,
                                   const char *path, struct k_error *err);

/* Load a model file by path. */
enum k_status k_anomaly_load_file(struct k_anomaly *m, const char *path,
                                  struct k_error *err);

void k_anomaly_release(struct k_anomaly *m);

/* The share (0-100) of training rows scoring below score: read off the
 * header's 201 "score_percentiles" (21 "score_quantiles" in models made
 * before them). */
double k_anomaly_percentile(const struct k_anomaly *m, double score);

/* 1 if score (0-100) is above the model's threshold. */
int k_anomaly_flag(const struct k_anomaly *m, double score);

/*
 * Explain x: up to max features with a positive gain and a known value,
 * best first by rank, in out[0..count). gain is scratch of m->d doubles
 * and out must have room for m->d entries (it is sorted in place).
 * Returns the count.
 */
size_t k_anomaly_explain(const struct k_anomaly *m, const double *x,
                         double *gain, struct k_contrib *out, size_t max);

/* Sort explained features best first: rank descending, then feature. */
void k_contrib_sort(struct k_contrib *c, size_t n);

/* "high" if |deviation| > 3, "medium" if > 2, else "low". */
const char *k_anomaly_severity(double deviation);

struct k_drift_set; /* numeric/k_drift.h */

/*
 * The drift reference a model's header keeps, as k_anomaly_build writes it
 * (any kind whose header has the same members can use it): "features"
 * [name, ...], "training.feature_stats" [{"quantiles": [21 numbers or
 * null], "missing": count}, ...] in the same order, and
 * "metrics.scored_rows", the rows the missing counts are of. Fills ds, one
 * check per feature (release it with k_drift_set_release, also after an
 * error). name ("anomaly/v1") is for messages: K_EDATA when the header
 * keeps no sketch, or none for one feature; K_ENOMEM.
 */
enum k_status k_anomaly_drift_ref(const json_t *header, const char *name,
                                  struct k_drift_set *ds,
                                  struct k_error *err);

#endif

/*
 * k_featstats.h - what a model keeps of each feature it was trained on:
 * the robust centre and scale that scoring standardises with and that
 * explanations measure deviations by, and the quantile sketch and missing
 * count that drift checks compare with. One mechanism for every model
 * kind that keeps them (the forest, the One-Class SVM), written into and
 * read back from the header's "features" and "training.feature_stats".
 */
#ifndef K_FEATSTATS_H
#define K_FEATSTATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

#define K_FEATSTATS_QUANTILES 21 /* sketch: 0%, 5%, ..., 100% */

struct k_featstats {
	size_t d;
	double *centre;          /* median, per feature */
	double *scale;           /* robust scale, > 0 */
	double *quant;           /* [d][K_FEATSTATS_QUANTILES]; NAN if none */
	size_t *missing;         /* missing values among the rows */
	unsigned char *constant; /* 1: one value over the rows */
	size_t nconstant;
};

/*
 * The statistics of the d features over rows[0..nrows) of the n x d
 * row-major matrix X (NAN: missing). A feature missing from all those rows
 * is measured over every row of X; one never seen has centre 0, scale 1.
 * The scale is the MAD (x 1.4826), else the IQR / 1.349, else the standard
 * deviation, floored at 1e-6 of max(range, |median|) so that a feature
 * almost constant cannot make deviations explode; 1 for a constant
 * feature. Spread over `threads`. K_ENOMEM.
 */
enum k_status k_featstats_compute(struct k_featstats *fs, const double *X,
                                  size_t n, size_t d, const uint32_t *rows,
                                  size_t nrows, int threads,
                                  struct k_error *err);
void k_featstats_release(struct k_featstats *fs);

/* The header's "training.feature_stats": [{name, median, scale, missing,
 * constant, quantiles}, ...] in feature order; NULL when out of memory. */
json_t *k_featstats_json(const struct k_featstats *fs, char *const *names);

/* The header's "features": the names as an array; NULL: out of memory. */
json_t *k_featstats_names_json(char *const *names, size_t d);

/*
 * Read back d features' names, centres and scales (each array malloc'd,
 * the caller's also after an error) from a header, checking every entry:
 * K_EDATA naming path when "features" or "training.feature_stats" is
 * missing, lists other than d features (payload says what holds d: "the
 * forest"), or an entry has no usable name, median or scale (> 0), or a
 * name appears twice. K_ENOMEM.
 */
enum k_status k_featstats_load(const json_t *header, size_t d,
                               const char *payload, const char *path,
                               char ***names, double **centre,
                               double **scale, struct k_error *err);

/* Copies of names[0..d) (NULL when out of memory), and their release. */
char **k_names_copy(const char *const *names, size_t d);
void k_names_free(char **names, size_t d);

/* The first name that appears twice in names[0..d), or NULL. */
const char *k_names_duplicate(char *const *names, size_t d);

#endif

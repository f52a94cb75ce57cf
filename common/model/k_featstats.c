/*
 * k_featstats.c - per-feature centre, scale, sketch and missing counts,
 * computed in parallel, and their place in a model header (see
 * k_featstats.h and ktools-model(5)).
 */
#include "model/k_featstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_parallel.h"
#include "numeric/k_stats.h"

#define SCALE_FLOOR 1e-6 /* of max(range, |median|) */

struct job {
	struct k_featstats *fs;
	const double *X;
	size_t n, d;
	const uint32_t *rows;
	size_t nrows;
	int oom;
};

/* Column j's known values over the rows (or, when none, over all of X)
 * into col; the missing count over the rows. Returns how many. */
static size_t
gather(const struct job *jb, size_t j, double *col, size_t *missing)
{
	size_t k = 0;

	*missing = 0;
	for (size_t i = 0; i < jb->nrows; i++) {
		double v = jb->X[(size_t)jb->rows[i] * jb->d + j];
		if (isnan(v))
			(*missing)++;
		else
			col[k++] = v;
	}
	if (k == 0)
		for (size_t i = 0; i < jb->n; i++)
			if (!isnan(jb->X[i * jb->d + j]))
				col[k++] = jb->X[i * jb->d + j];
	return k;
}

static void
one_feature(struct k_featstats *fs, size_t j, double *col, size_t k,
            double *dev)
{
	double *q = &fs->quant[j * K_FEATSTATS_QUANTILES];

	if (k == 0) { /* never seen */
		fs->centre[j] = 0;
		fs->scale[j] = 1;
		for (int t = 0; t < K_FEATSTATS_QUANTILES; t++)
			q[t] = NAN;
		return;
	}
	k_sort_doubles(col, k);
	for (int t = 0; t < K_FEATSTATS_QUANTILES; t++)
		q[t] = k_quantile_sorted(col, k,
		                         t / (double)(K_FEATSTATS_QUANTILES - 1));
	fs->constant[j] = col[0] == col[k - 1];
	k_robust_sorted(col, k, dev, &fs->centre[j], &fs->scale[j]);
	double floor = SCALE_FLOOR * fmax(col[k - 1] - col[0],
	                                  fabs(fs->centre[j]));
	if (!fs->constant[j] && fs->scale[j] < floor)
		fs->scale[j] = floor;
}

static void
range(void *arg, size_t lo, size_t hi, int tid)
{
	struct job *jb = arg;
	size_t cap = jb->n > jb->nrows ? jb->n : jb->nrows;
	double *col = malloc((cap ? cap : 1) * sizeof *col);
	double *dev = malloc((cap ? cap : 1) * sizeof *dev);

	(void)tid;
	if (col == NULL || dev == NULL) {
		jb->oom = 1;
		hi = lo;
	}
	for (size_t j = lo; j < hi; j++) {
		size_t k = gather(jb, j, col, &jb->fs->missing[j]);
		one_feature(jb->fs, j, col, k, dev);
	}
	free(col);
	free(dev);
}

enum k_status
k_featstats_compute(struct k_featstats *fs, const double *X, size_t n,
                    size_t d, const uint32_t *rows, size_t nrows, int threads,
                    struct k_error *err)
{
	struct job jb = { fs, X, n, d, rows, nrows, 0 };
	size_t dd = d ? d : 1;

	memset(fs, 0, sizeof *fs);
	fs->d = d;
	fs->centre = calloc(dd, sizeof *fs->centre);
	fs->scale = calloc(dd, sizeof *fs->scale);
	fs->quant = calloc(dd * K_FEATSTATS_QUANTILES, sizeof *fs->quant);
	fs->missing = calloc(dd, sizeof *fs->missing);
	fs->constant = calloc(dd, sizeof *fs->constant);
	if (!fs->centre || !fs->scale || !fs->quant || !fs->missing ||
	    !fs->constant)
		jb.oom = 1;
	else
		k_parallel_for(d, threads, range, &jb);
	if (jb.oom) {
		k_featstats_release(fs);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	for (size_t j = 0; j < d; j++)
		fs->nconstant += fs->constant[j];
	return K_OK;
}

void
k_featstats_release(struct k_featstats *fs)
{
	free(fs->centre);
	free(fs->scale);
	free(fs->quant);
	free(fs->missing);
	free(fs->constant);
	memset(fs, 0, sizeof *fs);
}

static json_t *
num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *
k_featstats_json(const struct k_featstats *fs, char *const *names)
{
	json_t *arr = json_array();

	for (size_t j = 0; arr != NULL && j < fs->d; j++) {
		json_t *qa = json_array();
		for (int t = 0; qa != NULL && t < K_FEATSTATS_QUANTILES; t++)
			json_array_append_new(qa, num_or_null(
				fs->quant[j * K_FEATSTATS_QUANTILES + t]));
		json_t *o = json_pack("{s:s, s:o, s:o, s:I, s:b, s:o*}", "name",
		                      names[j], "median", json_real(fs->centre[j]),
		                      "scale", json_real(fs->scale[j]), "missing",
		                      (json_int_t)fs->missing[j], "constant",
		                      fs->constant[j], "quantiles", qa);
		if (o == NULL || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

json_t *
k_featstats_names_json(char *const *names, size_t d)
{
	json_t *a = json_array();

	for (size_t j = 0; a != NULL && j < d; j++)
		if (json_array_append_new(a, json_string(names[j])) < 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

enum k_status
k_featstats_load(const json_t *header, size_t d, const char *payload,
                 const char *path, char ***names, double **centre,
                 double **scale, struct k_error *err)
{
	json_t *feat = json_object_get(header, "features");
	json_t *tr = json_object_get(header, "training");
	json_t *fs = tr ? json_object_get(tr, "feature_stats") : NULL;

	*names = NULL;
	*centre = *scale = NULL;
	if (!json_is_array(feat) || !json_is_array(fs))
		return k_error_set(err, K_EDATA, "model file '%s': header lacks "
		                   "'features' or 'training.feature_stats'", path);
	if (json_array_size(feat) != d || json_array_size(fs) != d)
		return k_error_set(err, K_EDATA, "model file '%s': header lists "
		                   "%zu features, %s has %zu (wrong feature set)",
		                   path, json_array_size(feat), payload, d);
	*names = calloc(d ? d : 1, sizeof **names);
	*centre = calloc(d ? d : 1, sizeof **centre);
	*scale = calloc(d ? d : 1, sizeof **scale);
	if (!*names || !*centre || !*scale)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t j = 0; j < d; j++) {
		json_t *nm = json_array_get(feat, j), *o = json_array_get(fs, j);
		json_t *c = json_object_get(o, "median");
		json_t *s = json_object_get(o, "scale");
		if (!json_is_string(nm) || json_string_length(nm) == 0 ||
		    !json_is_number(c) || !json_is_number(s) ||
		    !(json_number_value(s) > 0))
			return k_error_set(err, K_EDATA, "model file '%s': feature "
			                   "%zu has no usable name, median or scale",
			                   path, j);
		if (((*names)[j] = strdup(json_string_value(nm))) == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		(*centre)[j] = json_number_value(c);
		(*scale)[j] = json_number_value(s);
	}
	const char *dup = k_names_duplicate(*names, d);
	if (dup != NULL)
		return k_error_set(err, K_EDATA, "model file '%s': feature '%s' "
		                   "appears twice", path, dup);
	return K_OK;
}

char **
k_names_copy(const char *const *names, size_t d)
{
	char **out = calloc(d ? d : 1, sizeof *out);

	for (size_t j = 0; out != NULL && j < d; j++)
		if ((out[j] = strdup(names[j])) == NULL) {
			k_names_free(out, j);
			out = NULL;
		}
	return out;
}

void
k_names_free(char **names, size_t d)
{
	if (names == NULL)
		return;
	for (size_t j = 0; j < d; j++)
		free(names[j]);
	free(names);
}

static int
cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *
k_names_duplicate(char *const *names, size_t d)
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

/*
 * ktrain archetype - train an XGBoost classifier of wallets into user
 * archetypes on labelled wallet feature rows (kfeatures wallet).
 *
 * Every row is kept (the features as doubles, the label as a class
 * index): a stratified, seeded holdout measures the model, then a refit
 * on every row is what is saved, as a new version of the 'archetype'
 * model. Classes are the labels seen, in sorted order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_file.h"
#include "base/k_rng.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"
#include "ktrain.h"
#include "model/k_archetype.h"
#include "model/k_multipliers.h"
#include "model/k_store.h"
#include "numeric/k_xgb.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

struct opts {
	struct k_xgb_params xgb;
	const char *label;      /* --label-field */
	double holdout;         /* --holdout, share of each class */
	int refit;              /* 0 with --no-refit */
	const char *version;    /* --save-version */
	const char *thresholds; /* --thresholds FILE, or NULL: the built-in */
	unsigned char *table;   /* the threshold table's text, owned */
	size_t table_len;
};

/* The default threshold table, data/archetype-thresholds.json, compiled
 * in by make (DATA_ktrain). */
extern const unsigned char k_data_archetype_thresholds[];
extern const size_t k_data_archetype_thresholds_len;

enum {
	OPT_ROUNDS = 0x100, OPT_MAX_DEPTH, OPT_ETA, OPT_SUBSAMPLE, OPT_COLSAMPLE,
	OPT_MIN_CHILD_WEIGHT, OPT_SEED, OPT_THREADS, OPT_LABEL_FIELD,
	OPT_HOLDOUT, OPT_NO_REFIT, OPT_SAVE_VERSION, OPT_THRESHOLDS
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model (XGBoost's parameters):", 1 },
	{ "rounds", OPT_ROUNDS, "N", 0, "Boosting rounds (default 100)", 1 },
	{ "max-depth", OPT_MAX_DEPTH, "N", 0,
	  "Deepest split of a tree, 1 to 64 (default 6)", 1 },
	{ "eta", OPT_ETA, "X", 0, "Learning rate, in (0, 1] (default 0.3)", 1 },
	{ "subsample", OPT_SUBSAMPLE, "X", 0,
	  "Share of the rows each tree sees, in (0, 1] (default 1)", 1 },
	{ "colsample", OPT_COLSAMPLE, "X", 0,
	  "Share of the features each tree sees (colsample_bytree), in (0, 1] "
	  "(default 1)", 1 },
	{ "min-child-weight", OPT_MIN_CHILD_WEIGHT, "X", 0,
	  "Least hessian sum in a leaf, 0 or more (default 1)", 1 },
	{ "seed", OPT_SEED, "N", 0,
	  "Random seed of the sampling and of the holdout split (default 42)",
	  1 },
	{ "threads", OPT_THREADS, "N", 0,
	  "XGBoost's threads, 1 to 1024 (default 1); the model does not "
	  "depend on it", 1 },
	{ NULL, 0, NULL, 0, "Input:", 2 },
	{ "label-field", OPT_LABEL_FIELD, "NAME", 0,
	  "The top-level field holding the class (default label)", 2 },
	{ "thresholds", OPT_THRESHOLDS, "FILE", 0,
	  "The threshold multipliers of each archetype, copied into the model "
	  "(default: the table of data/archetype-thresholds.json, built in)",
	  2 },
	{ NULL, 0, NULL, 0, "Evaluation and output:", 3 },
	{ "holdout", OPT_HOLDOUT, "FRACTION", 0,
	  "Share of each class held out, by a seeded draw, to measure the "
	  "model, in [0, 0.9]; 0 skips it (default 0.2)", 3 },
	{ "no-refit", OPT_NO_REFIT, NULL, 0,
	  "Save the model trained without the holdout rather than one refitted "
	  "on every row", 3 },
	{ "save-version", OPT_SAVE_VERSION, "NAME", 0,
	  "Version name of the new model (default: UTC time, YYYYmmdd_HHMMSS)",
	  3 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	struct k_error e;

	switch (key) {
	case OPT_ROUNDS:
		o->xgb.rounds = k_optval_uint(state, "--rounds", arg, 1,
		                              K_XGB_MAX_ROUNDS);
		break;
	case OPT_MAX_DEPTH:
		o->xgb.max_depth = (int)k_optval_uint(state, "--max-depth", arg, 1,
		                                      64);
		break;
	case OPT_ETA:
		o->xgb.eta = k_optval_number(state, "--eta", arg, 0, 1,
		                             K_OPTVAL_OPEN_LO);
		break;
	case OPT_SUBSAMPLE:
		o->xgb.subsample = k_optval_number(state, "--subsample", arg, 0, 1,
		                                   K_OPTVAL_OPEN_LO);
		break;
	case OPT_COLSAMPLE:
		o->xgb.colsample_bytree = k_optval_number(state, "--colsample", arg,
		                                          0, 1, K_OPTVAL_OPEN_LO);
		break;
	case OPT_MIN_CHILD_WEIGHT:
		o->xgb.min_child_weight = k_optval_number(state,
		                                          "--min-child-weight", arg,
		                                          0, INFINITY,
		                                          K_OPTVAL_CLOSED);
		break;
	case OPT_SEED:
		o->xgb.seed = k_optval_uint(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_THREADS:
		o->xgb.threads = (int)k_optval_uint(state, "--threads", arg, 1,
		                                    1024);
		break;
	case OPT_LABEL_FIELD:
		o->label = k_optval_name(state, "--label-field", arg);
		break;
	case OPT_HOLDOUT:
		o->holdout = k_optval_number(state, "--holdout", arg, 0, 0.9,
		                             K_OPTVAL_CLOSED);
		break;
	case OPT_NO_REFIT:
		o->refit = 0;
		break;
	case OPT_SAVE_VERSION:
		if (k_version_check(arg, &e) != K_OK)
			argp_error(state, "--save-version: %s", e.text);
		o->version = arg;
		break;
	case OPT_THRESHOLDS:
		o->thresholds = arg;
		break;
	case ARGP_KEY_END:
		if (o->holdout == 0 && !o->refit)
			argp_error(state, "--no-refit needs a holdout to leave out "
			           "(--holdout 0 given)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Train an XGBoost classifier of wallets into user archetypes on "
	"labelled wallet feature rows and save it as a new version of the "
	"'archetype' model."
	"\v"
	"Input: NDJSON wallet feature rows (kfeatures wallet), {\"kind\":"
	"\"features\",\"features\":{\"name\":number|null,...},\"label\":"
	"\"NAME\"}, from the FILEs or standard input. The features are those "
	"of the first valid row, in its order; every row must have the same "
	"set. null is XGBoost's missing value. A row whose label is null is "
	"unlabelled and skipped; one without the label field, or with a "
	"label that is not a string, is rejected. The classes are the labels "
	"seen, in sorted order; each needs at least 2 rows. Output: a "
	"one-line JSON report on standard output (holdout accuracy, macro-F1, "
	"log loss, per-class precision, recall and support, the confusion "
	"matrix); a summary for people on standard error.\n\n"
	"Example:\n"
	"  kfetch simulate wallet --wallets 300 | kfeatures wallet --no-graph "
	"| jq -c 'select(has(\"label\"))' | ktrain archetype "
	"--save-version v1.0";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

/* ---- reading the rows ---- */

struct rows {
	const struct opts *o;
	struct k_reject rj;
	struct k_jscan scan;
	struct k_featmap fm;
	char **names;          /* the features, from the first valid row */
	size_t d;
	double *X;             /* n x d */
	char **labels;         /* n, owned */
	size_t n, cap;
	long rows_read;        /* non-blank lines */
	long unlabelled;       /* rows skipped for a null label */
	int stop;              /* --strict hit */
};

static void
names_release(struct rows *r)
{
	for (size_t i = 0; i < r->d; i++)
		free(r->names[i]);
	free(r->names);
	r->names = NULL;
	r->d = 0;
	k_featmap_release(&r->fm);
}

/* Take the feature set from the row just scanned: every member of its
 * "features", in order. */
static void
define_features(struct rows *r)
{
	const struct k_jscan *s = &r->scan;

	r->names = calloc(s->nsub ? s->nsub : 1, sizeof *r->names);
	if (r->names == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nsub; i++) {
		char key[K_ARCHETYPE_NAME_MAX + 1];
		if (k_jkey(&s->sub[i], key, sizeof key) == (size_t)-1)
			strcpy(key, "");  /* refused by k_archetype_build */
		if ((r->names[r->d++] = strdup(key)) == NULL)
			k_die(K_ENOMEM, "out of memory");
	}
	if (k_featmap_init(&r->fm, (const char *const *)r->names, r->d) != K_OK)
		k_die(K_ENOMEM, "out of memory");
}

/* The row's label into buf: 0, 1 for a null label, or -1 with a reason. */
static int
row_label(const struct rows *r, char *buf, size_t cap, char *why,
          size_t wcap)
{
	const struct k_jmember *m = k_jscan_find(r->scan.top, r->scan.ntop,
	                                         r->o->label,
	                                         strlen(r->o->label));
	char got[96];

	if (m == NULL) {
		snprintf(why, wcap, "field '%s': missing", r->o->label);
		return -1;
	}
	if (m->type == K_JNULL)
		return 1;
	if (m->type != K_JSTR) {
		k_jmember_describe(m, got, sizeof got);
		snprintf(why, wcap, "field '%s': expected a string, got %s",
		         r->o->label, got);
		return -1;
	}
	size_t len = k_jstr(m, buf, cap);
	if (len == 0 || len == (size_t)-1) {
		snprintf(why, wcap, "field '%s': a name of 1 to %d bytes expected",
		         r->o->label, K_ARCHETYPE_NAME_MAX);
		return -1;
	}
	return 0;
}

/* The row's features into x: 0, or -1 with a reason. */
static int
row_features(struct rows *r, double *x, char *why, size_t wcap)
{
	const struct k_jscan *s = &r->scan;
	struct k_error e;
	char got[96];

	if (s->subm == NULL || s->subm->type != K_JOBJ) {
		if (s->subm == NULL)
			snprintf(why, wcap, "field 'features': missing");
		else {
			k_jmember_describe(s->subm, got, sizeof got);
			snprintf(why, wcap, "field 'features': expected object, got %s",
			         got);
		}
		return -1;
	}
	int first = r->names == NULL;
	if (first)
		define_features(r);
	if (k_featmap_get(&r->fm, s, x, &e) != K_OK) {
		snprintf(why, wcap, "%s", e.text);
		goto bad;
	}
	if (s->nsub != r->d) {
		snprintf(why, wcap, "field 'features': %zu features, not the %zu "
		         "of the first row", s->nsub, r->d);
		goto bad;
	}
	return 0;
bad:
	if (first)
		names_release(r);
	return -1;
}

static void
rows_grow(struct rows *r)
{
	if (r->n < r->cap)
		return;
	size_t nc = r->cap ? r->cap * 2 : 256;
	double *nx = realloc(r->X, nc * r->d * sizeof *nx);
	if (nx != NULL)
		r->X = nx;
	char **nl = realloc(r->labels, nc * sizeof *nl);
	if (nx == NULL || nl == NULL)
		k_die(K_ENOMEM, "out of memory");
	r->labels = nl;
	r->cap = nc;
}

/* One line: kept, skipped (null label) or rejected. */
static void
read_row(struct rows *r, const struct k_input *in)
{
	char label[K_ARCHETYPE_NAME_MAX + 1], why[600];
	struct k_error e;
	int rc;

	if (k_jscan_line(&r->scan, in->line, in->len, &e) != K_OK) {
		snprintf(why, sizeof why, "%s", e.text);
		goto reject;
	}
	r->rows_read++;
	if ((rc = row_label(r, label, sizeof label, why, sizeof why)) < 0)
		goto reject;
	if (rc == 1) {
		r->unlabelled++;
		return;
	}
	double *x = malloc((r->d ? r->d : r->scan.nsub + 1) * sizeof *x);
	if (x == NULL)
		k_die(K_ENOMEM, "out of memory");
	if (row_features(r, x, why, sizeof why) < 0) {
		free(x);
		goto reject;
	}
	rows_grow(r);
	memcpy(&r->X[r->n * r->d], x, r->d * sizeof *x);
	free(x);
	if ((r->labels[r->n] = strdup(label)) == NULL)
		k_die(K_ENOMEM, "out of memory");
	r->n++;
	return;
reject:
	if (k_reject_line(&r->rj, in->source, in->lineno, in->line, in->len,
	                  why))
		r->stop = 1;
}

static void
read_rows(struct rows *r)
{
	struct k_input in;
	struct k_progress pg;

	k_progress_init(&pg);
	k_input_init(&in, k_opts.files, k_opts.nfiles, 0, &r->rj);
	while (!r->stop && k_input_next(&in) > 0) {
		if ((in.lineno & 0xfff) == 0)
			k_progress_update(&pg, "%zu rows read", r->n);
		read_row(r, &in);
	}
	r->stop |= in.stop;
	k_progress_done(&pg);
}

static void
rows_release(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->labels[i]);
	free(r->labels);
	free(r->X);
	names_release(r);
	k_jscan_release(&r->scan);
}

/* ---- classes and the split ---- */

struct classes {
	char **names;          /* sorted, borrowed from the rows' labels */
	size_t k;
	uint32_t *y;           /* each row's class */
	size_t *count;         /* rows of each class */
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The classes of the rows, sorted; dies (65) with too few rows or
 * classes. */
static void
find_classes(const struct rows *r, struct classes *c)
{
	char **s = malloc((r->n ? r->n : 1) * sizeof *s);
	c->y = malloc((r->n ? r->n : 1) * sizeof *c->y);
	if (s == NULL || c->y == NULL)
		k_die(K_ENOMEM, "out of memory");
	memcpy(s, r->labels, r->n * sizeof *s);
	qsort(s, r->n, sizeof *s, cmp_str);
	c->k = 0;
	for (size_t i = 0; i < r->n; i++)
		if (c->k == 0 || strcmp(s[c->k - 1], s[i]) != 0)
			s[c->k++] = s[i];
	c->names = s;
	if (c->k < 2)
		k_die(K_EDATA, "need at least 2 classes to train on, got %zu%s%s%s",
		      c->k, c->k ? " ('" : "", c->k ? s[0] : "", c->k ? "')" : "");
	if (c->k > K_XGB_MAX_CLASSES)
		k_die(K_EDATA, "%zu classes: at most %d", c->k, K_XGB_MAX_CLASSES);
	c->count = calloc(c->k, sizeof *c->count);
	if (c->count == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		char **f = bsearch(&r->labels[i], s, c->k, sizeof *s, cmp_str);
		c->y[i] = (uint32_t)(f - s);
		c->count[c->y[i]]++;
	}
	for (size_t j = 0; j < c->k; j++)
		if (c->count[j] < 2)
			k_die(K_EDATA, "class '%s' has %zu row; each class needs at "
			      "least 2 (to train and to test)", s[j], c->count[j]);
}

/* held[i] = 1 for the rows held out: round(share x rows) of each class,
 * at least 1 and at most all but 1, drawn with the seed. */
static unsigned char *
split(const struct classes *c, size_t n, double share, uint64_t seed)
{
	unsigned char *held = calloc(n ? n : 1, 1);
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	struct k_rng rng;

	if (held == NULL || idx == NULL)
		k_die(K_ENOMEM, "out of memory");
	k_rng_seed(&rng, seed, 11);
	for (size_t j = 0; j < c->k && share > 0; j++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (c->y[i] == j)
				idx[m++] = i;
		size_t h = (size_t)llround(share * (double)m);
		h = h < 1 ? 1 : h > m - 1 ? m - 1 : h;
		/* The first h of a partial Fisher-Yates shuffle. */
		for (size_t i = 0; i < h; i++) {
			size_t p = i + (size_t)k_rng_below(&rng, m - i), t = idx[i];
			idx[i] = idx[p];
			idx[p] = t;
			held[idx[i]] = 1;
		}
	}
	free(idx);
	return held;
}

/* ---- the threshold table ---- */

static const char *
table_name(const struct opts *o)
{
	return o->thresholds ? o->thresholds
	       : "the built-in data/archetype-thresholds.json";
}

/* The table's text, checked before any row is read, so that a bad file
 * costs no training. */
static void
table_read(struct opts *o)
{
	struct k_multipliers mt;
	struct k_error e;
	enum k_status st;

	if (o->thresholds == NULL) {
		o->table_len = k_data_archetype_thresholds_len;
		if ((o->table = malloc(o->table_len)) == NULL)
			k_die(K_ENOMEM, "out of memory");
		memcpy(o->table, k_data_archetype_thresholds, o->table_len);
	} else if ((st = k_file_read(o->thresholds, &o->table, &o->table_len,
	                             K_MULT_FILE_MAX, &e)) != K_OK) {
		k_die(st, "--thresholds: %s", e.text);
	}
	if ((st = k_multipliers_parse(&mt, (const char *)o->table, o->table_len,
	                              NULL, 0, &e)) != K_OK)
		k_die(st, "--thresholds: %s: %s", table_name(o), e.text);
	k_multipliers_release(&mt);
}

/* The table for the classes; a class it does not name gets the standard
 * thresholds (1), said on stderr. */
static void
table_for(const struct opts *o, const struct classes *c,
          struct k_multipliers *mt)
{
	struct k_error e;

	if (k_multipliers_parse(mt, (const char *)o->table, o->table_len,
	                        (const char *const *)c->names, c->k,
	                        &e) != K_OK)
		k_die_error(&e);
	for (size_t k = 0; k < c->k; k++)
		if (!mt->given[k])
			k_info("class '%s' is not in %s: its threshold multipliers "
			       "are 1", c->names[k], table_name(o));
}

/* ---- training and measuring ---- */

/* Boost on rows X (n x d, labels y), with progress per round. */
static struct k_xgb *
boost(const struct opts *o, const double *X, const uint32_t *y, size_t n,
      size_t d, size_t k, const char *what)
{
	struct k_xgb_data *dm;
	struct k_xgb *m;
	struct k_progress pg;
	struct k_error e;

	if (k_xgb_data_alloc(&dm, X, K_XGB_DOUBLE, n, d, y, k, o->xgb.threads,
	                     &e) != K_OK ||
	    k_xgb_init(&m, &o->xgb, dm, k, &e) != K_OK)
		k_die_error(&e);
	k_progress_init(&pg);
	while (!k_xgb_converged(m)) {
		if (k_xgb_iterate(m, dm, &e) != K_OK)
			k_die_error(&e);
		k_progress_update(&pg, "%s: round %zu of %zu", what, m->rounds,
		                  o->xgb.rounds);
	}
	k_progress_done(&pg);
	k_xgb_data_free(dm);
	return m;
}

struct metrics {
	size_t tested;         /* holdout rows; 0: not measured */
	double accuracy, macro_f1, log_loss;
	double *precision, *recall, *f1;   /* k each */
	size_t *support;       /* k */
	size_t *confusion;     /* k x k: true class, then predicted */
};

/* The per-class and overall figures from the confusion matrix. */
static void
metrics_finish(struct metrics *mt, size_t k)
{
	size_t right = 0;

	mt->macro_f1 = 0;
	for (size_t j = 0; j < k; j++) {
		size_t pred = 0, tp = mt->confusion[j * k + j];
		for (size_t i = 0; i < k; i++)
			pred += mt->confusion[i * k + j];
		right += tp;
		mt->precision[j] = pred ? (double)tp / (double)pred : 0;
		mt->recall[j] = mt->support[j] ? (double)tp / (double)mt->support[j]
		                : 0;
		double s = mt->precision[j] + mt->recall[j];
		mt->f1[j] = s > 0 ? 2 * mt->precision[j] * mt->recall[j] / s : 0;
		mt->macro_f1 += mt->f1[j] / (double)k;
	}
	mt->accuracy = (double)right / (double)mt->tested;
}

/* Predict the n rows X (classes y) with m and fill mt. */
static void
measure(const struct k_xgb *m, const double *X, const uint32_t *y, size_t n,
        size_t k, struct metrics *mt)
{
	struct k_xgb_data *dm;
	struct k_error e;
	double *p = malloc(k_xgb_output_len(m, K_XGB_PROB, n) * sizeof *p);

	if (p == NULL)
		k_die(K_ENOMEM, "out of memory");
	if (k_xgb_data_alloc(&dm, X, K_XGB_DOUBLE, n, m->d, NULL, 0,
	                     m->p.threads, &e) != K_OK ||
	    k_xgb_predict(m, dm, K_XGB_PROB, p, &e) != K_OK)
		k_die_error(&e);
	k_xgb_data_free(dm);
	mt->tested = n;
	mt->log_loss = 0;
	for (size_t i = 0; i < n; i++) {
		const double *pi = &p[i * k];
		size_t best = 0;
		for (size_t j = 1; j < k; j++)
			if (pi[j] > pi[best])
				best = j;
		mt->confusion[y[i] * k + best]++;
		mt->support[y[i]]++;
		mt->log_loss -= log(fmax(pi[y[i]], 1e-15)) / (double)n;
	}
	free(p);
	metrics_finish(mt, k);
}

static void
metrics_init(struct metrics *mt, size_t k)
{
	memset(mt, 0, sizeof *mt);
	mt->precision = calloc(k, sizeof *mt->precision);
	mt->recall = calloc(k, sizeof *mt->recall);
	mt->f1 = calloc(k, sizeof *mt->f1);
	mt->support = calloc(k, sizeof *mt->support);
	mt->confusion = calloc(k * k, sizeof *mt->confusion);
	if (mt->precision == NULL || mt->recall == NULL || mt->f1 == NULL ||
	    mt->support == NULL || mt->confusion == NULL)
		k_die(K_ENOMEM, "out of memory");
}

static void
metrics_release(struct metrics *mt)
{
	free(mt->precision);
	free(mt->recall);
	free(mt->f1);
	free(mt->support);
	free(mt->confusion);
}

/* The rows with held[i] == want, as a matrix and labels (the caller's). */
static size_t
select_rows(const struct rows *r, const struct classes *c,
            const unsigned char *held, int want, double **X, uint32_t **y)
{
	size_t m = 0;

	*X = malloc((r->n ? r->n : 1) * r->d * sizeof **X);
	*y = malloc((r->n ? r->n : 1) * sizeof **y);
	if (*X == NULL || *y == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		if (held[i] != want)
			continue;
		memcpy(&(*X)[m * r->d], &r->X[i * r->d], r->d * sizeof **X);
		(*y)[m++] = c->y[i];
	}
	return m;
}

/* Train without the holdout and measure on it (mt->tested 0 without
 * one); the model trained, or NULL when the refit replaces it. */
static struct k_xgb *
evaluate(const struct opts *o, const struct rows *r,
         const struct classes *c, struct metrics *mt)
{
	if (o->holdout == 0)
		return NULL;
	unsigned char *held = split(c, r->n, o->holdout, o->xgb.seed);
	double *Xt, *Xh;
	uint32_t *yt, *yh;
	size_t nt = select_rows(r, c, held, 0, &Xt, &yt);
	size_t nh = select_rows(r, c, held, 1, &Xh, &yh);
	struct k_xgb *m = boost(o, Xt, yt, nt, r->d, c->k, "holdout fit");
	measure(m, Xh, yh, nh, c->k, mt);
	free(Xt);
	free(yt);
	free(Xh);
	free(yh);
	free(held);
	if (o->refit) {
		k_xgb_free(m);
		return NULL;
	}
	return m;
}

/* ---- the report ---- */

static void
jw_metric(struct k_jsonw *w, const struct metrics *mt, double v)
{
	if (mt->tested > 0)
		k_jsonw_num(w, k_round(v, 6));
	else
		k_jsonw_null(w);
}

/* The holdout's figures, for the report and the model's header. */
static void
write_metrics(struct k_jsonw *w, const struct metrics *mt,
              const struct classes *c)
{
	k_jsonw_key(w, "holdout_rows");
	k_jsonw_int(w, (long long)mt->tested);
	k_jsonw_key(w, "accuracy");
	jw_metric(w, mt, mt->accuracy);
	k_jsonw_key(w, "macro_f1");
	jw_metric(w, mt, mt->macro_f1);
	k_jsonw_key(w, "log_loss");
	jw_metric(w, mt, mt->log_loss);
	k_jsonw_key(w, "per_class");
	k_jsonw_obj(w);
	for (size_t j = 0; j < c->k && mt->tested > 0; j++) {
		k_jsonw_key(w, c->names[j]);
		k_jsonw_obj(w);
		k_jsonw_key(w, "precision");
		k_jsonw_num(w, k_round(mt->precision[j], 6));
		k_jsonw_key(w, "recall");
		k_jsonw_num(w, k_round(mt->recall[j], 6));
		k_jsonw_key(w, "f1");
		k_jsonw_num(w, k_round(mt->f1[j], 6));
		k_jsonw_key(w, "support");
		k_jsonw_int(w, (long long)mt->support[j]);
		k_jsonw_obj_end(w);
	}
	k_jsonw_obj_end(w);
	k_jsonw_key(w, "confusion");
	k_jsonw_obj(w);
	k_jsonw_key(w, "classes");
	k_jsonw_arr(w);
	for (size_t j = 0; j < c->k; j++)
		k_jsonw_str(w, c->names[j]);
	k_jsonw_arr_end(w);
	k_jsonw_key(w, "matrix");
	k_jsonw_arr(w);
	for (size_t i = 0; i < c->k && mt->tested > 0; i++) {
		k_jsonw_arr(w);
		for (size_t j = 0; j < c->k; j++)
			k_jsonw_int(w, (long long)mt->confusion[i * c->k + j]);
		k_jsonw_arr_end(w);
	}
	k_jsonw_arr_end(w);
	k_jsonw_obj_end(w);
}

/* The training facts: the members of the report also kept in the model's
 * header (the report adds version, path and seconds). */
static void
write_training(struct k_jsonw *w, const struct opts *o, const struct rows *r,
               const struct classes *c, const struct metrics *mt)
{
	k_jsonw_key(w, "label_field");
	k_jsonw_str(w, o->label);
	k_jsonw_key(w, "rows");
	k_jsonw_int(w, (long long)r->n);
	k_jsonw_key(w, "rows_unlabelled");
	k_jsonw_int(w, r->unlabelled);
	k_jsonw_key(w, "rows_rejected");
	k_jsonw_int(w, r->rj.count);
	k_jsonw_key(w, "classes");
	k_jsonw_int(w, (long long)c->k);
	k_jsonw_key(w, "features_used");
	k_jsonw_int(w, (long long)r->d);
	k_jsonw_key(w, "rounds");
	k_jsonw_int(w, (long long)o->xgb.rounds);
	k_jsonw_key(w, "holdout");
	k_jsonw_num(w, o->holdout);
	k_jsonw_key(w, "refit");
	k_jsonw_bool(w, o->refit);
	write_metrics(w, mt, c);
}

/* The header's extra members: {"training": {...}}. */
static json_t *
header_extra(const struct opts *o, const struct rows *r,
             const struct classes *c, const struct metrics *mt)
{
	struct k_buf b;
	struct k_jsonw w;
	json_error_t je;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "training");
	k_jsonw_obj(&w);
	write_training(&w, o, r, c, mt);
	k_jsonw_obj_end(&w);
	k_jsonw_obj_end(&w);
	if (b.oom)
		k_die(K_ENOMEM, "out of memory");
	json_t *j = json_loadb(b.data, b.len, 0, &je);
	if (j == NULL)
		k_die(K_EINTERNAL, "the model header: %s", je.text);
	k_buf_release(&b);
	return j;
}

static void
report(const struct opts *o, const struct rows *r, const struct classes *c,
       const struct metrics *mt, const struct k_archetype *m, double t0)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	ktrain_report_head(&w, K_ARCHETYPE_KIND, m->version, m->path);
	write_training(&w, o, r, c, mt);
	k_jsonw_key(&w, "seconds");
	k_jsonw_num(&w, k_round(k_time_mono() - t0, 4));
	k_jsonw_obj_end(&w);
	if (b.oom)
		k_die(K_ENOMEM, "out of memory");
	k_out_write(b.data, b.len);
	k_out_line_end();
	k_buf_release(&b);
}

static void
summary(const struct rows *r, const struct classes *c,
        const struct metrics *mt, const struct k_archetype *m)
{
	static const char bar[] =
		"============================================================";
	if (k_log_level < 0)
		return;
	fprintf(stderr, "%s\nTRAINING ARCHETYPE CLASSIFIER\n%s\n", bar, bar);
	fprintf(stderr, "Samples trained: %zu (%zu classes, %zu features)\n",
	        r->n, c->k, r->d);
	if (mt->tested > 0) {
		fprintf(stderr, "Holdout: %zu rows, accuracy %.1f%%, macro-F1 %.3f, "
		        "log loss %.3f\n", mt->tested, 100 * mt->accuracy,
		        mt->macro_f1, mt->log_loss);
		for (size_t j = 0; j < c->k; j++)
			fprintf(stderr, "  %-24s precision %.2f  recall %.2f  (%zu)\n",
			        c->names[j], mt->precision[j], mt->recall[j],
			        mt->support[j]);
	} else {
		fprintf(stderr, "Holdout: not measured (--holdout 0)\n");
	}
	if (r->unlabelled > 0)
		fprintf(stderr, "Unlabelled rows skipped: %ld\n", r->unlabelled);
	if (r->rj.count > 0)
		fprintf(stderr, "Rejected lines: %ld\n", r->rj.count);
	fprintf(stderr, "Model saved: %s (version %s)\n", m->path, m->version);
}

int
ktrain_archetype(int argc, char **argv)
{
	struct opts o = { .xgb = k_xgb_params_default(), .label = "label",
	                  .holdout = 0.2, .refit = 1 };
	struct rows r = { .o = &o };
	struct classes c;
	struct metrics mt;
	struct k_store store;
	struct k_error e;

	k_args_parse("ktrain", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	double t0 = k_time_mono();
	table_read(&o);
	k_reject_init(&r.rj);
	k_jscan_init(&r.scan, "features");
	k_store_init(&store, k_opts.model_dir);
	read_rows(&r);
	if (r.stop) {
		rows_release(&r);
		return k_status_exit(k_reject_finish(&r.rj));
	}
	if (r.n == 0) {
		k_reject_finish(&r.rj);
		k_die(K_EDATA, "no labelled rows to train on (field '%s')",
		      o.label);
	}
	find_classes(&r, &c);
	metrics_init(&mt, c.k);
	struct k_xgb *x = evaluate(&o, &r, &c, &mt);
	if (x == NULL)
		x = boost(&o, r.X, c.y, r.n, r.d, c.k, "fit");

	struct k_archetype m;
	struct k_multipliers mult;
	table_for(&o, &c, &mult);
	json_t *extra = header_extra(&o, &r, &c, &mt);
	if (k_archetype_build(&m, x, (const char *const *)c.names,
	                      (const char *const *)r.names, &mult, extra,
	                      &e) != K_OK)
		k_die_error(&e);
	json_decref(extra);
	if (k_archetype_save(&m, &store, o.version, &e) != K_OK)
		k_die_error(&e);
	report(&o, &r, &c, &mt, &m, t0);
	summary(&r, &c, &mt, &m);
	k_out_finish();

	enum k_status rs = k_reject_finish(&r.rj);
	k_archetype_release(&m);
	metrics_release(&mt);
	free(c.names);
	free(c.y);
	free(c.count);
	free(o.table);
	rows_release(&r);
	return k_status_exit(rs);
}

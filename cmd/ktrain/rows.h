/*
 * rows.h - the feature rows a trainer of feature-row models (the forest,
 * the One-Class SVM) learns from, read once from the input in constant
 * memory: a seeded reservoir keeps a uniform sample of lines and only
 * those are parsed, or, with --days, every line is parsed and the rows of
 * the window kept. The options they share (--days, --features,
 * --exclude) come as one argp child.
 */
#ifndef KTRAIN_ROWS_H
#define KTRAIN_ROWS_H

#include <argp.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/k_reject.h"
#include "numeric/k_sample.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"

struct ktrain_rows_opts {
	double days;            /* keep rows within this many days; 0: all */
	const char *features;   /* --features a,b,c */
	const char *exclude;    /* --exclude a,b */
	size_t sample;          /* lines kept by the reservoir (--sample) */
	uint64_t seed;          /* the reservoir's seed */
	int threads;            /* for parsing the sample */
};

/* --days, --features, --exclude; the parent sets state->child_inputs[i]
 * to its struct ktrain_rows_opts at ARGP_KEY_INIT. */
extern const struct argp ktrain_rows_argp;

struct ktrain_rows {
	const struct ktrain_rows_opts *o;
	struct k_reject rj;
	char **names;           /* the features, from the first valid row */
	size_t d;
	long rows_read;         /* valid lines seen (before sample rejects) */
	long sample_rejects;    /* sampled lines rejected when parsed */
	int64_t ts_first, ts_last; /* of the rows kept; INT64_MIN: unknown */
	int stop;               /* --strict hit */
	/* private */
	struct k_jscan scan;
	struct k_featmap fm;
	int have_features;
	const char *source;
	const char **sources;
	struct k_sampler smp;
	double *win, *xbuf;
	int64_t *win_ts;
	size_t nwin, capwin;
	int64_t max_ts;
};

void ktrain_rows_init(struct ktrain_rows *r, const struct ktrain_rows_opts *o);

/* Read every input line (k_opts' files or standard input). r->stop says
 * --strict stopped it. */
void ktrain_rows_read(struct ktrain_rows *r);

/*
 * The rows kept, as an n x d row-major matrix (NAN: missing) in input
 * order, into *X (the caller's to free): the --days window, or the sample
 * parsed (its bad lines rejected now, in input order). *stream is the
 * rows of the whole stream less the rejected ones. Check r->stop after.
 */
size_t ktrain_rows_matrix(struct ktrain_rows *r, double **X, size_t *stream);

/*
 * Both of the above, for a trainer that needs at least min rows: 0 with
 * the matrix, or -1 when --strict stopped the run (nothing to save; *rc
 * is the exit status, r released). Fewer than min rows is fatal (65),
 * the message naming what ("an anomaly model") and why.
 */
int ktrain_rows_load(struct ktrain_rows *r, size_t min, const char *what,
                     double **X, size_t *nrows, size_t *stream, int *rc);

void ktrain_rows_release(struct ktrain_rows *r);

#endif

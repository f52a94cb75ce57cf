/*
 * archetype.h - the parts of 'ktrain archetype' and what they share: the
 * options (archetype.c), reading labelled rows and their classes
 * (archetype_rows.c), boosting with a holdout and early stopping
 * (archetype_fit.c), and taking a model trained elsewhere
 * (archetype_import.c).
 */
#ifndef KTRAIN_ARCHETYPE_H
#define KTRAIN_ARCHETYPE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/k_optval.h"
#include "cli/k_reject.h"
#include "model/k_multipliers.h"
#include "numeric/k_confusion.h"
#include "numeric/k_xgb.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"

struct arch_opts {
	struct k_xgb_params xgb;
	const char *label;      /* --label-field */
	double holdout;         /* --holdout, share of each class */
	size_t early;           /* --early-stopping rounds; 0: none */
	int refit;              /* 0 with --no-refit */
	const char *version;    /* --save-version */
	const char *thresholds; /* --thresholds FILE, or NULL: the built-in */
	json_t *table;          /* the threshold table, read and checked */
	const char *import;     /* --import FILE */
	struct k_optval_list classes, features;  /* --classes, --features */
};

/* The labelled rows, every one kept. */
struct arch_rows {
	const struct arch_opts *o;
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

struct arch_classes {
	char **names;          /* sorted, borrowed from the rows' labels */
	size_t k;
	uint32_t *y;           /* each row's class */
	size_t *count;         /* rows of each class */
};

/* What the holdout said, and the rounds kept. */
struct arch_fit {
	struct k_confusion cm; /* the holdout's figures; cm.n 0: none */
	size_t rounds;         /* rounds of the model saved */
	size_t best;           /* early stopping: the best round, else 0 */
	double best_loss;      /* its holdout log loss */
};

/* Read every line of the inputs into r (r->o, r->rj and r->scan set). */
void arch_read_rows(struct arch_rows *r);
void arch_rows_release(struct arch_rows *r);

/* The classes of the rows, sorted; dies (65) with too few rows or
 * classes, naming the class. */
void arch_find_classes(const struct arch_rows *r, struct arch_classes *c);
void arch_classes_release(struct arch_classes *c);

/* Measure on the holdout (stopping early if asked), then the model to
 * save: refitted on every row, or the holdout fit with --no-refit.
 * f is filled (f->cm initialised here; release it). */
struct k_xgb *arch_fit(const struct arch_opts *o, const struct arch_rows *r,
                       const struct arch_classes *c, struct arch_fit *f);

/* The threshold table for the classes (a class it does not name gets
 * 1s); arch_table_notes says which on stderr. */
void arch_table_for(const struct arch_opts *o, const char *const *classes,
                    size_t k, struct k_multipliers *mt);
void arch_table_notes(const struct arch_opts *o, const char *const *classes,
                      const struct k_multipliers *mt);

/* The threshold table's name, for messages: the file, or the built-in. */
const char *arch_table_name(const struct arch_opts *o);

/* ktrain archetype --import: store o->import as a new version; the exit
 * status. */
int arch_import(const struct arch_opts *o, double t0);

#endif

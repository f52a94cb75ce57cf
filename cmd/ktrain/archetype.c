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
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "archetype.h"
#include "ktrain.h"
#include "model/k_archetype.h"
#include "model/k_multipliers.h"
#include "model/k_store.h"
#include "numeric/k_xgb.h"
#include "text/k_jsonw.h"


/* The default threshold table, data/archetype-thresholds.json, compiled
 * in by make (DATA_ktrain). */
extern const unsigned char k_data_archetype_thresholds[];
extern const size_t k_data_archetype_thresholds_len;

enum {
	OPT_ROUNDS = 0x100, OPT_MAX_DEPTH, OPT_ETA, OPT_SUBSAMPLE, OPT_COLSAMPLE,
	OPT_MIN_CHILD_WEIGHT, OPT_SEED, OPT_THREADS, OPT_LABEL_FIELD,
	OPT_HOLDOUT, OPT_NO_REFIT, OPT_SAVE_VERSION, OPT_THRESHOLDS,
	OPT_EARLY, OPT_IMPORT, OPT_CLASSES, OPT_FEATURES
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
	{ "early-stopping", OPT_EARLY, "N", 0,
	  "Stop boosting once the holdout's log loss has not improved for N "
	  "rounds, and keep the best round's trees (default: off)", 3 },
	{ "no-refit", OPT_NO_REFIT, NULL, 0,
	  "Save the model trained without the holdout rather than one refitted "
	  "on every row", 3 },
	{ "save-version", OPT_SAVE_VERSION, "NAME", 0,
	  "Version name of the new model (default: UTC time, YYYYmmdd_HHMMSS)",
	  3 },
	{ NULL, 0, NULL, 0, "A model trained elsewhere:", 4 },
	{ "import", OPT_IMPORT, "FILE", 0,
	  "Store FILE, an XGBoost model (JSON or UBJSON, objective "
	  "multi:softprob), as a new version instead of training; reads no "
	  "rows", 4 },
	{ "classes", OPT_CLASSES, "LIST", 0,
	  "With --import: the class names, comma-separated, in the model's "
	  "class order", 4 },
	{ "features", OPT_FEATURES, "LIST", 0,
	  "With --import: the feature names, comma-separated, in the model's "
	  "column order (default: those the model keeps)", 4 },
	{ 0 }
};

/* --classes and --features: a list of names, or usage error. */
static void
name_list(struct argp_state *state, const char *opt, const char *arg,
          struct k_optval_list *l)
{
	k_optval_list_release(l);
	if (k_optval_list_parse(arg, l) < 0)
		argp_error(state, "%s: empty list or empty name", opt);
}

/* What the options say together. */
static void
check_opts(struct argp_state *state, const struct arch_opts *o)
{
	if (o->holdout == 0 && !o->refit)
		argp_error(state, "--no-refit needs a holdout to leave out "
		           "(--holdout 0 given)");
	if (o->holdout == 0 && o->early > 0)
		argp_error(state, "--early-stopping watches the holdout "
		           "(--holdout 0 given)");
	if (o->import == NULL && (o->classes.n || o->features.n))
		argp_error(state, "--classes and --features go with --import");
	if (o->import != NULL && o->classes.n == 0)
		argp_error(state, "--import needs --classes, the model's class "
		           "names in its order");
	if (o->import != NULL && k_opts.nfiles > 0)
		argp_error(state, "--import reads no rows (FILE operands given)");
}

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct arch_opts *o = state->input;
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
	case OPT_EARLY:
		o->early = k_optval_uint(state, "--early-stopping", arg, 1,
		                         K_XGB_MAX_ROUNDS);
		break;
	case OPT_IMPORT:
		o->import = k_optval_name(state, "--import", arg);
		break;
	case OPT_CLASSES:
		name_list(state, "--classes", arg, &o->classes);
		break;
	case OPT_FEATURES:
		name_list(state, "--features", arg, &o->features);
		break;
	case ARGP_KEY_END:
		check_opts(state, o);
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

/* ---- the threshold table ---- */

const char *
arch_table_name(const struct arch_opts *o)
{
	return o->thresholds ? o->thresholds
	       : "the built-in data/archetype-thresholds.json";
}

/* The table, read and checked before any row is read, so that a bad
 * file costs no training. */
static void
table_read(struct arch_opts *o)
{
	const unsigned char *text = k_data_archetype_thresholds;
	size_t n = k_data_archetype_thresholds_len;
	unsigned char *file = NULL;
	struct k_error e;
	enum k_status st;

	if (o->thresholds != NULL &&
	    (st = k_file_read(o->thresholds, &file, &n, K_MULT_FILE_MAX,
	                      &e)) != K_OK)
		k_die(st, "--thresholds: %s", e.text);
	if (file != NULL)
		text = file;
	st = k_multipliers_read((const char *)text, n, &o->table, &e);
	free(file);
	if (st != K_OK)
		k_die(st, "--thresholds: %s: %s", arch_table_name(o), e.text);
}

void
arch_table_for(const struct arch_opts *o, const char *const *classes,
               size_t k, struct k_multipliers *mt)
{
	struct k_error e;

	if (k_multipliers_from_json(mt, o->table, classes, k, 0, &e) != K_OK)
		k_die_error(&e);
}

void
arch_table_notes(const struct arch_opts *o, const char *const *classes,
                 const struct k_multipliers *mt)
{
	for (size_t j = 0; j < mt->nclass; j++)
		if (!mt->given[j])
			k_info("class '%s' is not in %s: its threshold multipliers "
			       "are 1", classes[j], arch_table_name(o));
}

/* ---- the report ---- */

static void
jw_metric(struct k_jsonw *w, const struct k_confusion *mt, double v)
{
	if (mt->n > 0)
		k_jsonw_num(w, k_round(v, 6));
	else
		k_jsonw_null(w);
}

/* The holdout's figures, for the report and the model's header. */
static void
write_metrics(struct k_jsonw *w, const struct k_confusion *mt,
              const struct arch_classes *c)
{
	k_jsonw_key(w, "holdout_rows");
	k_jsonw_int(w, (long long)mt->n);
	k_jsonw_key(w, "accuracy");
	jw_metric(w, mt, mt->accuracy);
	k_jsonw_key(w, "macro_f1");
	jw_metric(w, mt, mt->macro_f1);
	k_jsonw_key(w, "log_loss");
	jw_metric(w, mt, mt->log_loss);
	k_jsonw_key(w, "per_class");
	k_jsonw_obj(w);
	for (size_t j = 0; j < c->k && mt->n > 0; j++) {
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
	for (size_t i = 0; i < c->k && mt->n > 0; i++) {
		k_jsonw_arr(w);
		for (size_t j = 0; j < c->k; j++)
			k_jsonw_int(w, (long long)mt->m[i * c->k + j]);
		k_jsonw_arr_end(w);
	}
	k_jsonw_arr_end(w);
	k_jsonw_obj_end(w);
}

/* The training facts: the members of the report also kept in the model's
 * header (the report adds version, path and seconds). */
static void
write_training(struct k_jsonw *w, const struct arch_opts *o, const struct arch_rows *r,
               const struct arch_classes *c, const struct arch_fit *f)
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
	k_jsonw_int(w, (long long)f->rounds);
	k_jsonw_key(w, "rounds_max");
	k_jsonw_int(w, (long long)o->xgb.rounds);
	k_jsonw_key(w, "early_stopping");
	if (o->early > 0) {
		k_jsonw_obj(w);
		k_jsonw_key(w, "patience");
		k_jsonw_int(w, (long long)o->early);
		k_jsonw_key(w, "best_round");
		k_jsonw_int(w, (long long)f->best);
		k_jsonw_key(w, "best_log_loss");
		k_jsonw_num(w, k_round(f->best_loss, 6));
		k_jsonw_obj_end(w);
	} else {
		k_jsonw_null(w);
	}
	k_jsonw_key(w, "holdout");
	k_jsonw_num(w, o->holdout);
	k_jsonw_key(w, "refit");
	k_jsonw_bool(w, o->refit);
	write_metrics(w, &f->cm, c);
}

/* The header's extra members: {"training": {...}, "metrics": {...}}. */
static json_t *
header_extra(const struct arch_opts *o, const struct arch_rows *r,
             const struct arch_classes *c, const struct arch_fit *f)
{
	struct k_buf b;
	struct k_jsonw w;
	json_error_t je;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "training");
	k_jsonw_obj(&w);
	write_training(&w, o, r, c, f);
	k_jsonw_obj_end(&w);
	if (f->cm.n > 0) {
		/* What kmodel list shows. */
		k_jsonw_key(&w, "metrics");
		k_jsonw_obj(&w);
		k_jsonw_key(&w, "accuracy");
		k_jsonw_num(&w, k_round(f->cm.accuracy, 6));
		k_jsonw_key(&w, "macro_f1");
		k_jsonw_num(&w, k_round(f->cm.macro_f1, 6));
		k_jsonw_key(&w, "log_loss");
		k_jsonw_num(&w, k_round(f->cm.log_loss, 6));
		k_jsonw_obj_end(&w);
	}
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
report(const struct arch_opts *o, const struct arch_rows *r, const struct arch_classes *c,
       const struct arch_fit *f, const struct k_archetype *m, double t0)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	ktrain_report_head(&w, K_ARCHETYPE_KIND, m->version, m->path);
	write_training(&w, o, r, c, f);
	ktrain_report_end(&w, t0);
}

static void
summary(const struct arch_opts *o, const struct arch_rows *r,
        const struct arch_classes *c, const struct arch_fit *f,
        const struct k_archetype *m)
{
	static const char bar[] =
		"============================================================";
	const struct k_confusion *cm = &f->cm;

	if (k_log_level < 0)
		return;
	fprintf(stderr, "%s\nTRAINING ARCHETYPE CLASSIFIER\n%s\n", bar, bar);
	fprintf(stderr, "Samples trained: %zu (%zu classes, %zu features)\n",
	        r->n, c->k, r->d);
	if (cm->n > 0) {
		fprintf(stderr, "Holdout: %zu rows, accuracy %.1f%%, macro-F1 %.3f, "
		        "log loss %.3f\n", cm->n, 100 * cm->accuracy, cm->macro_f1,
		        cm->log_loss);
		for (size_t j = 0; j < c->k; j++)
			fprintf(stderr, "  %-24s precision %.2f  recall %.2f  (%zu)\n",
			        c->names[j], cm->precision[j], cm->recall[j],
			        cm->support[j]);
	} else {
		fprintf(stderr, "Holdout: not measured (--holdout 0)\n");
	}
	if (o->early > 0)
		fprintf(stderr, "Early stopping: best round %zu of %zu (holdout log "
		        "loss %.4f)\n", f->best, o->xgb.rounds, f->best_loss);
	if (r->unlabelled > 0)
		fprintf(stderr, "Unlabelled rows skipped: %ld\n", r->unlabelled);
	if (r->rj.count > 0)
		fprintf(stderr, "Rejected lines: %ld\n", r->rj.count);
	fprintf(stderr, "Model saved: %s (version %s)\n", m->path, m->version);
}

static void
opts_release(struct arch_opts *o)
{
	json_decref(o->table);
	k_optval_list_release(&o->classes);
	k_optval_list_release(&o->features);
}

int
ktrain_archetype(int argc, char **argv)
{
	struct arch_opts o = { .xgb = k_xgb_params_default(), .label = "label",
	                       .holdout = 0.2, .refit = 1 };
	struct arch_rows r = { .o = &o };
	struct arch_classes c;
	struct arch_fit fit;
	struct k_store store;
	struct k_error e;

	k_args_parse("ktrain", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	double t0 = k_time_mono();
	table_read(&o);
	if (o.import != NULL) {
		int rc = arch_import(&o, t0);
		opts_release(&o);
		return rc;
	}
	k_reject_init(&r.rj);
	k_jscan_init(&r.scan, "features");
	k_store_init(&store, k_opts.model_dir);
	arch_read_rows(&r);
	if (r.stop) {
		arch_rows_release(&r);
		return k_status_exit(k_reject_finish(&r.rj));
	}
	if (r.n == 0) {
		k_reject_finish(&r.rj);
		k_die(K_EDATA, "no labelled rows to train on (field '%s')",
		      o.label);
	}
	arch_find_classes(&r, &c);
	struct k_xgb *x = arch_fit(&o, &r, &c, &fit);

	struct k_archetype m;
	struct k_multipliers mult;
	arch_table_for(&o, (const char *const *)c.names, c.k, &mult);
	arch_table_notes(&o, (const char *const *)c.names, &mult);
	json_t *extra = header_extra(&o, &r, &c, &fit);
	if (k_archetype_build(&m, x, (const char *const *)c.names,
	                      (const char *const *)r.names, &mult, extra,
	                      &e) != K_OK)
		k_die_error(&e);
	json_decref(extra);
	if (k_archetype_save(&m, &store, o.version, &e) != K_OK)
		k_die_error(&e);
	report(&o, &r, &c, &fit, &m, t0);
	summary(&o, &r, &c, &fit, &m);
	k_out_finish();

	enum k_status rs = k_reject_finish(&r.rj);
	k_archetype_release(&m);
	k_confusion_release(&fit.cm);
	arch_classes_release(&c);
	opts_release(&o);
	arch_rows_release(&r);
	return k_status_exit(rs);
}

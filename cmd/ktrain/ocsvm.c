/*
 * ktrain ocsvm - train a One-Class SVM on feature rows, the second
 * anomaly detector beside the Isolation Forest. Training is quadratic in
 * the rows, so the stream is read once into a seeded reservoir of
 * --sample rows (rows.c, as ktrain anomaly reads), and the SVM is
 * trained on those.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_parallel.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "ktrain.h"
#include "ktrain/rows.h"
#include "model/k_ocsvm.h"
#include "model/k_store.h"
#include "text/k_jsonw.h"

struct opts {
	struct k_ocsvm_params svm;
	struct ktrain_rows_opts rows;
	const char *version;
};

enum { OPT_NU = 0x100, OPT_GAMMA, OPT_TOL, OPT_SEED, OPT_SAMPLE,
       OPT_SAVE_VERSION, OPT_THREADS };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model:", 1 },
	{ "nu", OPT_NU, "X", 0,
	  "Share of training rows allowed outside the boundary, and the least "
	  "share of support vectors, in (0, 1] (default 0.05; scikit-learn's "
	  "0.5 flags half the rows)", 1 },
	{ "gamma", OPT_GAMMA, "X|scale", 0,
	  "RBF kernel width; 'scale' is 1 / (features x variance of the "
	  "standardised rows), as scikit-learn computes it (default scale)", 1 },
	{ "tol", OPT_TOL, "X", 0, "Stopping tolerance (default 0.001)", 1 },
	{ "seed", OPT_SEED, "N", 0, "Random seed of the sample (default 42)", 1 },
	{ "sample", OPT_SAMPLE, "N", 0,
	  "Rows trained on, at most: a uniform sample of the stream (default "
	  "20000; the time grows with the square of it)", 1 },
	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "save-version", OPT_SAVE_VERSION, "NAME", 0,
	  "Version name of the new model (default: UTC time, YYYYmmdd_HHMMSS)",
	  3 },
	{ "threads", OPT_THREADS, "N", 0,
	  "Worker threads for parsing and statistics (default: the processors "
	  "online, at most 8); the model does not depend on it", 3 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_NU:
		o->svm.svm.nu = k_optval_number(state, "--nu", arg, 0, 1,
		                                K_OPTVAL_OPEN_LO);
		break;
	case OPT_GAMMA:
		o->svm.svm.gamma = strcmp(arg, "scale") == 0 ? 0
		        : k_optval_number(state, "--gamma", arg, 0, 1e12,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_TOL:
		o->svm.svm.tol = k_optval_number(state, "--tol", arg, 0, 1,
		                                 K_OPTVAL_OPEN_LO);
		break;
	case OPT_SEED:
		o->svm.seed = k_optval_uint(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_SAMPLE:
		o->svm.sample = k_optval_uint(state, "--sample", arg,
		                              K_OCSVM_MIN_ROWS, K_SVM_MAX_ROWS);
		break;
	case OPT_SAVE_VERSION:
		o->version = k_optval_version(state, "--save-version", arg);
		break;
	case OPT_THREADS:
		o->svm.threads = (int)k_optval_uint(state, "--threads", arg, 1,
		                                    256);
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->rows;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Train a One-Class SVM (libsvm, RBF kernel) on feature rows and save "
	"it as a new version of the 'ocsvm' model; kscore reads it beside the "
	"Isolation Forest."
	"\v"
	"Input: NDJSON feature rows, as for 'ktrain anomaly', from the FILEs "
	"or standard input; each feature is standardised by its median and "
	"robust scale (kept in the model). Output: a one-line JSON report on "
	"standard output; a summary for people on standard error.\n\n"
	"Example:\n"
	"  kfeatures wallet < tx.ndjson | ktrain ocsvm --nu 0.05 "
	"--save-version v1";

static const struct argp_child children[] = {
	{ &ktrain_rows_argp, 0, "Input:", 2 },
	{ 0 }
};

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  children, NULL, NULL };

static void
summary(const struct ktrain_rows *t, const struct k_ocsvm *m, size_t n,
        const struct k_ocsvm_summary *sum)
{
	static const char bar[] =
		"============================================================";
	if (k_log_level < 0)
		return;
	fprintf(stderr, "%s\nTRAINING ONE-CLASS SVM\n%s\n", bar, bar);
	fprintf(stderr, "Extracted %zu samples with %zu features\n", n, t->d);
	if (sum->trained < n)
		fprintf(stderr, "Samples trained: %zu (a uniform sample of the "
		        "%zu)\n", sum->trained, n);
	else
		fprintf(stderr, "Samples trained: %zu\n", sum->trained);
	fprintf(stderr, "Features used: %zu\n", t->d);
	fprintf(stderr, "Support vectors: %zu (gamma %.6g)\n", sum->support,
	        sum->gamma);
	fprintf(stderr, "Outside the boundary: %zu (%.2f%%)\n", sum->flagged,
	        sum->flag_rate_pct);
	ktrain_summary_constant(m->header);
	if (t->rj.count > 0)
		fprintf(stderr, "Rejected lines: %ld\n", t->rj.count);
	fprintf(stderr, "Model saved: %s (version %s)\n", m->path, m->version);
}

static void
report(const struct ktrain_rows *t, const struct k_ocsvm *m,
       const struct opts *o, size_t n, const struct k_ocsvm_summary *sum,
       double t0)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	ktrain_report_head(&w, K_OCSVM_KIND, m->version, m->path);
	ktrain_report_rows(&w, sum->trained, t->rj.count, t->d);
	k_jsonw_key(&w, "rows_read");
	k_jsonw_int(&w, (long long)n);
	k_jsonw_key(&w, "nu");
	k_jsonw_num(&w, o->svm.svm.nu);
	k_jsonw_key(&w, "gamma");
	k_jsonw_num(&w, sum->gamma);
	k_jsonw_key(&w, "support_vectors");
	k_jsonw_int(&w, (long long)sum->support);
	k_jsonw_key(&w, "rho");
	k_jsonw_num(&w, sum->rho);
	k_jsonw_key(&w, "anomalies_detected");
	k_jsonw_int(&w, (long long)sum->flagged);
	k_jsonw_key(&w, "anomaly_rate_pct");
	k_jsonw_num(&w, k_round(sum->flag_rate_pct, 4));
	k_jsonw_key(&w, "constant_features");
	k_jsonw_int(&w, (long long)sum->constant);
	ktrain_report_end(&w, t0);
}

int
ktrain_ocsvm(int argc, char **argv)
{
	struct opts o = { .svm = k_ocsvm_params_default() };
	struct ktrain_rows t;
	struct k_store store;
	struct k_error e;
	double *X;
	size_t n, nrows;
	int rc;

	k_args_parse("ktrain", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	if (o.svm.threads == 0)
		o.svm.threads = k_parallel_threads();
	o.rows.sample = o.svm.sample;
	o.rows.seed = o.svm.seed;
	o.rows.threads = o.svm.threads;
	double t0 = k_time_mono();
	ktrain_rows_init(&t, &o.rows);
	k_store_init(&store, k_opts.model_dir);
	if (ktrain_rows_load(&t, K_OCSVM_MIN_ROWS, "a One-Class SVM", &X,
	                     &nrows, &n, &rc) < 0)
		return rc;

	struct k_anomaly_source src = { t.rj.count, o.rows.days, t.ts_first,
	                                t.ts_last };
	struct k_ocsvm m;
	struct k_ocsvm_summary sum;
	if (k_ocsvm_train(&m, &o.svm, X, nrows, t.d,
	                  (const char *const *)t.names, &src, &sum, &e) != K_OK ||
	    k_ocsvm_save(&m, &store, o.version, &e) != K_OK)
		k_die_error(&e);
	k_debug("trained and saved at %.3f s", k_time_mono() - t0);
	report(&t, &m, &o, n, &sum, t0);
	summary(&t, &m, n, &sum);
	k_out_finish();

	enum k_status rs = k_reject_finish(&t.rj);
	k_ocsvm_release(&m);
	free(X);
	ktrain_rows_release(&t);
	return k_status_exit(rs);
}

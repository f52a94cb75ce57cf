/*
 * ktrain anomaly - train an Isolation Forest on feature rows.
 *
 * The stream is read once, in constant memory: a reservoir keeps a uniform
 * sample of --sample lines, and only those are parsed, so a large file
 * costs little more than finding its newlines. Each tree is grown on its
 * own max-samples rows drawn from that sample, and the sample's scores set
 * the threshold. --days needs every row's time, so it parses every line
 * and keeps the rows of the window instead.
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
#include "model/k_anomaly.h"
#include "model/k_store.h"
#include "text/k_jsonw.h"

struct opts {
	struct k_iforest_params forest;
	struct ktrain_rows_opts rows; /* --sample, --days, --features, ... */
	const char *version;    /* --save-version */
};

enum {
	OPT_TREES = 0x100, OPT_MAX_SAMPLES, OPT_CONTAMINATION, OPT_SEED,
	OPT_SAVE_VERSION, OPT_SAMPLE, OPT_THREADS
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model:", 1 },
	{ "trees", OPT_TREES, "N", 0, "Trees in the forest (default 100)", 1 },
	{ "max-samples", OPT_MAX_SAMPLES, "N", 0,
	  "Rows each tree is grown on, capped at the rows read (default 256)", 1 },
	{ "contamination", OPT_CONTAMINATION, "X|auto", 0,
	  "Expected share of anomalies, in (0, 0.5]; 'auto' flags scores above "
	  "50 (default 0.05)", 1 },
	{ "seed", OPT_SEED, "N", 0, "Random seed (default 42)", 1 },
	{ "sample", OPT_SAMPLE, "N", 0,
	  "Rows kept from the stream, uniformly: trees are grown on subsamples "
	  "of them and their scores set the threshold (default 10000)", 1 },
	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "save-version", OPT_SAVE_VERSION, "NAME", 0,
	  "Version name of the new model (default: UTC time, YYYYmmdd_HHMMSS)",
	  3 },
	{ "threads", OPT_THREADS, "N", 0,
	  "Worker threads (default: the processors online, at most 8); the "
	  "model does not depend on it", 3 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_TREES:
		o->forest.trees = k_optval_uint(state, "--trees", arg, 1,
		                                K_IFOREST_MAX_TREES);
		break;
	case OPT_MAX_SAMPLES:
		o->forest.max_samples = k_optval_uint(state, "--max-samples", arg,
		                                      2, K_IFOREST_MAX_PSI);
		break;
	case OPT_SAMPLE:
		o->rows.sample = k_optval_uint(state, "--sample", arg, 10,
		                               100000000);
		break;
	case OPT_CONTAMINATION:
		if (strcmp(arg, "auto") == 0) {
			o->forest.contamination = 0;
			break;
		}
		o->forest.contamination = k_optval_number(state, "--contamination",
		                                          arg, 0, 0.5,
		                                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_SEED:
		o->forest.seed = k_optval_uint(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_SAVE_VERSION: {
		struct k_error e;
		if (k_version_check(arg, &e) != K_OK)
			argp_error(state, "--save-version: %s", e.text);
		o->version = arg;
		break;
	}
	case OPT_THREADS:
		o->rows.threads = (int)k_optval_uint(state, "--threads", arg, 1,
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
	"Train an Isolation Forest anomaly detector on feature rows and save "
	"it as a new version of the 'anomaly' model."
	"\v"
	"Input: NDJSON feature rows, {\"kind\":\"features\",\"ts\":...,"
	"\"features\":{\"name\":number|null,...}}, from the FILEs or standard "
	"input. The features are those of the first valid row (or --features); "
	"null is a missing value. Output: a one-line JSON report on standard "
	"output; a summary for people on standard error.\n\n"
	"Example:\n"
	"  kfeatures hyperliquid < raw.ndjson | ktrain anomaly --days 30 "
	"--save-version v1.0";

static const struct argp_child children[] = {
	{ &ktrain_rows_argp, 0, "Input:", 2 },
	{ 0 }
};

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  children, NULL, NULL };

static void
summary(const struct ktrain_rows *t, const struct k_anomaly *m, size_t n,
        size_t nrows, const struct k_anomaly_summary *sum)
{
	static const char bar[] =
		"============================================================";
	if (k_log_level < 0)
		return;
	fprintf(stderr, "%s\nTRAINING ANOMALY DETECTOR\n%s\n", bar, bar);
	fprintf(stderr, "Extracted %zu samples with %zu features\n", n, t->d);
	if (nrows < n)
		fprintf(stderr, "Samples trained: %zu (a uniform sample of the "
		        "%zu)\n", nrows, n);
	else
		fprintf(stderr, "Samples trained: %zu\n", n);
	fprintf(stderr, "Features used: %zu\n", t->d);
	if (sum->scored == n)
		fprintf(stderr, "Anomalies detected: %zu (%.2f%%)\n",
		        sum->anomalies, sum->rate_pct);
	else
		fprintf(stderr, "Anomalies detected: %zu of %zu scored "
		        "(%.2f%%)\n", sum->anomalies, sum->scored, sum->rate_pct);
	fprintf(stderr, "Threshold: anomaly_score > %.2f\n", sum->threshold);
	ktrain_summary_constant(m->header);
	if (t->rj.count > 0)
		fprintf(stderr, "Rejected lines: %ld\n", t->rj.count);
	fprintf(stderr, "Model saved: %s (version %s)\n", m->path, m->version);
}

/* The one-line JSON report on stdout. */
static void
report(const struct ktrain_rows *t, const struct k_anomaly *m, size_t n,
       const struct k_anomaly_summary *sum, double t0)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	ktrain_report_head(&w, K_ANOMALY_KIND, m->version, m->path);
	ktrain_report_rows(&w, n, t->rj.count, t->d);
	k_jsonw_key(&w, "trees");
	k_jsonw_int(&w, (long long)m->forest->ntrees);
	k_jsonw_key(&w, "max_samples");
	k_jsonw_int(&w, (long long)m->forest->psi);
	k_jsonw_key(&w, "scored_rows");
	k_jsonw_int(&w, (long long)sum->scored);
	k_jsonw_key(&w, "anomalies_detected");
	k_jsonw_int(&w, (long long)sum->anomalies);
	k_jsonw_key(&w, "anomaly_rate_pct");
	k_jsonw_num(&w, k_round(sum->rate_pct, 4));
	k_jsonw_key(&w, "threshold");
	k_jsonw_num(&w, k_round(sum->threshold, 4));
	k_jsonw_key(&w, "mean_anomaly_score");
	k_jsonw_num(&w, k_round(sum->mean, 4));
	k_jsonw_key(&w, "min_anomaly_score");
	k_jsonw_num(&w, k_round(sum->min, 4));
	k_jsonw_key(&w, "max_anomaly_score");
	k_jsonw_num(&w, k_round(sum->max, 4));
	k_jsonw_key(&w, "constant_features");
	k_jsonw_int(&w, (long long)sum->constant);
	ktrain_report_end(&w, t0);
}

int
ktrain_anomaly(int argc, char **argv)
{
	struct opts o = { .forest = k_iforest_params_default(),
	                  .rows = { .sample = 10000 } };
	struct ktrain_rows t;
	struct k_error e;
	struct k_store store;
	double t0;

	k_args_parse("ktrain", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	if (o.rows.threads == 0)
		o.rows.threads = k_parallel_threads();
	o.rows.seed = o.forest.seed;
	t0 = k_time_mono();
	ktrain_rows_init(&t, &o.rows);
	k_store_init(&store, k_opts.model_dir);

	/* The rows: the window (--days) or the parsed sample, as a matrix;
	 * n counts the rows of the stream less the rejected ones. */
	double *X;
	size_t n, nrows;
	int rc;
	if (ktrain_rows_load(&t, K_ANOMALY_MIN_ROWS, "an anomaly model", &X,
	                     &nrows, &n, &rc) < 0)
		return rc;
	k_debug("read and parsed %zu rows at %.3f s", nrows,
	        k_time_mono() - t0);

	struct k_anomaly_params ap = { o.forest, o.rows.sample, o.rows.threads };
	struct k_anomaly_source src = { t.rj.count, o.rows.days, t.ts_first,
	                                t.ts_last };
	struct k_anomaly m;
	struct k_anomaly_summary sum;
	if (k_anomaly_train(&m, &ap, X, nrows, t.d, (const char *const *)t.names,
	                    &src, &sum, &e) != K_OK)
		k_die_error(&e);
	k_debug("built the forest at %.3f s", k_time_mono() - t0);
	if (k_anomaly_save(&m, &store, o.version, &e) != K_OK)
		k_die_error(&e);
	k_debug("saved at %.3f s", k_time_mono() - t0);
	report(&t, &m, n, &sum, t0);
	summary(&t, &m, n, nrows, &sum);
	k_out_finish();

	enum k_status rs = k_reject_finish(&t.rj);
	k_anomaly_release(&m);
	free(X);
	ktrain_rows_release(&t);
	return k_status_exit(rs);
}

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
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"
#include "ktrain.h"
#include "model/k_anomaly.h"
#include "model/k_store.h"
#include "numeric/k_sample.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

struct opts {
	struct k_iforest_params forest;
	size_t sample;          /* rows kept from the stream (--sample) */
	double days;            /* keep rows within this many days; 0: all */
	const char *version;    /* --save-version */
	const char *features;   /* --features a,b,c */
	const char *exclude;    /* --exclude a,b */
	int threads;            /* --threads */
};

enum {
	OPT_TREES = 0x100, OPT_MAX_SAMPLES, OPT_CONTAMINATION, OPT_SEED,
	OPT_DAYS, OPT_SAVE_VERSION, OPT_FEATURES, OPT_EXCLUDE, OPT_SAMPLE,
	OPT_THREADS
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
	{ NULL, 0, NULL, 0, "Input:", 2 },
	{ "days", OPT_DAYS, "N", 0,
	  "Keep only rows within N days of the newest 'ts'", 2 },
	{ "features", OPT_FEATURES, "LIST", 0,
	  "Use these features (comma-separated), in this order", 2 },
	{ "exclude", OPT_EXCLUDE, "LIST", 0,
	  "Leave these features out (comma-separated)", 2 },
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
		o->sample = k_optval_uint(state, "--sample", arg, 10, 100000000);
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
	case OPT_DAYS:
		o->days = k_optval_number(state, "--days", arg, 0, INFINITY,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_SAVE_VERSION: {
		struct k_error e;
		if (k_version_check(arg, &e) != K_OK)
			argp_error(state, "--save-version: %s", e.text);
		o->version = arg;
		break;
	}
	case OPT_FEATURES:
		o->features = arg;
		break;
	case OPT_THREADS:
		o->threads = (int)k_optval_uint(state, "--threads", arg, 1, 256);
		break;
	case OPT_EXCLUDE:
		o->exclude = arg;
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

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

/* ---- training state ---- */

struct train {
	struct opts *o;
	struct k_reject rj;
	struct k_jscan scan;
	struct k_featmap fm;
	char **names;          /* the model's features */
	size_t d;
	int have_features;
	const char *source;    /* current input name */
	const char **sources;  /* names by index, for late rejects */
	long rows_read;        /* non-blank lines seen */
	/* lazy mode */
	struct k_sampler smp;
	/* --days mode */
	double *win;           /* rows: d values each */
	int64_t *win_ts;
	size_t nwin, capwin;
	int64_t max_ts;
	int64_t ts_first, ts_last;
	double *xbuf;          /* scratch row of d values */
	long sample_rejects;   /* lines rejected when parsing the sample */
	int stop;              /* --strict hit */
};

static void
split_list(const char *list, char ***out, size_t *n)
{
	char *copy = strdup(list), *save = NULL;
	*out = NULL;
	*n = 0;
	if (copy == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (*t == '\0')
			continue;
		char **nn = realloc(*out, (*n + 1) * sizeof *nn);
		if (nn == NULL || (nn[*n] = strdup(t)) == NULL)
			k_die(K_ENOMEM, "out of memory");
		*out = nn;
		(*n)++;
	}
	free(copy);
}

static int
in_list(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Fix the feature set from the first valid row (just scanned). Returns 0,
 * or -1 with a reason if this row cannot define it. */
static int
define_features(struct train *t, char *why, size_t cap)
{
	char **excl = NULL;
	size_t nexcl = 0;
	const struct k_jscan *s = &t->scan;

	if (s->subm == NULL) {
		snprintf(why, cap, "field 'features': missing");
		return -1;
	}
	if (s->subm->type != K_JOBJ) {
		char got[96];
		k_jmember_describe(s->subm, got, sizeof got);
		snprintf(why, cap, "field 'features': expected object, got %s", got);
		return -1;
	}
	if (t->o->features != NULL) {
		split_list(t->o->features, &t->names, &t->d);
	} else {
		if (t->o->exclude != NULL)
			split_list(t->o->exclude, &excl, &nexcl);
		t->names = calloc(s->nsub ? s->nsub : 1, sizeof *t->names);
		if (t->names == NULL)
			k_die(K_ENOMEM, "out of memory");
		for (size_t i = 0; i < s->nsub; i++) {
			char key[1024];
			if (k_jkey(&s->sub[i], key, sizeof key) == (size_t)-1)
				k_die(K_EDATA, "%s:%ld: feature name longer than "
				      "1023 bytes", t->source, 0L);
			if (!in_list(excl, nexcl, key))
				t->names[t->d++] = strdup(key);
		}
		for (size_t i = 0; i < nexcl; i++)
			free(excl[i]);
		free(excl);
	}
	if (t->d == 0)
		k_die(K_EUSAGE, "no features left to train on%s",
		      t->o->exclude ? " after --exclude" : "");
	if (k_featmap_init(&t->fm, (const char *const *)t->names, t->d) != K_OK ||
	    (t->xbuf = malloc(t->d * sizeof *t->xbuf)) == NULL)
		k_die(K_ENOMEM, "out of memory");
	t->have_features = 1;
	return 0;
}

static void
reject(struct train *t, long lineno, const char *raw, size_t len,
       const char *why)
{
	if (k_reject_line(&t->rj, t->source, lineno, raw, len, why))
		t->stop = 1;
}

/* Scan and extract one line fully into x (NULL: the scratch row, which
 * *xout then points at); 0, or -1 when the line is rejected. The first
 * valid line defines the feature set. */
static int
parse_row(struct train *t, const char *line, size_t len, long lineno,
          double *x, double **xout, int64_t *ts, int need_ts)
{
	struct k_error e;

	if (k_jscan_line(&t->scan, line, len, &e) != K_OK) {
		reject(t, lineno, line, len, e.text);
		return -1;
	}
	if (!t->have_features) {
		char why[256];
		if (define_features(t, why, sizeof why) < 0) {
			reject(t, lineno, line, len, why);
			return -1;
		}
	}
	if (x == NULL)
		x = t->xbuf;
	if (xout != NULL)
		*xout = x;
	if (k_featmap_get(&t->fm, &t->scan, x, &e) != K_OK) {
		reject(t, lineno, line, len, e.text);
		return -1;
	}
	int rc = k_jscan_ts(&t->scan, ts, NULL);
	if (rc == 0)
		return 0;
	*ts = INT64_MIN;
	if (need_ts) {
		reject(t, lineno, line, len, rc == -1
		       ? "field 'ts': missing (--days needs it)"
		       : "field 'ts': expected an RFC 3339 time string");
		return -1;
	}
	return 0;
}

/* --days: the window's span, ms. */
static int64_t
window_span(const struct train *t)
{
	return (int64_t)(t->o->days * (double)K_MS_PER_DAY);
}

/* --days: drop the rows that fell out of the window. */
static void
window_compact(struct train *t)
{
	int64_t span = window_span(t);
	size_t k = 0;

	for (size_t i = 0; i < t->nwin; i++) {
		if (t->win_ts[i] < t->max_ts - span)
			continue;
		memmove(&t->win[k * t->d], &t->win[i * t->d],
		        t->d * sizeof *t->win);
		t->win_ts[k++] = t->win_ts[i];
	}
	t->nwin = k;
}

/* --days: append a row, dropping rows that fell out of the window. */
static void
window_add(struct train *t, const double *x, int64_t ts)
{
	if (ts > t->max_ts)
		t->max_ts = ts;
	if (ts < t->max_ts - window_span(t))
		return;
	if (t->nwin == t->capwin) {
		/* Compact before growing. */
		window_compact(t);
		if (t->capwin == 0 || t->nwin * 2 > t->capwin) {
			size_t nc = t->capwin ? t->capwin * 2 : 1024;
			double *nw = realloc(t->win, nc * t->d * sizeof *nw);
			int64_t *nt = realloc(t->win_ts, nc * sizeof *nt);
			if (nw == NULL || nt == NULL)
				k_die(K_ENOMEM, "out of memory");
			t->win = nw;
			t->win_ts = nt;
			t->capwin = nc;
		}
	}
	memcpy(&t->win[t->nwin * t->d], x, t->d * sizeof *x);
	t->win_ts[t->nwin++] = ts;
}

/* Every input line: counted, and offered to the sample (parsed in full
 * first when the feature set is not known yet, under --strict, or for
 * the --days window). */
static void
read_input(struct train *t)
{
	struct k_input in;
	struct k_progress pg;

	k_progress_init(&pg);
	k_input_init(&in, k_opts.files, k_opts.nfiles, 0, &t->rj);
	while (k_input_next(&in) > 0) {
		t->source = t->sources[in.file] = in.source;
		if ((in.lineno & 0xfff) == 0)
			k_progress_update(&pg, "%ld lines read", t->rows_read);
		int full = !t->have_features || k_opts.strict || t->o->days > 0;
		if (full) {
			int64_t ts;
			double *x;
			if (parse_row(t, in.line, in.len, in.lineno, NULL, &x, &ts,
			              t->o->days > 0) < 0) {
				in.stop = t->stop;
				continue;
			}
			t->rows_read++;
			if (t->o->days > 0) {
				window_add(t, x, ts);
				continue;
			}
		} else {
			t->rows_read++;
		}
		if (k_sampler_offer(&t->smp, in.line, in.len, in.lineno,
		                    in.file) != K_OK)
			k_die(K_ENOMEM, "out of memory");
	}
	t->stop |= in.stop;
	k_progress_done(&pg);
}

static int
cmp_id_by_line(const void *a, const void *b, void *arg)
{
	const struct k_sampler *s = arg;
	const struct k_sline *x = &s->lines[*(const uint32_t *)a];
	const struct k_sline *y = &s->lines[*(const uint32_t *)b];
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

/* Parsing the sample in parallel: each worker has its own scanner and
 * feature map and records, per line, a row or a reason. */
struct sparse {
	struct train *t;
	const uint32_t *ids;
	double *X;             /* row i for ids[i] */
	char **why;            /* reason when line i is rejected */
	int64_t *ts;
};

static void
parse_range(void *arg, size_t lo, size_t hi, int tid)
{
	struct sparse *sp = arg;
	struct train *t = sp->t;
	struct k_jscan scan;
	struct k_featmap fm;
	struct k_error e;

	(void)tid;
	k_jscan_init(&scan, "features");
	if (k_featmap_init(&fm, (const char *const *)t->names, t->d) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = lo; i < hi; i++) {
		const struct k_sline *l = &t->smp.lines[sp->ids[i]];
		sp->ts[i] = INT64_MIN;
		if (k_jscan_line(&scan, l->text, l->len, &e) != K_OK ||
		    k_featmap_get(&fm, &scan, &sp->X[i * t->d], &e) != K_OK) {
			sp->why[i] = strdup(e.text);
			continue;
		}
		if (k_jscan_ts(&scan, &sp->ts[i], NULL) != 0)
			sp->ts[i] = INT64_MIN;
	}
	k_featmap_release(&fm);
	k_jscan_release(&scan);
}

/* Parse the lines the reservoir holds into the rows of X, in input
 * order; rejects are reported in input order too. */
static size_t
parse_sample(struct train *t, double **Xout)
{
	struct k_sampler *s = &t->smp;
	size_t cap = s->nlines ? s->nlines : 1;
	uint32_t *ids = malloc(cap * sizeof *ids);
	size_t nid = 0, nrow = 0;

	if (ids == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nlines; i++)
		if (s->lines[i].refs > 0)
			ids[nid++] = (uint32_t)i;
	qsort_r(ids, nid, sizeof *ids, cmp_id_by_line, s);
	double *X = malloc((nid ? nid : 1) * t->d * sizeof *X);
	char **why = calloc(nid ? nid : 1, sizeof *why);
	int64_t *ts = malloc((nid ? nid : 1) * sizeof *ts);
	if (X == NULL || why == NULL || ts == NULL)
		k_die(K_ENOMEM, "out of memory");
	struct sparse sp = { t, ids, X, why, ts };
	k_parallel_for(nid, t->o->threads, parse_range, &sp);
	for (size_t i = 0; i < nid; i++) {
		struct k_sline *l = &s->lines[ids[i]];
		if (why[i] != NULL) {
			t->sample_rejects++;
			if (!t->stop) {
				t->source = t->sources[l->source];
				reject(t, l->lineno, l->text, l->len, why[i]);
			}
			free(why[i]);
			continue;
		}
		if (ts[i] != INT64_MIN) {
			if (t->ts_first == INT64_MIN || ts[i] < t->ts_first)
				t->ts_first = ts[i];
			if (ts[i] > t->ts_last)
				t->ts_last = ts[i];
		}
		if (nrow != i)
			memcpy(&X[nrow * t->d], &X[i * t->d], t->d * sizeof *X);
		nrow++;
	}
	free(why);
	free(ts);
	free(ids);
	*Xout = X;
	return nrow;
}

/* --days: the rows of the window, as a matrix (taken from t), with the
 * window's first and last times. */
static size_t
window_rows(struct train *t, double **X)
{
	window_compact(t);
	*X = t->win;
	t->win = NULL;
	t->ts_first = INT64_MIN;
	for (size_t i = 0; i < t->nwin; i++)
		if (t->ts_first == INT64_MIN || t->win_ts[i] < t->ts_first)
			t->ts_first = t->win_ts[i];
	t->ts_last = t->max_ts;
	return t->nwin;
}

static void
summary(const struct train *t, const struct k_anomaly *m, size_t n,
        const struct k_anomaly_summary *sum)
{
	static const char bar[] =
		"============================================================";
	if (k_log_level < 0)
		return;
	fprintf(stderr, "%s\nTRAINING ANOMALY DETECTOR\n%s\n", bar, bar);
	fprintf(stderr, "Extracted %zu samples with %zu features\n", n, t->d);
	fprintf(stderr, "Samples trained: %zu\n", n);
	fprintf(stderr, "Features used: %zu\n", t->d);
	if (sum->scored == n)
		fprintf(stderr, "Anomalies detected: %zu (%.2f%%)\n",
		        sum->anomalies, sum->rate_pct);
	else
		fprintf(stderr, "Anomalies detected: %zu of %zu scored "
		        "(%.2f%%)\n", sum->anomalies, sum->scored, sum->rate_pct);
	fprintf(stderr, "Threshold: anomaly_score > %.2f\n", sum->threshold);
	if (sum->constant > 0)
		fprintf(stderr, "Constant features (never split on): %zu\n",
		        sum->constant);
	if (t->rj.count > 0)
		fprintf(stderr, "Rejected lines: %ld\n", t->rj.count);
	fprintf(stderr, "Model saved: %s (version %s)\n", m->path, m->version);
}

/* The one-line JSON report on stdout. */
static void
report(const struct train *t, const struct k_anomaly *m, size_t n,
       const struct k_anomaly_summary *sum, double t0)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	ktrain_report_head(&w, K_ANOMALY_KIND, m->version, m->path);
	k_jsonw_key(&w, "samples_trained");
	k_jsonw_int(&w, (long long)n);
	k_jsonw_key(&w, "rows_rejected");
	k_jsonw_int(&w, t->rj.count);
	k_jsonw_key(&w, "features_used");
	k_jsonw_int(&w, (long long)t->d);
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

static void
train_init(struct train *t, struct opts *o)
{
	int nin = k_opts.nfiles > 0 ? k_opts.nfiles : 1;

	memset(t, 0, sizeof *t);
	t->o = o;
	t->ts_first = INT64_MIN;
	t->ts_last = INT64_MIN;
	t->max_ts = INT64_MIN;
	k_reject_init(&t->rj);
	k_jscan_init(&t->scan, "features");
	if (k_sampler_init(&t->smp, 1, &o->sample, o->forest.seed) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	t->sources = calloc((size_t)nin, sizeof *t->sources);
	if (t->sources == NULL)
		k_die(K_ENOMEM, "out of memory");
}

static void
train_release(struct train *t)
{
	for (size_t i = 0; i < t->d; i++)
		free(t->names[i]);
	free(t->names);
	free(t->sources);
	free(t->win_ts);
	free(t->xbuf);
	k_featmap_release(&t->fm);
	k_jscan_release(&t->scan);
	k_sampler_release(&t->smp);
}

/* End early (--strict): nothing is saved; the status says why. */
static int
stop_early(struct train *t)
{
	int rc = k_status_exit(k_reject_finish(&t->rj));

	free(t->win);
	train_release(t);
	return rc;
}

int
ktrain_anomaly(int argc, char **argv)
{
	struct opts o = { .forest = k_iforest_params_default(),
	                  .sample = 10000 };
	struct train t;
	struct k_error e;
	struct k_store store;
	double t0;

	k_args_parse("ktrain", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	if (o.threads == 0)
		o.threads = k_parallel_threads();
	t0 = k_time_mono();
	train_init(&t, &o);
	k_store_init(&store, k_opts.model_dir);
	read_input(&t);
	if (t.stop)
		return stop_early(&t);
	k_debug("read %ld rows in %.3f s", t.rows_read, k_time_mono() - t0);

	/* The rows: the window (--days) or the parsed sample, as a matrix;
	 * n counts the rows of the stream less the rejected ones. */
	double *X = NULL;
	size_t n, nrows;
	if (o.days > 0) {
		n = nrows = window_rows(&t, &X);
	} else {
		nrows = parse_sample(&t, &X);
		if (t.stop) {
			free(X);
			return stop_early(&t);
		}
		n = (size_t)(t.rows_read - t.sample_rejects);
	}
	k_debug("parsed %zu rows at %.3f s", nrows, k_time_mono() - t0);
	if (n < K_ANOMALY_MIN_ROWS || nrows < K_ANOMALY_MIN_ROWS) {
		k_reject_finish(&t.rj);
		k_die(K_EDATA, "need at least %d rows to train an anomaly model, "
		      "got %zu%s", K_ANOMALY_MIN_ROWS, n < nrows ? n : nrows,
		      o.days > 0 ? " in the --days window" : t.sample_rejects > 0
		      ? " after rejecting bad lines" : "");
	}

	struct k_anomaly_params ap = { o.forest, o.sample, o.threads };
	struct k_anomaly_source src = { t.rj.count, o.days, t.ts_first,
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
	summary(&t, &m, n, &sum);
	k_out_finish();

	enum k_status rs = k_reject_finish(&t.rj);
	k_anomaly_release(&m);
	free(X);
	train_release(&t);
	return k_status_exit(rs);
}

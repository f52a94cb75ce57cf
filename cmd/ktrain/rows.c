/*
 * ktrain rows.c - the feature rows of the input for the trainers of
 * feature-row models (see rows.h): the feature set from the first valid
 * row, the reservoir, the --days window, and the sample parsed in
 * parallel with its rejects reported in input order.
 */
#include "ktrain/rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_parallel.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"

enum { OPT_DAYS = 0x200, OPT_FEATURES, OPT_EXCLUDE };

static const struct argp_option options[] = {
	{ "days", OPT_DAYS, "N", 0,
	  "Keep only rows within N days of the newest 'ts'", 0 },
	{ "features", OPT_FEATURES, "LIST", 0,
	  "Use these features (comma-separated), in this order", 0 },
	{ "exclude", OPT_EXCLUDE, "LIST", 0,
	  "Leave these features out (comma-separated)", 0 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ktrain_rows_opts *o = state->input;

	switch (key) {
	case OPT_DAYS:
		o->days = k_optval_number(state, "--days", arg, 0, INFINITY,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_FEATURES:
		o->features = arg;
		break;
	case OPT_EXCLUDE:
		o->exclude = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ktrain_rows_argp = { options, parse_opt, NULL, NULL, NULL,
                                       NULL, NULL };

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
define_features(struct ktrain_rows *t, char *why, size_t cap)
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
reject(struct ktrain_rows *t, long lineno, const char *raw, size_t len,
       const char *why)
{
	if (k_reject_line(&t->rj, t->source, lineno, raw, len, why))
		t->stop = 1;
}

/* Scan and extract one line fully into x (NULL: the scratch row, which
 * *xout then points at); 0, or -1 when the line is rejected. The first
 * valid line defines the feature set. */
static int
parse_row(struct ktrain_rows *t, const char *line, size_t len, long lineno,
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
window_span(const struct ktrain_rows *t)
{
	return (int64_t)(t->o->days * (double)K_MS_PER_DAY);
}

/* --days: drop the rows that fell out of the window. */
static void
window_compact(struct ktrain_rows *t)
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
window_add(struct ktrain_rows *t, const double *x, int64_t ts)
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
void
ktrain_rows_read(struct ktrain_rows *t)
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
	struct ktrain_rows *t;
	const uint32_t *ids;
	double *X;             /* row i for ids[i] */
	char **why;            /* reason when line i is rejected */
	int64_t *ts;
};

static void
parse_range(void *arg, size_t lo, size_t hi, int tid)
{
	struct sparse *sp = arg;
	struct ktrain_rows *t = sp->t;
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
parse_sample(struct ktrain_rows *t, double **Xout)
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
window_rows(struct ktrain_rows *t, double **X)
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

size_t
ktrain_rows_matrix(struct ktrain_rows *t, double **X, size_t *stream)
{
	size_t n;

	if (t->o->days > 0) {
		n = window_rows(t, X);
		*stream = n;
		return n;
	}
	n = parse_sample(t, X);
	*stream = (size_t)(t->rows_read - t->sample_rejects);
	return n;
}

/* End early (--strict): nothing is saved; the status says why. */
static int
stop_early(struct ktrain_rows *t, double *X)
{
	int rc = k_status_exit(k_reject_finish(&t->rj));

	free(X);
	ktrain_rows_release(t);
	return rc;
}

int
ktrain_rows_load(struct ktrain_rows *t, size_t min, const char *what,
                 double **X, size_t *nrows, size_t *stream, int *rc)
{
	*X = NULL;
	ktrain_rows_read(t);
	if (t->stop) {
		*rc = stop_early(t, NULL);
		return -1;
	}
	*nrows = ktrain_rows_matrix(t, X, stream);
	if (t->stop) {
		*rc = stop_early(t, *X);
		return -1;
	}
	if (*stream < min || *nrows < min) {
		k_reject_finish(&t->rj);
		k_die(K_EDATA, "need at least %zu rows to train %s, got %zu%s",
		      min, what, *stream < *nrows ? *stream : *nrows,
		      t->o->days > 0 ? " in the --days window"
		      : t->sample_rejects > 0 ? " after rejecting bad lines" : "");
	}
	return 0;
}

void
ktrain_rows_init(struct ktrain_rows *t, const struct ktrain_rows_opts *o)
{
	int nin = k_opts.nfiles > 0 ? k_opts.nfiles : 1;
	size_t sample = o->sample;

	memset(t, 0, sizeof *t);
	t->o = o;
	t->ts_first = INT64_MIN;
	t->ts_last = INT64_MIN;
	t->max_ts = INT64_MIN;
	k_reject_init(&t->rj);
	k_jscan_init(&t->scan, "features");
	if (k_sampler_init(&t->smp, 1, &sample, o->seed) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	t->sources = calloc((size_t)nin, sizeof *t->sources);
	if (t->sources == NULL)
		k_die(K_ENOMEM, "out of memory");
}

void
ktrain_rows_release(struct ktrain_rows *t)
{
	for (size_t i = 0; i < t->d; i++)
		free(t->names[i]);
	free(t->names);
	free(t->sources);
	free(t->win);
	free(t->win_ts);
	free(t->xbuf);
	k_featmap_release(&t->fm);
	k_jscan_release(&t->scan);
	k_sampler_release(&t->smp);
}

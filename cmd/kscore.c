/*
 * kscore - score feature rows with the anomaly model and pass every row
 * through with anomaly_score, is_anomaly, contributing_features (for
 * anomalies), method and model_version added. The caller's bytes are
 * copied, not re-serialised; rows are scored in parallel and written in
 * input order. With no anomaly model, or ML_ENABLED=false, rows are scored
 * by the documented rules instead (common/score/k_rules.c, "method":"rules"),
 * in order and with an optional state file kept across runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_lines.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_passthru.h"
#include "cli/k_reject.h"
#include "model/k_anomaly.h"
#include "model/k_store.h"
#include "score/k_rules.h"
#include "score/k_rulestate.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

#define RELOAD_EVERY 5.0 /* seconds between checks of `latest` when idle */

struct opts {
	const char *version;   /* --model-version */
	int only_anomalies;
	long limit;            /* records to write; 0 = all */
	size_t top;            /* contributing features per anomaly */
	int threads;
	const char *rules_state; /* --rules-state, else $KTOOLS_RULES_STATE */
};

enum { OPT_MODEL_VERSION = 0x100, OPT_ONLY, OPT_LIMIT, OPT_TOP, OPT_THREADS,
       OPT_RULES_STATE };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model:", 1 },
	{ "model-version", OPT_MODEL_VERSION, "V", 0,
	  "Score with version V of the anomaly model (default: latest)", 1 },
	{ "rules-state", OPT_RULES_STATE, "FILE", 0,
	  "When scoring by rules, keep their state across runs in FILE "
	  "(default $KTOOLS_RULES_STATE)", 1 },
	{ NULL, 0, NULL, 0, "Output:", 2 },
	{ "only-anomalies", OPT_ONLY, NULL, 0, "Write only the anomalous rows", 2 },
	{ "limit", OPT_LIMIT, "N", 0, "Stop after writing N rows", 2 },
	{ "top-features", OPT_TOP, "N", 0,
	  "Contributing features listed per anomaly (default 3; 0 for none)", 2 },
	{ "threads", OPT_THREADS, "N", 0,
	  "Worker threads (default: the processors online, at most 8)", 2 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_MODEL_VERSION:
		o->version = k_optval_version(state, "--model-version", arg);
		break;
	case OPT_ONLY:
		o->only_anomalies = 1;
		break;
	case OPT_LIMIT:
		o->limit = (long)k_optval_uint(state, "--limit", arg, 1, 1LL << 62);
		break;
	case OPT_TOP:
		o->top = k_optval_uint(state, "--top-features", arg, 0, 1000);
		break;
	case OPT_THREADS:
		o->threads = (int)k_optval_uint(state, "--threads", arg, 1, 256);
		break;
	case OPT_RULES_STATE:
		o->rules_state = k_optval_name(state, "--rules-state", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Score feature rows with the anomaly model (an Isolation Forest "
	"trained by 'ktrain anomaly')."
	"\v"
	"Input: NDJSON feature rows with a \"features\" object holding every "
	"feature of the model (null for a missing value), from the FILEs or "
	"standard input. Output: each row, unchanged, with \"anomaly_score\" "
	"(0-100, the same for the same row whatever else is scored), "
	"\"is_anomaly\", \"contributing_features\" (anomalies only), "
	"\"method\" and \"model_version\" added. With no model, or "
	"ML_ENABLED=false, the rules of kscore(1) score the rows instead "
	"(\"method\":\"rules\", plus \"anomaly_level\" and \"alerts\").\n\n"
	"Example:\n"
	"  kscore --only-anomalies --limit 10 < features.ndjson | jq .anomaly_score";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

/* ---- scoring ---- */

struct ctx {
	struct opts *o;
	struct k_store store;
	struct k_anomaly m;
	unsigned gen;            /* bumped when the model is reloaded */
	struct k_reject rj;
	long written;
	double last_check;
	int rules;               /* scoring by rules, not the forest */
	struct k_rules_params rp;
	struct k_rulestate rs;
	const char *rs_path;     /* NULL: state kept for this run only */
	char why[600];           /* why the rules score, for messages */
	struct k_lockfile rs_lock;
	int rs_dirty;
	long rules_lines;        /* lines the rules have been given */
};

struct ws {
	struct ctx *c;
	unsigned gen;
	struct k_jscan scan;
	struct k_featmap fm;
	double *gain;            /* explanation scratch, d doubles */
	struct k_contrib *contrib;
	struct k_jsonw w;
	struct k_rules_row row;
	struct k_rules_result rr;
	/* forest batches: the rows, their scores, what output needs */
	double *X, *score;
	uint32_t *rows;
	unsigned char *clash, *nonempty;
	size_t cap;
	unsigned cap_gen;
};

static void
ws_setup(struct ws *w)
{
	const struct k_anomaly *m = &w->c->m;

	k_featmap_release(&w->fm);
	free(w->gain);
	free(w->contrib);
	if (k_featmap_init(&w->fm, (const char *const *)m->names, m->d) != K_OK ||
	    (w->gain = malloc(m->d * sizeof *w->gain)) == NULL ||
	    (w->contrib = malloc(m->d * sizeof *w->contrib)) == NULL)
		k_die(K_ENOMEM, "out of memory");
	w->gen = w->c->gen;
}

static void *
ws_new(void *arg)
{
	struct ws *w = calloc(1, sizeof *w);

	if (w == NULL)
		k_die(K_ENOMEM, "out of memory");
	w->c = arg;
	k_jscan_init(&w->scan, "features");
	if (!w->c->rules)
		ws_setup(w);
	return w;
}

static void
ws_free(void *p)
{
	struct ws *w = p;

	k_jscan_release(&w->scan);
	k_featmap_release(&w->fm);
	free(w->gain);
	free(w->contrib);
	free(w->X);
	free(w->score);
	free(w->rows);
	free(w->clash);
	free(w->nonempty);
	free(w);
}

static const char *const ours[] = { "anomaly_score", "is_anomaly",
                                    "contributing_features", "method",
                                    "model_version", "anomaly_level",
                                    "alerts" };
static const struct k_passthru passthru = { ours,
                                            sizeof ours / sizeof ours[0] };

/* Our fields, into an object already open in w. */
static void
write_fields(struct ws *w, double score, int flag, size_t nc)
{
	const struct k_anomaly *m = &w->c->m;
	struct k_jsonw *jw = &w->w;

	k_jsonw_key(jw, "anomaly_score");
	k_jsonw_fixed(jw, score, 4);
	k_jsonw_key(jw, "is_anomaly");
	k_jsonw_bool(jw, flag);
	if (flag) {
		k_jsonw_key(jw, "contributing_features");
		k_jsonw_arr(jw);
		for (size_t k = 0; k < nc; k++) {
			const struct k_contrib *c = &w->contrib[k];
			k_jsonw_obj(jw);
			k_jsonw_key(jw, "feature");
			k_jsonw_str(jw, m->names[c->feature]);
			k_jsonw_key(jw, "value");
			k_jsonw_num(jw, c->value);
			k_jsonw_key(jw, "deviation");
			k_jsonw_fixed(jw, c->deviation, 4);
			k_jsonw_key(jw, "gain");
			k_jsonw_fixed(jw, c->gain, 4);
			k_jsonw_key(jw, "severity");
			k_jsonw_str(jw, k_anomaly_severity(c->deviation));
			k_jsonw_obj_end(jw);
		}
		k_jsonw_arr_end(jw);
	}
	k_jsonw_key(jw, "method");
	k_jsonw_str(jw, "iforest");
	k_jsonw_key(jw, "model_version");
	k_jsonw_str(jw, m->version);
}

/* Write line i with its result: the caller's bytes up to the closing
 * brace and our fields, or, when the row already holds some of our
 * fields, the row re-written with them replaced. */
static void
finish_line(struct ws *w, struct k_batch *b, size_t i, int clash,
            int nonempty, double score, int flag, size_t nc)
{
	struct ctx *c = w->c;
	const char *line = b->data + b->off[i];
	size_t len = b->lens[i];
	struct k_error e;

	b->mark[i] = (unsigned char)flag;
	if (k_passthru_open(&passthru, &w->w, &b->out, &w->scan, line, len,
	                    clash, nonempty, &e) != K_OK) {
		k_batch_reject(b, i, "%s", e.text);
		return;
	}
	if (c->rules)
		k_rules_write(&w->w, &w->rr, c->o->top);
	else
		write_fields(w, score, flag, nc);
	k_jsonw_obj_end(&w->w);
	k_buf_addc(&b->out, '\n');
	if (b->out.oom)
		k_die(K_ENOMEM, "out of memory");
}

/* Rules mode, one line at a time: rows change the rules' state in order,
 * so this runs on one thread. A first line the rules read nothing of says
 * the input is not theirs (a configuration error, before any output); one
 * later in the stream is a bad row like any other. */
static void
process(void *p, struct k_batch *b, size_t i)
{
	struct ws *w = p;
	struct ctx *c = w->c;
	struct k_error e;
	int first = c->rules_lines++ == 0;

	if (k_jscan_line(&w->scan, b->data + b->off[i], b->lens[i], &e) !=
	    K_OK || k_rules_row_scan(&w->scan, &w->row, &e) != K_OK) {
		k_batch_reject(b, i, "%s", e.text);
		return;
	}
	if (w->row.present == 0 && first)
		k_die(K_ECONFIG, "%s, and the rules read none of the features of "
		      "%s:%ld: train one with 'ktrain anomaly'", c->why,
		      b->source, b->lineno[i]);
	if (w->row.present == 0) {
		k_batch_reject(b, i, "the rules read none of its features (%s)",
		               c->why);
		return;
	}
	k_rules_eval(&c->rp, &c->rs, &w->row, &w->rr);
	c->rs_dirty = 1;
	finish_line(w, b, i, k_passthru_clash(&passthru, &w->scan), w->scan.ntop > 0, 0,
	            w->rr.is_anomaly, 0);
}

/* Room for n rows of the current model's width. */
static void
ws_reserve(struct ws *w, size_t n)
{
	size_t d = w->c->m.d;

	if (n <= w->cap && w->cap_gen == w->c->gen)
		return;
	if (n < w->cap)
		n = w->cap;
	free(w->X);
	free(w->score);
	free(w->rows);
	free(w->clash);
	free(w->nonempty);
	w->X = malloc(n * d * sizeof *w->X);
	w->score = malloc(n * sizeof *w->score);
	w->rows = malloc(n * sizeof *w->rows);
	w->clash = malloc(n);
	w->nonempty = malloc(n);
	if (!w->X || !w->score || !w->rows || !w->clash || !w->nonempty)
		k_die(K_ENOMEM, "out of memory");
	w->cap = n;
	w->cap_gen = w->c->gen;
}

/* Forest mode, a batch at a time: parse every row, score them together
 * (the trees stay in cache while the rows walk them), then write. */
static void
process_forest(void *p, struct k_batch *b)
{
	struct ws *w = p;
	struct ctx *c = w->c;
	size_t d = c->m.d, nrows = 0;
	struct k_error e;

	if (w->gen != c->gen)
		ws_setup(w);
	ws_reserve(w, b->n);
	for (size_t i = 0; i < b->n; i++) {
		if (b->flag[i] != K_LINE_OUT)
			continue;
		if (k_jscan_line(&w->scan, b->data + b->off[i], b->lens[i],
		                 &e) != K_OK ||
		    k_featmap_get(&w->fm, &w->scan, &w->X[i * d], &e) != K_OK) {
			k_batch_reject(b, i, "%s", e.text);
			continue;
		}
		w->clash[i] = (unsigned char)k_passthru_clash(&passthru, &w->scan);
		w->nonempty[i] = w->scan.ntop > 0;
		w->rows[nrows++] = (uint32_t)i;
	}
	k_iforest_score_batch(c->m.forest, w->X, w->rows, nrows, w->score);
	for (size_t i = 0, r = 0; i < b->n; i++) {
		if (r < nrows && w->rows[r] == i) {
			const double *x = &w->X[i * d];
			double score = 100 * w->score[r++];
			int flag = k_anomaly_flag(&c->m, score);
			size_t nc = flag && c->o->top > 0
			            ? k_anomaly_explain(&c->m, x, w->gain,
			                                w->contrib, c->o->top)
			            : 0;
			finish_line(w, b, i, w->clash[i], w->nonempty[i], score,
			            flag, nc);
		}
		b->out_end[i] = b->out.len;
	}
}

static int
emit(void *arg, struct k_batch *b, size_t i, const char *out, size_t n)
{
	struct ctx *c = arg;

	if (c->o->only_anomalies && !b->mark[i])
		return 0;
	k_out_write(out, n);
	c->written++;
	return c->o->limit > 0 && c->written >= c->o->limit;
}

/* Write the rules' state if rows changed it; exits on failure. */
static void
save_rules_state(struct ctx *c)
{
	struct k_error e;

	if (c->rs_path == NULL || !c->rs_dirty)
		return;
	if (k_rulestate_save(&c->rs, c->rs_path, &e) != K_OK)
		k_die_error(&e);
	c->rs_dirty = 0;
}

/* No model, or ML_ENABLED=false: score by the rules, saying so once. */
static void
use_rules(struct ctx *c, const char *why)
{
	struct k_error e;

	c->rules = 1;
	snprintf(c->why, sizeof c->why, "%s", why);
	c->rp = k_rules_params_default();
	c->rs_lock.fd = -1;
	k_rulestate_init(&c->rs);
	c->rs_path = c->o->rules_state != NULL ? c->o->rules_state
	             : getenv("KTOOLS_RULES_STATE");
	if (c->rs_path != NULL && c->rs_path[0] == '\0')
		c->rs_path = NULL;
	if (c->rs_path != NULL &&
	    k_rulestate_open(&c->rs, c->rs_path, &c->rs_lock, &e) != K_OK)
		k_die_error(&e);
	k_info("%s: scoring by rules (\"method\":\"rules\")%s%s", why,
	       c->rs_path != NULL ? ", state in " : "",
	       c->rs_path != NULL ? c->rs_path : "");
}

/* Input paused: flush, and pick up a new `latest` if cron trained one. */
static void
idle(void *arg)
{
	struct ctx *c = arg;
	char v[K_VERSION_MAX + 1];
	struct k_error e;

	k_out_flush();
	if (c->rules) {
		save_rules_state(c);
		return;
	}
	if (c->o->version != NULL)
		return;
	double now = k_time_mono();
	if (now - c->last_check < RELOAD_EVERY)
		return;
	c->last_check = now;
	if (k_store_latest(&c->store, K_ANOMALY_KIND, v, &e) != K_OK ||
	    v[0] == '\0' || strcmp(v, c->m.version) == 0)
		return;
	struct k_anomaly fresh;
	if (k_anomaly_load(&fresh, &c->store, v, &e) != K_OK) {
		k_err("keeping model %s: cannot load the new latest: %s",
		      c->m.version, e.text);
		return;
	}
	k_anomaly_release(&c->m);
	c->m = fresh;
	c->gen++;
	k_info("now scoring with anomaly model %s", c->m.version);
}

int
main(int argc, char **argv)
{
	struct opts o = { .top = 3 };
	struct ctx c;
	struct k_error e;
	enum k_status st;

	k_args_parse("kscore", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	memset(&c, 0, sizeof c);
	c.o = &o;
	c.last_check = k_time_mono();
	k_store_init(&c.store, k_opts.model_dir);
	const char *ml = getenv("ML_ENABLED");
	if (ml != NULL && (strcasecmp(ml, "false") == 0 || strcmp(ml, "0") == 0 ||
	                   strcasecmp(ml, "no") == 0 ||
	                   strcasecmp(ml, "off") == 0)) {
		use_rules(&c, "ML_ENABLED=false");
	} else {
		st = k_anomaly_load(&c.m, &c.store, o.version, &e);
		if (st == K_ECONFIG &&
		    (o.version == NULL || strcmp(o.version, "latest") == 0))
			use_rules(&c, e.text);
		else if (st == K_ECONFIG)
			k_die(K_ECONFIG, "%s: train one with 'ktrain anomaly'",
			      e.text);
		else if (st != K_OK)
			k_die_error(&e);
	}
	k_reject_init(&c.rj);

	struct k_lines_job job = {
		.worker_new = ws_new,
		.worker_free = ws_free,
		.process = process,
		.process_batch = c.rules ? NULL : process_forest,
		.emit = emit,
		.idle = idle,
		.arg = &c,
		.rj = &c.rj,
		.threads = c.rules ? 1 : o.threads > 0 ? o.threads
		                               : k_lines_default_threads(),
	};
	st = k_lines_run(&job, k_opts.files, k_opts.nfiles, &e);
	k_out_finish();
	enum k_status rs = k_reject_finish(&c.rj);
	if (c.rules) {
		save_rules_state(&c);
		k_rulestate_close(&c.rs_lock);
	} else {
		k_anomaly_release(&c.m);
	}
	if (st != K_OK) {
		k_err("%s", e.text);
		return k_status_exit(st);
	}
	return k_status_exit(rs);
}

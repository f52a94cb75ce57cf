/*
 * karchetype - say what kind of user each wallet is: score wallet feature
 * rows with the archetype model (XGBoost, trained by 'ktrain archetype')
 * and pass every row through with the most probable archetype, every
 * archetype's probability, the confidence and its margin over the second,
 * a review flag for low confidence, the archetype's threshold
 * multipliers (the table kept in the model), the features that drove the
 * prediction (SHAP contributions) and the model version added. Rows are
 * scored a batch at a time and written in input order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_lines.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_passthru.h"
#include "cli/k_reject.h"
#include "model/k_archetype.h"
#include "model/k_store.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

struct opts {
	const char *version;   /* --model-version */
	size_t top;            /* features explained per row */
	double review_below;   /* confidence under which a row is flagged */
	int threads;
};

enum { OPT_MODEL_VERSION = 0x100, OPT_TOP, OPT_REVIEW, OPT_THREADS };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model:", 1 },
	{ "model-version", OPT_MODEL_VERSION, "V", 0,
	  "Score with version V of the archetype model (default: latest)", 1 },
	{ NULL, 0, NULL, 0, "Output:", 2 },
	{ "top-features", OPT_TOP, "N", 0,
	  "Features explained per row (default 3; 0 for none)", 2 },
	{ "review-below", OPT_REVIEW, "P", 0,
	  "Flag rows whose confidence is under P for review (default 0.5)", 2 },
	{ "threads", OPT_THREADS, "N", 0,
	  "XGBoost's threads (default: the processors online, at most 8)", 2 },
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
	case OPT_TOP:
		o->top = k_optval_uint(state, "--top-features", arg, 0, 1000);
		break;
	case OPT_REVIEW:
		o->review_below = k_optval_number(state, "--review-below", arg, 0,
		                                  1, 0);
		break;
	case OPT_THREADS:
		o->threads = (int)k_optval_uint(state, "--threads", arg, 1, 256);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Classify wallets into user archetypes with the archetype model (an "
	"XGBoost classifier trained by 'ktrain archetype')."
	"\v"
	"Input: NDJSON wallet feature rows (kfeatures wallet) with a "
	"\"features\" object holding every feature of the model (null for a "
	"missing value), from the FILEs or standard input. Output: each row, "
	"unchanged, with \"archetype\", \"archetype_probabilities\", "
	"\"archetype_confidence\", \"archetype_margin\", \"archetype_review\", "
	"\"threshold_multipliers\" (the predicted archetype's, from the "
	"model's table), \"archetype_explanation\" and \"model_version\" "
	"added.\n\n"
	"Example:\n"
	"  kfeatures wallet tx.ndjson | karchetype | jq -c '{entity, archetype}'";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

static const char *const ours[] = { "archetype", "archetype_probabilities",
                                    "archetype_confidence",
                                    "archetype_margin", "archetype_review",
                                    "threshold_multipliers",
                                    "archetype_explanation",
                                    "model_version" };
static const struct k_passthru passthru = { ours,
                                            sizeof ours / sizeof ours[0] };

struct ctx {
	const struct opts *o;
	struct k_archetype m;
	struct k_reject rj;
	struct k_jscan scan;
	struct k_featmap fm;
	struct k_jsonw w;
	/* the batch: its rows' features and what the model said of them */
	double *X, *prob, *contrib;
	uint32_t *rows;
	unsigned char *clash, *nonempty;
	size_t cap;
	unsigned char *used;     /* d flags: features explained so far */
};

static void
reserve(struct ctx *c, size_t n)
{
	size_t d = c->m.d, k = c->m.nclass;

	if (n <= c->cap)
		return;
	free(c->X);
	free(c->prob);
	free(c->contrib);
	free(c->rows);
	free(c->clash);
	free(c->nonempty);
	c->X = malloc(n * d * sizeof *c->X);
	c->prob = malloc(n * k * sizeof *c->prob);
	c->contrib = malloc(n * k * (d + 1) * sizeof *c->contrib);
	c->rows = malloc(n * sizeof *c->rows);
	c->clash = malloc(n);
	c->nonempty = malloc(n);
	if (!c->X || !c->prob || !c->contrib || !c->rows || !c->clash ||
	    !c->nonempty)
		k_die(K_ENOMEM, "out of memory");
	c->cap = n;
}

/* The n rows' probabilities (and contributions, when explaining). */
static void
predict(struct ctx *c, size_t n)
{
	struct k_xgb_data *x;
	struct k_error e;
	enum k_status st;

	st = k_xgb_data_alloc(&x, c->X, K_XGB_DOUBLE, n, c->m.d, NULL,
	                      c->m.nclass, c->m.xgb->p.threads, &e);
	if (st == K_OK)
		st = k_xgb_predict(c->m.xgb, x, K_XGB_PROB, c->prob, &e);
	if (st == K_OK && c->o->top > 0)
		st = k_xgb_predict(c->m.xgb, x, K_XGB_CONTRIB, c->contrib, &e);
	if (n > 0)
		k_xgb_data_free(x);
	if (st != K_OK)
		k_die_error(&e);
}

/* The top features of row r for class k, by |contribution|, as
 * [{"feature","value","contribution"}]. */
static void
write_explanation(struct ctx *c, size_t r, size_t k)
{
	size_t d = c->m.d, top = c->o->top < d ? c->o->top : d;
	const double *phi = &c->contrib[(r * c->m.nclass + k) * (d + 1)];
	const double *x = &c->X[r * d];
	unsigned char *u = memset(c->used, 0, d);

	k_jsonw_arr(&c->w);
	for (size_t t = 0; t < top; t++) {
		size_t best = d;
		for (size_t j = 0; j < d; j++)
			if (!u[j] && (best == d || fabs(phi[j]) > fabs(phi[best])))
				best = j;
		u[best] = 1;
		k_jsonw_obj(&c->w);
		k_jsonw_key(&c->w, "feature");
		k_jsonw_str(&c->w, c->m.names[best]);
		k_jsonw_key(&c->w, "value");
		k_jsonw_num(&c->w, x[best]);
		k_jsonw_key(&c->w, "contribution");
		k_jsonw_fixed(&c->w, phi[best], 6);
		k_jsonw_obj_end(&c->w);
	}
	k_jsonw_arr_end(&c->w);
}

/* Our fields for row r, into the object open in c->w. */
static void
write_fields(struct ctx *c, size_t r)
{
	const double *p = &c->prob[r * c->m.nclass];
	size_t best = 0, second = c->m.nclass > 1 ? 1 : 0;

	for (size_t k = 1; k < c->m.nclass; k++) {
		if (p[k] > p[best]) {
			second = best;
			best = k;
		} else if (k != best && (second == best || p[k] > p[second])) {
			second = k;
		}
	}
	k_jsonw_key(&c->w, "archetype");
	k_jsonw_str(&c->w, c->m.classes[best]);
	k_jsonw_key(&c->w, "archetype_probabilities");
	k_jsonw_obj(&c->w);
	for (size_t k = 0; k < c->m.nclass; k++) {
		k_jsonw_key(&c->w, c->m.classes[k]);
		k_jsonw_fixed(&c->w, p[k], 6);
	}
	k_jsonw_obj_end(&c->w);
	k_jsonw_key(&c->w, "archetype_confidence");
	k_jsonw_fixed(&c->w, p[best], 6);
	k_jsonw_key(&c->w, "archetype_margin");
	k_jsonw_fixed(&c->w, p[best] - p[second], 6);
	k_jsonw_key(&c->w, "archetype_review");
	k_jsonw_bool(&c->w, p[best] < c->o->review_below);
	k_jsonw_key(&c->w, "threshold_multipliers");
	k_jsonw_obj(&c->w);
	for (size_t g = 0; g < c->m.mult.ngroup; g++) {
		k_jsonw_key(&c->w, c->m.mult.groups[g]);
		k_jsonw_num(&c->w, k_multipliers_row(&c->m.mult, best)[g]);
	}
	k_jsonw_obj_end(&c->w);
	if (c->o->top > 0) {
		k_jsonw_key(&c->w, "archetype_explanation");
		write_explanation(c, r, best);
	}
	k_jsonw_key(&c->w, "model_version");
	k_jsonw_str(&c->w, c->m.version);
}

/* Line i of b with row r's result. */
static void
finish_line(struct ctx *c, struct k_batch *b, size_t i, size_t r)
{
	struct k_error e;

	if (k_passthru_open(&passthru, &c->w, &b->out, &c->scan,
	                    b->data + b->off[i], b->lens[i], c->clash[r],
	                    c->nonempty[r], &e) != K_OK) {
		k_batch_reject(b, i, "%s", e.text);
		return;
	}
	write_fields(c, r);
	k_jsonw_obj_end(&c->w);
	k_buf_addc(&b->out, '\n');
	if (b->out.oom)
		k_die(K_ENOMEM, "out of memory");
}

/* A batch: read every row's features, predict them together, write. */
static void
process_batch(void *p, struct k_batch *b)
{
	struct ctx *c = p;
	size_t n = 0, d = c->m.d;
	struct k_error e;

	reserve(c, b->n);
	for (size_t i = 0; i < b->n; i++) {
		if (b->flag[i] != K_LINE_OUT)
			continue;
		if (k_jscan_line(&c->scan, b->data + b->off[i], b->lens[i],
		                 &e) != K_OK ||
		    k_featmap_get(&c->fm, &c->scan, &c->X[n * d], &e) != K_OK) {
			k_batch_reject(b, i, "%s", e.text);
			continue;
		}
		c->clash[n] = (unsigned char)k_passthru_clash(&passthru,
		                                              &c->scan);
		c->nonempty[n] = c->scan.ntop > 0;
		c->rows[n++] = (uint32_t)i;
	}
	if (n > 0)
		predict(c, n);
	for (size_t i = 0, r = 0; i < b->n; i++) {
		if (r < n && c->rows[r] == i)
			finish_line(c, b, i, r++);
		b->out_end[i] = b->out.len;
	}
}

static void *
worker_new(void *arg)
{
	return arg;
}

static int
emit(void *arg, struct k_batch *b, size_t i, const char *out, size_t n)
{
	(void)arg;
	(void)b;
	(void)i;
	k_out_write(out, n);
	return 0;
}

static void
idle(void *arg)
{
	(void)arg;
	k_out_flush();
}

static void
load_model(struct ctx *c, const struct opts *o)
{
	struct k_store store;
	struct k_error e;
	enum k_status st;

	k_store_init(&store, k_opts.model_dir);
	st = k_archetype_load(&c->m, &store, o->version, o->threads, &e);
	if (st == K_ECONFIG)
		k_die(K_ECONFIG, "%s: train one with 'ktrain archetype'", e.text);
	if (st != K_OK)
		k_die_error(&e);
	if (k_featmap_init(&c->fm, (const char *const *)c->m.names,
	                   c->m.d) != K_OK ||
	    (c->used = malloc(c->m.d)) == NULL)
		k_die(K_ENOMEM, "out of memory");
}

int
main(int argc, char **argv)
{
	struct opts o = { .top = 3, .review_below = 0.5 };
	struct ctx c;
	struct k_error e;

	k_args_parse("karchetype", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc,
	             argv, &o);
	if (o.threads == 0)
		o.threads = k_lines_default_threads();
	memset(&c, 0, sizeof c);
	c.o = &o;
	load_model(&c, &o);
	k_jscan_init(&c.scan, "features");
	k_reject_init(&c.rj);
	/* One thread feeds XGBoost, which predicts on o.threads itself. */
	struct k_lines_job job = {
		.worker_new = worker_new,
		.process_batch = process_batch,
		.emit = emit,
		.idle = idle,
		.arg = &c,
		.rj = &c.rj,
		.threads = 1,
	};
	enum k_status st = k_lines_run(&job, k_opts.files, k_opts.nfiles, &e);
	k_out_finish();
	enum k_status rs = k_reject_finish(&c.rj);
	k_jscan_release(&c.scan);
	k_featmap_release(&c.fm);
	k_archetype_release(&c.m);
	free(c.X);
	free(c.prob);
	free(c.contrib);
	free(c.rows);
	free(c.clash);
	free(c.nonempty);
	free(c.used);
	if (st != K_OK) {
		k_err("%s", e.text);
		return k_status_exit(st);
	}
	return k_status_exit(rs);
}

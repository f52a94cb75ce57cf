/*
 * kscore - score feature rows with the anomaly detectors and pass every
 * row through with anomaly_score, is_anomaly, contributing_features (for
 * anomalies), method, model_version and each detector's own result added.
 * The detectors are the Isolation Forest and the One-Class SVM, each used
 * when a model of it is in the store (--models to choose), read together
 * by the rule of score/k_combine (kscore/detect.c). The caller's bytes
 * are copied, not re-serialised; rows are scored in parallel and written
 * in input order. With no model, or ML_ENABLED=false, rows are scored by
 * the documented rules instead (kscore/rules.c, "method":"rules").
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
#include "kscore.h"

enum { OPT_MODEL_VERSION = 0x100, OPT_ONLY, OPT_LIMIT, OPT_TOP, OPT_THREADS,
       OPT_RULES_STATE, OPT_MODELS, OPT_OCSVM_VERSION };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model:", 1 },
	{ "models", OPT_MODELS, "LIST", 0,
	  "Detectors to score with, comma-separated: iforest, ocsvm (default: "
	  "each that has a model)", 1 },
	{ "model-version", OPT_MODEL_VERSION, "V", 0,
	  "Score with version V of the anomaly (forest) model (default: "
	  "latest)", 1 },
	{ "ocsvm-version", OPT_OCSVM_VERSION, "V", 0,
	  "Score with version V of the ocsvm model (default: latest)", 1 },
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
	struct kscore_opts *o = state->input;

	switch (key) {
	case OPT_MODEL_VERSION:
		o->version = k_optval_version(state, "--model-version", arg);
		break;
	case OPT_OCSVM_VERSION:
		o->ocsvm_version = k_optval_version(state, "--ocsvm-version", arg);
		break;
	case OPT_MODELS:
		o->models = arg;
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
	"Score feature rows with the anomaly detectors: an Isolation Forest "
	"('ktrain anomaly') and a One-Class SVM ('ktrain ocsvm'), each when "
	"it has a model, read together when both do."
	"\v"
	"Input: NDJSON feature rows with a \"features\" object holding every "
	"feature of the model (null for a missing value), from the FILEs or "
	"standard input. Output: each row, unchanged, with \"anomaly_score\" "
	"(0-100, the same for the same row whatever else is scored), "
	"\"is_anomaly\", \"contributing_features\" (anomalies only), "
	"\"method\", \"model_version\", \"detectors\" (each one's score, "
	"percentile, flag and version) and, with two, \"agreement\" added. With no model, or "
	"ML_ENABLED=false, the rules of kscore(1) score the rows instead "
	"(\"method\":\"rules\", plus \"anomaly_level\" and \"alerts\").\n\n"
	"Example:\n"
	"  kscore --only-anomalies --limit 10 < features.ndjson | jq .anomaly_score";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

static const char *const ours[] = { "anomaly_score", "is_anomaly",
                                    "contributing_features", "method",
                                    "model_version", "detectors",
                                    "agreement", "anomaly_level", "alerts" };
const struct k_passthru kscore_passthru = { ours,
                                            sizeof ours / sizeof ours[0] };

static void *
ws_new(void *arg)
{
	struct kscore_ws *w = calloc(1, sizeof *w);

	if (w == NULL)
		k_die(K_ENOMEM, "out of memory");
	w->c = arg;
	k_jscan_init(&w->scan, "features");
	if (!w->c->rules)
		kscore_detect_ws(w);
	return w;
}

static void
ws_free(void *p)
{
	struct kscore_ws *w = p;

	k_jscan_release(&w->scan);
	kscore_detect_ws_free(w);
	free(w);
}

int
kscore_open_line(struct kscore_ws *w, struct k_batch *b, size_t i, int clash,
                 int nonempty)
{
	struct k_error e;

	if (k_passthru_open(&kscore_passthru, &w->w, &b->out, &w->scan,
	                    b->data + b->off[i], b->lens[i], clash, nonempty,
	                    &e) != K_OK) {
		k_batch_reject(b, i, "%s", e.text);
		return -1;
	}
	return 0;
}

void
kscore_close_line(struct kscore_ws *w, struct k_batch *b)
{
	k_jsonw_obj_end(&w->w);
	k_buf_addc(&b->out, '\n');
	if (b->out.oom)
		k_die(K_ENOMEM, "out of memory");
}

static int
emit(void *arg, struct k_batch *b, size_t i, const char *out, size_t n)
{
	struct kscore_ctx *c = arg;

	if (c->o->only_anomalies && !b->mark[i])
		return 0;
	k_out_write(out, n);
	c->written++;
	return c->o->limit > 0 && c->written >= c->o->limit;
}

/* Input paused: flush, and pick up a new `latest` if cron trained one. */
static void
idle(void *arg)
{
	struct kscore_ctx *c = arg;

	k_out_flush();
	if (c->rules)
		kscore_rules_save(c);
	else
		kscore_detect_reload(c);
}

/* --models: which detectors to use (all without it). */
static void
pick_models(struct kscore_ctx *c, const char *list)
{
	struct k_optval_list l;

	if (list == NULL) {
		c->want[KSCORE_IFOREST] = c->want[KSCORE_OCSVM] = 1;
		return;
	}
	if (k_optval_list_parse(list, &l) < 0)
		k_usage_error("--models: name at least one detector, "
		              "comma-separated (iforest, ocsvm)");
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], "iforest") == 0 || strcmp(l.v[i], "anomaly") == 0)
			c->want[KSCORE_IFOREST] = 1;
		else if (strcmp(l.v[i], "ocsvm") == 0)
			c->want[KSCORE_OCSVM] = 1;
		else {
			char bad[128];
			snprintf(bad, sizeof bad, "%s", l.v[i]);
			k_optval_list_release(&l);
			k_usage_error("--models: unknown detector '%s' (iforest, "
			              "ocsvm)", bad);
		}
	}
	k_optval_list_release(&l);
}

static int
ml_disabled(void)
{
	const char *ml = getenv("ML_ENABLED");

	return ml != NULL && (strcasecmp(ml, "false") == 0 ||
	                      strcmp(ml, "0") == 0 || strcasecmp(ml, "no") == 0 ||
	                      strcasecmp(ml, "off") == 0);
}

/* The detectors, or the rules when there is no model to use. */
static void
load_models(struct kscore_ctx *c)
{
	struct k_error e;
	enum k_status st;

	if (ml_disabled()) {
		kscore_rules_use(c, "ML_ENABLED=false");
		return;
	}
	st = kscore_detect_load(c, &e);
	if (st == K_ECONFIG && c->o->version == NULL &&
	    c->o->ocsvm_version == NULL && c->o->models == NULL)
		kscore_rules_use(c, e.text);
	else if (st == K_ECONFIG)
		k_die(K_ECONFIG, "%s: train one with 'ktrain %s'", e.text,
		      c->want[KSCORE_IFOREST] ? "anomaly" : "ocsvm");
	else if (st != K_OK)
		k_die_error(&e);
}

int
main(int argc, char **argv)
{
	struct kscore_opts o = { .top = 3 };
	struct kscore_ctx c;
	struct k_error e;
	enum k_status st;

	k_args_parse("kscore", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	memset(&c, 0, sizeof c);
	c.o = &o;
	c.last_check = k_time_mono();
	k_store_init(&c.store, k_opts.model_dir);
	pick_models(&c, o.models);
	load_models(&c);
	k_reject_init(&c.rj);

	struct k_lines_job job = {
		.worker_new = ws_new,
		.worker_free = ws_free,
		.process = kscore_rules_line,
		.process_batch = c.rules ? NULL : kscore_detect_batch,
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
	if (c.rules)
		kscore_rules_close(&c);
	else
		kscore_detect_release(&c);
	if (st != K_OK) {
		k_err("%s", e.text);
		return k_status_exit(st);
	}
	return k_status_exit(rs);
}

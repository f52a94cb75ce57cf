/*
 * kscore detect.c - the anomaly detectors: the Isolation Forest
 * ("anomaly" models) and the One-Class SVM ("ocsvm" models), loaded as
 * --models asks, scored a batch at a time, read together by the rule of
 * score/k_combine, and written as the row's fields and its "detectors"
 * object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "cli/k_log.h"
#include "kscore.h"
#include "score/k_combine.h"

#define RELOAD_EVERY 5.0 /* seconds between checks of `latest` when idle */

static const char *const det_name[KSCORE_NDET] = { "iforest", "ocsvm" };
static const char *const det_kind[KSCORE_NDET] = { K_ANOMALY_KIND,
                                                   K_OCSVM_KIND };

static size_t
det_d(const struct kscore_ctx *c, int k)
{
	return k == KSCORE_IFOREST ? c->forest.d : c->svm.d;
}

static char *const *
det_names(const struct kscore_ctx *c, int k)
{
	return k == KSCORE_IFOREST ? c->forest.names : c->svm.names;
}

static const char *
det_version(const struct kscore_ctx *c, int k)
{
	return k == KSCORE_IFOREST ? c->forest.version : c->svm.version;
}

static const char *
det_pin(const struct kscore_ctx *c, int k)
{
	return k == KSCORE_IFOREST ? c->o->version : c->o->ocsvm_version;
}

/* Load detector k's version (NULL: latest), replacing the one loaded. */
static enum k_status
load_one(struct kscore_ctx *c, int k, const char *version, struct k_error *e)
{
	enum k_status s;

	if (k == KSCORE_IFOREST) {
		struct k_anomaly m;
		if ((s = k_anomaly_load(&m, &c->store, version, e)) != K_OK)
			return s;
		if (c->have[k])
			k_anomaly_release(&c->forest);
		c->forest = m;
	} else {
		struct k_ocsvm m;
		if ((s = k_ocsvm_load(&m, &c->store, version, e)) != K_OK)
			return s;
		if (c->have[k])
			k_ocsvm_release(&c->svm);
		c->svm = m;
	}
	c->have[k] = 1;
	return K_OK;
}

enum k_status
kscore_detect_load(struct kscore_ctx *c, struct k_error *e)
{
	struct k_error miss[KSCORE_NDET];
	int first = -1;

	for (int k = 0; k < KSCORE_NDET; k++) {
		if (!c->want[k])
			continue;
		const char *pin = det_pin(c, k);
		enum k_status s = load_one(c, k, pin, &miss[k]);
		if (s != K_OK && (s != K_ECONFIG ||
		                  (pin != NULL && strcmp(pin, "latest") != 0))) {
			*e = miss[k];
			return s;
		}
		if (s != K_OK && first < 0)
			first = k;
	}
	for (int k = 0; k < KSCORE_NDET; k++)
		if (c->have[k])
			return K_OK;
	*e = miss[first];
	return K_ECONFIG;
}

void
kscore_detect_reload(struct kscore_ctx *c)
{
	char v[K_VERSION_MAX + 1];
	struct k_error e;
	double now = k_time_mono();

	if (now - c->last_check < RELOAD_EVERY)
		return;
	c->last_check = now;
	for (int k = 0; k < KSCORE_NDET; k++) {
		if (!c->want[k] || det_pin(c, k) != NULL)
			continue;
		if (k_store_latest(&c->store, det_kind[k], v, &e) != K_OK ||
		    v[0] == '\0' ||
		    (c->have[k] && strcmp(v, det_version(c, k)) == 0))
			continue;
		if (load_one(c, k, v, &e) != K_OK) {
			k_err("keeping the %s model as it is: cannot load the new "
			      "latest: %s", det_kind[k], e.text);
			continue;
		}
		c->gen++;
		k_info("now scoring with %s model %s", det_kind[k], v);
	}
}

void
kscore_detect_release(struct kscore_ctx *c)
{
	if (c->have[KSCORE_IFOREST])
		k_anomaly_release(&c->forest);
	if (c->have[KSCORE_OCSVM])
		k_ocsvm_release(&c->svm);
}

static void
wdet_free(struct kscore_wdet *d)
{
	k_featmap_release(&d->fm);
	free(d->X);
	free(d->val);
	free(d->rows);
	free(d->ok);
	free(d->contrib);
	free(d->scratch);
	free(d->z);
	memset(d, 0, sizeof *d);
}

void
kscore_detect_ws_free(struct kscore_ws *w)
{
	for (int k = 0; k < KSCORE_NDET; k++)
		wdet_free(&w->det[k]);
	free(w->clash);
	free(w->nonempty);
	w->clash = w->nonempty = NULL;
	w->cap = 0;
}

/* Detector k's part of a worker, for n lines. */
static void
wdet_alloc(struct kscore_wdet *d, const struct kscore_ctx *c, int k, size_t n)
{
	size_t dk = det_d(c, k);
	size_t sc = k == KSCORE_OCSVM ? k_ocsvm_scratch(&c->svm) : dk;

	if (k_featmap_init(&d->fm, (const char *const *)det_names(c, k),
	                   dk) != K_OK ||
	    !(d->X = malloc(n * dk * sizeof *d->X)) ||
	    !(d->val = malloc(n * sizeof *d->val)) ||
	    !(d->rows = malloc(n * sizeof *d->rows)) ||
	    !(d->ok = calloc(n, 1)) ||
	    !(d->contrib = malloc(dk * sizeof *d->contrib)) ||
	    !(d->scratch = malloc(sc * sizeof *d->scratch)) ||
	    !(d->z = malloc(dk * sizeof *d->z)))
		k_die(K_ENOMEM, "out of memory");
}

/* Room for n lines, for the models loaded now. */
static void
ws_reserve(struct kscore_ws *w, size_t n)
{
	const struct kscore_ctx *c = w->c;

	if (n <= w->cap && w->cap_gen == c->gen)
		return;
	if (n < w->cap)
		n = w->cap;
	kscore_detect_ws_free(w);
	w->clash = malloc(n);
	w->nonempty = malloc(n);
	if (w->clash == NULL || w->nonempty == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (int k = 0; k < KSCORE_NDET; k++)
		if (c->have[k])
			wdet_alloc(&w->det[k], c, k, n);
	w->cap = n;
	w->cap_gen = c->gen;
}

void
kscore_detect_ws(struct kscore_ws *w)
{
	ws_reserve(w, 1);
}

/* Line i into each detector's rows; 0, or -1 (rejected) when none can
 * read it, naming each one's reason. */
static int
read_line(struct kscore_ws *w, struct k_batch *b, size_t i)
{
	const struct kscore_ctx *c = w->c;
	struct k_error e;
	int any = 0, n = 0, last = 0;

	if (k_jscan_line(&w->scan, b->data + b->off[i], b->lens[i], &e) !=
	    K_OK) {
		k_batch_reject(b, i, "%s", e.text);
		return -1;
	}
	for (int k = 0; k < KSCORE_NDET; k++) {
		struct kscore_wdet *d = &w->det[k];
		if (!c->have[k])
			continue;
		n++;
		last = k;
		d->ok[i] = k_featmap_get(&d->fm, &w->scan, &d->X[i * det_d(c, k)],
		                         &e) == K_OK;
		if (d->ok[i]) {
			d->rows[d->nrows++] = (uint32_t)i;
			any = 1;
		} else {
			snprintf(d->why, sizeof d->why, "%s", e.text);
		}
	}
	if (any)
		return 0;
	if (n == 1)
		k_batch_reject(b, i, "%s", w->det[last].why);
	else
		k_batch_reject(b, i, "iforest: %s; ocsvm: %s",
		               w->det[KSCORE_IFOREST].why, w->det[KSCORE_OCSVM].why);
	return -1;
}

/* The forest's scores of its rows, into the lines' slots (rows ascend,
 * so moving from the last keeps every value not yet moved). */
static void
forest_scores(struct kscore_ws *w)
{
	struct kscore_wdet *d = &w->det[KSCORE_IFOREST];

	k_iforest_score_batch(w->c->forest.forest, d->X, d->rows, d->nrows,
	                      d->val);
	for (size_t r = d->nrows; r-- > 0;)
		d->val[d->rows[r]] = d->val[r];
}

/* The SVM's decisions of its rows, into the lines' slots. */
static void
svm_decisions(struct kscore_ws *w)
{
	const struct k_ocsvm *m = &w->c->svm;
	struct kscore_wdet *d = &w->det[KSCORE_OCSVM];

	for (size_t r = 0; r < d->nrows; r++) {
		size_t i = d->rows[r];
		k_ocsvm_transform(m, &d->X[i * m->d], d->z);
		k_svm_decision(&m->svm, d->z, 1, &d->val[i], d->scratch);
	}
}

/* Detector k's result for line i. */
static void
result(const struct kscore_ws *w, int k, size_t i, struct k_det_result *r)
{
	const struct kscore_ctx *c = w->c;
	const struct kscore_wdet *d = &w->det[k];

	memset(r, 0, sizeof *r);
	if (!c->have[k] || !d->ok[i])
		return;
	r->scored = 1;
	if (k == KSCORE_IFOREST) {
		r->score = 100 * d->val[i];
		r->pct = k_anomaly_percentile(&c->forest, r->score);
		r->flag = k_anomaly_flag(&c->forest, r->score);
	} else {
		r->score = k_ocsvm_score(&c->svm, d->val[i]);
		r->pct = r->score;
		r->flag = k_ocsvm_flag(&c->svm, d->val[i]);
	}
}

/* Detector k's contributing features of line i into its contrib. */
static size_t
explain(struct kscore_ws *w, int k, size_t i)
{
	const struct kscore_ctx *c = w->c;
	struct kscore_wdet *d = &w->det[k];
	const double *x = &d->X[i * det_d(c, k)];

	if (k == KSCORE_IFOREST)
		return k_anomaly_explain(&c->forest, x, d->scratch, d->contrib,
		                         c->o->top);
	k_ocsvm_transform(&c->svm, x, d->z);
	return k_ocsvm_explain(&c->svm, x, d->z, d->val[i], d->scratch,
	                       d->contrib, c->o->top);
}

static void
write_contrib(struct kscore_ws *w, int k, size_t nc)
{
	struct k_jsonw *jw = &w->w;
	char *const *names = det_names(w->c, k);

	k_jsonw_key(jw, "contributing_features");
	k_jsonw_arr(jw);
	for (size_t j = 0; j < nc; j++) {
		const struct k_contrib *ct = &w->det[k].contrib[j];
		k_jsonw_obj(jw);
		k_jsonw_key(jw, "feature");
		k_jsonw_str(jw, names[ct->feature]);
		k_jsonw_key(jw, "value");
		k_jsonw_num(jw, ct->value);
		k_jsonw_key(jw, "deviation");
		k_jsonw_fixed(jw, ct->deviation, 4);
		k_jsonw_key(jw, "gain");
		k_jsonw_fixed(jw, ct->gain, 4);
		k_jsonw_key(jw, "severity");
		k_jsonw_str(jw, k_anomaly_severity(ct->deviation));
		k_jsonw_obj_end(jw);
	}
	k_jsonw_arr_end(jw);
}

/* The "detectors" object: one entry per detector that scored the row. */
static void
write_detectors(struct kscore_ws *w, size_t i, const struct k_det_result *r)
{
	struct k_jsonw *jw = &w->w;

	k_jsonw_key(jw, "detectors");
	k_jsonw_obj(jw);
	for (int k = 0; k < KSCORE_NDET; k++) {
		if (!r[k].scored)
			continue;
		k_jsonw_key(jw, det_name[k]);
		k_jsonw_obj(jw);
		k_jsonw_key(jw, "score");
		k_jsonw_fixed(jw, r[k].score, 4);
		k_jsonw_key(jw, "percentile");
		k_jsonw_fixed(jw, r[k].pct, 4);
		if (k == KSCORE_OCSVM) {
			k_jsonw_key(jw, "decision");
			k_jsonw_fixed(jw, w->det[k].val[i], 6);
		}
		k_jsonw_key(jw, "is_anomaly");
		k_jsonw_bool(jw, r[k].flag);
		k_jsonw_key(jw, "model_version");
		k_jsonw_str(jw, det_version(w->c, k));
		k_jsonw_obj_end(jw);
	}
	k_jsonw_obj_end(jw);
}

/* The detector whose features explain a flagged row: of those that
 * flag it, the one with the highest percentile; else of all. */
static int
lead_detector(const struct k_det_result *r)
{
	int best = -1;

	for (int pass = 0; pass < 2 && best < 0; pass++)
		for (int k = 0; k < KSCORE_NDET; k++)
			if (r[k].scored && (pass == 1 || r[k].flag) &&
			    (best < 0 || r[k].pct > r[best].pct))
				best = k;
	return best;
}

static void
write_method(struct kscore_ws *w, const struct k_combined *cb)
{
	struct k_jsonw *jw = &w->w;
	char v[2 * K_VERSION_MAX + 2];

	k_jsonw_key(jw, "method");
	k_jsonw_str(jw, cb->single == KSCORE_IFOREST ? "iforest"
	            : cb->single == KSCORE_OCSVM ? "ocsvm" : "iforest+ocsvm");
	k_jsonw_key(jw, "model_version");
	if (cb->single >= 0) {
		k_jsonw_str(jw, det_version(w->c, cb->single));
		return;
	}
	snprintf(v, sizeof v, "%s+%s", det_version(w->c, KSCORE_IFOREST),
	         det_version(w->c, KSCORE_OCSVM));
	k_jsonw_str(jw, v);
}

/* Line i's fields, after its object was opened. */
static void
write_fields(struct kscore_ws *w, struct k_batch *b, size_t i)
{
	struct k_det_result r[KSCORE_NDET];
	struct k_combined cb;
	struct k_jsonw *jw = &w->w;

	for (int k = 0; k < KSCORE_NDET; k++)
		result(w, k, i, &r[k]);
	k_combine(r, KSCORE_NDET, &cb);
	b->mark[i] = (unsigned char)cb.flag;
	k_jsonw_key(jw, "anomaly_score");
	k_jsonw_fixed(jw, cb.score, 4);
	k_jsonw_key(jw, "is_anomaly");
	k_jsonw_bool(jw, cb.flag);
	if (cb.flag) {
		int k = lead_detector(r);
		write_contrib(w, k, w->c->o->top > 0 ? explain(w, k, i) : 0);
	}
	write_method(w, &cb);
	write_detectors(w, i, r);
	if (cb.scored > 1) {
		k_jsonw_key(jw, "agreement");
		k_jsonw_str(jw, k_combine_agreement(&cb));
	}
}

void
kscore_detect_batch(void *p, struct k_batch *b)
{
	struct kscore_ws *w = p;
	struct kscore_ctx *c = w->c;

	ws_reserve(w, b->n);
	for (int k = 0; k < KSCORE_NDET; k++)
		w->det[k].nrows = 0;
	for (size_t i = 0; i < b->n; i++) {
		for (int k = 0; k < KSCORE_NDET; k++)
			if (c->have[k])
				w->det[k].ok[i] = 0;
		if (b->flag[i] != K_LINE_OUT || read_line(w, b, i) < 0)
			continue;
		w->clash[i] = (unsigned char)k_passthru_clash(&kscore_passthru,
		                                              &w->scan);
		w->nonempty[i] = w->scan.ntop > 0;
	}
	if (c->have[KSCORE_IFOREST])
		forest_scores(w);
	if (c->have[KSCORE_OCSVM])
		svm_decisions(w);
	for (size_t i = 0; i < b->n; i++) {
		if (b->flag[i] == K_LINE_OUT &&
		    kscore_open_line(w, b, i, w->clash[i], w->nonempty[i]) == 0) {
			write_fields(w, b, i);
			kscore_close_line(w, b);
		}
		b->out_end[i] = b->out.len;
	}
}

/*
 * kmodel drift - how far feature rows have moved from the data a model was
 * trained on: the Population Stability Index of each feature against the
 * model's training quantile sketch, worst first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_reader.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "cli/k_reject.h"
#include "kmodel.h"
#include "model/k_anomaly.h"
#include "numeric/k_drift.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

struct opts {
	struct kmodel_args a;  /* --kind, --json, the files */
	const char *version;   /* --model-version */
};

enum { OPT_MODEL_VERSION = KMODEL_OPT_OWN };

static const struct argp_option options[] = {
	{ "model-version", OPT_MODEL_VERSION, "V", 0,
	  "Compare with version V (default: latest)", 1 },
	{ "kind", KMODEL_OPT_KIND, "KIND", 0,
	  "Model kind to compare with (default: anomaly)", 1 },
	{ "json", KMODEL_OPT_JSON, NULL, 0,
	  "One JSON object per feature instead of the table", 1 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_MODEL_VERSION:
		o->version = arg;
		break;
	default:
		return kmodel_parse_args(key, arg, state, &o->a);
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &k_args_records, 0, "Bad input:", 2 },
	{ &k_args_store, 0, "Model store:", 3 },
	{ &k_args_common, 0, "Messages:", 4 },
	{ 0 }
};

static const char doc[] =
	"How far feature rows have moved from the model's training data (PSI "
	"per feature)."
	"\v"
	"Input: NDJSON feature rows, {\"kind\":\"features\",\"features\":"
	"{\"name\":number|null,...}}, from the FILEs or standard input. "
	"Output: one line per feature, worst first, with the PSI, the shift "
	"('stable' below 0.1, 'moderate' to 0.25, 'major' above) and the share "
	"missing in training and now; with --json one object per feature with "
	"\"kind\":\"drift\", \"feature\", \"psi\", \"shift\", "
	"\"missing_train_pct\", \"missing_pct\", \"rows\" and "
	"\"model_version\". A summary goes to standard error.\n\n"
	"Example:\n"
	"  kfeatures hyperliquid < week.ndjson | kmodel drift";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  children, NULL, NULL };

struct drift_row {
	size_t j;
	double psi;
};

static int
cmp_psi(const void *a, const void *b)
{
	const struct drift_row *x = a, *y = b;
	if (x->psi != y->psi)
		return x->psi < y->psi ? 1 : -1;
	return x->j < y->j ? -1 : x->j > y->j;
}

int
kmodel_drift(int argc, char **argv)
{
	struct opts o = { 0 };
	struct k_store store;
	struct kmodel_ver v;
	struct k_error e;
	struct k_reject rj;
	char spec[K_MODEL_KIND_MAX + K_VERSION_MAX + 2];

	k_args_parse("kmodel", &argp, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	snprintf(spec, sizeof spec, "%s/%s", o.a.kind ? o.a.kind : K_ANOMALY_KIND,
	         o.version ? o.version : "latest");
	kmodel_resolve(&store, o.a.kind, spec, &v);
	if (!v.ok)
		k_die(K_EDATA, "%s", v.err);
	json_t *feat = json_object_get(v.m.header, "features");
	json_t *tr = json_object_get(v.m.header, "training");
	json_t *fs = tr ? json_object_get(tr, "feature_stats") : NULL;
	json_t *sc = json_object_get(json_object_get(v.m.header, "metrics"),
	                             "scored_rows");
	size_t d = json_array_size(feat);
	if (d == 0 || json_array_size(fs) != d)
		k_die(K_EDATA, "model %s/%s keeps no feature sketch to compare "
		      "with", v.kind, v.version);
	const char **names = calloc(d, sizeof *names);
	struct k_drift *dr = calloc(d, sizeof *dr);
	double *x = calloc(d, sizeof *x);
	double *train_missing = calloc(d, sizeof *train_missing);
	if (!names || !dr || !x || !train_missing)
		k_die(K_ENOMEM, "out of memory");
	for (size_t j = 0; j < d; j++) {
		json_t *st = json_array_get(fs, j), *q;
		double qs[21];
		names[j] = json_string_value(json_array_get(feat, j));
		q = json_object_get(st, "quantiles");
		if (names[j] == NULL || json_array_size(q) != 21)
			k_die(K_EDATA, "model %s/%s: feature %zu has no sketch",
			      v.kind, v.version, j);
		for (size_t k = 0; k < 21; k++) {
			json_t *qv = json_array_get(q, k);
			qs[k] = json_is_number(qv) ? json_number_value(qv) : NAN;
		}
		json_t *mi = json_object_get(st, "missing");
		train_missing[j] = json_is_integer(mi) && json_is_integer(sc) &&
		                   json_integer_value(sc) > 0
		                   ? 100.0 * (double)json_integer_value(mi) /
		                     (double)json_integer_value(sc)
		                   : NAN;
		k_drift_init(&dr[j], qs, isnan(train_missing[j])
		             ? 0 : train_missing[j] / 100);
	}

	/* Read the rows. */
	struct k_featmap fm;
	struct k_jscan scan;
	long rows = 0;
	int stop = 0;
	if (k_featmap_init(&fm, names, d) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	k_jscan_init(&scan, "features");
	k_reject_init(&rj);
	int nin = o.a.nargs > 0 ? o.a.nargs : 1;
	for (int f = 0; f < nin && !stop; f++) {
		struct k_reader r;
		char *line;
		size_t len;
		int rc = 0;
		if (k_reader_open(&r, o.a.nargs > 0 ? o.a.args[f] : "-", &e) != K_OK)
			k_die_error(&e);
		while (!stop && (rc = k_reader_next(&r, &line, &len, &e)) > 0) {
			if (r.toolong) {
				stop = k_reject_line(&rj, r.name, r.lineno, NULL, 0,
				                     "line too long");
				continue;
			}
			if (k_reader_blank(line, len))
				continue;
			if (k_jscan_line(&scan, line, len, &e) != K_OK ||
			    k_featmap_get(&fm, &scan, x, &e) != K_OK) {
				stop = k_reject_line(&rj, r.name, r.lineno, line, len,
				                     e.text);
				continue;
			}
			for (size_t j = 0; j < d; j++)
				k_drift_add(&dr[j], x[j]);
			rows++;
		}
		if (rc < 0)
			k_die_error(&e);
		k_reader_close(&r);
	}

	struct drift_row *order = calloc(d, sizeof *order);
	if (order == NULL)
		k_die(K_ENOMEM, "out of memory");
	size_t major = 0, moderate = 0;
	for (size_t j = 0; j < d; j++) {
		order[j] = (struct drift_row){ j, k_drift_psi(&dr[j]) };
		major += order[j].psi > 0.25;
		moderate += order[j].psi >= 0.1 && order[j].psi <= 0.25;
	}
	qsort(order, d, sizeof *order, cmp_psi);
	struct k_buf b;
	k_buf_init(&b);
	if (!o.a.json && rows > 0)
		k_buf_printf(&b, "%-32s %8s  %-8s %14s %12s\n", "FEATURE", "PSI",
		             "SHIFT", "MISSING_TRAIN", "MISSING_NOW");
	for (size_t k = 0; k < d && rows > 0; k++) {
		size_t j = order[k].j;
		double now = 100.0 * (double)dr[j].missing /
		             (double)(dr[j].n + dr[j].missing);
		if (o.a.json) {
			struct k_jsonw w;
			k_jsonw_init(&w, &b);
			k_jsonw_obj(&w);
			k_jsonw_key(&w, "kind");
			k_jsonw_str(&w, "drift");
			k_jsonw_key(&w, "feature");
			k_jsonw_str(&w, names[j]);
			k_jsonw_key(&w, "psi");
			k_jsonw_num(&w, k_round(order[k].psi, 4));
			k_jsonw_key(&w, "shift");
			k_jsonw_str(&w, k_drift_verdict(order[k].psi));
			k_jsonw_key(&w, "missing_train_pct");
			k_jsonw_num(&w, k_round(train_missing[j], 2));
			k_jsonw_key(&w, "missing_pct");
			k_jsonw_num(&w, k_round(now, 2));
			k_jsonw_key(&w, "rows");
			k_jsonw_int(&w, rows);
			k_jsonw_key(&w, "model_version");
			k_jsonw_str(&w, v.version);
			k_jsonw_obj_end(&w);
			k_buf_addc(&b, '\n');
		} else {
			k_buf_printf(&b, "%-32s %8.4f  %-8s %13.1f%% %11.1f%%\n",
			             names[j], order[k].psi,
			             k_drift_verdict(order[k].psi), train_missing[j],
			             now);
		}
	}
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	if (rows == 0)
		k_info("no rows to compare with %s/%s", v.kind, v.version);
	else
		k_info("%ld rows against %s/%s: %zu of %zu features with a major "
		       "shift (PSI > 0.25), %zu moderate", rows, v.kind, v.version,
		       major, d, moderate);
	free(order);
	free(names);
	free(dr);
	free(x);
	free(train_missing);
	k_featmap_release(&fm);
	k_jscan_release(&scan);
	k_model_release(&v.m);
	return k_status_exit(k_reject_finish(&rj));
}

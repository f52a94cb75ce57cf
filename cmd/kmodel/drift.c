/*
 * kmodel drift - how far feature rows have moved from the data a model was
 * trained on: the Population Stability Index of each feature against the
 * model's training quantile sketch, worst first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
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
		o->version = k_optval_version(state, "--model-version", arg);
		break;
	default:
		return kmodel_parse_args(key, arg, state, &o->a);
	}
	return 0;
}

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
                                  NULL, NULL, NULL };

/* Count the rows of the FILEs (or standard input) into ds; bad lines go
 * to rj, which may stop the reading (--strict). Returns the rows counted. */
static long
read_rows(const struct opts *o, struct k_drift_set *ds, struct k_reject *rj)
{
	struct k_featmap fm;
	struct k_jscan scan;
	struct k_input in;
	struct k_error e;
	long rows = 0;
	double *x = calloc(ds->d, sizeof *x);

	if (x == NULL ||
	    k_featmap_init(&fm, (const char *const *)ds->names, ds->d) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	k_jscan_init(&scan, "features");
	k_input_init(&in, o->a.args, o->a.nargs, 0, rj);
	while (k_input_next(&in) > 0) {
		if (k_jscan_line(&scan, in.line, in.len, &e) != K_OK ||
		    k_featmap_get(&fm, &scan, x, &e) != K_OK) {
			k_input_reject(&in, "%s", e.text);
			continue;
		}
		k_drift_set_add(ds, x);
		rows++;
	}
	free(x);
	k_featmap_release(&fm);
	k_jscan_release(&scan);
	return rows;
}

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

/* One feature's line: a JSON object, or a row of the table. */
static void
write_row(struct k_buf *b, const struct opts *o, const struct k_drift_set *ds,
          const struct drift_row *row, long rows, const char *version)
{
	const struct k_drift *dr = &ds->feat[row->j];
	double now = 100.0 * (double)dr->missing / (double)(dr->n + dr->missing);
	double train = ds->train_missing_pct[row->j];

	if (!o->a.json) {
		k_buf_printf(b, "%-32s %8.4f  %-8s %13.1f%% %11.1f%%\n",
		             ds->names[row->j], row->psi, k_drift_verdict(row->psi),
		             train, now);
		return;
	}
	struct k_jsonw w;
	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "drift");
	k_jsonw_key(&w, "feature");
	k_jsonw_str(&w, ds->names[row->j]);
	k_jsonw_key(&w, "psi");
	k_jsonw_num(&w, k_round(row->psi, 4));
	k_jsonw_key(&w, "shift");
	k_jsonw_str(&w, k_drift_verdict(row->psi));
	k_jsonw_key(&w, "missing_train_pct");
	k_jsonw_num(&w, k_round(train, 2));
	k_jsonw_key(&w, "missing_pct");
	k_jsonw_num(&w, k_round(now, 2));
	k_jsonw_key(&w, "rows");
	k_jsonw_int(&w, rows);
	k_jsonw_key(&w, "model_version");
	k_jsonw_str(&w, version);
	k_jsonw_obj_end(&w);
	k_buf_addc(b, '\n');
}

/* The features worst first on standard output, and the summary. */
static void
report(const struct opts *o, const struct k_drift_set *ds, long rows,
       const struct kmodel_ver *v)
{
	struct drift_row *order = calloc(ds->d, sizeof *order);
	size_t major = 0, moderate = 0;
	struct k_buf b;

	if (order == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t j = 0; j < ds->d; j++) {
		order[j] = (struct drift_row){ j, k_drift_psi(&ds->feat[j]) };
		major += order[j].psi > 0.25;
		moderate += order[j].psi >= 0.1 && order[j].psi <= 0.25;
	}
	qsort(order, ds->d, sizeof *order, cmp_psi);
	k_buf_init(&b);
	if (!o->a.json && rows > 0)
		k_buf_printf(&b, "%-32s %8s  %-8s %14s %12s\n", "FEATURE", "PSI",
		             "SHIFT", "MISSING_TRAIN", "MISSING_NOW");
	for (size_t k = 0; k < ds->d && rows > 0; k++)
		write_row(&b, o, ds, &order[k], rows, v->version);
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	free(order);
	if (rows == 0)
		k_info("no rows to compare with %s/%s", v->kind, v->version);
	else
		k_info("%ld rows against %s/%s: %zu of %zu features with a major "
		       "shift (PSI > 0.25), %zu moderate", rows, v->kind,
		       v->version, major, ds->d, moderate);
}

int
kmodel_drift(int argc, char **argv)
{
	struct opts o = { 0 };
	struct k_store store;
	struct kmodel_ver v;
	struct k_drift_set ds;
	struct k_error e;
	struct k_reject rj;
	char spec[K_MODEL_KIND_MAX + K_VERSION_MAX + 2];

	k_args_parse("kmodel", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	snprintf(spec, sizeof spec, "%s/%s",
	         o.a.kind ? o.a.kind : K_ANOMALY_KIND,
	         o.version ? o.version : "latest");
	kmodel_resolve(&store, o.a.kind, spec, &v);
	if (!v.ok)
		k_die(K_EDATA, "%s", v.err);
	snprintf(spec, sizeof spec, "%s/%s", v.kind, v.version);
	if (k_anomaly_drift_ref(v.m.header, spec, &ds, &e) != K_OK)
		k_die_error(&e);
	k_reject_init(&rj);
	long rows = read_rows(&o, &ds, &rj);
	report(&o, &ds, rows, &v);
	k_drift_set_release(&ds);
	k_model_release(&v.m);
	return k_status_exit(k_reject_finish(&rj));
}

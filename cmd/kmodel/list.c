/*
 * kmodel list - the versions of each kind, newest first, with rows,
 * features and key metrics, as a table or NDJSON. Reads only each file's
 * checksummed header.
 */
#include <stdio.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "kmodel.h"
#include "text/k_jsonw.h"

static const struct argp_option options[] = {
	{ "kind", KMODEL_OPT_KIND, "KIND", 0, "Only this kind (the same as KIND)", 1 },
	{ "json", KMODEL_OPT_JSON, NULL, 0,
	  "One JSON object per version instead of the table", 1 },
	{ 0 }
};

static const char doc[] =
	"List the versions of each kind, newest first ('*' marks latest)."
	"\v"
	"One line per version: kind, version, creation time, rows trained on, "
	"features and key metrics; with --json one object per version with "
	"\"kind\", \"version\", \"latest\", \"created\", \"rows\", "
	"\"features\", \"metrics\", \"size\" and \"path\".\n\n"
	"Example:\n"
	"  kmodel list anomaly";

static const struct argp argp = { options, kmodel_parse_opt, "[KIND]",
                                  doc, NULL, NULL, NULL };

static const char *const key_metrics[] = {
	"threshold", "anomaly_rate_pct", "mae", "rmse", "mape_pct", "aic",
	"accuracy", "macro_f1", "auc", "f1", "log_loss",
};

static void
metrics_text(const json_t *metrics, char *buf, size_t cap)
{
	size_t used = 0, shown = 0;

	buf[0] = '\0';
	if (!json_is_object(metrics))
		return;
	for (size_t k = 0; k < sizeof key_metrics / sizeof *key_metrics &&
	     shown < 4; k++) {
		json_t *v = json_object_get(metrics, key_metrics[k]);
		if (!json_is_number(v))
			continue;
		int n = snprintf(buf + used, cap - used, "%s%s=%.4g",
		                 shown ? " " : "", key_metrics[k],
		                 json_number_value(v));
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
		shown++;
	}
	if (shown > 0)
		return;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)metrics, key, v) {
		if (!json_is_number(v) || shown >= 3)
			continue;
		int n = snprintf(buf + used, cap - used, "%s%s=%.4g",
		                 shown ? " " : "", key, json_number_value(v));
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
		shown++;
	}
}

static long long
header_rows(const json_t *h)
{
	json_t *tr = json_object_get(h, "training");
	json_t *r = tr ? json_object_get(tr, "rows") : NULL;
	return json_is_integer(r) ? (long long)json_integer_value(r) : -1;
}

static long long
header_features(const json_t *h)
{
	json_t *f = json_object_get(h, "features");
	return json_is_array(f) ? (long long)json_array_size(f) : -1;
}

static void
row_json(struct k_buf *b, const struct kmodel_ver *v, const char *created,
         long long rows, long long feats)
{
	struct k_jsonw w;

	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, v->kind);
	k_jsonw_key(&w, "version");
	k_jsonw_str(&w, v->version);
	k_jsonw_key(&w, "latest");
	k_jsonw_bool(&w, v->latest);
	k_jsonw_key(&w, "created");
	if (v->created != INT64_MIN)
		k_jsonw_str(&w, created);
	else
		k_jsonw_null(&w);
	k_jsonw_key(&w, "rows");
	if (rows >= 0) k_jsonw_int(&w, rows); else k_jsonw_null(&w);
	k_jsonw_key(&w, "features");
	if (feats >= 0) k_jsonw_int(&w, feats); else k_jsonw_null(&w);
	k_jsonw_key(&w, "metrics");
	json_t *mt = v->ok ? json_object_get(v->m.header, "metrics") : NULL;
	if (mt) k_jsonw_value(&w, mt); else k_jsonw_null(&w);
	k_jsonw_key(&w, "size");
	k_jsonw_int(&w, (long long)v->size);
	k_jsonw_key(&w, "path");
	k_jsonw_str(&w, v->path);
	if (!v->ok) {
		k_jsonw_key(&w, "error");
		k_jsonw_str(&w, v->err);
	}
	k_jsonw_obj_end(&w);
	k_buf_addc(b, '\n');
}

static void
row_text(struct k_buf *b, const struct kmodel_ver *v, const char *created,
         long long rows, long long feats)
{
	char name[K_VERSION_MAX + 3], mtext[256], rtext[24], ftext[24];

	snprintf(name, sizeof name, "%s%s", v->version, v->latest ? " *" : "");
	if (v->ok)
		metrics_text(json_object_get(v->m.header, "metrics"), mtext,
		             sizeof mtext);
	else
		snprintf(mtext, sizeof mtext, "UNREADABLE: %.200s", v->err);
	snprintf(rtext, sizeof rtext, rows >= 0 ? "%lld" : "-", rows);
	snprintf(ftext, sizeof ftext, feats >= 0 ? "%lld" : "-", feats);
	k_buf_printf(b, "%-12s %-24s %-24s %8s %8s  %s\n", v->kind, name,
	             created, rtext, ftext, mtext);
}

int
kmodel_list(int argc, char **argv)
{
	struct kmodel_args o = { 0 };
	struct k_store store;
	size_t n;
	struct kmodel_ver *v;
	struct k_buf b;
	char created[40];

	k_args_parse("kmodel", &argp, K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	if (o.nargs > 1)
		k_usage_error("list takes at most one KIND");
	v = kmodel_gather(&store, o.nargs == 1 ? o.args[0] : o.kind, &n);
	k_buf_init(&b);
	if (!o.json && n > 0)
		k_buf_printf(&b, "%-12s %-24s %-24s %8s %8s  %s\n", "KIND",
		             "VERSION", "CREATED", "ROWS", "FEATURES", "METRICS");
	for (size_t i = 0; i < n; i++) {
		long long rows = v[i].ok ? header_rows(v[i].m.header) : -1;
		long long feats = v[i].ok ? header_features(v[i].m.header) : -1;
		if (v[i].created != INT64_MIN)
			k_time_format(v[i].created, created, sizeof created);
		else
			snprintf(created, sizeof created, "-");
		if (o.json)
			row_json(&b, &v[i], created, rows, feats);
		else
			row_text(&b, &v[i], created, rows, feats);
	}
	if (n == 0)
		k_info("no models in '%s'", store.root);
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	kmodel_gather_free(v, n);
	return 0;
}

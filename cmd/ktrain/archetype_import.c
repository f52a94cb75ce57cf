/*
 * archetype_import.c - ktrain archetype --import: a model trained
 * elsewhere (XGBoost's Spark or Dask trainers on a cluster, Python) taken
 * into the store as a version like any other, so that a team that trains
 * at scale serves with karchetype. The checks are the model kind's
 * (k_archetype_import); here the file, the names and the report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archetype.h"
#include "base/k_file.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "ktrain.h"
#include "model/k_archetype.h"
#include "model/k_store.h"
#include "text/k_jsonw.h"

#define IMPORT_MAX ((size_t)1 << 30)  /* bytes of an XGBoost model */

static int
space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Both of XGBoost's forms are an object: JSON's '{' is followed by a
 * quoted key (or '}'), UBJSON's by a key's length marker. NULL for bytes
 * that are neither. */
static const char *
format_of(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && space(p[i]))
		i++;
	if (i == n || p[i] != '{')
		return NULL;
	for (i++; i < n && space(p[i]); i++)
		;
	return i < n && (p[i] == '"' || p[i] == '}') ? "json" : "ubjson";
}

/* {"imported": {"file", "format", "bytes"}}, for the header. */
static json_t *
imported(const struct arch_opts *o, const char *format, size_t n)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:I}}", "imported", "file",
	                      o->import, "format", format, "bytes",
	                      (json_int_t)n);

	if (j == NULL)
		k_die(K_ENOMEM, "out of memory");
	return j;
}

static void
report(const struct arch_opts *o, const struct k_archetype *m,
       const char *format, size_t n, double t0)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	ktrain_report_head(&w, K_ARCHETYPE_KIND, m->version, m->path);
	k_jsonw_key(&w, "imported");
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "file");
	k_jsonw_str(&w, o->import);
	k_jsonw_key(&w, "format");
	k_jsonw_str(&w, format);
	k_jsonw_key(&w, "bytes");
	k_jsonw_int(&w, (long long)n);
	k_jsonw_obj_end(&w);
	k_jsonw_key(&w, "classes");
	k_jsonw_int(&w, (long long)m->nclass);
	k_jsonw_key(&w, "features_used");
	k_jsonw_int(&w, (long long)m->d);
	k_jsonw_key(&w, "rounds");
	k_jsonw_int(&w, (long long)m->xgb->rounds);
	ktrain_report_end(&w, t0);
}

int
arch_import(const struct arch_opts *o, double t0)
{
	const char *const *classes = (const char *const *)o->classes.v;
	unsigned char *bytes = NULL;
	struct k_multipliers mult;
	struct k_archetype m;
	struct k_store store;
	struct k_error e;
	enum k_status st;
	size_t n = 0;

	if ((st = k_file_read(o->import, &bytes, &n, IMPORT_MAX, &e)) != K_OK)
		k_die(st, "--import: %s", e.text);
	const char *format = format_of(bytes, n);
	if (format == NULL)
		k_die(K_EDATA, "--import: %s: not an XGBoost model (JSON or "
		      "UBJSON, which hold an object)", o->import);
	arch_table_for(o, classes, o->classes.n, &mult);
	json_t *extra = imported(o, format, n);
	st = k_archetype_import(&m, bytes, n, classes, o->classes.n,
	                        o->features.n ? (const char *const *)
	                                        o->features.v : NULL,
	                        o->features.n, &mult, extra, o->xgb.threads, &e);
	json_decref(extra);
	free(bytes);
	if (st != K_OK)
		k_die(st, "--import: %s: %s", o->import, e.text);
	k_store_init(&store, k_opts.model_dir);
	if (k_archetype_save(&m, &store, o->version, &e) != K_OK)
		k_die_error(&e);
	report(o, &m, format, n, t0);
	arch_table_notes(o, classes, &m.mult);
	k_info("Model imported: %s (%zu classes, %zu features, %zu rounds), "
	       "saved as %s (version %s)", o->import, m.nclass, m.d,
	       m.xgb->rounds, m.path, m.version);
	k_out_finish();
	k_archetype_release(&m);
	return 0;
}

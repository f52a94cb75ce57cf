/*
 * kmodel verify - check model files: structure, lengths, both checksums,
 * decompression and, for kinds kmodel knows, that the payload agrees with
 * the header; with no VERSION, every file and every 'latest' pointer of
 * the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "kmodel.h"
#include "text/k_jsonw.h"

static const struct argp_option options[] = {
	{ "kind", KMODEL_OPT_KIND, "KIND", 0,
	  "Model kind, when a version name alone is ambiguous; with no "
	  "VERSION, check only this kind", 1 },
	{ "json", KMODEL_OPT_JSON, NULL, 0,
	  "One JSON object per file instead of lines for people", 1 },
	{ 0 }
};

static const char doc[] =
	"Check model files and checksums (all of the store when none is "
	"named)."
	"\v"
	"One line per file, 'ok' with its size or 'FAILED' with the reason; "
	"with --json one object per file with \"kind\", \"version\", \"ok\" "
	"and \"size\" or \"error\". Exits 65 when any file or 'latest' "
	"pointer fails.\n\n"
	"Example:\n"
	"  kmodel verify && kmodel verify --json anomaly/v1.0";

static const struct argp argp = { options, kmodel_parse_opt, "[VERSION...]",
                                  doc, NULL, NULL, NULL };

static void
report(const struct kmodel_args *o, struct k_buf *b, const char *kind,
       const char *version, int ok, const char *why, size_t size)
{
	if (o->json) {
		struct k_jsonw w;
		k_jsonw_init(&w, b);
		k_jsonw_obj(&w);
		k_jsonw_key(&w, "kind");
		k_jsonw_str(&w, kind);
		k_jsonw_key(&w, "version");
		k_jsonw_str(&w, version);
		k_jsonw_key(&w, "ok");
		k_jsonw_bool(&w, ok);
		if (!ok) {
			k_jsonw_key(&w, "error");
			k_jsonw_str(&w, why);
		} else {
			k_jsonw_key(&w, "size");
			k_jsonw_int(&w, (long long)size);
		}
		k_jsonw_obj_end(&w);
		k_buf_addc(b, '\n');
	} else if (ok) {
		k_buf_printf(b, "ok      %s/%s (%zu bytes)\n", kind, version, size);
	} else {
		k_buf_printf(b, "FAILED  %s/%s: %s\n", kind, version, why);
	}
}

/* The versions named on the command line; returns the failures. */
static int
verify_named(const struct kmodel_args *o, const struct k_store *st,
             struct k_buf *b, int *count)
{
	char why[600];
	int bad = 0;

	for (int i = 0; i < o->nargs; i++) {
		struct kmodel_ver v;
		kmodel_resolve(st, o->kind, o->args[i], &v);
		int ok = kmodel_verify_one(&v, why, sizeof why);
		report(o, b, v.kind, v.version, ok, why, v.size);
		bad += !ok;
		(*count)++;
		k_model_release(&v.m);
	}
	return bad;
}

/* Every file of the store (or of --kind), and each kind's latest, which
 * must name a file that exists; returns the failures. */
static int
verify_store(const struct kmodel_args *o, const struct k_store *st,
             struct k_buf *b, int *count)
{
	char why[600];
	int bad = 0;
	size_t n;
	struct kmodel_ver *v = kmodel_gather(st, o->kind, &n);

	for (size_t i = 0; i < n; i++) {
		int ok = kmodel_verify_one(&v[i], why, sizeof why);
		report(o, b, v[i].kind, v[i].version, ok, why, v[i].size);
		bad += !ok;
		(*count)++;
	}
	char **kinds = NULL;
	size_t nk = 0;
	struct k_error e;
	if (o->kind == NULL)
		k_store_kinds(st, &kinds, &nk, &e);
	for (size_t k = 0; k < nk; k++) {
		char lv[K_VERSION_MAX + 1], p[K_PATH_MAX];
		if (k_store_resolve(st, kinds[k], NULL, lv, p, &e) != K_OK &&
		    e.code != K_ECONFIG) {
			report(o, b, kinds[k], "latest", 0, e.text, 0);
			bad++;
		}
		free(kinds[k]);
	}
	free(kinds);
	kmodel_gather_free(v, n);
	if (*count == 0)
		k_info("no models in '%s'", st->root);
	return bad;
}

int
kmodel_verify(int argc, char **argv)
{
	struct kmodel_args o = { 0 };
	struct k_store store;
	struct k_buf b;
	int bad, count = 0;

	k_args_parse("kmodel", &argp, K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	k_buf_init(&b);
	if (o.nargs > 0)
		bad = verify_named(&o, &store, &b, &count);
	else
		bad = verify_store(&o, &store, &b, &count);
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	if (bad > 0)
		k_err("%d of %d model files failed verification", bad, count);
	return bad > 0 ? k_status_exit(K_EDATA) : 0;
}

/*
 * kmodel diff - two versions side by side: parameters, feature counts and
 * the features only one side has, metrics and training summary, with '*'
 * where they differ; or one JSON object.
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
	  "Model kind, when a version name alone is ambiguous", 1 },
	{ "json", KMODEL_OPT_JSON, NULL, 0,
	  "One JSON object instead of the table", 1 },
	{ 0 }
};

static const char doc[] =
	"Compare two versions: parameters, features and metrics side by side."
	"\v"
	"A and B are version names, KIND/VERSION, 'latest' or .ktm files. "
	"One line per parameter, metric and training figure, '*' where they "
	"differ; the features only one side has. With --json one object with "
	"\"a\", \"b\", \"params\", \"features\", \"metrics\" and "
	"\"training\", each value an [A, B] pair.\n\n"
	"Example:\n"
	"  kmodel diff 20261114_030000 20261121_030000";

static const struct argp argp = { options, kmodel_parse_opt, "A B",
                                  doc, NULL, NULL, NULL };

static void
diff_value(struct k_buf *b, const char *label, const json_t *x,
           const json_t *y, int *ndiff)
{
	char *sx = x ? json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY |
	                          JSON_REAL_PRECISION(10)) : NULL;
	char *sy = y ? json_dumps(y, JSON_COMPACT | JSON_ENCODE_ANY |
	                          JSON_REAL_PRECISION(10)) : NULL;
	int same = x && y && json_equal((json_t *)x, (json_t *)y);

	k_buf_printf(b, "%-30s %-26s %-26s%s\n", label, sx ? sx : "-",
	             sy ? sy : "-", same ? "" : "  *");
	*ndiff += !same;
	free(sx);
	free(sy);
}

static void
diff_object(struct k_buf *b, const char *prefix, const json_t *x,
            const json_t *y, int *ndiff, json_t *jout)
{
	json_t *keys = json_object();
	const char *k;
	json_t *v;

	if (json_is_object(x))
		json_object_foreach((json_t *)x, k, v)
			json_object_set(keys, k, json_true());
	if (json_is_object(y))
		json_object_foreach((json_t *)y, k, v)
			json_object_set(keys, k, json_true());
	const char **sorted = malloc((json_object_size(keys) + 1) * sizeof *sorted);
	size_t n = 0;
	json_object_foreach(keys, k, v)
		sorted[n++] = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			const char *t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_is_object(x) ? json_object_get(x, sorted[i]) : NULL;
		json_t *c = json_is_object(y) ? json_object_get(y, sorted[i]) : NULL;
		/* Nested detail (per-feature statistics) is not side-by-side
		 * material. */
		if (json_is_array(a) || json_is_array(c) || json_is_object(a) ||
		    json_is_object(c))
			continue;
		char label[160];
		snprintf(label, sizeof label, "%s.%s", prefix, sorted[i]);
		diff_value(b, label, a, c, ndiff);
		json_object_set_new(jout, sorted[i],
		                    json_pack("[OO]", a ? a : json_null(),
		                              c ? c : json_null()));
	}
	free(sorted);
	json_decref(keys);
}

/* The members of array x that y lacks, as a new array. */
static json_t *
only_in(const json_t *x, const json_t *y)
{
	json_t *only = json_array(), *a, *c;
	size_t i, j;

	json_array_foreach(x, i, a) {
		int seen = 0;
		json_array_foreach(y, j, c)
			seen |= json_equal(a, c);
		if (!seen)
			json_array_append(only, a);
	}
	return only;
}

/* The features of both sides: counts, and what only one side has. */
struct feature_diff {
	json_t *na, *nc;          /* counts */
	json_t *only_a, *only_c;  /* arrays of names */
	int same_order;
};

static void
diff_features(struct k_buf *b, const json_t *ha, const json_t *hc,
              int *ndiff, struct feature_diff *fd)
{
	json_t *fa = json_object_get(ha, "features");
	json_t *fc = json_object_get(hc, "features");

	fd->only_a = only_in(fa, fc);
	fd->only_c = only_in(fc, fa);
	fd->same_order = json_equal(fa, fc);
	fd->na = json_integer((json_int_t)json_array_size(fa));
	fd->nc = json_integer((json_int_t)json_array_size(fc));
	diff_value(b, "features", fd->na, fd->nc, ndiff);
	if (json_array_size(fd->only_a) > 0 || json_array_size(fd->only_c) > 0) {
		char *sa = json_dumps(fd->only_a, JSON_COMPACT);
		char *sc = json_dumps(fd->only_c, JSON_COMPACT);
		k_buf_printf(b, "%-32s %s\n%-32s %s\n", "  only in A", sa,
		             "  only in B", sc);
		free(sa);
		free(sc);
	} else if (!fd->same_order) {
		k_buf_printf(b, "%-32s %s\n", "  order", "differs  *");
		(*ndiff)++;
	}
}

/* Replace the table in b by the JSON object; takes the references. */
static void
write_json(struct k_buf *b, const char *va, const char *vc, json_t *jp,
           struct feature_diff *fd, json_t *jm, json_t *jt)
{
	struct k_jsonw w;
	json_t *out = json_pack(
		"{s:s, s:s, s:o, s:{s:o, s:o, s:o, s:o, s:b}, s:o, s:o}",
		"a", va, "b", vc, "params", jp, "features", "a", fd->na, "b",
		fd->nc, "only_a", fd->only_a, "only_b", fd->only_c, "same_order",
		fd->same_order, "metrics", jm, "training", jt);

	k_buf_reset(b);
	k_jsonw_init(&w, b);
	k_jsonw_value(&w, out);
	k_buf_addc(b, '\n');
	json_decref(out);
}

int
kmodel_diff(int argc, char **argv)
{
	struct kmodel_args o = { 0 };
	struct k_store store;
	struct kmodel_ver a, c;
	struct feature_diff fd;
	struct k_buf b;
	int ndiff = 0;

	k_args_parse("kmodel", &argp, K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	if (o.nargs != 2)
		k_usage_error("diff takes two VERSIONs");
	kmodel_resolve(&store, o.kind, o.args[0], &a);
	kmodel_resolve(&store, o.kind, o.args[1], &c);
	if (!a.ok || !c.ok)
		k_die(K_EDATA, "%s", !a.ok ? a.err : c.err);
	if (strcmp(a.kind, c.kind) != 0)
		k_info("comparing a '%s' model with a '%s' model", a.kind, c.kind);
	json_t *ha = a.m.header, *hc = c.m.header;
	json_t *jp = json_object(), *jm = json_object(), *jt = json_object();
	k_buf_init(&b);
	k_buf_printf(&b, "%-30s %-26s %-26s\n", "", a.version, c.version);
	diff_value(&b, "kind", json_object_get(ha, "kind"),
	           json_object_get(hc, "kind"), &ndiff);
	diff_value(&b, "created", json_object_get(ha, "created"),
	           json_object_get(hc, "created"), &ndiff);
	diff_object(&b, "params", json_object_get(ha, "params"),
	            json_object_get(hc, "params"), &ndiff, jp);
	diff_features(&b, ha, hc, &ndiff, &fd);
	diff_object(&b, "metrics", json_object_get(ha, "metrics"),
	            json_object_get(hc, "metrics"), &ndiff, jm);
	diff_object(&b, "training", json_object_get(ha, "training"),
	            json_object_get(hc, "training"), &ndiff, jt);
	if (o.json) {
		write_json(&b, a.version, c.version, jp, &fd, jm, jt);
	} else {
		json_decref(jp);
		json_decref(jm);
		json_decref(jt);
		json_decref(fd.na);
		json_decref(fd.nc);
		json_decref(fd.only_a);
		json_decref(fd.only_c);
	}
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	k_model_release(&a.m);
	k_model_release(&c.m);
	return 0;
}

/*
 * kmodel - look after the model store: list versions, show a model's
 * header, verify checksums, promote an older version (rollback), compare
 * two versions, and prune old ones. Trainers write the store; kmodel is
 * how people and cron jobs inspect and steer it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/k_buf.h"
#include "base/k_reader.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "cli/k_reject.h"
#include "model/k_anomaly.h"
#include "model/k_model.h"
#include "model/k_store.h"
#include "numeric/k_drift.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

struct opts {
	const char *kind;      /* --kind */
	int json;              /* --json */
	long keep;             /* --keep N for prune; -1 unset */
	const char *version;   /* --model-version, for drift */
	const char *cmd;
	char **args;
	int nargs;
};

enum { OPT_KIND = 0x100, OPT_JSON, OPT_KEEP, OPT_MODEL_VERSION };

static const struct argp_option options[] = {
	{ "kind", OPT_KIND, "KIND", 0,
	  "Model kind, when a version name alone is ambiguous", 1 },
	{ "json", OPT_JSON, NULL, 0,
	  "NDJSON records instead of tables (list, verify, diff)", 1 },
	{ "keep", OPT_KEEP, "N", 0,
	  "prune: keep the N newest versions of each kind (and latest)", 1 },
	{ "model-version", OPT_MODEL_VERSION, "V", 0,
	  "drift: compare with version V (default: latest anomaly model)", 1 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	char *end;

	switch (key) {
	case OPT_KIND:
		o->kind = arg;
		break;
	case OPT_JSON:
		o->json = 1;
		break;
	case OPT_MODEL_VERSION:
		o->version = arg;
		break;
	case OPT_KEEP:
		errno = 0;
		o->keep = strtol(arg, &end, 10);
		if (errno || end == arg || *end != '\0' || o->keep < 1)
			argp_error(state, "--keep: '%s' is not a whole number "
			           "of at least 1", arg);
		break;
	case ARGP_KEY_ARG:
		o->cmd = arg;
		o->args = state->argv + state->next;
		o->nargs = state->argc - state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_NO_ARGS:
		argp_error(state, "missing command (list, show, verify, promote, "
		           "diff, prune or drift)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &k_args_records, 0, "Bad input (drift):", 2 },
	{ &k_args_store, 0, "Model store:", 2 },
	{ &k_args_common, 0, "Messages:", 3 },
	{ 0 }
};

static const char doc[] =
	"Inspect and manage the versioned model store."
	"\v"
	"Commands:\n"
	"  list [KIND]            versions of each kind, newest first ('*' "
	"marks latest)\n"
	"  show [VERSION]         a model's header and metadata, as JSON\n"
	"  verify [VERSION...]    check files and checksums (all when none is "
	"named)\n"
	"  promote VERSION        point 'latest' at VERSION (rollback)\n"
	"  diff A B               parameters, features and metrics side by "
	"side\n"
	"  prune --keep N [KIND]  remove all but the N newest versions (never "
	"latest)\n"
	"  drift [FILE...]        how far feature rows have moved from the "
	"model's training data (PSI per feature)\n\n"
	"VERSION is a version name, KIND/VERSION, 'latest' or a .ktm file.\n\n"
	"Example:\n"
	"  kmodel list && kmodel promote anomaly/v1.0";

static const struct argp argp = { options, parse_opt, "COMMAND [ARG...]", doc,
                                  children, NULL, NULL };

/* ---- versions with their headers ---- */

struct ver {
	char kind[K_MODEL_KIND_MAX + 1];
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
	size_t size;
	int64_t created;   /* ms, INT64_MIN if unreadable */
	int latest;
	struct k_model m;  /* header only */
	int ok;
	char err[512];
};

static struct k_store store;

static void
ver_load(struct ver *v)
{
	struct k_error e;
	const char *c;

	v->created = INT64_MIN;
	v->ok = k_model_read_header(v->path, &v->m, &v->size, &e) == K_OK;
	if (!v->ok) {
		snprintf(v->err, sizeof v->err, "%s", e.text);
		return;
	}
	if (json_unpack(v->m.header, "{s:s}", "created", &c) == 0)
		k_time_parse(c, strlen(c), &v->created);
}

static int
cmp_newest(const void *a, const void *b)
{
	const struct ver *x = a, *y = b;
	int k = strcmp(x->kind, y->kind);

	if (k != 0)
		return k;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(y->version, x->version);
}

/* Every version of kind (or of all kinds), newest first within a kind. */
static struct ver *
gather(const char *kind, size_t *nout)
{
	char **kinds = NULL;
	size_t nk = 0, n = 0;
	struct ver *all = NULL;
	struct k_error e;

	if (kind != NULL) {
		kinds = malloc(sizeof *kinds);
		kinds[0] = strdup(kind);
		nk = 1;
	} else if (k_store_kinds(&store, &kinds, &nk, &e) != K_OK) {
		k_die_error(&e);
	}
	for (size_t i = 0; i < nk; i++) {
		struct k_store_entry *ents;
		size_t ne;
		char latest[K_VERSION_MAX + 1] = "";
		if (k_store_versions(&store, kinds[i], &ents, &ne, &e) != K_OK)
			k_die_error(&e);
		if (k_store_latest(&store, kinds[i], latest, &e) != K_OK)
			k_err("%s", e.text);
		struct ver *na = realloc(all, (n + ne + 1) * sizeof *na);
		if (na == NULL)
			k_die(K_ENOMEM, "out of memory");
		all = na;
		for (size_t j = 0; j < ne; j++) {
			struct ver *v = &all[n++];
			memset(v, 0, sizeof *v);
			snprintf(v->kind, sizeof v->kind, "%s", kinds[i]);
			memcpy(v->version, ents[j].version, sizeof v->version);
			memcpy(v->path, ents[j].path, sizeof v->path);
			v->latest = strcmp(latest, v->version) == 0;
			ver_load(v);
		}
		free(ents);
		free(kinds[i]);
	}
	free(kinds);
	if (n > 0)
		qsort(all, n, sizeof *all, cmp_newest);
	*nout = n;
	return all;
}

static void
gather_free(struct ver *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k_model_release(&v[i].m);
	free(v);
}

/* Resolve a VERSION argument to one file (kind, version, path). */
static void
resolve(const struct opts *o, const char *arg, struct ver *out)
{
	char **kinds = NULL;
	size_t nk = 0, found = 0;
	struct k_error e;
	struct stat sb;
	char kinds_seen[256] = "";

	memset(out, 0, sizeof *out);
	size_t al = strlen(arg);
	if (al > 4 && strcmp(arg + al - 4, ".ktm") == 0 && stat(arg, &sb) == 0) {
		snprintf(out->path, sizeof out->path, "%s", arg);
		snprintf(out->version, sizeof out->version, "%.*s",
		         (int)(al - 4 > K_VERSION_MAX ? K_VERSION_MAX : al - 4),
		         strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg);
		char *dot = strstr(out->version, ".ktm");
		if (dot)
			*dot = '\0';
		ver_load(out);
		if (out->ok)
			snprintf(out->kind, sizeof out->kind, "%s", out->m.kind);
		return;
	}
	const char *slash = strchr(arg, '/');
	char kbuf[K_MODEL_KIND_MAX + 1];
	const char *ver = arg;
	if (slash != NULL) {
		size_t kl = (size_t)(slash - arg);
		if (kl == 0 || kl > K_MODEL_KIND_MAX)
			k_die(K_EUSAGE, "'%s': not KIND/VERSION", arg);
		memcpy(kbuf, arg, kl);
		kbuf[kl] = '\0';
		if (o->kind != NULL && strcmp(o->kind, kbuf) != 0)
			k_die(K_EUSAGE, "'%s' contradicts --kind %s", arg, o->kind);
		ver = slash + 1;
		kinds = malloc(sizeof *kinds);
		kinds[0] = strdup(kbuf);
		nk = 1;
	} else if (o->kind != NULL) {
		kinds = malloc(sizeof *kinds);
		kinds[0] = strdup(o->kind);
		nk = 1;
	} else if (k_store_kinds(&store, &kinds, &nk, &e) != K_OK) {
		k_die_error(&e);
	}
	for (size_t i = 0; i < nk; i++) {
		char v[K_VERSION_MAX + 1], p[K_PATH_MAX];
		enum k_status s = k_store_resolve(&store, kinds[i], ver, v, p, &e);
		if (s == K_OK) {
			if (found++ == 0) {
				snprintf(out->kind, sizeof out->kind, "%s", kinds[i]);
				memcpy(out->version, v, sizeof out->version);
				memcpy(out->path, p, sizeof out->path);
			}
			size_t sl = strlen(kinds_seen);
			snprintf(kinds_seen + sl, sizeof kinds_seen - sl, "%s%s",
			         sl ? ", " : "", kinds[i]);
		} else if (nk == 1) {
			k_die_error(&e);
		}
	}
	for (size_t i = 0; i < nk; i++)
		free(kinds[i]);
	free(kinds);
	if (found == 0)
		k_die(K_ENOINPUT, "no version '%s' in model store '%s'", ver,
		      store.root);
	if (found > 1)
		k_die(K_EUSAGE, "'%s' exists for several kinds (%s): name one as "
		      "KIND/%s or with --kind", ver, kinds_seen, ver);
	char latest[K_VERSION_MAX + 1] = "";
	k_store_latest(&store, out->kind, latest, &e);
	out->latest = strcmp(latest, out->version) == 0;
	ver_load(out);
}

/* ---- list ---- */

static const char *const key_metrics[] = {
	"threshold", "anomaly_rate_pct", "mae", "rmse", "mape_pct", "aic",
	"accuracy", "auc", "f1", "logloss",
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

static int
cmd_list(const struct opts *o)
{
	size_t n;
	struct ver *v;
	struct k_buf b;
	struct k_jsonw w;
	char created[40];

	if (o->nargs > 1)
		k_usage_error("list takes at most one KIND");
	v = gather(o->nargs == 1 ? o->args[0] : o->kind, &n);
	k_buf_init(&b);
	if (!o->json && n > 0)
		k_buf_printf(&b, "%-12s %-24s %-24s %8s %8s  %s\n", "KIND",
		             "VERSION", "CREATED", "ROWS", "FEATURES", "METRICS");
	for (size_t i = 0; i < n; i++) {
		json_t *h = v[i].m.header;
		long long rows = v[i].ok ? header_rows(h) : -1;
		long long feats = v[i].ok ? header_features(h) : -1;
		if (v[i].created != INT64_MIN)
			k_time_format(v[i].created, created, sizeof created);
		else
			snprintf(created, sizeof created, "-");
		if (o->json) {
			k_jsonw_init(&w, &b);
			k_jsonw_obj(&w);
			k_jsonw_key(&w, "kind");
			k_jsonw_str(&w, v[i].kind);
			k_jsonw_key(&w, "version");
			k_jsonw_str(&w, v[i].version);
			k_jsonw_key(&w, "latest");
			k_jsonw_bool(&w, v[i].latest);
			k_jsonw_key(&w, "created");
			if (v[i].created != INT64_MIN)
				k_jsonw_str(&w, created);
			else
				k_jsonw_null(&w);
			k_jsonw_key(&w, "rows");
			if (rows >= 0) k_jsonw_int(&w, rows); else k_jsonw_null(&w);
			k_jsonw_key(&w, "features");
			if (feats >= 0) k_jsonw_int(&w, feats); else k_jsonw_null(&w);
			k_jsonw_key(&w, "metrics");
			json_t *mt = v[i].ok ? json_object_get(h, "metrics") : NULL;
			if (mt) k_jsonw_value(&w, mt); else k_jsonw_null(&w);
			k_jsonw_key(&w, "size");
			k_jsonw_int(&w, (long long)v[i].size);
			k_jsonw_key(&w, "path");
			k_jsonw_str(&w, v[i].path);
			if (!v[i].ok) {
				k_jsonw_key(&w, "error");
				k_jsonw_str(&w, v[i].err);
			}
			k_jsonw_obj_end(&w);
			k_buf_addc(&b, '\n');
			continue;
		}
		char name[K_VERSION_MAX + 3], mtext[256], rtext[24], ftext[24];
		snprintf(name, sizeof name, "%s%s", v[i].version,
		         v[i].latest ? " *" : "");
		if (v[i].ok)
			metrics_text(json_object_get(h, "metrics"), mtext,
			             sizeof mtext);
		else
			snprintf(mtext, sizeof mtext, "UNREADABLE: %.200s", v[i].err);
		snprintf(rtext, sizeof rtext, rows >= 0 ? "%lld" : "-", rows);
		snprintf(ftext, sizeof ftext, feats >= 0 ? "%lld" : "-", feats);
		k_buf_printf(&b, "%-12s %-24s %-24s %8s %8s  %s\n", v[i].kind,
		             name, created, rtext, ftext, mtext);
	}
	if (n == 0)
		k_info("no models in '%s'", store.root);
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	gather_free(v, n);
	return 0;
}

/* ---- show ---- */

static int
cmd_show(const struct opts *o)
{
	struct ver v;
	struct k_buf b;
	struct k_jsonw w;

	if (o->nargs > 1)
		k_usage_error("show takes at most one VERSION");
	resolve(o, o->nargs == 1 ? o->args[0] : "latest", &v);
	if (!v.ok)
		k_die(K_EDATA, "%s", v.err);
	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, v.kind);
	k_jsonw_key(&w, "version");
	k_jsonw_str(&w, v.version);
	k_jsonw_key(&w, "latest");
	k_jsonw_bool(&w, v.latest);
	k_jsonw_key(&w, "path");
	k_jsonw_str(&w, v.path);
	k_jsonw_key(&w, "size");
	k_jsonw_int(&w, (long long)v.size);
	k_jsonw_key(&w, "format");
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "read_version");
	k_jsonw_int(&w, v.m.read_version);
	k_jsonw_key(&w, "write_version");
	k_jsonw_int(&w, v.m.write_version);
	k_jsonw_obj_end(&w);
	k_jsonw_key(&w, "header");
	k_jsonw_value(&w, v.m.header);
	k_jsonw_obj_end(&w);
	k_buf_addc(&b, '\n');
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	k_model_release(&v.m);
	return 0;
}

/* ---- verify ---- */

/* Full check of one file: structure, checksums, decompression, and for
 * kinds this program knows, that the payload agrees with the header. */
static int
verify_one(const struct ver *v, char *why, size_t cap)
{
	struct k_model m;
	struct k_error e;

	if (k_model_load(v->path, NULL, &m, &e) != K_OK) {
		snprintf(why, cap, "%s", e.text);
		return 0;
	}
	int ok = 1;
	if (strcmp(m.kind, v->kind) != 0) {
		snprintf(why, cap, "file holds a '%s' model, in the '%s' "
		         "directory", m.kind, v->kind);
		ok = 0;
	} else if (strcmp(m.kind, K_ANOMALY_KIND) == 0) {
		/* The same bytes, decoded: no second read of the file. */
		struct k_anomaly a;
		if (k_anomaly_from_model(&a, &m, v->path, &e) != K_OK) {
			snprintf(why, cap, "%s", e.text);
			ok = 0;
		} else {
			k_anomaly_release(&a);
		}
	}
	k_model_release(&m);
	return ok;
}

static void
verify_report(const struct opts *o, struct k_buf *b, const char *kind,
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

static int
cmd_verify(const struct opts *o)
{
	struct k_buf b;
	char why[600];
	int bad = 0, count = 0;

	k_buf_init(&b);
	if (o->nargs > 0) {
		for (int i = 0; i < o->nargs; i++) {
			struct ver v;
			resolve(o, o->args[i], &v);
			int ok = verify_one(&v, why, sizeof why);
			verify_report(o, &b, v.kind, v.version, ok, why, v.size);
			bad += !ok;
			count++;
			k_model_release(&v.m);
		}
	} else {
		size_t n;
		struct ver *v = gather(o->kind, &n);
		for (size_t i = 0; i < n; i++) {
			int ok = verify_one(&v[i], why, sizeof why);
			verify_report(o, &b, v[i].kind, v[i].version, ok, why,
			              v[i].size);
			bad += !ok;
			count++;
		}
		/* Each kind's latest must name a file that exists. */
		char **kinds = NULL;
		size_t nk = 0;
		struct k_error e;
		if (o->kind == NULL)
			k_store_kinds(&store, &kinds, &nk, &e);
		for (size_t k = 0; k < nk; k++) {
			char lv[K_VERSION_MAX + 1], p[K_PATH_MAX];
			if (k_store_resolve(&store, kinds[k], NULL, lv, p, &e) !=
			    K_OK && e.code != K_ECONFIG) {
				verify_report(o, &b, kinds[k], "latest", 0, e.text, 0);
				bad++;
			}
			free(kinds[k]);
		}
		free(kinds);
		gather_free(v, n);
		if (count == 0)
			k_info("no models in '%s'", store.root);
	}
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	if (bad > 0)
		k_err("%d of %d model files failed verification", bad, count);
	return bad > 0 ? k_status_exit(K_EDATA) : 0;
}

/* ---- promote ---- */

static int
cmd_promote(const struct opts *o)
{
	struct ver v;
	struct k_error e;
	char was[K_VERSION_MAX + 1] = "";

	if (o->nargs != 1)
		k_usage_error("promote takes one VERSION");
	resolve(o, o->args[0], &v);
	if (!v.ok)
		k_die(K_EDATA, "refusing to promote an unreadable model: %s",
		      v.err);
	char why[600];
	if (!verify_one(&v, why, sizeof why))
		k_die(K_EDATA, "refusing to promote a model that fails "
		      "verification: %s", why);
	k_store_latest(&store, v.kind, was, &e);
	if (k_store_set_latest(&store, v.kind, v.version, &e) != K_OK)
		k_die_error(&e);
	k_info("%s: latest is now %s (was %s)", v.kind, v.version,
	       was[0] ? was : "none");
	k_model_release(&v.m);
	return 0;
}

/* ---- diff ---- */

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

static int
cmd_diff(const struct opts *o)
{
	struct ver a, c;
	struct k_buf b;
	int ndiff = 0;

	if (o->nargs != 2)
		k_usage_error("diff takes two VERSIONs");
	resolve(o, o->args[0], &a);
	resolve(o, o->args[1], &c);
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

	/* Features: counts, and what only one side has. */
	json_t *fa = json_object_get(ha, "features");
	json_t *fc = json_object_get(hc, "features");
	json_t *only_a = json_array(), *only_c = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(fa, i, x) {
		int seen = 0;
		size_t j;
		json_t *y;
		json_array_foreach(fc, j, y)
			seen |= json_equal(x, y);
		if (!seen)
			json_array_append(only_a, x);
	}
	json_array_foreach(fc, i, x) {
		int seen = 0;
		size_t j;
		json_t *y;
		json_array_foreach(fa, j, y)
			seen |= json_equal(x, y);
		if (!seen)
			json_array_append(only_c, x);
	}
	int same_order = json_equal(fa, fc);
	json_t *na = json_integer((json_int_t)json_array_size(fa));
	json_t *nc = json_integer((json_int_t)json_array_size(fc));
	diff_value(&b, "features", na, nc, &ndiff);
	if (json_array_size(only_a) > 0 || json_array_size(only_c) > 0) {
		char *sa = json_dumps(only_a, JSON_COMPACT);
		char *sc = json_dumps(only_c, JSON_COMPACT);
		k_buf_printf(&b, "%-32s %s\n%-32s %s\n", "  only in A", sa,
		             "  only in B", sc);
		free(sa);
		free(sc);
	} else if (!same_order) {
		k_buf_printf(&b, "%-32s %s\n", "  order", "differs  *");
		ndiff++;
	}
	diff_object(&b, "metrics", json_object_get(ha, "metrics"),
	            json_object_get(hc, "metrics"), &ndiff, jm);
	diff_object(&b, "training", json_object_get(ha, "training"),
	            json_object_get(hc, "training"), &ndiff, jt);

	if (o->json) {
		struct k_jsonw w;
		json_t *out = json_pack(
			"{s:s, s:s, s:o, s:{s:o, s:o, s:o, s:o, s:b}, s:o, s:o}",
			"a", a.version, "b", c.version, "params", jp, "features",
			"a", na, "b", nc, "only_a", only_a, "only_b", only_c,
			"same_order", same_order, "metrics", jm, "training", jt);
		k_buf_reset(&b);
		k_jsonw_init(&w, &b);
		k_jsonw_value(&w, out);
		k_buf_addc(&b, '\n');
		json_decref(out);
	} else {
		json_decref(jp);
		json_decref(jm);
		json_decref(jt);
		json_decref(na);
		json_decref(nc);
		json_decref(only_a);
		json_decref(only_c);
	}
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	k_model_release(&a.m);
	k_model_release(&c.m);
	return 0;
}

/* ---- prune ---- */

static int
cmd_prune(const struct opts *o)
{
	size_t n;
	struct ver *v;
	struct k_error e;
	int removed = 0, failed = 0;

	if (o->keep < 1)
		k_usage_error("prune needs --keep N");
	if (o->nargs > 1)
		k_usage_error("prune takes at most one KIND");
	v = gather(o->nargs == 1 ? o->args[0] : o->kind, &n);
	long rank = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i].kind, v[i - 1].kind) != 0)
			rank = 0;
		rank++;
		if (rank <= o->keep || v[i].latest)
			continue;
		if (k_store_remove(&store, v[i].kind, v[i].version, &e) != K_OK) {
			k_err("%s", e.text);
			failed++;
			continue;
		}
		k_info("removed %s/%s", v[i].kind, v[i].version);
		removed++;
	}
	gather_free(v, n);
	k_info("pruned %d version%s", removed, removed == 1 ? "" : "s");
	return failed ? k_status_exit(K_EIO) : 0;
}

/* ---- drift ---- */

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

static int
cmd_drift(const struct opts *o)
{
	struct ver v;
	struct k_error e;
	struct k_reject rj;
	char spec[K_MODEL_KIND_MAX + K_VERSION_MAX + 2];

	snprintf(spec, sizeof spec, "%s/%s", o->kind ? o->kind : K_ANOMALY_KIND,
	         o->version ? o->version : "latest");
	resolve(o, spec, &v);
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
	int nin = o->nargs > 0 ? o->nargs : 1;
	for (int f = 0; f < nin && !stop; f++) {
		struct k_reader r;
		char *line;
		size_t len;
		int rc = 0;
		if (k_reader_open(&r, o->nargs > 0 ? o->args[f] : "-", &e) != K_OK)
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
	if (!o->json && rows > 0)
		k_buf_printf(&b, "%-32s %8s  %-8s %14s %12s\n", "FEATURE", "PSI",
		             "SHIFT", "MISSING_TRAIN", "MISSING_NOW");
	for (size_t k = 0; k < d && rows > 0; k++) {
		size_t j = order[k].j;
		double now = 100.0 * (double)dr[j].missing /
		             (double)(dr[j].n + dr[j].missing);
		if (o->json) {
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

int
main(int argc, char **argv)
{
	struct opts o = { .keep = -1 };
	int rc;

	k_args_parse("kmodel", &argp, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	if (o.kind != NULL) {
		struct k_error e;
		if (strchr(o.kind, '/') || strcmp(o.kind, ".") == 0 ||
		    strcmp(o.kind, "..") == 0 || k_version_check(o.kind, &e) != K_OK)
			k_usage_error("--kind: '%s' is not a model kind", o.kind);
	}
	if (strcmp(o.cmd, "list") == 0)
		rc = cmd_list(&o);
	else if (strcmp(o.cmd, "show") == 0)
		rc = cmd_show(&o);
	else if (strcmp(o.cmd, "verify") == 0)
		rc = cmd_verify(&o);
	else if (strcmp(o.cmd, "promote") == 0)
		rc = cmd_promote(&o);
	else if (strcmp(o.cmd, "diff") == 0)
		rc = cmd_diff(&o);
	else if (strcmp(o.cmd, "prune") == 0)
		rc = cmd_prune(&o);
	else if (strcmp(o.cmd, "drift") == 0)
		rc = cmd_drift(&o);
	else
		k_usage_error("unknown command '%s' (list, show, verify, promote, "
		              "diff, prune, drift)", o.cmd);
	k_out_finish();
	return rc;
}

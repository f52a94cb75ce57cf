/*
 * kmodel shared - what the kmodel commands share: the store's versions
 * with their headers, newest first; the resolution of a VERSION argument
 * to one file; the full check of a file; the --kind option.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "kmodel.h"
#include "model/k_anomaly.h"

static void
ver_load(struct kmodel_ver *v)
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
	const struct kmodel_ver *x = a, *y = b;
	int k = strcmp(x->kind, y->kind);

	if (k != 0)
		return k;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(y->version, x->version);
}

/* The one kind named (checked: 64 if it is not a kind), or every kind of
 * the store; free each and the array. */
static char **
kinds_of(const struct k_store *st, const char *kind, size_t *nk)
{
	char **kinds = NULL;
	struct k_error e;

	if (kind == NULL) {
		if (k_store_kinds(st, &kinds, nk, &e) != K_OK)
			k_die_error(&e);
		return kinds;
	}
	if (k_kind_check(kind, &e) != K_OK)
		k_die(K_EUSAGE, "%s", e.text);
	kinds = malloc(sizeof *kinds);
	if (kinds == NULL || (kinds[0] = strdup(kind)) == NULL)
		k_die(K_ENOMEM, "out of memory");
	*nk = 1;
	return kinds;
}

struct kmodel_ver *
kmodel_gather(const struct k_store *st, const char *kind, size_t *nout)
{
	size_t nk = 0, n = 0;
	char **kinds = kinds_of(st, kind, &nk);
	struct kmodel_ver *all = NULL;
	struct k_error e;

	for (size_t i = 0; i < nk; i++) {
		struct k_store_entry *ents;
		size_t ne;
		char latest[K_VERSION_MAX + 1] = "";
		if (k_store_versions(st, kinds[i], &ents, &ne, &e) != K_OK)
			k_die_error(&e);
		if (k_store_latest(st, kinds[i], latest, &e) != K_OK)
			k_err("%s", e.text);
		struct kmodel_ver *na = realloc(all, (n + ne + 1) * sizeof *na);
		if (na == NULL)
			k_die(K_ENOMEM, "out of memory");
		all = na;
		for (size_t j = 0; j < ne; j++) {
			struct kmodel_ver *v = &all[n++];
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

void
kmodel_gather_free(struct kmodel_ver *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k_model_release(&v[i].m);
	free(v);
}

/* A .ktm file named by its path: the version is its base name. */
static void
resolve_file(const char *arg, struct kmodel_ver *out)
{
	size_t al = strlen(arg);

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
}

/* The kinds a VERSION argument may be of: the KIND of KIND/VERSION, else
 * --kind, else all. *ver is set to the version part; a kind or version
 * that is not one is a usage error naming the argument. */
static char **
kinds_for(const struct k_store *st, const char *kind, const char *arg,
          const char **ver, size_t *nk)
{
	const char *slash = strchr(arg, '/');
	char kbuf[K_MODEL_KIND_MAX + 1];
	struct k_error e;

	*ver = arg;
	if (slash != NULL) {
		size_t kl = (size_t)(slash - arg);
		if (kl == 0 || kl > K_MODEL_KIND_MAX)
			k_die(K_EUSAGE, "'%s': not KIND/VERSION", arg);
		memcpy(kbuf, arg, kl);
		kbuf[kl] = '\0';
		if (k_kind_check(kbuf, &e) != K_OK)
			k_die(K_EUSAGE, "'%s': %s", arg, e.text);
		if (kind != NULL && strcmp(kind, kbuf) != 0)
			k_die(K_EUSAGE, "'%s' contradicts --kind %s", arg, kind);
		*ver = slash + 1;
	}
	if (strcmp(*ver, "latest") != 0 && k_version_check(*ver, &e) != K_OK)
		k_die(K_EUSAGE, "'%s': %s", arg, e.text);
	return kinds_of(st, slash != NULL ? kbuf : kind, nk);
}

void
kmodel_resolve(const struct k_store *st, const char *kind, const char *arg,
               struct kmodel_ver *out)
{
	size_t nk = 0, found = 0;
	struct k_error e;
	struct stat sb;
	char kinds_seen[256] = "";
	const char *ver;

	memset(out, 0, sizeof *out);
	size_t al = strlen(arg);
	if (al > 4 && strcmp(arg + al - 4, ".ktm") == 0 && stat(arg, &sb) == 0) {
		resolve_file(arg, out);
		return;
	}
	char **kinds = kinds_for(st, kind, arg, &ver, &nk);
	for (size_t i = 0; i < nk; i++) {
		char v[K_VERSION_MAX + 1], p[K_PATH_MAX];
		enum k_status s = k_store_resolve(st, kinds[i], ver, v, p, &e);
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
		      st->root);
	if (found > 1)
		k_die(K_EUSAGE, "'%s' exists for several kinds (%s): name one as "
		      "KIND/%s or with --kind", ver, kinds_seen, ver);
	char latest[K_VERSION_MAX + 1] = "";
	k_store_latest(st, out->kind, latest, &e);
	out->latest = strcmp(latest, out->version) == 0;
	ver_load(out);
}

int
kmodel_verify_one(const struct kmodel_ver *v, char *why, size_t cap)
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

error_t
kmodel_parse_args(int key, char *arg, struct argp_state *state,
                  struct kmodel_args *a)
{
	struct k_error e;

	switch (key) {
	case KMODEL_OPT_KIND:
		if (k_kind_check(arg, &e) != K_OK)
			argp_error(state, "--kind: %s", e.text);
		a->kind = arg;
		break;
	case KMODEL_OPT_JSON:
		a->json = 1;
		break;
	case ARGP_KEY_ARGS:
		a->args = state->argv + state->next;
		a->nargs = state->argc - state->next;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

error_t
kmodel_parse_opt(int key, char *arg, struct argp_state *state)
{
	return kmodel_parse_args(key, arg, state, state->input);
}

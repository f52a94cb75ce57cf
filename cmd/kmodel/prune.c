/*
 * kmodel prune - remove all but the N newest versions of each kind, never
 * the one 'latest' names, and the files saves that were killed left.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "kmodel.h"

struct opts {
	struct kmodel_args a; /* --kind, the arguments */
	long keep;          /* --keep N; -1 unset */
};

enum { OPT_KEEP = KMODEL_OPT_OWN };

static const struct argp_option options[] = {
	{ "keep", OPT_KEEP, "N", 0,
	  "Keep the N newest versions of each kind (and latest); required", 1 },
	{ "kind", KMODEL_OPT_KIND, "KIND", 0, "Only this kind (the same as KIND)", 1 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_KEEP:
		o->keep = (long)k_optval_uint(state, "--keep", arg, 1, 1000000000);
		break;
	default:
		return kmodel_parse_args(key, arg, state, &o->a);
	}
	return 0;
}

static const char doc[] =
	"Remove all but the N newest versions of each kind (never latest)."
	"\v"
	"Versions are ranked by creation time within each kind; the one "
	"'latest' names is kept whatever its rank. Temporary files of saves "
	"that did not finish (killed mid-save), untouched for an hour, are "
	"removed too. Each removal is reported on standard error.\n\n"
	"Example:\n"
	"  kmodel prune --keep 4 anomaly";

static const struct argp argp = { options, parse_opt, "[KIND]", doc,
                                  NULL, NULL, NULL };

static void
said_removed(const char *path, void *arg)
{
	(void)arg;
	k_info("removed %s, left by a save that did not finish", path);
}

/* The leftovers of killed saves in kind's directory, or every kind's. */
static int
sweep(const struct k_store *store, const char *kind)
{
	char **kinds = NULL;
	size_t nk = 1, n;
	struct k_error e;
	int failed = 0;

	if (kind == NULL && k_store_kinds(store, &kinds, &nk, &e) != K_OK)
		k_die_error(&e);
	for (size_t i = 0; i < nk; i++) {
		const char *k = kind != NULL ? kind : kinds[i];
		if (k_store_sweep(store, k, K_STORE_TMP_AGE, said_removed, NULL,
		                  &n, &e) != K_OK) {
			k_err("%s", e.text);
			failed++;
		}
		if (kind == NULL)
			free(kinds[i]);
	}
	free(kinds);
	return failed;
}

int
kmodel_prune(int argc, char **argv)
{
	struct opts o = { .keep = -1 };
	struct k_store store;
	size_t n;
	struct kmodel_ver *v;
	struct k_error e;
	int removed = 0, failed = 0;

	k_args_parse("kmodel", &argp, K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	if (o.keep < 1)
		k_usage_error("prune needs --keep N");
	if (o.a.nargs > 1)
		k_usage_error("prune takes at most one KIND");
	v = kmodel_gather(&store, o.a.nargs == 1 ? o.a.args[0] : o.a.kind, &n);
	long rank = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i].kind, v[i - 1].kind) != 0)
			rank = 0;
		rank++;
		if (rank <= o.keep || v[i].latest)
			continue;
		if (k_store_remove(&store, v[i].kind, v[i].version, &e) != K_OK) {
			k_err("%s", e.text);
			failed++;
			continue;
		}
		k_info("removed %s/%s", v[i].kind, v[i].version);
		removed++;
	}
	kmodel_gather_free(v, n);
	failed += sweep(&store, o.a.nargs == 1 ? o.a.args[0] : o.a.kind);
	k_info("pruned %d version%s", removed, removed == 1 ? "" : "s");
	return failed ? k_status_exit(K_EIO) : 0;
}

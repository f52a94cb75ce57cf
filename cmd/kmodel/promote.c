/*
 * kmodel promote - point a kind's 'latest' at an older (or any) version:
 * a rollback. A version that fails verification is refused.
 */
#include <stdio.h>

#include "cli/k_args.h"
#include "cli/k_log.h"
#include "kmodel.h"

static const struct argp_option options[] = {
	{ "kind", KMODEL_OPT_KIND, "KIND", 0,
	  "Model kind, when a version name alone is ambiguous", 1 },
	{ 0 }
};

static const char doc[] =
	"Point 'latest' of the version's kind at VERSION (rollback)."
	"\v"
	"VERSION is a version name, KIND/VERSION or a .ktm file of the store. "
	"The file is verified first; scorers follow at their next load.\n\n"
	"Example:\n"
	"  kmodel promote anomaly/v1.0";

static const struct argp argp = { options, kmodel_parse_opt, "VERSION",
                                  doc, NULL, NULL, NULL };

int
kmodel_promote(int argc, char **argv)
{
	struct kmodel_args o = { 0 };
	struct k_store store;
	struct kmodel_ver v;
	struct k_error e;
	char was[K_VERSION_MAX + 1] = "";
	char why[600];

	k_args_parse("kmodel", &argp, K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	if (o.nargs != 1)
		k_usage_error("promote takes one VERSION");
	kmodel_resolve(&store, o.kind, o.args[0], &v);
	if (!v.ok)
		k_die(K_EDATA, "refusing to promote an unreadable model: %s",
		      v.err);
	if (!kmodel_verify_one(&v, why, sizeof why))
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

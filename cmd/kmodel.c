/*
 * kmodel - look after the model store: list versions, show a model's
 * header, verify checksums, promote an older version (rollback), compare
 * two versions, prune old ones and check feature rows for drift. Trainers
 * write the store; kmodel is how people and cron jobs inspect and steer
 * it. This file only lists the commands; each command's options and work
 * are in cmd/kmodel/<command>.c.
 */
#include "cli/k_out.h"
#include "cli/k_subcmd.h"
#include "kmodel.h"

static const struct k_subcmd cmds[] = {
	{ "list", kmodel_list,
	  "versions of each kind, newest first ('*' marks latest)" },
	{ "show", kmodel_show, "a model's header and metadata, as JSON" },
	{ "verify", kmodel_verify,
	  "check files and checksums (all when none is named)" },
	{ "promote", kmodel_promote, "point 'latest' at a version (rollback)" },
	{ "diff", kmodel_diff,
	  "parameters, features and metrics of two versions side by side" },
	{ "prune", kmodel_prune,
	  "remove all but the N newest versions (never latest)" },
	{ "drift", kmodel_drift,
	  "how far feature rows have moved from the model's training data" },
};

int
main(int argc, char **argv)
{
	static const struct k_subcmd_prog p = {
		"kmodel", "Inspect and manage the versioned model store.",
		"COMMAND", "[ARG...]", cmds, sizeof cmds / sizeof cmds[0],
	};
	int rc = k_subcmd_main(&p, argc, argv);

	k_out_finish();
	return rc;
}

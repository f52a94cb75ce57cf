/*
 * kfeatures - turn raw records into feature rows, one feature SET per
 * subcommand (kfeatures hyperliquid, ...). This file only lists the sets;
 * each set's options and work are in cmd/kfeatures/<set>.c.
 */
#include "cli/k_subcmd.h"
#include "kfeatures.h"

static const struct k_subcmd sets[] = {
	{ "hyperliquid", kfeatures_hyperliquid,
	  "Hyperliquid monitor: HLP vault, oracle, liquidations, volume" },
	{ "wallet", kfeatures_wallet, "Ethereum wallets: behaviour, transaction graph, suspicious patterns" },
};

int
main(int argc, char **argv)
{
	static const struct k_subcmd_prog p = {
		"kfeatures", "Turn raw records (NDJSON) into one feature row "
		"per time bucket for feature SET.", "SET", "[FILE...]",
		sets, sizeof sets / sizeof sets[0],
	};

	return k_subcmd_main(&p, argc, argv);
}

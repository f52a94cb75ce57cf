/*
 * kfetch - acquisition: read a source (an HTTP API, a recording of one, a
 * file, a simulator) and write raw records as NDJSON. This file only lists
 * the sources, one line each; each source's options and work are in
 * cmd/kfetch/<source>.c, and what they share in cmd/kfetch/shared.c.
 */
#include "cli/k_subcmd.h"
#include "kfetch.h"

static const struct k_subcmd sources[] = {
	{ "hyperliquid", kfetch_hyperliquid, "Hyperliquid info API: prices, candles, funding, HLP vault, liquidations" },
	{ "binance", kfetch_binance, "Binance spot market data: klines and ticker prices" },
	{ "simulate", kfetch_simulate, "Labelled simulated populations with ground truth (kfetch simulate POPULATION)" },
	{ "etherscan", kfetch_etherscan, "Etherscan-compatible API: normal, internal and token transactions of addresses" },
	{ "ethrpc", kfetch_ethrpc, "Your own Ethereum JSON-RPC node: a block range with receipts (and traces), batched" },
	{ "csv", kfetch_csv, "Transaction exports (CSV): BigQuery crypto_ethereum.transactions layout, or --map" },
};

int
main(int argc, char **argv)
{
	static const struct k_subcmd_prog p = {
		"kfetch", "Fetch raw records (NDJSON) from SOURCE: a live API, "
		"a recording of one, or a simulator.", "SOURCE", "[FILE...]",
		sources, sizeof sources / sizeof sources[0],
	};

	return k_subcmd_main(&p, argc, argv);
}

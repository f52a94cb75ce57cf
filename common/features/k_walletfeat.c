/*
 * k_walletfeat.c - the wallet feature engine of k_walletfeat.h.
 *
 * Records are kept compactly in memory (about 64 bytes each), addresses
 * interned to 32-bit ids. compute() sorts them by time once, builds each
 * address's time-ordered list of records and of outgoing transfers, the
 * window's transfer graph (k_graph), and then every row independently (in
 * parallel: rows read shared data only).
 *
 * Conventions every feature follows (also in kfeatures(1)):
 * - the window is [as_of - window, as_of]; records after as_of are
 *   ignored; records before the window count only for wallet age, the
 *   first funding and the first use of a contract;
 * - "sent" transactions are native records from the address (it signed
 *   them), failed ones included; "transfers" are successful movements of
 *   value (native value, internal ETH, tokens) with a counterparty;
 * - a record whose success is null is taken as successful; a failed record
 *   moves nothing but its gas; a self-transfer (from = to) counts as
 *   activity and gas, never as a flow, counterparty or edge; a contract
 *   creation (to null) counts as a sent transaction and gas, not a flow;
 * - duplicates (same hash, transfer, log index or trace, from, to, amount
 *   and token) are dropped when added.
 */
#include "features/k_walletfeat.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_reader.h"
#include "base/k_time.h"
#include "numeric/k_stats.h"
#include "text/k_jsonw.h"

#define NOADDR UINT32_MAX

/* ---- the features ---- */

#define FEATURES(X) \
X(tx_count, "activity", "count", "records in the window with the address as from or to (any transfer kind, failed included)", "never") \
X(sent_count, "activity", "count", "transactions the address sent (native records from it), failed included", "never") \
X(received_count, "activity", "count", "successful transfers (native, internal, token) to the address", "never") \
X(sent_per_day, "activity", "tx/day", "sent_count / span, where span is the window after the address's first record, at least 1 day", "never") \
X(active_days, "activity", "days", "distinct UTC days with a record", "never") \
X(active_day_share, "activity", "fraction", "active_days / span in whole days", "never") \
X(daily_count_cv, "activity", "ratio", "coefficient of variation (sd/mean) of records per UTC day over the span, empty days included", "null without records") \
X(gap_mean_hours, "activity", "hours", "mean time between consecutive sent transactions", "null below 2 sent") \
X(gap_median_hours, "activity", "hours", "median time between consecutive sent transactions", "null below 2 sent") \
X(gap_max_hours, "activity", "hours", "longest time between consecutive sent transactions", "null below 2 sent") \
X(gap_cv, "activity", "ratio", "sd/mean of the gaps between sent transactions", "null below 3 sent or when the mean gap is 0") \
X(burstiness, "activity", "-1..1", "(sd - mean)/(sd + mean) of the gaps (Goh and Barabasi): -1 periodic, 0 Poisson, 1 bursty", "null below 3 sent or when sd + mean is 0") \
X(hour_entropy, "activity", "bits", "Shannon entropy of the UTC hour-of-day histogram of sent transactions (0 to 4.585)", "null without sent") \
X(hour_concentration, "activity", "0..1", "length of the mean of unit vectors at the sent hours (1: always the same hour, 0: spread evenly)", "null without sent") \
X(hour_sin, "activity", "-1..1", "sine component of that mean vector (its direction is the typical UTC hour)", "null without sent") \
X(hour_cos, "activity", "-1..1", "cosine component of that mean vector", "null without sent") \
X(peak_hour_share, "activity", "fraction", "share of sent transactions in the most common UTC hour", "null without sent") \
X(weekday_entropy, "activity", "bits", "Shannon entropy of the UTC weekday histogram of sent transactions (0 to 2.807)", "null without sent") \
X(weekend_share, "activity", "fraction", "share of sent transactions on Saturday or Sunday (UTC)", "null without sent") \
X(days_since_last, "activity", "days", "as_of minus the address's last record in the window", "null without records in the window") \
X(wallet_age_days, "activity", "days", "as_of minus the address's first record anywhere in the input (before the window too)", "null without records") \
X(new_in_window, "activity", "0/1", "1 if the address's first record in the input is inside the window", "null without records") \
X(eth_net_flow, "transaction", "ETH", "ETH received minus ETH sent minus gas fees paid, in the window", "never") \
X(out_value_mean, "transaction", "ETH", "mean of the nonzero ETH transfers out (native and internal)", "null without ETH sent") \
X(out_value_median, "transaction", "ETH", "median of the nonzero ETH transfers out", "null without ETH sent") \
X(out_value_max, "transaction", "ETH", "largest ETH transfer out", "null without ETH sent") \
X(out_value_cv, "transaction", "ratio", "sd/mean of the nonzero ETH transfers out", "null below 2") \
X(in_value_max, "transaction", "ETH", "largest ETH transfer in", "null without ETH received") \
X(value_log_sd, "transaction", "log10 ETH", "sd of log10 of the nonzero ETH transfers in and out (size variance)", "null below 2") \
X(round_value_share, "transaction", "fraction", "share of nonzero transfers (ETH and tokens) whose exact amount has at most two significant digits (1.5, 0.1, 300): typed-in, exchange and mixer amounts", "null without nonzero transfers") \
X(zero_value_share, "transaction", "fraction", "share of sent transactions carrying no ETH", "null without sent") \
X(success_rate, "transaction", "fraction", "successful sent / sent (unknown success counts as successful)", "null without sent") \
X(failed_count, "transaction", "count", "sent transactions that failed", "never") \
X(gas_price_mean_gwei, "transaction", "gwei", "mean gas price of sent transactions", "null without a known gas price") \
X(gas_price_rel_market, "transaction", "ratio", "median of gas price / market gas price at the time: the latest market record's gas_gwei within 2 hours before, else the median gas price of all sent transactions in the input in that UTC hour", "null without a gas price or a reference") \
X(gas_price_cv, "transaction", "ratio", "sd/mean of the gas prices of sent transactions", "null below 2 known") \
X(gas_used_mean, "transaction", "gas", "mean gas used by sent transactions", "null without a known gas used") \
X(gas_fee_eth, "transaction", "ETH", "gas fees paid: sum of gas price x gas used over sent transactions, failed included", "never (0 when unknown)") \
X(gas_fee_share, "transaction", "fraction", "gas efficiency: gas_fee_eth / (gas_fee_eth + ETH sent)", "null when both are 0") \
X(plain_transfer_share, "transaction", "fraction", "share of sent transactions without call data (plain ETH transfers)", "null without sent") \
X(contract_creations, "transaction", "count", "sent transactions that created a contract (to null)", "never") \
X(contracts_called, "protocol", "count", "distinct addresses the address sent calls (transactions with a method) to, failed calls included", "never") \
X(protocol_entropy, "protocol", "bits", "Shannon entropy of those calls over the called addresses (protocol diversity)", "null without calls") \
X(protocol_hhi, "protocol", "0..1", "Herfindahl index of the calls over called addresses (1: one protocol)", "null without calls") \
X(defi_share, "protocol", "fraction", "share of calls that are DeFi: to an address listed as defi, or a DeFi method (swaps, deposit, withdraw, supply, borrow, repay, mint, redeem, stake, claim, harvest, liquidity)", "null without calls") \
X(swap_share, "protocol", "fraction", "share of calls that are swaps (swap*, exactInput*, exactOutput*, execute, exchange)", "null without calls") \
X(lending_share, "protocol", "fraction", "share of calls that are lending (supply, borrow, repay, redeem*, liquidationCall)", "null without calls") \
X(stake_share, "protocol", "fraction", "share of calls that stake (stake*, unstake*, submit, requestWithdrawals)", "null without calls") \
X(claim_share, "protocol", "fraction", "share of calls that claim rewards (claim*, getReward*, harvest*): yield harvesting", "null without calls") \
X(bridge_share, "protocol", "fraction", "share of calls that bridge to another chain (depositEth, depositETHTo, depositERC20, depositERC20To, bridgeETH, bridgeETHTo, bridgeERC20, bridgeERC20To, depositTransaction, depositEtherFor, outboundTransfer, outboundTransferCustomRefund, sendToL2, requestL2Transaction, requestL2TransactionDirect, createRetryableTicket, unsafeCreateRetryableTicket)", "null without calls") \
X(nft_share, "protocol", "fraction", "share of calls that trade or move NFTs (fulfill*, matchOrders, matchAdvancedOrders, atomicMatch*, takeAsk*, takeBid*, batchBuyWith*, safeTransferFrom, safeBatchTransferFrom)", "null without calls") \
X(approve_count, "protocol", "count", "token approvals sent (approve, setApprovalForAll, increaseAllowance, permit)", "never") \
X(method_count, "protocol", "count", "distinct methods called", "never") \
X(new_protocols_30d, "protocol", "per 30 days", "contracts first called in the window (first call in the whole input), per 30 days of span: new-protocol adoption", "never") \
X(cex_share, "protocol", "fraction", "share of interactions whose counterparty is listed as an exchange", "null without an address list or interactions") \
X(token_count, "portfolio", "count", "distinct tokens transferred in or out", "never") \
X(asset_entropy, "portfolio", "bits", "Shannon entropy of transfers over assets, ETH being one (asset diversity)", "null without transfers") \
X(stablecoin_share, "portfolio", "fraction", "share of transfers in stablecoins (USDC, USDT, DAI, BUSD, TUSD, USDP, GUSD, FRAX, LUSD, PYUSD, USDE, FDUSD, or a token listed as stablecoin)", "null without transfers") \
X(stable_value_share, "portfolio", "fraction", "USD value of stablecoin transfers / (that + ETH transferred x mean eth_usd of the window's market records)", "null without market eth_usd or nothing moved") \
X(token_in_count, "portfolio", "count", "token transfers received", "never") \
X(token_out_count, "portfolio", "count", "token transfers sent", "never") \
X(peak_net_eth, "portfolio", "ETH", "highest running total of ETH in minus out minus fees from the window's start: a lower bound of the ETH it held (portfolio size)", "never") \
X(huge_token_in, "portfolio", "count", "token transfers received of more than 10^18 units (spam air-drops, 2^256-1 amounts)", "never") \
X(counterparties, "behaviour", "count", "distinct counterparties of interactions (a sent transaction's to, a transfer's other side)", "never") \
X(counterparty_reuse, "behaviour", "fraction", "1 - counterparties / interactions: how often it deals with an address again", "null without interactions") \
X(top_counterparty_share, "behaviour", "fraction", "share of interactions with the most frequent counterparty", "null without interactions") \
X(reciprocity, "behaviour", "fraction", "addresses it both sent value to and received value from / addresses either way (Jaccard)", "null without transfers") \
X(batch_share, "behaviour", "fraction", "share of sent transactions sharing their block (or second, without block numbers) with another one it sent (batching, bundles)", "null without sent") \
X(max_tx_per_block, "behaviour", "count", "most transactions it sent in one block", "never") \
X(self_transfers, "behaviour", "count", "records with from = to = the address", "never") \
X(in_degree, "graph", "count", "distinct addresses that transferred value to it (the window's transfer graph: successful nonzero transfers, any asset, no loops)", "null with --no-graph") \
X(out_degree, "graph", "count", "distinct addresses it transferred value to", "null with --no-graph") \
X(in_weight, "graph", "count", "transfers in along graph edges", "null with --no-graph") \
X(out_weight, "graph", "count", "transfers out along graph edges", "null with --no-graph") \
X(in_value_eth, "graph", "ETH", "value-weighted in-degree: ETH received along graph edges", "null with --no-graph") \
X(out_value_eth, "graph", "ETH", "value-weighted out-degree: ETH sent along graph edges", "null with --no-graph") \
X(pagerank, "graph", "probability", "PageRank on the directed graph, edges weighted by transfers, damping 0.85, dangling vertices jumping uniformly (networkx.pagerank)", "null with --no-graph; 0 off the graph") \
X(betweenness, "graph", "fraction", "directed betweenness normalised by (n-1)(n-2); exact up to --exact-max vertices, beyond it estimated from --pivots uniform sources scaled by n/k (Brandes and Pich)", "null with --no-graph; 0 off the graph") \
X(closeness, "graph", "1/hops", "closeness on the undirected graph within the component: (r-1)/sum of distances (networkx wf_improved=False); in components over --exact-max vertices, 1/mean distance from the pivots in it", "null with --no-graph; 0 off the graph") \
X(eigenvector, "graph", "0..1", "eigenvector centrality of the undirected graph, scaled to max 1 (the leading component; others near 0)", "null with --no-graph; 0 off the graph") \
X(clustering, "graph", "0..1", "local clustering coefficient on the undirected graph; 0 below degree 2", "null with --no-graph; 0 off the graph") \
X(local_efficiency, "graph", "0..1", "local efficiency (Latora and Marchiori): global efficiency of the subgraph its undirected neighbours induce (networkx; not igraph_local_efficiency, which measures paths through the rest of the graph)", "null with --no-graph or above --le-max-degree neighbours; 0 off the graph") \
X(triangles, "graph", "count", "undirected triangles through it", "null with --no-graph; 0 off the graph") \
X(in_triangle, "graph", "0/1", "triangle participation: 1 if triangles > 0", "null with --no-graph") \
X(component_size, "graph", "count", "vertices in its undirected component", "null with --no-graph; 0 off the graph") \
X(forwarded_share, "suspicious", "fraction", "share of ETH received that is sent on within --forward-minutes (default 10), oldest inflow first", "null without ETH received") \
X(token_forwarded_share, "suspicious", "fraction", "the same per token, in that token's units, averaged over tokens weighted by inflows", "null without tokens received") \
X(hold_median_minutes, "suspicious", "minutes", "median time from an ETH inflow to the next ETH outflow", "null when no inflow is followed by an outflow") \
X(cycle_count, "suspicious", "count", "outgoing transfers that start a cycle returning value to the address: 2 to --cycle-hops hops, each later than the last, within --cycle-hours, through addresses that sent transactions, are not listed as exchanges and have at most --hub-transfers outgoing transfers, each hop in a different transaction; a lower bound when --cycle-budget is reached", "never") \
X(cycle_value_share, "suspicious", "fraction", "ETH of outgoing transfers that start such a cycle / ETH sent", "null without ETH sent") \
X(mixer_count, "suspicious", "count", "interactions with addresses listed as mixer", "null without an address list") \
X(mixer_value_share, "suspicious", "fraction", "ETH to or from mixers / ETH moved", "null without an address list or ETH moved") \
X(sanctioned_count, "suspicious", "count", "interactions with addresses listed as sanctioned", "null without an address list") \
X(flagged_count, "suspicious", "count", "interactions with addresses listed as flagged (phish/hack)", "null without an address list") \
X(self_listed, "suspicious", "0/1", "the address itself is listed as mixer, sanctioned or flagged", "null without an address list") \
X(tainted_inflow_share, "suspicious", "fraction", "share of ETH received from tainted addresses: listed (mixer, sanctioned, flagged) or that received a transfer from one in the window", "null without an address list or ETH received") \
X(funded_by_fresh, "suspicious", "0/1", "its first ETH inflow in the input came from an address first seen less than --fresh-hours before", "null without ETH received") \
X(funder_age_hours, "suspicious", "hours", "age of that first funder at the funding", "null without ETH received") \
X(funded_by_mixer, "suspicious", "0/1", "its first ETH inflow came from an address listed as mixer", "null without an address list or ETH received") \
X(first_out_after_funding_min, "suspicious", "minutes", "time from the first ETH inflow to the first transaction it sent after it", "null without both") \
X(fan_in_24h_max, "suspicious", "count", "most distinct senders of value within any 24 hours (drainers, consolidation)", "never") \
X(fan_out_24h_max, "suspicious", "count", "most distinct recipients of value within any 24 hours (dispersal)", "never") \
X(dust_in_count, "suspicious", "count", "inflows below --dust-eth ETH, and token transfers in of zero (address poisoning)", "never")

#define ENUM(n, g, u, d, m) F_##n,
enum { FEATURES(ENUM) NF };
#undef ENUM

#define ROW(n, g, u, d, m) { #n, g, u, d, m },
const struct k_wf_feature k_walletfeat_features[] = { FEATURES(ROW) };
#undef ROW
const size_t k_walletfeat_nfeatures = NF;

int
k_walletfeat_index(const char *name)
{
	for (size_t i = 0; i < NF; i++)
		if (strcmp(k_walletfeat_features[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- list categories, method kinds ---- */

enum {
	L_MIXER = 1, L_SANCTIONED = 2, L_FLAGGED = 4, L_EXCHANGE = 8,
	L_DEFI = 16, L_STABLE = 32,
};
#define L_BAD (L_MIXER | L_SANCTIONED | L_FLAGGED)

enum {
	M_SWAP = 1, M_DEFI = 2, M_LEND = 4, M_APPROVE = 8, M_STAKE = 16,
	M_CLAIM = 32, M_BRIDGE = 64, M_NFT = 128,
};

static int
starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* The method kinds beyond swaps, lending and approvals: staking, reward
 * claims, bridges and NFTs (one name may be in none of them). */
static unsigned
method_kind_more(const char *m)
{
	static const char *const bridge[] = { "depositEth", "depositETHTo",
		"depositERC20", "depositERC20To", "bridgeETH", "bridgeETHTo",
		"bridgeERC20", "bridgeERC20To", "depositTransaction",
		"depositEtherFor", "outboundTransfer",
		"outboundTransferCustomRefund", "sendToL2", "requestL2Transaction",
		"requestL2TransactionDirect", "createRetryableTicket",
		"unsafeCreateRetryableTicket" };
	static const char *const nft[] = { "fulfill", "matchOrders",
		"matchAdvancedOrders", "atomicMatch", "takeAsk", "takeBid",
		"batchBuyWith" };
	unsigned k = 0;
	if (starts(m, "stake") || starts(m, "unstake") ||
	    strcmp(m, "submit") == 0 || strcmp(m, "requestWithdrawals") == 0)
		k |= M_STAKE;
	if (starts(m, "claim") || starts(m, "getReward") || starts(m, "harvest"))
		k |= M_CLAIM;
	for (size_t j = 0; j < sizeof bridge / sizeof bridge[0]; j++)
		if (strcmp(m, bridge[j]) == 0)
			k |= M_BRIDGE;
	for (size_t j = 0; j < sizeof nft / sizeof nft[0]; j++)
		if (starts(m, nft[j]))
			k |= M_NFT;
	if (strcmp(m, "safeTransferFrom") == 0 ||
	    strcmp(m, "safeBatchTransferFrom") == 0)
		k |= M_NFT;
	return k;
}

static unsigned
method_kind(const char *m)
{
	unsigned k = 0;
	char low[K_TX_METHOD];
	size_t i;
	for (i = 0; m[i] && i + 1 < sizeof low; i++)
		low[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	low[i] = '\0';
	if (strstr(low, "swap") || starts(m, "exactInput") ||
	    starts(m, "exactOutput") || strcmp(m, "execute") == 0 ||
	    strcmp(m, "exchange") == 0 || strcmp(m, "exchange_underlying") == 0)
		k |= M_SWAP | M_DEFI;
	if (strcmp(m, "supply") == 0 || strcmp(m, "borrow") == 0 ||
	    strcmp(m, "repay") == 0 || starts(m, "redeem") ||
	    strcmp(m, "liquidationCall") == 0)
		k |= M_LEND | M_DEFI;
	static const char *const defi[] = { "deposit", "withdraw", "mint",
		"stake", "unstake", "claim", "getReward", "harvest", "submit",
		"addLiquidity", "removeLiquidity", "increaseLiquidity",
		"decreaseLiquidity", "collect", "depositETH", "withdrawETH" };
	for (size_t j = 0; j < sizeof defi / sizeof defi[0]; j++)
		if (starts(m, defi[j]))
			k |= M_DEFI;
	if (strcmp(m, "approve") == 0 || strcmp(m, "setApprovalForAll") == 0 ||
	    strcmp(m, "increaseAllowance") == 0 || strcmp(m, "permit") == 0)
		k |= M_APPROVE;
	return k | method_kind_more(m);
}

static int
stable_symbol(const char *s)
{
	static const char *const st[] = { "USDC", "USDT", "DAI", "BUSD",
		"TUSD", "USDP", "GUSD", "FRAX", "LUSD", "PYUSD", "USDE", "FDUSD",
		"USDC.E", "SUSD" };
	char up[K_TX_SYM];
	size_t i;
	for (i = 0; s[i] && i + 1 < sizeof up; i++)
		up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	up[i] = '\0';
	for (size_t j = 0; j < sizeof st / sizeof st[0]; j++)
		if (strcmp(up, st[j]) == 0)
			return 1;
	return 0;
}

/* ---- small tables ---- */

static uint64_t
mix64(uint64_t z)
{
	z ^= z >> 33;
	z *= UINT64_C(0xff51afd7ed558ccd);
	z ^= z >> 33;
	z *= UINT64_C(0xc4ceb9fe1a85ec53);
	z ^= z >> 33;
	return z;
}

static uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	h ^= UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return mix64(h ^ n);
}

/* Interned strings. */
struct strtab {
	char **s;
	size_t n, cap;
	uint32_t *tab;     /* id + 1, 0 empty */
	size_t tcap;
};

static void
strtab_release(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->tab);
	memset(t, 0, sizeof *t);
}

/* The id of s, adding it; UINT32_MAX when out of memory. */
static uint32_t
strtab_id(struct strtab *t, const char *s)
{
	if (2 * (t->n + 1) > t->tcap) {
		size_t nc = t->tcap ? t->tcap * 2 : 64;
		uint32_t *nt = calloc(nc, sizeof *nt);
		if (nt == NULL)
			return UINT32_MAX;
		for (size_t i = 0; i < t->n; i++) {
			uint64_t h = hash_bytes(0, t->s[i], strlen(t->s[i]));
			size_t j = h & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = (uint32_t)i + 1;
		}
		free(t->tab);
		t->tab = nt;
		t->tcap = nc;
	}
	uint64_t h = hash_bytes(0, s, strlen(s));
	size_t j = h & (t->tcap - 1);
	while (t->tab[j]) {
		if (strcmp(t->s[t->tab[j] - 1], s) == 0)
			return t->tab[j] - 1;
		j = (j + 1) & (t->tcap - 1);
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		char **ns = realloc(t->s, nc * sizeof *ns);
		if (ns == NULL)
			return UINT32_MAX;
		t->s = ns;
		t->cap = nc;
	}
	char *c = strdup(s);
	if (c == NULL)
		return UINT32_MAX;
	t->s[t->n] = c;
	t->tab[j] = (uint32_t)t->n + 1;
	return (uint32_t)t->n++;
}

/* A counting map from 64-bit keys, reset cheaply between addresses. */
struct umap {
	uint64_t *k;       /* key + 1; 0 empty */
	uint32_t *v;
	size_t cap, n;
	size_t *used;
	size_t nused;
};

static void
umap_release(struct umap *m)
{
	free(m->k);
	free(m->v);
	free(m->used);
	memset(m, 0, sizeof *m);
}

static void
umap_reset(struct umap *m)
{
	for (size_t i = 0; i < m->nused; i++)
		m->k[m->used[i]] = 0;
	m->nused = 0;
	m->n = 0;
}

static int
umap_grow(struct umap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 64;
	uint64_t *nk = calloc(nc, sizeof *nk);
	uint32_t *nv = malloc(nc * sizeof *nv);
	size_t *nu = malloc(nc * sizeof *nu);
	if (nk == NULL || nv == NULL || nu == NULL) {
		free(nk);
		free(nv);
		free(nu);
		return -1;
	}
	size_t nused = 0;
	for (size_t i = 0; i < m->nused; i++) {
		size_t o = m->used[i];
		size_t j = mix64(m->k[o]) & (nc - 1);
		while (nk[j])
			j = (j + 1) & (nc - 1);
		nk[j] = m->k[o];
		nv[j] = m->v[o];
		nu[nused++] = j;
	}
	free(m->k);
	free(m->v);
	free(m->used);
	m->k = nk;
	m->v = nv;
	m->used = nu;
	m->nused = nused;
	m->cap = nc;
	return 0;
}

/* Add d to key's count; the new count, or 0 when out of memory. */
static uint32_t
umap_add(struct umap *m, uint64_t key, int d)
{
	if (2 * (m->n + 1) > m->cap && umap_grow(m) < 0)
		return 0;
	uint64_t k = key + 1;
	size_t j = mix64(k) & (m->cap - 1);
	while (m->k[j] && m->k[j] != k)
		j = (j + 1) & (m->cap - 1);
	if (m->k[j] == 0) {
		m->k[j] = k;
		m->v[j] = 0;
		m->used[m->nused++] = j;
		m->n++;
	}
	m->v[j] = (uint32_t)((int64_t)m->v[j] + d);
	return m->v[j];
}

static uint32_t
umap_get(const struct umap *m, uint64_t key)
{
	if (m->cap == 0)
		return 0;
	uint64_t k = key + 1;
	size_t j = mix64(k) & (m->cap - 1);
	while (m->k[j]) {
		if (m->k[j] == k)
			return m->v[j];
		j = (j + 1) & (m->cap - 1);
	}
	return 0;
}

/* Growable arrays. */
#define VEC(T) struct { T *v; size_t n, cap; }
#define VPUSH(a, x, fail) do { \
	if ((a).n == (a).cap) { \
		size_t nc_ = (a).cap ? (a).cap * 2 : 64; \
		void *np_ = realloc((a).v, nc_ * sizeof *(a).v); \
		if (np_ == NULL) { fail; } \
		else { (a).v = np_; (a).cap = nc_; } \
	} \
	if ((a).n < (a).cap) (a).v[(a).n++] = (x); \
} while (0)

/* ---- state ---- */

struct wtx {
	int64_t ts;
	int64_t block;
	double value;        /* units of its asset */
	uint64_t txkey;      /* hash of the transaction hash; 0 unknown */
	uint32_t from, to;   /* to NOADDR: creation */
	uint32_t asset;      /* 0: ETH */
	uint32_t method;     /* 0: none */
	uint32_t seq;
	float gas_price;     /* gwei; NAN unknown */
	uint32_t gas_used;   /* UINT32_MAX unknown */
	unsigned char xfer, ok, round, huge;
};

struct wa {
	uint8_t a[20];
	uint8_t bits;        /* list categories */
	uint8_t sel;         /* asked for */
	uint8_t eoa;         /* sent a transaction */
	uint8_t taint;
	int32_t label;       /* index into labels, or -1 */
	int64_t first;       /* first record (<= as_of); INT64_MAX none */
	int64_t first_in;    /* first ETH inflow; INT64_MAX none */
	uint32_t funder;
	uint32_t vertex;     /* graph vertex or NOADDR */
};

struct label {
	int32_t archetype, pattern;   /* strtab ids, -1 null */
	int malicious;                /* -1 not given */
};

struct mk {
	int64_t ts;
	double gas, usd;
};

struct hourgas {
	int64_t hour;
	double gas;
};

struct k_walletfeat {
	struct k_walletfeat_params p;
	struct wa *ad;
	size_t nad, cad;
	uint32_t *atab;      /* id + 1 */
	size_t acap;
	int listed;
	struct wtx *tx;
	size_t ntx, ctx;
	uint64_t *dedup;     /* key + 1 */
	size_t dcap, dn;
	struct strtab methods, assets, strs;
	unsigned char *mkind;   /* per method */
	size_t nmkind;
	unsigned char *astable; /* per asset: a stablecoin */
	size_t nastable;
	VEC(struct mk) market;
	VEC(struct label) labels;
	struct k_walletfeat_stats st;
	/* computed */
	int64_t as_of, start;
	uint32_t *order;     /* records <= as_of by (ts, seq) */
	size_t norder;
	uint32_t *inc_off, *inc;   /* per address: its records, in time order */
	uint32_t *out_off, *out;   /* per address: its window transfers out */
	struct hourgas *hg;        /* median sent gas price per hour */
	size_t nhg;
	double eth_usd_mean;       /* NAN without market */
	/* graph */
	uint32_t *vaddr;           /* vertex -> address */
	size_t nv;
	uint32_t *efrom, *eto;
	double *ecount, *eeth;
	size_t ne;
	struct k_graph_metrics gm;
	uint32_t *vcomp;           /* component size per vertex */
	double *vin, *vout, *vinw, *voutw, *vine, *voute;
	uint32_t *vindeg, *voutdeg;
	/* rows */
	uint32_t *rows;
	size_t nrows;
	double *val;
};

void
k_walletfeat_default(struct k_walletfeat_params *p)
{
	memset(p, 0, sizeof *p);
	p->window_days = 30;
	p->as_of = K_WF_AS_OF_LAST;
	p->forward_minutes = 10;
	p->cycle_hours = 24;
	p->cycle_hops = 5;
	p->cycle_budget = 20000;
	p->hub_transfers = 1000;
	p->fresh_hours = 24;
	p->dust_eth = 1e-4;
	p->graph = 1;
	k_graph_params_default(&p->gp);
	p->entities = K_WF_SENDERS;
	p->threads = 1;
}

const char *
k_walletfeat_check(const struct k_walletfeat_params *p)
{
	if (!(p->window_days >= 0 && p->window_days <= 36500))
		return "window: must be from 0 (all) to 36500 days";
	if (!(p->forward_minutes > 0 && p->forward_minutes <= 10080))
		return "forward-minutes: must be in (0, 10080]";
	if (!(p->cycle_hours > 0 && p->cycle_hours <= 8760))
		return "cycle-hours: must be in (0, 8760]";
	if (p->cycle_hops < 2 || p->cycle_hops > 6)
		return "cycle-hops: must be from 2 to 6";
	if (p->cycle_budget < 1)
		return "cycle-budget: must be at least 1";
	if (!(p->fresh_hours > 0 && p->fresh_hours <= 8760))
		return "fresh-hours: must be in (0, 8760]";
	if (!(p->dust_eth >= 0 && p->dust_eth < 1e6))
		return "dust-eth: must be from 0 to 1e6";
	if (p->threads < 1 || p->threads > 256)
		return "threads: must be from 1 to 256";
	return k_graph_params_check(&p->gp);
}

struct k_walletfeat *
k_walletfeat_alloc(const struct k_walletfeat_params *p)
{
	struct k_walletfeat *wf = calloc(1, sizeof *wf);
	if (wf == NULL)
		return NULL;
	wf->p = *p;
	/* method 0 and asset 0 are "none" and "ETH" */
	if (strtab_id(&wf->methods, "") != 0 ||
	    strtab_id(&wf->assets, "ETH") != 0) {
		k_walletfeat_free(wf);
		return NULL;
	}
	wf->astable = calloc(1, sizeof *wf->astable);   /* ETH */
	if (wf->astable == NULL) {
		k_walletfeat_free(wf);
		return NULL;
	}
	wf->nastable = 1;
	wf->eth_usd_mean = NAN;
	k_graph_timing_init(&wf->st.graph_timing);
	return wf;
}

void
k_walletfeat_free(struct k_walletfeat *wf)
{
	if (wf == NULL)
		return;
	free(wf->ad);
	free(wf->atab);
	free(wf->tx);
	free(wf->dedup);
	strtab_release(&wf->methods);
	strtab_release(&wf->assets);
	strtab_release(&wf->strs);
	free(wf->mkind);
	free(wf->astable);
	free(wf->market.v);
	free(wf->labels.v);
	free(wf->order);
	free(wf->inc_off);
	free(wf->inc);
	free(wf->out_off);
	free(wf->out);
	free(wf->hg);
	free(wf->vaddr);
	free(wf->efrom);
	free(wf->eto);
	free(wf->ecount);
	free(wf->eeth);
	k_graph_metrics_release(&wf->gm);
	free(wf->vcomp);
	free(wf->vinw);
	free(wf->voutw);
	free(wf->vine);
	free(wf->voute);
	free(wf->vindeg);
	free(wf->voutdeg);
	free(wf->rows);
	free(wf->val);
	free(wf);
}

/* ---- addresses ---- */

static int
hexv(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* The id of a normalised address "0x..." (42 chars), adding it;
 * NOADDR when out of memory. */
static uint32_t
addr_id(struct k_walletfeat *wf, const char *s)
{
	uint8_t a[20];
	for (int i = 0; i < 20; i++)
		a[i] = (uint8_t)(hexv(s[2 + 2 * i]) << 4 | hexv(s[3 + 2 * i]));
	if (2 * (wf->nad + 1) > wf->acap) {
		size_t nc = wf->acap ? wf->acap * 2 : 1024;
		uint32_t *nt = calloc(nc, sizeof *nt);
		if (nt == NULL)
			return NOADDR;
		for (size_t i = 0; i < wf->nad; i++) {
			size_t j = hash_bytes(0, wf->ad[i].a, 20) & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = (uint32_t)i + 1;
		}
		free(wf->atab);
		wf->atab = nt;
		wf->acap = nc;
	}
	size_t j = hash_bytes(0, a, 20) & (wf->acap - 1);
	while (wf->atab[j]) {
		if (memcmp(wf->ad[wf->atab[j] - 1].a, a, 20) == 0)
			return wf->atab[j] - 1;
		j = (j + 1) & (wf->acap - 1);
	}
	if (wf->nad == wf->cad) {
		size_t nc = wf->cad ? wf->cad * 2 : 1024;
		struct wa *na = realloc(wf->ad, nc * sizeof *na);
		if (na == NULL)
			return NOADDR;
		wf->ad = na;
		wf->cad = nc;
	}
	struct wa *w = &wf->ad[wf->nad];
	memset(w, 0, sizeof *w);
	memcpy(w->a, a, 20);
	w->label = -1;
	w->first = INT64_MAX;
	w->first_in = INT64_MAX;
	w->funder = NOADDR;
	w->vertex = NOADDR;
	wf->atab[j] = (uint32_t)wf->nad + 1;
	return (uint32_t)wf->nad++;
}

static void
addr_str(const struct k_walletfeat *wf, uint32_t id, char *out)
{
	static const char hex[] = "0123456789abcdef";
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 20; i++) {
		out[2 + 2 * i] = hex[wf->ad[id].a[i] >> 4];
		out[3 + 2 * i] = hex[wf->ad[id].a[i] & 15];
	}
	out[42] = '\0';
}

enum k_status
k_walletfeat_select(struct k_walletfeat *wf, const char *addr,
                    struct k_error *err)
{
	char norm[K_TX_ADDR];
	if (k_tx_addr_norm(addr, strlen(addr), norm) < 0)
		return k_error_set(err, K_EDATA, "malformed address '%.60s': "
		                   "expected 0x and 40 hex digits", addr);
	uint32_t id = addr_id(wf, norm);
	if (id == NOADDR)
		return k_error_set(err, K_ENOMEM, "out of memory");
	wf->ad[id].sel = 1;
	return K_OK;
}

enum k_status
k_walletfeat_labels(struct k_walletfeat *wf, const char *path,
                    struct k_error *err)
{
	struct k_reader r;
	char *line;
	size_t len;
	int rc;
	enum k_status st;

	if ((st = k_reader_open(&r, path, err)) != K_OK)
		return st;
	while ((rc = k_reader_next(&r, &line, &len, err)) > 0) {
		if (len == 0 || line[0] == '#')
			continue;
		if (r.lineno <= 2 && strncmp(line, "address,", 8) == 0)
			continue;
		char *c1 = memchr(line, ',', len);
		if (c1 == NULL) {
			k_error_line(err, K_EDATA, r.lineno, "%s:%ld: expected "
			             "address,category,...", r.name, r.lineno);
			k_reader_close(&r);
			return K_EDATA;
		}
		char norm[K_TX_ADDR];
		if (k_tx_addr_norm(line, (size_t)(c1 - line), norm) < 0) {
			/* the message first: line lives in the reader's buffer */
			k_error_line(err, K_EDATA, r.lineno, "%s:%ld: malformed "
			             "address '%.*s'", r.name, r.lineno,
			             (int)(c1 - line > 60 ? 60 : c1 - line), line);
			k_reader_close(&r);
			return K_EDATA;
		}
		char *cat = c1 + 1;
		char *c2 = memchr(cat, ',', len - (size_t)(cat - line));
		size_t cl = c2 ? (size_t)(c2 - cat) : len - (size_t)(cat - line);
		static const struct { const char *name; uint8_t bit; } cats[] = {
			{ "mixer", L_MIXER }, { "sanctioned", L_SANCTIONED },
			{ "flagged", L_FLAGGED }, { "exchange", L_EXCHANGE },
			{ "defi", L_DEFI }, { "stablecoin", L_STABLE },
		};
		uint8_t bit = 0;
		for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
			if (strlen(cats[i].name) == cl &&
			    memcmp(cats[i].name, cat, cl) == 0)
				bit = cats[i].bit;
		if (bit == 0)
			continue;
		uint32_t id = addr_id(wf, norm);
		if (id == NOADDR) {
			k_reader_close(&r);
			return k_error_set(err, K_ENOMEM, "out of memory");
		}
		wf->ad[id].bits |= bit;
	}
	k_reader_close(&r);
	if (rc < 0)
		return err->code;
	wf->listed = 1;
	return K_OK;
}

/* ---- adding records ---- */

static int
dedup_add(struct k_walletfeat *wf, uint64_t key)
{
	if (2 * (wf->dn + 1) > wf->dcap) {
		size_t nc = wf->dcap ? wf->dcap * 2 : 4096;
		uint64_t *nt = calloc(nc, sizeof *nt);
		if (nt == NULL)
			return -1;
		for (size_t i = 0; i < wf->dcap; i++) {
			if (!wf->dedup[i])
				continue;
			size_t j = mix64(wf->dedup[i]) & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = wf->dedup[i];
		}
		free(wf->dedup);
		wf->dedup = nt;
		wf->dcap = nc;
	}
	uint64_t k = key | 1;
	size_t j = mix64(k) & (wf->dcap - 1);
	while (wf->dedup[j]) {
		if (wf->dedup[j] == k)
			return 1;
		j = (j + 1) & (wf->dcap - 1);
	}
	wf->dedup[j] = k;
	wf->dn++;
	return 0;
}

static int
is_round(const struct k_wei *v)
{
	char d[K_WEI_STRLEN];
	if (k_wei_is_zero(v))
		return 0;
	size_t n = k_wei_format(v, d, sizeof d);
	return n - k_wei_trailing_zeros(v) <= 2;
}

/* The identity of a record, for duplicates. */
static uint64_t
tx_identity(const struct k_tx *t)
{
	uint64_t h = hash_bytes(0, t->hash, strlen(t->hash));
	h = hash_bytes(h, &t->transfer, sizeof t->transfer);
	h = hash_bytes(h, &t->log_index, sizeof t->log_index);
	h = hash_bytes(h, t->trace_id, strlen(t->trace_id));
	h = hash_bytes(h, t->from, strlen(t->from));
	h = hash_bytes(h, t->to, strlen(t->to));
	h = hash_bytes(h, t->value_wei.w, sizeof t->value_wei.w);
	h = hash_bytes(h, t->token_address, strlen(t->token_address));
	h = hash_bytes(h, t->token, strlen(t->token));
	if (t->hash[0] == '\0')
		h = hash_bytes(h, &t->ts, sizeof t->ts);
	return h;
}

/* A token transfer's asset in x (ETH is asset 0): by contract address,
 * else by symbol; a new one is marked a stablecoin by its symbol (the
 * lists are checked by address at compute time). */
static enum k_status
tx_asset(struct k_walletfeat *wf, const struct k_tx *t, struct wtx *x)
{
	char key[K_TX_ADDR + K_TX_SYM + 2];

	if (t->transfer == K_TX_NATIVE || t->transfer == K_TX_INTERNAL) {
		x->asset = 0;
		return K_OK;
	}
	if (t->token_address[0])
		snprintf(key, sizeof key, "%s", t->token_address);
	else
		snprintf(key, sizeof key, "sym:%s", t->token);
	x->asset = strtab_id(&wf->assets, key);
	if (x->asset == UINT32_MAX)
		return K_ENOMEM;
	if (wf->nastable < wf->assets.n) {
		unsigned char *na = realloc(wf->astable,
		                            wf->assets.n * sizeof *na);
		if (na == NULL)
			return K_ENOMEM;
		wf->astable = na;
		while (wf->nastable < wf->assets.n)
			wf->astable[wf->nastable++] =
				(unsigned char)stable_symbol(t->token);
	}
	x->huge = x->value > 1e18;
	return K_OK;
}

/* A plain transaction's method in x, and its kind if it is new. */
static enum k_status
tx_method(struct k_walletfeat *wf, const struct k_tx *t, struct wtx *x)
{
	x->method = t->transfer == K_TX_NATIVE && t->method[0]
	            ? strtab_id(&wf->methods, t->method) : 0;
	if (x->method == UINT32_MAX)
		return K_ENOMEM;
	if (x->method >= wf->nmkind) {
		unsigned char *nk = realloc(wf->mkind, wf->methods.n * sizeof *nk);
		if (nk == NULL)
			return K_ENOMEM;
		wf->mkind = nk;
		for (size_t i = wf->nmkind; i < wf->methods.n; i++)
			wf->mkind[i] = (unsigned char)method_kind(wf->methods.s[i]);
		wf->nmkind = wf->methods.n;
	}
	return K_OK;
}

enum k_status
k_walletfeat_add_tx(struct k_walletfeat *wf, const struct k_tx *t)
{
	int d = dedup_add(wf, tx_identity(t));
	if (d < 0)
		return K_ENOMEM;
	if (d > 0) {
		wf->st.duplicates++;
		return K_OK;
	}
	struct wtx x;
	memset(&x, 0, sizeof x);
	x.ts = t->ts;
	x.block = t->block;
	x.from = addr_id(wf, t->from);
	x.to = t->to[0] ? addr_id(wf, t->to) : NOADDR;
	if (x.from == NOADDR || (t->to[0] && x.to == NOADDR))
		return K_ENOMEM;
	x.txkey = t->hash[0] ? hash_bytes(7, t->hash, strlen(t->hash)) : 0;
	x.xfer = (unsigned char)t->transfer;
	x.ok = t->success != 0;
	x.value = t->has_value && isfinite(t->value) ? t->value : k_tx_value(t);
	if (tx_asset(wf, t, &x) != K_OK)
		return K_ENOMEM;
	x.round = (unsigned char)is_round(&t->value_wei);
	if (tx_method(wf, t, &x) != K_OK)
		return K_ENOMEM;
	x.gas_price = isfinite(t->gas_price_gwei) ? (float)t->gas_price_gwei
	                                          : NAN;
	x.gas_used = t->gas_used >= 0 && t->gas_used < UINT32_MAX
	             ? (uint32_t)t->gas_used : UINT32_MAX;
	x.seq = (uint32_t)wf->ntx;
	if (wf->ntx == wf->ctx) {
		size_t nc = wf->ctx ? wf->ctx * 2 : 4096;
		struct wtx *nt = realloc(wf->tx, nc * sizeof *nt);
		if (nt == NULL)
			return K_ENOMEM;
		wf->tx = nt;
		wf->ctx = nc;
	}
	wf->tx[wf->ntx++] = x;
	return K_OK;
}

enum k_status
k_walletfeat_add_market(struct k_walletfeat *wf, int64_t ts, double gas_gwei,
                        double eth_usd)
{
	struct mk m = { ts, gas_gwei, eth_usd };
	int oom = 0;
	VPUSH(wf->market, m, oom = 1);
	return oom ? K_ENOMEM : K_OK;
}

enum k_status
k_walletfeat_add_label(struct k_walletfeat *wf, const char *addr,
                       const char *archetype, int malicious,
                       const char *pattern, struct k_error *err)
{
	char norm[K_TX_ADDR];
	if (k_tx_addr_norm(addr, strlen(addr), norm) < 0)
		return k_error_field(err, K_EDATA, "entity", "field 'entity': "
		                     "malformed address \"%.60s\"", addr);
	uint32_t id = addr_id(wf, norm);
	if (id == NOADDR)
		return k_error_set(err, K_ENOMEM, "out of memory");
	struct label l = { -1, -1, malicious };
	if (archetype && (l.archetype = (int32_t)strtab_id(&wf->strs, archetype)) < 0)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if (pattern && (l.pattern = (int32_t)strtab_id(&wf->strs, pattern)) < 0)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if (wf->ad[id].label >= 0) {
		wf->labels.v[wf->ad[id].label] = l;
		return K_OK;
	}
	int oom = 0;
	VPUSH(wf->labels, l, oom = 1);
	if (oom)
		return k_error_set(err, K_ENOMEM, "out of memory");
	wf->ad[id].label = (int32_t)wf->labels.n - 1;
	return K_OK;
}

/* ---- compute: shared structures ---- */

static int
order_cmp(const void *a, const void *b, void *arg)
{
	const struct wtx *tx = arg;
	const struct wtx *x = &tx[*(const uint32_t *)a];
	const struct wtx *y = &tx[*(const uint32_t *)b];
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
mk_cmp(const void *a, const void *b)
{
	const struct mk *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int
hg_cmp(const void *a, const void *b)
{
	const struct hourgas *x = a, *y = b;
	if (x->hour != y->hour)
		return x->hour < y->hour ? -1 : 1;
	return x->gas < y->gas ? -1 : x->gas > y->gas;
}

static int
in_window(const struct k_walletfeat *wf, int64_t ts)
{
	return ts >= wf->start && ts <= wf->as_of;
}

/* A transfer of value with a counterparty: what the graph, flows and
 * cycles use. */
static int
is_flow(const struct wtx *x)
{
	return x->ok && x->to != NOADDR && x->from != x->to && x->value > 0;
}

/* Market gas at t: the latest market record within 2 hours before, else
 * the median sent gas price of t's hour; NAN if neither. */
static double
market_gas(const struct k_walletfeat *wf, int64_t t)
{
	size_t lo = 0, hi = wf->market.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (wf->market.v[mid].ts <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i > 0; i--) {
		const struct mk *m = &wf->market.v[i - 1];
		if ((double)(t - m->ts) > 2 * K_MS_PER_HOUR)
			break;
		if (isfinite(m->gas) && m->gas > 0)
			return m->gas;
	}
	int64_t h = t / K_MS_PER_HOUR;
	lo = 0;
	hi = wf->nhg;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (wf->hg[mid].hour < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < wf->nhg && wf->hg[lo].hour == h)
		return wf->hg[lo].gas;
	return NAN;
}


static uint32_t
addr_find(const struct k_walletfeat *wf, const char *s)
{
	uint8_t a[20];
	if (wf->acap == 0)
		return NOADDR;
	for (int i = 0; i < 20; i++)
		a[i] = (uint8_t)(hexv(s[2 + 2 * i]) << 4 | hexv(s[3 + 2 * i]));
	size_t j = hash_bytes(0, a, 20) & (wf->acap - 1);
	while (wf->atab[j]) {
		if (memcmp(wf->ad[wf->atab[j] - 1].a, a, 20) == 0)
			return wf->atab[j] - 1;
		j = (j + 1) & (wf->acap - 1);
	}
	return NOADDR;
}

struct epair {
	uint64_t key;
	double eth;
};

static int
epair_cmp(const void *a, const void *b)
{
	const struct epair *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static uint32_t
uf_find(uint32_t *par, uint32_t x)
{
	while (par[x] != x) {
		par[x] = par[par[x]];
		x = par[x];
	}
	return x;
}

/* The window's transfers as edges: one per (from, to) with the number of
 * transfers and the ETH moved, by address ids. -1 when out of memory. */
static int
collect_edges(struct k_walletfeat *wf)
{
	size_t np = 0;
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		np += in_window(wf, x->ts) && is_flow(x);
	}
	struct epair *ep = malloc((np ? np : 1) * sizeof *ep);
	if (ep == NULL)
		return -1;
	np = 0;
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		if (!in_window(wf, x->ts) || !is_flow(x))
			continue;
		ep[np].key = (uint64_t)x->from << 32 | x->to;
		ep[np++].eth = x->asset == 0 ? x->value : 0;
	}
	if (np > 1)
		qsort(ep, np, sizeof *ep, epair_cmp);
	size_t ne = 0;
	for (size_t i = 0; i < np; i++)
		ne += i == 0 || ep[i].key != ep[i - 1].key;
	wf->efrom = malloc((ne ? ne : 1) * sizeof *wf->efrom);
	wf->eto = malloc((ne ? ne : 1) * sizeof *wf->eto);
	wf->ecount = malloc((ne ? ne : 1) * sizeof *wf->ecount);
	wf->eeth = malloc((ne ? ne : 1) * sizeof *wf->eeth);
	if (!wf->efrom || !wf->eto || !wf->ecount || !wf->eeth) {
		free(ep);
		return -1;
	}
	ne = 0;
	for (size_t i = 0; i < np; i++) {
		if (i == 0 || ep[i].key != ep[i - 1].key) {
			wf->efrom[ne] = (uint32_t)(ep[i].key >> 32);
			wf->eto[ne] = (uint32_t)(ep[i].key & 0xffffffffu);
			wf->ecount[ne] = 0;
			wf->eeth[ne] = 0;
			ne++;
		}
		wf->ecount[ne - 1] += 1;
		wf->eeth[ne - 1] += ep[i].eth;
	}
	free(ep);
	wf->ne = ne;
	return 0;
}

/* Vertices: the addresses on edges, numbered in address id order; the
 * edges renumbered to them. -1 when out of memory. */
static int
number_vertices(struct k_walletfeat *wf)
{
	for (size_t i = 0; i < wf->ne; i++) {
		wf->ad[wf->efrom[i]].vertex = 0;
		wf->ad[wf->eto[i]].vertex = 0;
	}
	size_t nv = 0;
	for (size_t i = 0; i < wf->nad; i++)
		nv += wf->ad[i].vertex == 0;
	wf->nv = nv;
	wf->vaddr = malloc((nv ? nv : 1) * sizeof *wf->vaddr);
	if (wf->vaddr == NULL)
		return -1;
	nv = 0;
	for (size_t i = 0; i < wf->nad; i++) {
		if (wf->ad[i].vertex == 0) {
			wf->ad[i].vertex = (uint32_t)nv;
			wf->vaddr[nv++] = (uint32_t)i;
		}
	}
	for (size_t i = 0; i < wf->ne; i++) {
		wf->efrom[i] = wf->ad[wf->efrom[i]].vertex;
		wf->eto[i] = wf->ad[wf->eto[i]].vertex;
	}
	return 0;
}

/* Per vertex: degrees, transfers and ETH in and out, and the size of its
 * undirected component. -1 when out of memory. */
static int
vertex_sums(struct k_walletfeat *wf)
{
	size_t nv = wf->nv, cv = nv ? nv : 1;
	wf->vindeg = calloc(cv, sizeof *wf->vindeg);
	wf->voutdeg = calloc(cv, sizeof *wf->voutdeg);
	wf->vinw = calloc(cv, sizeof *wf->vinw);
	wf->voutw = calloc(cv, sizeof *wf->voutw);
	wf->vine = calloc(cv, sizeof *wf->vine);
	wf->voute = calloc(cv, sizeof *wf->voute);
	wf->vcomp = calloc(cv, sizeof *wf->vcomp);
	uint32_t *par = malloc(cv * sizeof *par);
	if (!wf->vindeg || !wf->voutdeg || !wf->vinw || !wf->voutw ||
	    !wf->vine || !wf->voute || !wf->vcomp || !par) {
		free(par);
		return -1;
	}
	for (size_t i = 0; i < nv; i++)
		par[i] = (uint32_t)i;
	for (size_t i = 0; i < wf->ne; i++) {
		uint32_t a = wf->efrom[i], b = wf->eto[i];
		wf->voutdeg[a]++;
		wf->vindeg[b]++;
		wf->voutw[a] += wf->ecount[i];
		wf->vinw[b] += wf->ecount[i];
		wf->voute[a] += wf->eeth[i];
		wf->vine[b] += wf->eeth[i];
		a = uf_find(par, a);
		b = uf_find(par, b);
		if (a != b)
			par[a] = b;
	}
	/* component sizes: count by root, then give each vertex its root's */
	for (size_t i = 0; i < nv; i++)
		par[i] = uf_find(par, (uint32_t)i);
	for (size_t i = 0; i < nv; i++)
		wf->vcomp[par[i]]++;
	for (size_t i = 0; i < nv; i++)
		par[i] = wf->vcomp[par[i]];
	memcpy(wf->vcomp, par, nv * sizeof *par);
	free(par);
	return 0;
}

/* The window's transfer graph: one edge per (from, to) with the number of
 * transfers and the ETH moved; vertices numbered in address order; its
 * metrics unless --no-graph. */
static enum k_status
build_graph(struct k_walletfeat *wf, struct k_error *err)
{
	if (collect_edges(wf) < 0 || number_vertices(wf) < 0 ||
	    vertex_sums(wf) < 0)
		return k_error_set(err, K_ENOMEM, "out of memory");
	wf->st.vertices = wf->nv;
	wf->st.edges = wf->ne;
	if (!wf->p.graph || wf->ne == 0)
		return K_OK;
	struct k_graph *g;
	enum k_status st = k_graph_alloc(&g, wf->nv, wf->efrom, wf->eto,
	                                 wf->ecount, wf->ne, err);
	if (st != K_OK)
		return st;
	st = k_graph_metrics(g, &wf->p.gp, &wf->gm, &wf->st.graph_timing, err);
	k_graph_free(g);
	wf->st.sampled = wf->gm.sampled_betweenness || wf->gm.sampled_closeness;
	return st;
}

/* ---- one row ---- */

struct fifo {
	int64_t t;
	double rem;
};

struct tev {
	uint32_t asset;
	uint32_t k;        /* order within the address, for stability */
	int64_t ts;
	double amt;
	int in;
};

struct who {
	int64_t ts;
	uint32_t a;
};

struct ws {
	struct umap cp, calls, meth, asset, days, blocks, first_call, snd, rcv,
	            win;
	VEC(double) gaps, outv, logv, gasp, gasrel, gasu, hold, tmp;
	VEC(int64_t) sent_ts, pend;
	VEC(struct fifo) q;
	VEC(struct tev) tev;
	VEC(struct who) ins, outs;
	uint32_t *daycnt;
	size_t ndaycnt;
	uint64_t keys[8];
	uint32_t path[8];
	int oom;
};

static void
ws_release(struct ws *w)
{
	umap_release(&w->cp);
	umap_release(&w->calls);
	umap_release(&w->meth);
	umap_release(&w->asset);
	umap_release(&w->days);
	umap_release(&w->blocks);
	umap_release(&w->first_call);
	umap_release(&w->snd);
	umap_release(&w->rcv);
	umap_release(&w->win);
	free(w->gaps.v);
	free(w->outv.v);
	free(w->logv.v);
	free(w->gasp.v);
	free(w->gasrel.v);
	free(w->gasu.v);
	free(w->hold.v);
	free(w->tmp.v);
	free(w->sent_ts.v);
	free(w->pend.v);
	free(w->q.v);
	free(w->tev.v);
	free(w->ins.v);
	free(w->outs.v);
	free(w->daycnt);
}

static double
mean_of(const double *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : NAN;
}

static double
sd_of(const double *v, size_t n, double mean)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (v[i] - mean) * (v[i] - mean);
	return n ? sqrt(s / (double)n) : NAN;
}

/* Median of v[0..n) (reorders v); NAN when empty. */
static double
median_of(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	k_sort_doubles(v, n);
	return k_quantile_sorted(v, n, 0.5);
}

static double
entropy_bits(const uint32_t *c, size_t k, double tot)
{
	double h = 0;
	for (size_t i = 0; i < k; i++)
		if (c[i] > 0) {
			double p = c[i] / tot;
			h -= p * log2(p);
		}
	return h + 0.0;
}

static double
map_entropy(const struct umap *m, double tot, double *hhi, uint32_t *top)
{
	double h = 0, s = 0;
	uint32_t mx = 0;
	for (size_t i = 0; i < m->nused; i++) {
		uint32_t c = m->v[m->used[i]];
		if (c == 0)
			continue;
		double p = c / tot;
		h -= p * log2(p);
		s += p * p;
		if (c > mx)
			mx = c;
	}
	if (hhi)
		*hhi = s;
	if (top)
		*top = mx;
	return h + 0.0;
}

static int
on_path(const struct ws *w, unsigned depth, uint32_t v, uint64_t key)
{
	for (unsigned i = 0; i < depth; i++)
		if (w->path[i] == v || (key != 0 && w->keys[i] == key))
			return 1;
	return 0;
}

/* Is there a time-respecting path from u (reached at tprev by hop
 * `depth`) back to origin before tend? */
static int
dfs(const struct k_walletfeat *wf, struct ws *w, uint32_t origin,
    uint32_t u, int64_t tprev, int64_t tend, unsigned depth, size_t *budget)
{
	uint32_t lo = wf->out_off[u], hi = wf->out_off[u + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (wf->tx[wf->out[mid]].ts < tprev)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t k = lo; k < wf->out_off[u + 1]; k++) {
		const struct wtx *x = &wf->tx[wf->out[k]];
		if (x->ts > tend)
			break;
		if (*budget == 0)
			return 0;
		(*budget)--;
		if (x->txkey != 0 && on_path(w, depth, NOADDR, x->txkey))
			continue;
		uint32_t v = x->to;
		if (v == origin)
			return 1;
		if (depth + 1 >= wf->p.cycle_hops)
			continue;
		const struct wa *a = &wf->ad[v];
		if (!a->eoa || (a->bits & L_EXCHANGE) ||
		    wf->out_off[v + 1] - wf->out_off[v] > wf->p.hub_transfers ||
		    on_path(w, depth, v, 0))
			continue;
		w->path[depth] = v;
		w->keys[depth] = x->txkey;
		if (dfs(wf, w, origin, v, x->ts, tend, depth + 1, budget))
			return 1;
	}
	return 0;
}

static int
tev_cmp(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;
	if (x->asset != y->asset)
		return x->asset < y->asset ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Most distinct addresses within any 24 hours of a time-ordered list. */
static uint32_t
fan_24h(struct ws *w, const struct who *v, size_t n)
{
	uint32_t best = 0, distinct = 0;
	size_t l = 0;
	umap_reset(&w->win);
	for (size_t r = 0; r < n; r++) {
		uint32_t c = umap_add(&w->win, v[r].a, 1);
		if (c == 0) {
			w->oom = 1;
			return 0;
		}
		if (c == 1)
			distinct++;
		while ((double)(v[r].ts - v[l].ts) >= K_MS_PER_DAY) {
			if (umap_add(&w->win, v[l].a, -1) == 0)
				distinct--;
			l++;
		}
		if (distinct > best)
			best = distinct;
	}
	return best;
}

#define PUSH(a, x) VPUSH(a, x, w->oom = 1)

/* What the pass over an address's records gathers for its row. */
struct tally {
	int64_t span0;          /* the span: the window after the address's
	                         * first record */
	double span_days;       /* its length, at least 1 */
	size_t ndays;           /* in whole days */
	uint32_t hours[24], wdays[7];   /* sent, by UTC hour and weekday */
	double hx, hy;          /* sum of the sent hours' unit vectors */
	size_t tx_count, sent, received, failed, zero, plain, creations;
	size_t calls, defi, swaps, lend, approves, newproto, self;
	size_t stakes, claims, bridges, nfts;
	size_t interactions, cex, mixer, sanct, flagged;
	size_t transfers, nonzero, round, stable, tok_in, tok_out, huge;
	size_t dust_in, weekend;
	double eth_in, eth_out, fees, net, peak, in_max, stable_usd;
	double mixer_eth, taint_in, fwd;
	int64_t last, first_out_after;
	size_t qh;              /* head of the inflow queue */
};

/* One row being computed: the engine, the address, the thread's
 * workspace, what the pass gathered, and the row's values. */
struct rowctx {
	const struct k_walletfeat *wf;
	uint32_t id;
	const struct wa *me;
	struct ws *w;
	int64_t fwd_ms;         /* --forward-minutes */
	struct tally t;
	double *f;
};

static void
row_reset(struct rowctx *r)
{
	struct ws *w = r->w;
	for (size_t i = 0; i < NF; i++)
		r->f[i] = NAN;
	umap_reset(&w->cp);
	umap_reset(&w->calls);
	umap_reset(&w->meth);
	umap_reset(&w->asset);
	umap_reset(&w->days);
	umap_reset(&w->blocks);
	umap_reset(&w->first_call);
	umap_reset(&w->snd);
	umap_reset(&w->rcv);
	w->gaps.n = w->outv.n = w->logv.n = w->gasp.n = w->gasrel.n = 0;
	w->gasu.n = w->hold.n = w->tmp.n = w->sent_ts.n = w->pend.n = 0;
	w->q.n = w->tev.n = w->ins.n = w->outs.n = 0;
	memset(&r->t, 0, sizeof r->t);
	r->t.in_max = NAN;
	r->t.last = INT64_MIN;
	r->t.first_out_after = INT64_MIN;
}

/* The span and its zeroed per-day counts; -1 when out of memory. */
static int
row_span(struct rowctx *r)
{
	const struct k_walletfeat *wf = r->wf;
	struct ws *w = r->w;
	struct tally *t = &r->t;
	t->span0 = wf->start;
	if (r->me->first != INT64_MAX && r->me->first > t->span0)
		t->span0 = r->me->first;
	if (t->span0 == INT64_MIN || t->span0 > wf->as_of)
		t->span0 = wf->as_of;
	t->span_days = (double)(wf->as_of - t->span0) / K_MS_PER_DAY;
	if (t->span_days < 1)
		t->span_days = 1;
	t->ndays = (size_t)ceil(t->span_days);
	if (t->ndays > w->ndaycnt) {
		uint32_t *nd = realloc(w->daycnt, t->ndays * sizeof *nd);
		if (nd == NULL)
			return -1;
		w->daycnt = nd;
		w->ndaycnt = t->ndays;
	}
	memset(w->daycnt, 0, t->ndays * sizeof *w->daycnt);
	return 0;
}

/* Whole history: the first call of each contract, the first sent after
 * the first funding. */
static void
note_history(struct rowctx *r, const struct wtx *x, int sent_tx)
{
	struct ws *w = r->w;
	struct tally *t = &r->t;
	if (sent_tx && x->method != 0 && x->to != NOADDR) {
		uint32_t c = umap_add(&w->first_call, x->to, 1);
		if (c == 0)
			w->oom = 1;
		if (c == 1 && in_window(r->wf, x->ts))
			t->newproto++;
	}
	if (sent_tx && r->me->first_in != INT64_MAX &&
	    x->ts >= r->me->first_in && t->first_out_after == INT64_MIN)
		t->first_out_after = x->ts;
}

/* Any record in the window: counted, dated, its day marked. */
static void
note_record(struct rowctx *r, const struct wtx *x)
{
	struct ws *w = r->w;
	struct tally *t = &r->t;
	t->tx_count++;
	t->last = x->ts;
	size_t di = (size_t)((double)(x->ts - t->span0) / K_MS_PER_DAY);
	if (x->ts >= t->span0)
		w->daycnt[di < t->ndays ? di : t->ndays - 1]++;
	if (umap_add(&w->days, (uint64_t)(x->ts / K_MS_PER_DAY), 1) == 0)
		w->oom = 1;
}

/* A call (a sent transaction with a method): its kind, contract and
 * method. */
static void
note_call(struct rowctx *r, const struct wtx *x)
{
	const struct k_walletfeat *wf = r->wf;
	struct ws *w = r->w;
	struct tally *t = &r->t;
	t->calls++;
	unsigned mk = wf->mkind[x->method];
	if ((mk & M_DEFI) || (wf->ad[x->to].bits & L_DEFI))
		t->defi++;
	t->swaps += (mk & M_SWAP) != 0;
	t->lend += (mk & M_LEND) != 0;
	t->approves += (mk & M_APPROVE) != 0;
	t->stakes += (mk & M_STAKE) != 0;
	t->claims += (mk & M_CLAIM) != 0;
	t->bridges += (mk & M_BRIDGE) != 0;
	t->nfts += (mk & M_NFT) != 0;
	if (umap_add(&w->calls, x->to, 1) == 0 ||
	    umap_add(&w->meth, x->method, 1) == 0)
		w->oom = 1;
}

/* A transaction the address sent, in the window. */
static void
note_sent(struct rowctx *r, const struct wtx *x)
{
	struct ws *w = r->w;
	struct tally *t = &r->t;
	t->sent++;
	PUSH(w->sent_ts, x->ts);
	int h = (int)((x->ts / K_MS_PER_HOUR) % 24);
	if (h < 0)
		h += 24;
	t->hours[h]++;
	t->hx += cos(2 * M_PI * h / 24);
	t->hy += sin(2 * M_PI * h / 24);
	int64_t day = x->ts / K_MS_PER_DAY;
	int wd = (int)(((day + 3) % 7 + 7) % 7);   /* 0 Monday */
	t->wdays[wd]++;
	t->weekend += wd >= 5;
	if (!x->ok)
		t->failed++;
	if (!(x->asset == 0 && x->value > 0))
		t->zero++;
	if (x->method == 0 && x->to != NOADDR)
		t->plain++;
	if (x->to == NOADDR)
		t->creations++;
	if (isfinite(x->gas_price)) {
		PUSH(w->gasp, x->gas_price);
		double ref = market_gas(r->wf, x->ts);
		if (isfinite(ref) && ref > 0)
			PUSH(w->gasrel, x->gas_price / ref);
	}
	if (x->gas_used != UINT32_MAX)
		PUSH(w->gasu, x->gas_used);
	if (isfinite(x->gas_price) && x->gas_used != UINT32_MAX) {
		double fee = x->gas_price * (double)x->gas_used * 1e-9;
		t->fees += fee;
		t->net -= fee;
	}
	if (x->method != 0 && x->to != NOADDR)
		note_call(r, x);
	uint64_t bk = x->block >= 0 ? (uint64_t)x->block
	              : (UINT64_C(1) << 62) | (uint64_t)(x->ts / 1000);
	if (umap_add(&w->blocks, bk, 1) == 0)
		w->oom = 1;
}

/* One interaction per record, with the other side; and dust and
 * zero-value token transfers in. */
static void
note_interaction(struct rowctx *r, const struct wtx *x, uint32_t other,
                 int from_me, int sent_tx)
{
	struct ws *w = r->w;
	struct tally *t = &r->t;
	int counts = other != NOADDR && (from_me ? (sent_tx || x->ok) : x->ok);
	if (counts) {
		t->interactions++;
		if (umap_add(&w->cp, other, 1) == 0)
			w->oom = 1;
		uint8_t b = r->wf->ad[other].bits;
		t->cex += (b & L_EXCHANGE) != 0;
		t->mixer += (b & L_MIXER) != 0;
		t->sanct += (b & L_SANCTIONED) != 0;
		t->flagged += (b & L_FLAGGED) != 0;
	}
	if (x->to == r->id && x->ok &&
	    ((x->asset == 0 && x->value < r->wf->p.dust_eth) ||
	     (x->asset != 0 && x->value == 0)))
		t->dust_in++;
}

/* Forwarding: amt sent at ts consumes the oldest inflows of the queue
 * still within fwd_ms before it; what it takes is added to *fwd. */
static void
forward(struct ws *w, size_t *qh, int64_t ts, int64_t fwd_ms, double amt,
        double *fwd)
{
	while (*qh < w->q.n && (w->q.v[*qh].t < ts - fwd_ms ||
	                        w->q.v[*qh].rem <= 0))
		(*qh)++;
	double need = amt;
	for (size_t h = *qh; h < w->q.n && need > 0; h++) {
		double take = w->q.v[h].rem < need ? w->q.v[h].rem : need;
		*fwd += take;
		need -= take;
		w->q.v[h].rem -= take;
	}
}

/* ETH moved: sizes, flows, forwarding, holding times, mixers, taint. */
static void
note_eth(struct rowctx *r, const struct wtx *x, uint32_t other, int from_me)
{
	struct ws *w = r->w;
	struct tally *t = &r->t;
	PUSH(w->logv, log10(x->value));
	if (r->wf->ad[other].bits & L_MIXER)
		t->mixer_eth += x->value;
	if (from_me) {
		t->eth_out += x->value;
		t->net -= x->value;
		PUSH(w->outv, x->value);
		forward(w, &t->qh, x->ts, r->fwd_ms, x->value, &t->fwd);
		for (size_t j = 0; j < w->pend.n; j++)
			PUSH(w->hold, (double)(x->ts - w->pend.v[j]) /
			              K_MS_PER_MINUTE);
		w->pend.n = 0;
	} else {
		t->eth_in += x->value;
		t->net += x->value;
		if (!(x->value <= t->in_max))
			t->in_max = x->value;
		if (r->wf->ad[other].taint)
			t->taint_in += x->value;
		struct fifo q = { x->ts, x->value };
		PUSH(w->q, q);
		PUSH(w->pend, x->ts);
	}
	if (t->net > t->peak)
		t->peak = t->net;
}

/* A transfer of value (is_flow): the k-th of the address's records. */
static void
note_flow(struct rowctx *r, const struct wtx *x, size_t k, uint32_t other,
          int from_me)
{
	const struct k_walletfeat *wf = r->wf;
	struct ws *w = r->w;
	struct tally *t = &r->t;
	t->transfers++;
	t->nonzero++;
	t->round += x->round;
	if (umap_add(&w->asset, x->asset, 1) == 0)
		w->oom = 1;
	if (x->asset != 0 && wf->astable[x->asset]) {
		t->stable++;
		t->stable_usd += x->value;
	}
	struct who o = { x->ts, other };
	if (from_me) {
		if (umap_add(&w->rcv, other, 1) == 0)
			w->oom = 1;
		PUSH(w->outs, o);
	} else {
		if (umap_add(&w->snd, other, 1) == 0)
			w->oom = 1;
		PUSH(w->ins, o);
	}
	if (x->asset == 0) {
		note_eth(r, x, other, from_me);
		return;
	}
	struct tev te = { x->asset, (uint32_t)k, x->ts, x->value, !from_me };
	PUSH(w->tev, te);
	if (from_me) {
		t->tok_out++;
	} else {
		t->tok_in++;
		t->huge += x->huge;
	}
}

/* The pass over the address's records, in time order. */
static void
row_scan(struct rowctx *r)
{
	const struct k_walletfeat *wf = r->wf;
	const uint32_t *recs = wf->inc + wf->inc_off[r->id];
	size_t n = wf->inc_off[r->id + 1] - wf->inc_off[r->id];
	for (size_t k = 0; k < n; k++) {
		const struct wtx *x = &wf->tx[recs[k]];
		int from_me = x->from == r->id, to_me = x->to == r->id;
		int sent_tx = from_me && x->xfer == K_TX_NATIVE;
		note_history(r, x, sent_tx);
		if (!in_window(wf, x->ts))
			continue;
		note_record(r, x);
		if (sent_tx)
			note_sent(r, x);
		if (from_me && to_me) {
			r->t.self++;
			continue;
		}
		if (to_me && x->ok)
			r->t.received++;
		uint32_t other = from_me ? x->to : x->from;
		note_interaction(r, x, other, from_me, sent_tx);
		if (is_flow(x))
			note_flow(r, x, k, other, from_me);
	}
}

/* ---- the feature groups ---- */

/* The gaps between sent transactions. */
static void
gap_features(struct rowctx *r)
{
	struct ws *w = r->w;
	double *f = r->f;
	for (size_t i = 1; i < w->sent_ts.n; i++)
		PUSH(w->gaps, (double)(w->sent_ts.v[i] - w->sent_ts.v[i - 1]) /
		              K_MS_PER_HOUR);
	if (w->gaps.n < 1)
		return;
	double m = mean_of(w->gaps.v, w->gaps.n);
	double mx = 0;
	for (size_t i = 0; i < w->gaps.n; i++)
		mx = w->gaps.v[i] > mx ? w->gaps.v[i] : mx;
	f[F_gap_mean_hours] = m;
	f[F_gap_max_hours] = mx;
	if (w->gaps.n >= 2) {
		double sd = sd_of(w->gaps.v, w->gaps.n, m);
		f[F_gap_cv] = m > 0 ? sd / m : NAN;
		f[F_burstiness] = sd + m > 0 ? (sd - m) / (sd + m) : NAN;
	}
	f[F_gap_median_hours] = median_of(w->gaps.v, w->gaps.n);
}

static void
activity(struct rowctx *r)
{
	const struct k_walletfeat *wf = r->wf;
	const struct tally *t = &r->t;
	struct ws *w = r->w;
	double *f = r->f;
	f[F_tx_count] = (double)t->tx_count;
	f[F_sent_count] = (double)t->sent;
	f[F_received_count] = (double)t->received;
	f[F_sent_per_day] = (double)t->sent / t->span_days;
	f[F_active_days] = (double)w->days.n;
	f[F_active_day_share] = (double)w->days.n / (double)t->ndays;
	if (t->tx_count > 0) {
		double s = 0, s2 = 0;
		for (size_t i = 0; i < t->ndays; i++) {
			s += w->daycnt[i];
			s2 += (double)w->daycnt[i] * w->daycnt[i];
		}
		double m = s / (double)t->ndays;
		double var = s2 / (double)t->ndays - m * m;
		f[F_daily_count_cv] = m > 0 ? sqrt(var > 0 ? var : 0) / m : NAN;
	}
	gap_features(r);
	if (t->sent > 0) {
		double ns = (double)t->sent;
		uint32_t peak_h = 0;
		for (int h = 0; h < 24; h++)
			peak_h = t->hours[h] > peak_h ? t->hours[h] : peak_h;
		f[F_hour_entropy] = entropy_bits(t->hours, 24, ns);
		f[F_hour_sin] = t->hy / ns;
		f[F_hour_cos] = t->hx / ns;
		f[F_hour_concentration] = sqrt(t->hx * t->hx + t->hy * t->hy) / ns;
		f[F_peak_hour_share] = peak_h / ns;
		f[F_weekday_entropy] = entropy_bits(t->wdays, 7, ns);
		f[F_weekend_share] = (double)t->weekend / ns;
	}
	if (t->last != INT64_MIN)
		f[F_days_since_last] = (double)(wf->as_of - t->last) /
		                       K_MS_PER_DAY;
	if (r->me->first != INT64_MAX) {
		f[F_wallet_age_days] = (double)(wf->as_of - r->me->first) /
		                       K_MS_PER_DAY;
		f[F_new_in_window] = r->me->first >= wf->start;
	}
}

static void
transaction(struct rowctx *r)
{
	const struct tally *t = &r->t;
	struct ws *w = r->w;
	double *f = r->f;
	f[F_eth_net_flow] = t->eth_in - t->eth_out - t->fees;
	if (w->outv.n > 0) {
		double m = mean_of(w->outv.v, w->outv.n), mx = 0;
		for (size_t i = 0; i < w->outv.n; i++)
			mx = w->outv.v[i] > mx ? w->outv.v[i] : mx;
		f[F_out_value_mean] = m;
		f[F_out_value_max] = mx;
		if (w->outv.n >= 2)
			f[F_out_value_cv] = sd_of(w->outv.v, w->outv.n, m) / m;
		f[F_out_value_median] = median_of(w->outv.v, w->outv.n);
	}
	f[F_in_value_max] = t->in_max;
	if (w->logv.n >= 2)
		f[F_value_log_sd] = sd_of(w->logv.v, w->logv.n,
		                          mean_of(w->logv.v, w->logv.n));
	if (t->nonzero > 0)
		f[F_round_value_share] = (double)t->round / (double)t->nonzero;
	if (t->sent > 0) {
		double ns = (double)t->sent;
		f[F_zero_value_share] = (double)t->zero / ns;
		f[F_success_rate] = (double)(t->sent - t->failed) / ns;
		f[F_plain_transfer_share] = (double)t->plain / ns;
	}
	f[F_failed_count] = (double)t->failed;
	if (w->gasp.n > 0) {
		double m = mean_of(w->gasp.v, w->gasp.n);
		f[F_gas_price_mean_gwei] = m;
		if (w->gasp.n >= 2 && m > 0)
			f[F_gas_price_cv] = sd_of(w->gasp.v, w->gasp.n, m) / m;
	}
	f[F_gas_price_rel_market] = median_of(w->gasrel.v, w->gasrel.n);
	if (w->gasu.n > 0)
		f[F_gas_used_mean] = mean_of(w->gasu.v, w->gasu.n);
	f[F_gas_fee_eth] = t->fees;
	if (t->fees + t->eth_out > 0)
		f[F_gas_fee_share] = t->fees / (t->fees + t->eth_out);
	f[F_contract_creations] = (double)t->creations;
}

static void
protocol(struct rowctx *r)
{
	const struct tally *t = &r->t;
	struct ws *w = r->w;
	double *f = r->f;
	f[F_contracts_called] = (double)w->calls.n;
	if (t->calls > 0) {
		double nc = (double)t->calls, hhi;
		f[F_protocol_entropy] = map_entropy(&w->calls, nc, &hhi, NULL);
		f[F_protocol_hhi] = hhi;
		f[F_defi_share] = (double)t->defi / nc;
		f[F_swap_share] = (double)t->swaps / nc;
		f[F_lending_share] = (double)t->lend / nc;
		f[F_stake_share] = (double)t->stakes / nc;
		f[F_claim_share] = (double)t->claims / nc;
		f[F_bridge_share] = (double)t->bridges / nc;
		f[F_nft_share] = (double)t->nfts / nc;
	}
	f[F_approve_count] = (double)t->approves;
	f[F_method_count] = (double)w->meth.n;
	f[F_new_protocols_30d] = (double)t->newproto * 30.0 / t->span_days;
	if (r->wf->listed && t->interactions > 0)
		f[F_cex_share] = (double)t->cex / (double)t->interactions;
}

static void
portfolio(struct rowctx *r)
{
	const struct tally *t = &r->t;
	struct ws *w = r->w;
	double *f = r->f;
	size_t ntok = w->asset.n - (umap_get(&w->asset, 0) > 0);
	f[F_token_count] = (double)ntok;
	if (t->transfers > 0) {
		f[F_asset_entropy] = map_entropy(&w->asset, (double)t->transfers,
		                                 NULL, NULL);
		f[F_stablecoin_share] = (double)t->stable / (double)t->transfers;
	}
	if (isfinite(r->wf->eth_usd_mean)) {
		double eth_usd = (t->eth_in + t->eth_out) * r->wf->eth_usd_mean;
		if (t->stable_usd + eth_usd > 0)
			f[F_stable_value_share] = t->stable_usd /
			                          (t->stable_usd + eth_usd);
	}
	f[F_token_in_count] = (double)t->tok_in;
	f[F_token_out_count] = (double)t->tok_out;
	f[F_peak_net_eth] = t->peak;
	f[F_huge_token_in] = (double)t->huge;
}

static void
behaviour(struct rowctx *r)
{
	const struct tally *t = &r->t;
	struct ws *w = r->w;
	double *f = r->f;
	f[F_counterparties] = (double)w->cp.n;
	if (t->interactions > 0) {
		uint32_t top;
		double ni = (double)t->interactions;
		map_entropy(&w->cp, ni, NULL, &top);
		f[F_counterparty_reuse] = 1 - (double)w->cp.n / ni;
		f[F_top_counterparty_share] = top / ni;
	}
	if (w->snd.n + w->rcv.n > 0) {
		size_t both = 0;
		for (size_t i = 0; i < w->snd.nused; i++)
			both += umap_get(&w->rcv, w->snd.k[w->snd.used[i]] - 1) > 0;
		f[F_reciprocity] = (double)both /
		                   (double)(w->snd.n + w->rcv.n - both);
	}
	size_t batched = 0;
	uint32_t mx = 0;
	for (size_t i = 0; i < w->blocks.nused; i++) {
		uint32_t c = w->blocks.v[w->blocks.used[i]];
		if (c >= 2)
			batched += c;
		mx = c > mx ? c : mx;
	}
	if (t->sent > 0)
		f[F_batch_share] = (double)batched / (double)t->sent;
	f[F_max_tx_per_block] = mx;
	f[F_self_transfers] = (double)t->self;
}

static void
graph(struct rowctx *r)
{
	const struct k_walletfeat *wf = r->wf;
	double *f = r->f;
	uint32_t v = r->me->vertex;
	static const int gfs[] = { F_in_degree, F_out_degree, F_in_weight,
		F_out_weight, F_in_value_eth, F_out_value_eth, F_pagerank,
		F_betweenness, F_closeness, F_eigenvector, F_clustering,
		F_local_efficiency, F_triangles, F_in_triangle,
		F_component_size };
	if (!wf->p.graph)
		return;
	for (size_t i = 0; i < sizeof gfs / sizeof gfs[0]; i++)
		f[gfs[i]] = 0;
	if (v == NOADDR)
		return;
	f[F_in_degree] = wf->vindeg[v];
	f[F_out_degree] = wf->voutdeg[v];
	f[F_in_weight] = wf->vinw[v];
	f[F_out_weight] = wf->voutw[v];
	f[F_in_value_eth] = wf->vine[v];
	f[F_out_value_eth] = wf->voute[v];
	f[F_component_size] = wf->vcomp[v];
	if (wf->gm.pagerank == NULL)
		return;
	f[F_pagerank] = wf->gm.pagerank[v];
	f[F_betweenness] = wf->gm.betweenness[v];
	f[F_closeness] = wf->gm.closeness[v];
	f[F_eigenvector] = wf->gm.eigenvector[v];
	f[F_clustering] = wf->gm.clustering[v];
	f[F_local_efficiency] = wf->gm.local_eff[v];
	f[F_triangles] = wf->gm.triangles[v];
	f[F_in_triangle] = wf->gm.triangles[v] > 0;
}

/* Forwarding per token, in that token's units, weighted by inflows. */
static void
token_forwarding(struct rowctx *r)
{
	struct ws *w = r->w;
	if (w->tev.n == 0)
		return;
	qsort(w->tev.v, w->tev.n, sizeof *w->tev.v, tev_cmp);
	double wsum = 0, share = 0;
	for (size_t i = 0; i < w->tev.n;) {
		size_t j = i, qh = 0;
		double in = 0, fw = 0, nin = 0;
		w->q.n = 0;
		for (; j < w->tev.n && w->tev.v[j].asset == w->tev.v[i].asset; j++) {
			const struct tev *te = &w->tev.v[j];
			if (te->in) {
				struct fifo q = { te->ts, te->amt };
				PUSH(w->q, q);
				in += te->amt;
				nin++;
				continue;
			}
			forward(w, &qh, te->ts, r->fwd_ms, te->amt, &fw);
		}
		if (in > 0) {
			share += nin * (fw / in);
			wsum += nin;
		}
		i = j;
	}
	if (wsum > 0)
		r->f[F_token_forwarded_share] = share / wsum;
}

/* Outgoing transfers that start a cycle back to the address. */
static void
cycles(struct rowctx *r)
{
	const struct k_walletfeat *wf = r->wf;
	struct ws *w = r->w;
	size_t budget = wf->p.cycle_budget, n = 0;
	double cyc_eth = 0;
	int64_t horizon = (int64_t)(wf->p.cycle_hours * K_MS_PER_HOUR);
	for (uint32_t k = wf->out_off[r->id];
	     k < wf->out_off[r->id + 1] && budget > 0; k++) {
		const struct wtx *x = &wf->tx[wf->out[k]];
		w->path[0] = x->to;
		w->keys[0] = x->txkey;
		const struct wa *b = &wf->ad[x->to];
		if (!b->eoa || (b->bits & L_EXCHANGE) ||
		    wf->out_off[x->to + 1] - wf->out_off[x->to] > wf->p.hub_transfers)
			continue;
		if (dfs(wf, w, r->id, x->to, x->ts, x->ts + horizon, 1, &budget)) {
			n++;
			if (x->asset == 0)
				cyc_eth += x->value;
		}
	}
	r->f[F_cycle_count] = (double)n;
	if (r->t.eth_out > 0)
		r->f[F_cycle_value_share] = cyc_eth / r->t.eth_out;
}

/* Listed counterparties, and the first funding. */
static void
listed_and_funding(struct rowctx *r)
{
	const struct k_walletfeat *wf = r->wf;
	const struct wa *me = r->me;
	const struct tally *t = &r->t;
	double *f = r->f;
	if (wf->listed) {
		f[F_mixer_count] = (double)t->mixer;
		f[F_sanctioned_count] = (double)t->sanct;
		f[F_flagged_count] = (double)t->flagged;
		f[F_self_listed] = (me->bits & L_BAD) != 0;
		if (t->eth_in + t->eth_out > 0)
			f[F_mixer_value_share] = t->mixer_eth / (t->eth_in + t->eth_out);
		if (t->eth_in > 0)
			f[F_tainted_inflow_share] = t->taint_in / t->eth_in;
	}
	if (me->first_in == INT64_MAX)
		return;
	const struct wa *fu = &wf->ad[me->funder];
	double age = (double)(me->first_in - fu->first) / K_MS_PER_HOUR;
	f[F_funder_age_hours] = age;
	f[F_funded_by_fresh] = age < wf->p.fresh_hours;
	if (wf->listed)
		f[F_funded_by_mixer] = (fu->bits & L_MIXER) != 0;
	if (t->first_out_after != INT64_MIN)
		f[F_first_out_after_funding_min] =
			(double)(t->first_out_after - me->first_in) /
			K_MS_PER_MINUTE;
}

static void
suspicious(struct rowctx *r)
{
	struct ws *w = r->w;
	double *f = r->f;
	if (r->t.eth_in > 0)
		f[F_forwarded_share] = r->t.fwd / r->t.eth_in;
	token_forwarding(r);
	f[F_hold_median_minutes] = median_of(w->hold.v, w->hold.n);
	cycles(r);
	listed_and_funding(r);
	f[F_fan_in_24h_max] = fan_24h(w, w->ins.v, w->ins.n);
	f[F_fan_out_24h_max] = fan_24h(w, w->outs.v, w->outs.n);
	f[F_dust_in_count] = (double)r->t.dust_in;
}

/* Address id's row into f[0..NF), with the thread's workspace w. */
static void
row(const struct k_walletfeat *wf, uint32_t id, struct ws *w, double *f)
{
	struct rowctx r = {
		.wf = wf, .id = id, .me = &wf->ad[id], .w = w, .f = f,
		.fwd_ms = (int64_t)(wf->p.forward_minutes * K_MS_PER_MINUTE),
	};
	row_reset(&r);
	if (row_span(&r) < 0) {
		w->oom = 1;
		return;
	}
	row_scan(&r);
	activity(&r);
	transaction(&r);
	protocol(&r);
	portfolio(&r);
	behaviour(&r);
	graph(&r);
	suspicious(&r);
}

/* ---- compute ---- */

struct job {
	const struct k_walletfeat *wf;
	int k, nthreads;
	int oom;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct ws w;
	memset(&w, 0, sizeof w);
	for (size_t r = (size_t)j->k; r < j->wf->nrows; r += (size_t)j->nthreads) {
		row(j->wf, j->wf->rows[r], &w, j->wf->val + r * NF);
		if (w.oom)
			break;
	}
	j->oom = w.oom;
	ws_release(&w);
	return NULL;
}

static int
row_cmp(const void *a, const void *b, void *arg)
{
	const struct wa *ad = arg;
	return memcmp(ad[*(const uint32_t *)a].a, ad[*(const uint32_t *)b].a, 20);
}

/* The window: as_of (the newest record unless given) and its start. */
static void
set_window(struct k_walletfeat *wf)
{
	wf->as_of = wf->p.as_of;
	if (wf->as_of == K_WF_AS_OF_LAST) {
		wf->as_of = INT64_MIN;
		for (size_t i = 0; i < wf->ntx; i++)
			if (wf->tx[i].ts > wf->as_of)
				wf->as_of = wf->tx[i].ts;
		if (wf->ntx == 0)
			wf->as_of = 0;
	}
	wf->start = wf->p.window_days > 0
	            ? wf->as_of - (int64_t)(wf->p.window_days * K_MS_PER_DAY)
	            : INT64_MIN;
}

/* Records up to as_of, by time. -1 when out of memory. */
static int
order_records(struct k_walletfeat *wf)
{
	wf->order = malloc((wf->ntx ? wf->ntx : 1) * sizeof *wf->order);
	if (wf->order == NULL)
		return -1;
	for (size_t i = 0; i < wf->ntx; i++)
		if (wf->tx[i].ts <= wf->as_of)
			wf->order[wf->norder++] = (uint32_t)i;
	if (wf->norder > 1)
		qsort_r(wf->order, wf->norder, sizeof *wf->order, order_cmp, wf->tx);
	return 0;
}

/* With as_of defaulted: does the newest record lie far past the rest
 * (k_walletfeat_stats' as_of_far)? order holds every record, by time. */
static void
check_as_of(struct k_walletfeat *wf)
{
	double span_days = wf->p.window_days > 0 ? wf->p.window_days : 30;

	if (wf->p.as_of != K_WF_AS_OF_LAST || wf->norder == 0)
		return;
	size_t q = (size_t)(0.99 * (double)(wf->norder - 1));
	wf->st.bulk_end = wf->tx[wf->order[q]].ts;
	wf->st.as_of_far = (double)(wf->as_of - wf->st.bulk_end) >
	                   span_days * K_MS_PER_DAY;
}

/* Per address: first record, senders, first ETH inflow; the stats'
 * counts; and the sizes of each address's lists of records and of
 * window transfers out, as offsets. -1 when out of memory. */
static int
count_records(struct k_walletfeat *wf, size_t *ninc, size_t *nout)
{
	wf->inc_off = calloc(wf->nad + 1, sizeof *wf->inc_off);
	wf->out_off = calloc(wf->nad + 1, sizeof *wf->out_off);
	if (wf->inc_off == NULL || wf->out_off == NULL)
		return -1;
	*ninc = *nout = 0;
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		struct wa *a = &wf->ad[x->from];
		if (a->first == INT64_MAX)
			a->first = x->ts;
		if (x->xfer == K_TX_NATIVE)
			a->eoa = 1;
		wf->inc_off[x->from + 1]++;
		(*ninc)++;
		if (x->to != NOADDR && x->to != x->from) {
			struct wa *b = &wf->ad[x->to];
			if (b->first == INT64_MAX)
				b->first = x->ts;
			wf->inc_off[x->to + 1]++;
			(*ninc)++;
			if (is_flow(x) && x->asset == 0 && b->first_in == INT64_MAX) {
				b->first_in = x->ts;
				b->funder = x->from;
			}
		}
		if (x->from == x->to)
			wf->st.self++;
		if (!x->ok)
			wf->st.failed++;
		if (x->to == NOADDR)
			wf->st.creations++;
		if (in_window(wf, x->ts)) {
			wf->st.in_window++;
			if (is_flow(x)) {
				wf->out_off[x->from + 1]++;
				(*nout)++;
			}
		}
	}
	wf->st.after_as_of = wf->ntx - wf->norder;
	for (size_t i = 0; i < wf->nad; i++) {
		wf->inc_off[i + 1] += wf->inc_off[i];
		wf->out_off[i + 1] += wf->out_off[i];
	}
	return 0;
}

/* Fill the lists count_records sized, in time order. -1 when out of
 * memory. */
static int
fill_lists(struct k_walletfeat *wf, size_t ninc, size_t nout)
{
	wf->inc = malloc((ninc ? ninc : 1) * sizeof *wf->inc);
	wf->out = malloc((nout ? nout : 1) * sizeof *wf->out);
	uint32_t *fill = calloc(wf->nad + 1, sizeof *fill);
	uint32_t *ofill = calloc(wf->nad + 1, sizeof *ofill);
	if (wf->inc == NULL || wf->out == NULL || fill == NULL || ofill == NULL) {
		free(fill);
		free(ofill);
		return -1;
	}
	for (size_t i = 0; i < wf->norder; i++) {
		uint32_t r = wf->order[i];
		const struct wtx *x = &wf->tx[r];
		wf->inc[wf->inc_off[x->from] + fill[x->from]++] = r;
		if (x->to != NOADDR && x->to != x->from)
			wf->inc[wf->inc_off[x->to] + fill[x->to]++] = r;
		if (in_window(wf, x->ts) && is_flow(x))
			wf->out[wf->out_off[x->from] + ofill[x->from]++] = r;
	}
	free(fill);
	free(ofill);
	return 0;
}

/* Taint: listed, or received value from a listed address; and the
 * stablecoins listed by address. */
static void
mark_taint_and_stablecoins(struct k_walletfeat *wf)
{
	for (size_t i = 0; i < wf->nad; i++)
		wf->ad[i].taint = (wf->ad[i].bits & L_BAD) != 0;
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		if (in_window(wf, x->ts) && is_flow(x) &&
		    (wf->ad[x->from].bits & L_BAD))
			wf->ad[x->to].taint = 1;
	}
	for (size_t i = 1; i < wf->assets.n; i++) {
		const char *k = wf->assets.s[i];
		if (strncmp(k, "0x", 2) == 0 && strlen(k) == 42) {
			uint32_t a = addr_find(wf, k);
			if (a != NOADDR && (wf->ad[a].bits & L_STABLE))
				wf->astable[i] = 1;
		}
	}
}

/* Market: sorted; the mean ETH price in the window. */
static void
market_summary(struct k_walletfeat *wf)
{
	if (wf->market.n > 0)
		qsort(wf->market.v, wf->market.n, sizeof *wf->market.v, mk_cmp);
	double s = 0;
	size_t n = 0;
	for (size_t i = 0; i < wf->market.n; i++)
		if (in_window(wf, wf->market.v[i].ts) &&
		    isfinite(wf->market.v[i].usd)) {
			s += wf->market.v[i].usd;
			n++;
		}
	wf->eth_usd_mean = n ? s / (double)n : NAN;
}

/* The median gas price of the sent transactions of each hour. -1 when
 * out of memory. */
static int
hourly_gas(struct k_walletfeat *wf)
{
	size_t n = 0;
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		n += x->xfer == K_TX_NATIVE && isfinite(x->gas_price);
	}
	struct hourgas *hg = malloc((n ? n : 1) * sizeof *hg);
	if (hg == NULL)
		return -1;
	n = 0;
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		if (x->xfer == K_TX_NATIVE && isfinite(x->gas_price)) {
			hg[n].hour = x->ts / K_MS_PER_HOUR;
			hg[n++].gas = x->gas_price;
		}
	}
	if (n > 1)
		qsort(hg, n, sizeof *hg, hg_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && hg[j].hour == hg[i].hour)
			j++;
		size_t c = j - i;
		double med = c % 2 ? hg[i + c / 2].gas
		                   : 0.5 * (hg[i + c / 2 - 1].gas + hg[i + c / 2].gas);
		hg[m].hour = hg[i].hour;
		hg[m++].gas = med;
		i = j;
	}
	wf->hg = hg;
	wf->nhg = m;
	return 0;
}

/* Which rows: the addresses --entities asks for, in address order. -1
 * when out of memory. */
static int
select_rows(struct k_walletfeat *wf)
{
	size_t nr = 0;
	wf->rows = malloc((wf->nad ? wf->nad : 1) * sizeof *wf->rows);
	uint8_t *active = calloc(wf->nad ? wf->nad : 1, 1);
	if (wf->rows == NULL || active == NULL) {
		free(active);
		return -1;
	}
	for (size_t i = 0; i < wf->norder; i++) {
		const struct wtx *x = &wf->tx[wf->order[i]];
		if (!in_window(wf, x->ts))
			continue;
		if (x->xfer == K_TX_NATIVE)
			active[x->from] |= 1;
		active[x->from] |= 2;
		if (x->to != NOADDR)
			active[x->to] |= 2;
	}
	for (size_t i = 0; i < wf->nad; i++) {
		int want = wf->p.entities == K_WF_SENDERS ? (active[i] & 1) :
		           wf->p.entities == K_WF_ALL ? active[i] != 0 :
		           wf->ad[i].sel;
		if (want)
			wf->rows[nr++] = (uint32_t)i;
	}
	free(active);
	if (nr > 1)
		qsort_r(wf->rows, nr, sizeof *wf->rows, row_cmp, wf->ad);
	wf->nrows = nr;
	return 0;
}

/* Every row, on up to --threads workers. -1 when out of memory. */
static int
run_rows(struct k_walletfeat *wf)
{
	size_t nr = wf->nrows;
	wf->val = malloc((nr ? nr : 1) * NF * sizeof *wf->val);
	if (wf->val == NULL)
		return -1;
	int nt = wf->p.threads;
	if ((size_t)nt > nr)
		nt = nr > 0 ? (int)nr : 1;
	struct job jobs[256];
	pthread_t th[256];
	for (int k = 0; k < nt; k++) {
		jobs[k] = (struct job){ wf, k, nt, 0 };
		if (k > 0 && pthread_create(&th[k], NULL, worker, &jobs[k]) != 0)
			jobs[k].oom = 2;
	}
	worker(&jobs[0]);
	for (int k = 1; k < nt; k++)
		if (jobs[k].oom != 2)
			pthread_join(th[k], NULL);
	for (int k = 0; k < nt; k++) {
		if (jobs[k].oom == 2) {
			/* a thread could not start: do its share here */
			jobs[k].oom = 0;
			worker(&jobs[k]);
		}
		if (jobs[k].oom)
			return -1;
	}
	return 0;
}

enum k_status
k_walletfeat_compute(struct k_walletfeat *wf, struct k_error *err)
{
	enum k_status st;
	const char *bad = k_walletfeat_check(&wf->p);
	if (bad != NULL)
		return k_error_set(err, K_EUSAGE, "%s", bad);
	double t0 = k_time_mono();
	size_t ninc, nout;

	set_window(wf);
	if (order_records(wf) < 0 || count_records(wf, &ninc, &nout) < 0 ||
	    fill_lists(wf, ninc, nout) < 0)
		goto oom;
	check_as_of(wf);
	mark_taint_and_stablecoins(wf);
	market_summary(wf);
	if (hourly_gas(wf) < 0)
		goto oom;
	if ((st = build_graph(wf, err)) != K_OK)
		return st;
	wf->st.seconds_graph = k_time_mono() - t0;
	double t1 = k_time_mono();
	if (select_rows(wf) < 0 || run_rows(wf) < 0)
		goto oom;
	wf->st.rows = wf->nrows;
	wf->st.seconds_rows = k_time_mono() - t1;
	return K_OK;
oom:
	return k_error_set(err, K_ENOMEM, "out of memory");
}

/* ---- output ---- */

size_t
k_walletfeat_rows(const struct k_walletfeat *wf)
{
	return wf->nrows;
}

/* Row i's entity: its address, or under ids the id it encodes (an
 * address that encodes none stays as it is). buf has K_TX_ADDR bytes. */
const char *
k_walletfeat_row_entity(const struct k_walletfeat *wf, size_t i, char *buf)
{
	char id[K_TX_ADDR];

	addr_str(wf, wf->rows[i], buf);
	if (wf->p.ids && k_tx_addr_id(buf, id, sizeof id) == 0)
		memcpy(buf, id, strlen(id) + 1);
	return buf;
}

double
k_walletfeat_value(const struct k_walletfeat *wf, size_t i, size_t f)
{
	return wf->val[i * NF + f];
}

void
k_walletfeat_write_row(const struct k_walletfeat *wf, size_t i,
                       struct k_buf *b)
{
	struct k_jsonw w;
	char addr[K_TX_ADDR], ts[32];
	uint32_t id = wf->rows[i];
	const double *f = wf->val + i * NF;

	k_walletfeat_row_entity(wf, i, addr);
	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "features");
	k_jsonw_key(&w, "entity");
	k_jsonw_str(&w, addr);
	k_jsonw_key(&w, "ts");
	k_jsonw_str(&w, k_time_format(wf->as_of, ts, sizeof ts));
	k_jsonw_key(&w, "window_start");
	if (wf->start == INT64_MIN)
		k_jsonw_null(&w);
	else
		k_jsonw_str(&w, k_time_format(wf->start, ts, sizeof ts));
	k_jsonw_key(&w, "features");
	k_jsonw_obj(&w);
	for (size_t k = 0; k < NF; k++) {
		k_jsonw_key(&w, k_walletfeat_features[k].name);
		k_jsonw_num(&w, f[k]);
	}
	k_jsonw_obj_end(&w);
	if (wf->ad[id].label >= 0) {
		const struct label *l = &wf->labels.v[wf->ad[id].label];
		k_jsonw_key(&w, "label");
		if (l->archetype >= 0)
			k_jsonw_str(&w, wf->strs.s[l->archetype]);
		else
			k_jsonw_null(&w);
		k_jsonw_key(&w, "malicious");
		if (l->malicious >= 0)
			k_jsonw_bool(&w, l->malicious);
		else
			k_jsonw_null(&w);
		k_jsonw_key(&w, "pattern");
		if (l->pattern >= 0)
			k_jsonw_str(&w, wf->strs.s[l->pattern]);
		else
			k_jsonw_null(&w);
	}
	k_jsonw_obj_end(&w);
}

void
k_walletfeat_stats(const struct k_walletfeat *wf,
                   struct k_walletfeat_stats *st)
{
	*st = wf->st;
	st->tx = wf->ntx;
	st->addresses = wf->nad;
	st->labelled = wf->listed;
	st->as_of = wf->as_of;
	st->start = wf->start;
}

enum k_status
k_walletfeat_dump_graph(const struct k_walletfeat *wf, FILE *f,
                        struct k_error *err)
{
	char a[K_TX_ADDR];
	fprintf(f, "# ktools wallet graph: v INDEX ADDRESS; e FROM TO "
	        "TRANSFERS ETH; p PIVOT\n");
	for (size_t i = 0; i < wf->nv; i++) {
		addr_str(wf, wf->vaddr[i], a);
		fprintf(f, "v\t%zu\t%s\n", i, a);
	}
	for (size_t i = 0; i < wf->ne; i++) {
		char e[32];
		k_fmt_double(wf->eeth[i], e);
		fprintf(f, "e\t%u\t%u\t%.0f\t%s\n", wf->efrom[i], wf->eto[i],
		        wf->ecount[i], e);
	}
	for (size_t i = 0; i < wf->gm.npivot; i++)
		fprintf(f, "p\t%u\n", wf->gm.pivot[i]);
	if (fflush(f) != 0 || ferror(f))
		return k_error_set(err, K_EIO, "writing the graph: %s",
		                   strerror(errno));
	return K_OK;
}

/*
 * test_walletfeat.c - the wallet feature engine on a small hand-built
 * history whose features are worked out by hand below: duplicates,
 * self-transfers, failed calls and contract creations follow their
 * documented rules; forwarding, a returning cycle, exchange and mixer
 * lists, taint, fresh funding, the window and as_of; calls by kind; the
 * address list loader's errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "features/k_walletfeat.h"
#include "records/k_tx.h"
#include "ktest.h"

#define A "0x00000000000000000000000000000000000000aa"
#define B "0x00000000000000000000000000000000000000bb"
#define C "0x00000000000000000000000000000000000000cc"
#define D "0x00000000000000000000000000000000000000dd"
#define E "0x00000000000000000000000000000000000000ee"
#define F "0x00000000000000000000000000000000000000ff"
#define G "0x0000000000000000000000000000000000000011"
#define X "0x28c6c06298d514db089934071355e5743bf21d60"   /* exchange */
#define M "0x47ce0c6ed5b0ce3d3a51fdb1c52dc66a7c3c2936"   /* mixer */

static int64_t T0;
static int hashno;

static void
add(struct k_walletfeat *wf, int64_t ts, const char *from, const char *to,
    const char *wei, int ok, double gwei, long long gas, const char *method,
    enum k_tx_transfer xf)
{
	struct k_tx t;
	struct k_error e;
	k_tx_init(&t);
	t.ts = ts;
	snprintf(t.hash, sizeof t.hash, "0x%064x", ++hashno);
	snprintf(t.from, sizeof t.from, "%s", from);
	snprintf(t.to, sizeof t.to, "%s", to ? to : "");
	KT_EQ_INT(k_wei_parse(wei, strlen(wei), K_WEI_DEC, &t.value_wei, &e), K_OK);
	t.success = ok;
	t.gas_price_gwei = gwei;
	t.gas_used = gas;
	if (method)
		snprintf(t.method, sizeof t.method, "%s", method);
	t.transfer = xf;
	KT_EQ_INT(k_walletfeat_add_tx(wf, &t), K_OK);
}

static double
feat(const struct k_walletfeat *wf, const char *addr, const char *name)
{
	char buf[K_TX_ADDR];
	int f = k_walletfeat_index(name);
	if (f < 0) {
		KT_FAIL("no feature %s", name);
		return NAN;
	}
	for (size_t i = 0; i < k_walletfeat_rows(wf); i++)
		if (strcmp(k_walletfeat_row_entity(wf, i, buf), addr) == 0)
			return k_walletfeat_value(wf, i, (size_t)f);
	KT_FAIL("no row for %s", addr);
	return NAN;
}

static int
has_row(const struct k_walletfeat *wf, const char *addr)
{
	char buf[K_TX_ADDR];
	for (size_t i = 0; i < k_walletfeat_rows(wf); i++)
		if (strcmp(k_walletfeat_row_entity(wf, i, buf), addr) == 0)
			return 1;
	return 0;
}

static char list_path[256];

static void
write_list(void)
{
	FILE *f = fopen(list_path, "w");
	fprintf(f, "# test list\naddress,category,name,source\n"
	        X ",exchange,Binance 14,test\n" M ",mixer,Tornado 1 ETH,test\n"
	        M ",sanctioned,Tornado 1 ETH,test\n"
	        "0x00000000000000000000000000000000000000dd,defi,router,test\n"
	        "0x00000000000000000000000000000000000000dd,unknown-cat,x,test\n");
	fclose(f);
}

static struct k_walletfeat *
history(const struct k_walletfeat_params *p)
{
	const int64_t MIN = K_MS_PER_MINUTE, H = K_MS_PER_HOUR;
	const int64_t DAY = K_MS_PER_DAY;
	struct k_walletfeat *wf = k_walletfeat_alloc(p);
	struct k_error e;

	KT_EQ_INT(k_walletfeat_labels(wf, list_path, &e), K_OK);
	/* the exchange is active ten days before */
	add(wf, T0 - 10 * DAY, X, B, "1000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	/* A is funded by the exchange, forwards 4 within minutes, 3 later */
	add(wf, T0, X, A, "10000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	add(wf, T0 + 5 * MIN, A, B, "4000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	hashno--;     /* the same record again: a duplicate */
	add(wf, T0 + 5 * MIN, A, B, "4000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	add(wf, T0 + 30 * MIN, A, C, "3000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	/* the 4 comes back through B and E: a cycle */
	add(wf, T0 + 20 * MIN, B, E, "2000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	add(wf, T0 + 40 * MIN, E, A, "1000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	/* a self-transfer, a failed swap, a contract creation */
	add(wf, T0 + 1 * H, A, A, "1000000000000000000", 1, 10, 21000, NULL,
	    K_TX_NATIVE);
	add(wf, T0 + 2 * H, A, D, "1000000000000000000", 0, 20, 50000,
	    "swapExactETHForTokens", K_TX_NATIVE);
	add(wf, T0 + 3 * H, A, NULL, "0", 1, 10, 1000000, NULL, K_TX_NATIVE);
	/* F is funded by the mixer (a relayer's withdrawal: internal) and
	 * pays G five minutes later */
	add(wf, T0 + DAY, M, F, "900000000000000000", 1, 10, 400000, NULL,
	    K_TX_INTERNAL);
	add(wf, T0 + DAY + 5 * MIN, F, G, "800000000000000000", 1, 10, 21000,
	    NULL, K_TX_NATIVE);
	KT_EQ_INT(k_walletfeat_add_market(wf, T0 - H, 5, 2000), K_OK);
	KT_EQ_INT(k_walletfeat_add_label(wf, A, "retail_active", 0, NULL, &e),
	          K_OK);
	return wf;
}

static void
test_history(void)
{
	struct k_walletfeat_params p;
	struct k_walletfeat_stats st;
	struct k_error e;

	k_walletfeat_default(&p);
	struct k_walletfeat *wf = history(&p);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	k_walletfeat_stats(wf, &st);
	KT_EQ_INT(st.duplicates, 1);
	KT_EQ_INT(st.tx, 11);
	KT_EQ_INT(st.self, 1);
	KT_EQ_INT(st.failed, 1);
	KT_EQ_INT(st.creations, 1);
	KT_EQ_INT(st.labelled, 1);
	KT_CHECK(st.as_of == T0 + K_MS_PER_DAY + 5 * K_MS_PER_MINUTE);
	/* senders: X, A, B, E, F (M's transfer is internal: not a sender) */
	KT_EQ_INT(k_walletfeat_rows(wf), 5);
	KT_CHECK(has_row(wf, A) && has_row(wf, X) && !has_row(wf, M) &&
	         !has_row(wf, C) && !has_row(wf, G));

	KT_NEAR(feat(wf, A, "sent_count"), 5, 0);
	KT_NEAR(feat(wf, A, "received_count"), 2, 0);
	KT_NEAR(feat(wf, A, "tx_count"), 7, 0);
	KT_NEAR(feat(wf, A, "failed_count"), 1, 0);
	KT_NEAR(feat(wf, A, "success_rate"), 0.8, 1e-15);
	KT_NEAR(feat(wf, A, "self_transfers"), 1, 0);
	KT_NEAR(feat(wf, A, "contract_creations"), 1, 0);
	KT_NEAR(feat(wf, A, "plain_transfer_share"), 0.6, 1e-15);
	KT_NEAR(feat(wf, A, "zero_value_share"), 0.2, 1e-15);
	double fees = (3 * 21000 * 10 + 50000 * 20 + 1000000 * 10) * 1e-9;
	KT_NEAR(feat(wf, A, "gas_fee_eth"), fees, 1e-15);
	KT_NEAR(feat(wf, A, "eth_net_flow"), 11 - 7 - fees, 1e-12);
	KT_NEAR(feat(wf, A, "gas_fee_share"), fees / (fees + 7), 1e-15);
	KT_NEAR(feat(wf, A, "out_value_mean"), 3.5, 1e-15);
	KT_NEAR(feat(wf, A, "out_value_max"), 4, 0);
	KT_NEAR(feat(wf, A, "in_value_max"), 10, 0);
	/* 10, 4, 3, 1 ETH: all round */
	KT_NEAR(feat(wf, A, "round_value_share"), 1, 0);
	/* interactions: X, B, C, D (the failed call), E; none repeated */
	KT_NEAR(feat(wf, A, "counterparties"), 5, 0);
	KT_NEAR(feat(wf, A, "counterparty_reuse"), 0, 0);
	KT_NEAR(feat(wf, A, "cex_share"), 0.2, 1e-15);
	KT_NEAR(feat(wf, A, "contracts_called"), 1, 0);
	KT_NEAR(feat(wf, A, "swap_share"), 1, 0);
	KT_NEAR(feat(wf, A, "defi_share"), 1, 0);
	double span = (double)(K_MS_PER_DAY + 5 * K_MS_PER_MINUTE) /
	              K_MS_PER_DAY;
	KT_NEAR(feat(wf, A, "new_protocols_30d"), 30 / span, 1e-12);
	KT_NEAR(feat(wf, A, "sent_per_day"), 5 / span, 1e-12);
	/* gas relative to the market record (5 gwei) for the three sent
	 * within 2 hours of it, to the hour's median for the two later:
	 * 2, 2, 2, 1, 1 */
	KT_NEAR(feat(wf, A, "gas_price_rel_market"), 2, 1e-12);
	/* forwarding: 4 of the 11 ETH received left within 10 minutes */
	KT_NEAR(feat(wf, A, "forwarded_share"), 4.0 / 11, 1e-15);
	KT_NEAR(feat(wf, A, "hold_median_minutes"), 5, 1e-12);
	/* the cycle A -> B -> E -> A started by the 4 ETH */
	KT_NEAR(feat(wf, A, "cycle_count"), 1, 0);
	KT_NEAR(feat(wf, A, "cycle_value_share"), 4.0 / 7, 1e-15);
	KT_NEAR(feat(wf, B, "cycle_count"), 0, 0);   /* E -> A does not return */
	/* graph: in X, E; out B, C (the failed call and self move nothing) */
	KT_NEAR(feat(wf, A, "in_degree"), 2, 0);
	KT_NEAR(feat(wf, A, "out_degree"), 2, 0);
	KT_NEAR(feat(wf, A, "in_value_eth"), 11, 0);
	KT_NEAR(feat(wf, A, "triangles"), 2, 0);     /* A-B-E, X-A-B */
	KT_NEAR(feat(wf, A, "in_triangle"), 1, 0);
	KT_NEAR(feat(wf, A, "component_size"), 5, 0);  /* A B C E X */
	KT_CHECK(feat(wf, A, "pagerank") > 0);
	KT_CHECK(feat(wf, A, "betweenness") > 0);
	/* funding: by the exchange, seen 10 days earlier: not fresh */
	KT_NEAR(feat(wf, A, "funded_by_fresh"), 0, 0);
	KT_NEAR(feat(wf, A, "funder_age_hours"), 240, 1e-12);
	KT_NEAR(feat(wf, A, "funded_by_mixer"), 0, 0);
	KT_NEAR(feat(wf, A, "first_out_after_funding_min"), 5, 1e-12);
	KT_NEAR(feat(wf, A, "tainted_inflow_share"), 0, 0);
	KT_NEAR(feat(wf, A, "mixer_count"), 0, 0);
	/* F: mixer-funded, fresh funder, pays on after 5 minutes */
	KT_NEAR(feat(wf, F, "funded_by_mixer"), 1, 0);
	KT_NEAR(feat(wf, F, "funded_by_fresh"), 1, 0);
	KT_NEAR(feat(wf, F, "first_out_after_funding_min"), 5, 1e-12);
	KT_NEAR(feat(wf, F, "mixer_count"), 1, 0);
	KT_NEAR(feat(wf, F, "sanctioned_count"), 1, 0);
	KT_NEAR(feat(wf, F, "tainted_inflow_share"), 1, 0);
	KT_NEAR(feat(wf, F, "mixer_value_share"), 0.9 / 1.7, 1e-15);
	KT_NEAR(feat(wf, F, "forwarded_share"), 0.8 / 0.9, 1e-15);
	KT_NEAR(feat(wf, F, "self_listed"), 0, 0);
	/* the exchange's row: first seen 10 days before, in the window */
	KT_NEAR(feat(wf, X, "new_in_window"), 1, 0);
	KT_NEAR(feat(wf, X, "wallet_age_days"),
	        (double)(11 * K_MS_PER_DAY + 5 * K_MS_PER_MINUTE) /
	        K_MS_PER_DAY, 1e-12);
	/* missing data: B sent no calls */
	KT_CHECK(isnan(feat(wf, B, "protocol_entropy")));
	KT_CHECK(isnan(feat(wf, B, "gap_mean_hours")));

	/* the row written: entity, as_of, the label */
	struct k_buf b;
	char line[64];
	k_buf_init(&b);
	for (size_t i = 0; i < k_walletfeat_rows(wf); i++) {
		char ent[K_TX_ADDR];
		if (strcmp(k_walletfeat_row_entity(wf, i, ent), A) == 0)
			k_walletfeat_write_row(wf, i, &b);
	}
	snprintf(line, sizeof line, "\"entity\":\"%s\"", A);
	KT_CHECK(strstr(k_buf_cstr(&b), line) != NULL);
	KT_CHECK(strstr(k_buf_cstr(&b), "\"ts\":\"2024-03-02T00:05:00Z\"") != NULL);
	KT_CHECK(strstr(k_buf_cstr(&b), "\"label\":\"retail_active\","
	                "\"malicious\":false,\"pattern\":null}") != NULL);
	KT_CHECK(strstr(k_buf_cstr(&b), "\"protocol_entropy\":0,") != NULL);
	k_buf_release(&b);
	k_walletfeat_free(wf);
}

static void
test_options(void)
{
	struct k_walletfeat_params p;
	struct k_error e;
	struct k_walletfeat *wf;

	/* as_of before F's activity: F's records are ignored */
	k_walletfeat_default(&p);
	p.as_of = T0 + 12 * K_MS_PER_HOUR;
	wf = history(&p);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	struct k_walletfeat_stats st;
	k_walletfeat_stats(wf, &st);
	KT_EQ_INT(st.after_as_of, 2);
	KT_CHECK(!has_row(wf, F));
	k_walletfeat_free(wf);

	/* a 5-day window: the exchange's early transfer falls outside, yet
	 * still dates its first appearance */
	k_walletfeat_default(&p);
	p.window_days = 5;
	wf = history(&p);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	KT_NEAR(feat(wf, X, "sent_count"), 1, 0);
	KT_NEAR(feat(wf, X, "new_in_window"), 0, 0);
	KT_NEAR(feat(wf, A, "funder_age_hours"), 240, 1e-12);
	k_walletfeat_free(wf);

	/* all addresses; listed ones, one never seen; no graph; no list */
	k_walletfeat_default(&p);
	p.entities = K_WF_ALL;
	wf = history(&p);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	KT_EQ_INT(k_walletfeat_rows(wf), 9);   /* + C, D, G, M */
	k_walletfeat_free(wf);
	k_walletfeat_default(&p);
	p.entities = K_WF_LISTED;
	p.graph = 0;
	wf = k_walletfeat_alloc(&p);
	KT_EQ_INT(k_walletfeat_select(wf, "0x00000000000000000000000000000000000000AA", &e), K_OK);
	KT_EQ_INT(k_walletfeat_select(wf, "0x9999999999999999999999999999999999999999", &e), K_OK);
	KT_EQ_INT(k_walletfeat_select(wf, "0x99", &e), K_EDATA);
	add(wf, T0, X, A, "10000000000000000000", 1, 10, 21000, NULL, K_TX_NATIVE);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	KT_EQ_INT(k_walletfeat_rows(wf), 2);
	KT_NEAR(feat(wf, "0x9999999999999999999999999999999999999999", "tx_count"), 0, 0);
	KT_CHECK(isnan(feat(wf, "0x9999999999999999999999999999999999999999", "wallet_age_days")));
	KT_CHECK(isnan(feat(wf, A, "pagerank")));          /* --no-graph */
	KT_CHECK(isnan(feat(wf, A, "mixer_count")));       /* no list */
	KT_CHECK(isnan(feat(wf, A, "cex_share")));
	KT_NEAR(feat(wf, A, "received_count"), 1, 0);
	k_walletfeat_free(wf);

	/* nothing at all: no rows, no failure */
	k_walletfeat_default(&p);
	wf = k_walletfeat_alloc(&p);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	KT_EQ_INT(k_walletfeat_rows(wf), 0);
	k_walletfeat_free(wf);

	/* parameters */
	k_walletfeat_default(&p);
	KT_CHECK(k_walletfeat_check(&p) == NULL);
	p.cycle_hops = 7;
	KT_CHECK(strstr(k_walletfeat_check(&p), "cycle-hops") != NULL);
	k_walletfeat_default(&p);
	p.window_days = -1;
	KT_CHECK(strstr(k_walletfeat_check(&p), "window") != NULL);
	k_walletfeat_default(&p);
	p.gp.pivots = 1;
	KT_CHECK(strstr(k_walletfeat_check(&p), "pivots") != NULL);
	/* the table: unique names, every field written */
	KT_CHECK(k_walletfeat_nfeatures >= 50);
	for (size_t i = 0; i < k_walletfeat_nfeatures; i++) {
		const struct k_wf_feature *f = &k_walletfeat_features[i];
		KT_CHECK(k_walletfeat_index(f->name) == (int)i);
		KT_CHECK(f->group[0] && f->unit[0] && f->definition[0] &&
		         f->missing[0]);
	}
}

/* Calls by kind: staking, reward claims, bridges and NFTs, as shares of
 * the calls (failed ones included; plain transfers are not calls). */
static void
test_method_kinds(void)
{
	static const struct { const char *method; int ok; } calls[] = {
		{ "submit", 1 },              /* stake: Lido */
		{ "unstake", 1 },             /* stake */
		{ "claimRewards", 1 },        /* claim */
		{ "getReward", 1 },           /* claim */
		{ "harvest", 0 },             /* claim, failed: still a call */
		{ "depositEth", 1 },          /* bridge: Arbitrum's inbox */
		{ "depositETH", 1 },          /* none: Aave's gateway too */
		{ "fulfillBasicOrder", 1 },   /* NFT: Seaport */
		{ "safeTransferFrom", 1 },    /* NFT */
		{ "swapExactTokensForTokens", 1 },  /* a swap, none of these */
	};
	struct k_walletfeat_params p;
	struct k_error e;
	k_walletfeat_default(&p);
	p.graph = 0;
	struct k_walletfeat *wf = k_walletfeat_alloc(&p);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		add(wf, T0 + (int64_t)i * K_MS_PER_HOUR, A, D, "0", calls[i].ok,
		    10, 100000, calls[i].method, K_TX_NATIVE);
	/* a plain transfer is no call; B sends only that */
	add(wf, T0 + 20 * K_MS_PER_HOUR, A, B, "1000000000000000000", 1, 10,
	    21000, NULL, K_TX_NATIVE);
	add(wf, T0 + 21 * K_MS_PER_HOUR, B, C, "500000000000000000", 1, 10,
	    21000, NULL, K_TX_NATIVE);
	KT_EQ_INT(k_walletfeat_compute(wf, &e), K_OK);
	KT_NEAR(feat(wf, A, "sent_count"), 11, 0);
	KT_NEAR(feat(wf, A, "stake_share"), 2.0 / 10, 1e-15);
	KT_NEAR(feat(wf, A, "claim_share"), 3.0 / 10, 1e-15);
	KT_NEAR(feat(wf, A, "bridge_share"), 1.0 / 10, 1e-15);
	KT_NEAR(feat(wf, A, "nft_share"), 2.0 / 10, 1e-15);
	KT_NEAR(feat(wf, A, "swap_share"), 1.0 / 10, 1e-15);
	KT_CHECK(isnan(feat(wf, B, "stake_share")));
	KT_CHECK(isnan(feat(wf, B, "claim_share")));
	KT_CHECK(isnan(feat(wf, B, "bridge_share")));
	KT_CHECK(isnan(feat(wf, B, "nft_share")));
	k_walletfeat_free(wf);
}

static void
test_list_errors(void)
{
	struct k_walletfeat_params p;
	struct k_error e;
	k_walletfeat_default(&p);
	struct k_walletfeat *wf = k_walletfeat_alloc(&p);

	KT_EQ_INT(k_walletfeat_labels(wf, "no/such/file.csv", &e), K_ENOINPUT);
	FILE *f = fopen(list_path, "w");
	fprintf(f, "address,category,name,source\n" X ",exchange,x,y\n"
	        "0xnothex,mixer,x,y\n");
	fclose(f);
	KT_EQ_INT(k_walletfeat_labels(wf, list_path, &e), K_EDATA);
	KT_CHECK(strstr(e.text, ":3: malformed address '0xnothex'") != NULL);
	f = fopen(list_path, "w");
	fprintf(f, X "\n");
	fclose(f);
	KT_EQ_INT(k_walletfeat_labels(wf, list_path, &e), K_EDATA);
	KT_CHECK(strstr(e.text, ":1: expected address,category") != NULL);
	k_walletfeat_free(wf);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(list_path, sizeof list_path, "%s/test_walletfeat_XXXXXX",
	         tmp && tmp[0] ? tmp : "/tmp");
	int fd = mkstemp(list_path);
	if (fd < 0) {
		KT_FAIL("mkstemp %s", list_path);
		KT_DONE();
	}
	close(fd);
	k_time_parse("2024-03-01T00:00:00Z", 20, &T0);
	write_list();
	test_history();
	test_options();
	test_method_kinds();
	test_list_errors();
	remove(list_path);
	KT_DONE();
}

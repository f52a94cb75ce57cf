/*
 * test_simwallet.c - the labelled wallet simulator: same seed, same bytes;
 * every record follows the DESIGN.md contract (value_wei exact and equal
 * to value after rounding, lower-case addresses, times in order); every
 * archetype and malicious pattern is present with its labels; and the
 * archetypes differ the way the generative assumptions say they do.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "sim/k_simwallet.h"
#include "text/k_json.h"
#include "text/k_wei.h"
#include "ktest.h"

static char *
render(const struct k_simwallet_params *p, size_t *len, size_t *nrec)
{
	struct k_simwallet *s;
	struct k_error e;
	struct k_buf b;

	k_buf_init(&b);
	if (k_simwallet_run(p, &s, &e) != K_OK) {
		KT_FAIL("run: %s", e.text);
		return NULL;
	}
	for (size_t i = 0; i < k_simwallet_len(s); i++) {
		k_simwallet_write(s, i, &b);
		k_buf_addc(&b, '\n');
	}
	*nrec = k_simwallet_len(s);
	k_simwallet_free(s);
	*len = b.len;
	return k_buf_cstr(&b);
}

static int
is_addr(const json_t *v)
{
	const char *s = json_string_value(v);
	if (s == NULL || strlen(s) != 42 || s[0] != '0' || s[1] != 'x')
		return 0;
	for (int i = 2; i < 42; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

struct per {
	double n, fail, gasrel, mixer, calls;
};

/* What test_contract counts over the simulator's records. */
struct tally {
	int64_t start_ms;
	json_t *lab;          /* address -> its label record */
	int bad_tx, bad_label, bad_order, bad_wei;
	size_t ntx, nlabel, nmarket, nnative, ntoken, ninternal, ncreate,
	       nfailed, nmax;
	size_t arch_n[K_ARCH_N], pat_n[K_PAT_N];
	int64_t last;
	int seen_tx;
	double gas_hour[24 * 40];
	struct per per[K_ARCH_N];
};

static void
tally_label(struct tally *t, json_t *o)
{
	t->nlabel++;
	if (t->seen_tx)
		t->bad_order++;
	if (!is_addr(json_object_get(o, "entity")) ||
	    !json_is_boolean(json_object_get(o, "malicious")))
		t->bad_label++;
	json_t *a = json_object_get(o, "archetype");
	json_t *pt = json_object_get(o, "pattern");
	if (json_is_string(a)) {
		int k = k_simwallet_arch_index(json_string_value(a));
		if (k < 0)
			t->bad_label++;
		else
			t->arch_n[k]++;
	}
	if (json_is_true(json_object_get(o, "malicious"))) {
		int k = json_is_string(pt) ?
		        k_simwallet_pattern_index(json_string_value(pt)) : -1;
		if (k < 0)
			t->bad_label++;
		else
			t->pat_n[k]++;
	} else if (!json_is_null(pt)) {
		t->bad_label++;
	}
	json_object_set(t->lab, json_string_value(json_object_get(o, "entity")), o);
}

static void
tally_market(struct tally *t, json_t *o, int64_t ts)
{
	t->nmarket++;
	double g = json_number_value(json_object_get(o, "gas_gwei"));
	size_t h = (size_t)((ts - t->start_ms) / K_MS_PER_HOUR);
	if (h < sizeof t->gas_hour / sizeof t->gas_hour[0])
		t->gas_hour[h] = g;
	if (!(g > 0) || !(json_number_value(json_object_get(o, "eth_usd")) > 0))
		t->bad_tx++;
}

/* Per-archetype behaviour of the benign senders of native txs. */
static void
tally_sender(struct tally *t, json_t *o, const char *xf, int64_t ts)
{
	json_t *l = json_object_get(t->lab, json_string_value(json_object_get(o, "from")));
	json_t *a = l ? json_object_get(l, "archetype") : NULL;
	int k = a && json_is_string(a) ?
	        k_simwallet_arch_index(json_string_value(a)) : -1;
	if (k < 0 || strcmp(xf, "native") != 0 ||
	    !json_is_false(json_object_get(l, "malicious")))
		return;
	size_t hr = (size_t)((ts - t->start_ms) / K_MS_PER_HOUR);
	double mg = hr < 24 * 40 ? t->gas_hour[hr] : 0;
	struct per *pk = &t->per[k];
	pk->n++;
	if (!json_is_null(json_object_get(o, "method"))) {
		pk->calls++;
		pk->fail += !json_is_true(json_object_get(o, "success"));
	}
	if (mg > 0)
		pk->gasrel += json_number_value(
			json_object_get(o, "gas_price_gwei")) / mg;
	const char *toa = json_string_value(json_object_get(o, "to"));
	if (toa && (strcmp(toa, "0x47ce0c6ed5b0ce3d3a51fdb1c52dc66a7c3c2936") == 0 ||
	            strcmp(toa, "0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc") == 0 ||
	            strcmp(toa, "0x910cbd523d972eb0a6f4cae4618ad62622b39dbf") == 0))
		pk->mixer++;
}

static void
tally_tx(struct tally *t, json_t *o, int64_t ts)
{
	static const char *const need[] = { "ts", "chain", "hash",
		"from", "to", "value_wei", "value", "token",
		"gas_price_gwei", "gas_used", "success", "method" };
	struct k_error e;

	t->ntx++;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (json_object_get(o, need[i]) == NULL)
			t->bad_tx++;
	const char *h = json_string_value(json_object_get(o, "hash"));
	if (h == NULL || strlen(h) != 66)
		t->bad_tx++;
	if (!is_addr(json_object_get(o, "from")))
		t->bad_tx++;
	json_t *to = json_object_get(o, "to");
	if (!json_is_null(to) && !is_addr(to))
		t->bad_tx++;
	if (json_is_null(to))
		t->ncreate++;
	const char *vw = json_string_value(json_object_get(o, "value_wei"));
	struct k_wei w;
	json_t *dec = json_object_get(o, "decimals");
	unsigned d = dec ? (unsigned)json_integer_value(dec) : 18;
	if (vw == NULL ||
	    k_wei_parse(vw, strlen(vw), K_WEI_DEC, &w, &e) != K_OK ||
	    k_wei_to_double(&w, d) !=
	    json_number_value(json_object_get(o, "value")))
		t->bad_wei++;
	if (vw && strlen(vw) == 78)
		t->nmax++;
	const char *xf = json_string_value(json_object_get(o, "transfer"));
	if (strcmp(xf, "native") == 0)
		t->nnative++;
	else if (strcmp(xf, "token") == 0)
		t->ntoken++;
	else
		t->ninternal++;
	if (!json_is_true(json_object_get(o, "success")))
		t->nfailed++;
	tally_sender(t, o, xf, ts);
}

/* One record: labels first, then everything else in time order. */
static int
tally_record(struct tally *t, struct k_jscan *scan, const char *line,
             size_t n)
{
	struct k_error e;
	json_t *o = k_json_parse(scan, line, n, &e);
	if (o == NULL) {
		KT_FAIL("unparsable record: %s", e.text);
		return -1;
	}
	const char *kind = json_string_value(json_object_get(o, "kind"));
	int64_t ts;
	if (k_json_ts(o, "ts", &ts, &e) != K_OK)
		t->bad_order++;
	if (strcmp(kind, "label") == 0) {
		tally_label(t, o);
	} else {
		t->seen_tx = 1;
		if (ts < t->last)
			t->bad_order++;
		t->last = ts;
	}
	if (strcmp(kind, "market") == 0)
		tally_market(t, o, ts);
	if (strcmp(kind, "tx") == 0)
		tally_tx(t, o, ts);
	json_decref(o);
	return 0;
}

/* The records follow the contract, and every archetype and scheme is in
 * the population in the share asked for. */
static void
check_population(const struct tally *t, const struct k_simwallet_params *p)
{
	KT_EQ_INT(t->bad_tx, 0);
	KT_EQ_INT(t->bad_label, 0);
	KT_EQ_INT(t->bad_order, 0);
	KT_EQ_INT(t->bad_wei, 0);
	KT_CHECK(t->nmarket == (size_t)(p->days * 24));
	KT_CHECK(t->ntx > 20000);
	KT_CHECK(t->nnative > 0 && t->ntoken > 0 && t->ninternal > 0);
	KT_CHECK(t->ncreate > 0);         /* launches, MEV bots, attackers */
	KT_CHECK(t->nfailed > 0);
	KT_CHECK(t->nmax > 0);            /* spam air-drops of 2^256-1 */
	for (int k = 0; k < K_ARCH_N; k++)
		KT_CHECK(t->arch_n[k] > 0);
	for (int k = 1; k < K_PAT_N; k++)
		KT_CHECK(t->pat_n[k] > 0);
	size_t mal = 0;
	for (int k = 1; k < K_PAT_N; k++)
		mal += t->pat_n[k];
	/* the malicious share reaches its target without overshooting by
	 * more than one scheme's addresses */
	KT_CHECK(mal >= (size_t)(p->malicious * p->wallets));
	KT_CHECK(mal < (size_t)(p->malicious * p->wallets) + 80);
	fprintf(stderr, "test_simwallet: %zu wallets x %g days: %zu tx "
	        "(%zu native, %zu token, %zu internal, %zu failed), %zu labels, "
	        "%zu malicious\n", p->wallets, p->days, t->ntx, t->nnative,
	        t->ntoken, t->ninternal, t->nfailed, t->nlabel, mal);
}

/* Each archetype behaves as the seed describes it. */
static void
check_behaviour(const struct tally *t)
{
	const struct per *per = t->per;
	const size_t *arch_n = t->arch_n;

	for (int k = 0; k < K_ARCH_N; k++)
		fprintf(stderr, "  %-20s wallets %5zu  native tx %7.0f  call fail "
		        "%.3f  gas/market %.2f  mixer %.0f\n",
		        k_simwallet_arch_names[k], arch_n[k], per[k].n,
		        per[k].calls ? per[k].fail / per[k].calls : 0,
		        per[k].n ? per[k].gasrel / per[k].n : 0, per[k].mixer);
	/* MEV bots bid far above the market, institutions near it */
	KT_CHECK(per[K_ARCH_MEV].gasrel / per[K_ARCH_MEV].n >
	         3 * per[K_ARCH_INSTITUTIONAL].gasrel / per[K_ARCH_INSTITUTIONAL].n);
	/* MEV calls fail most; institutions least */
	KT_CHECK(per[K_ARCH_MEV].fail / per[K_ARCH_MEV].calls >
	         per[K_ARCH_RETAIL_ACTIVE].fail / per[K_ARCH_RETAIL_ACTIVE].calls);
	/* privacy-focused wallets are the benign mixer users */
	KT_CHECK(per[K_ARCH_PRIVACY].mixer > 0);
	KT_CHECK(per[K_ARCH_RETAIL_CONSERVATIVE].mixer == 0);
	/* MEV bots are the busiest per wallet */
	KT_CHECK(per[K_ARCH_MEV].n / arch_n[K_ARCH_MEV] >
	         5 * per[K_ARCH_RETAIL_CONSERVATIVE].n / arch_n[K_ARCH_RETAIL_CONSERVATIVE]);
}

static void
test_contract(void)
{
	struct k_simwallet_params p;
	k_simwallet_default(&p);
	p.wallets = 3000;
	p.days = 20;
	p.seed = 11;
	size_t len, nrec;
	char *out = render(&p, &len, &nrec);
	if (out == NULL)
		return;

	static struct tally t;
	memset(&t, 0, sizeof t);
	t.start_ms = p.start_ms;
	t.lab = json_object();
	t.last = INT64_MIN;
	struct k_jscan scan;
	k_jscan_init(&scan, NULL);
	for (char *line = out; *line; ) {
		char *nl = strchr(line, '\n');
		if (tally_record(&t, &scan, line, (size_t)(nl - line)) < 0)
			break;
		line = nl + 1;
	}
	k_jscan_release(&scan);
	json_decref(t.lab);
	check_population(&t, &p);
	check_behaviour(&t);
	free(out);
}

static void
test_determinism(void)
{
	struct k_simwallet_params p;
	k_simwallet_default(&p);
	p.wallets = 400;
	p.days = 7;
	size_t l1, l2, l3, n1, n2, n3;
	char *a = render(&p, &l1, &n1);
	char *b = render(&p, &l2, &n2);
	p.seed = 2;
	char *c = render(&p, &l3, &n3);
	KT_CHECK(a && b && c);
	if (a && b && c) {
		KT_CHECK(l1 == l2 && memcmp(a, b, l1) == 0);
		KT_CHECK(l1 != l3 || memcmp(a, c, l1) != 0);
	}
	free(a);
	free(b);
	free(c);

	/* no malicious share: no malicious labels; no labels, no market */
	k_simwallet_default(&p);
	p.wallets = 200;
	p.days = 3;
	p.malicious = 0;
	a = render(&p, &l1, &n1);
	KT_CHECK(a != NULL && strstr(a, "\"malicious\":true") == NULL);
	free(a);
	p.labels = 0;
	p.market = 0;
	a = render(&p, &l1, &n1);
	KT_CHECK(a != NULL && strstr(a, "\"kind\":\"label\"") == NULL &&
	         strstr(a, "\"kind\":\"market\"") == NULL);
	free(a);
	/* a population of one archetype */
	k_simwallet_default(&p);
	p.wallets = 100;
	p.days = 5;
	for (int k = 0; k < K_ARCH_N; k++)
		p.mix[k] = k == K_ARCH_INSTITUTIONAL;
	p.malicious = 0;
	a = render(&p, &l1, &n1);
	KT_CHECK(a != NULL && strstr(a, "\"archetype\":\"retail_active\"") == NULL &&
	         strstr(a, "\"archetype\":\"institutional\"") != NULL);
	free(a);
}

static void
test_check(void)
{
	struct k_simwallet_params p;
	struct k_simwallet *s = (struct k_simwallet *)&p;
	struct k_error e;

	k_simwallet_default(&p);
	KT_CHECK(k_simwallet_check(&p) == NULL);
	p.wallets = 0;
	KT_CHECK(k_simwallet_check(&p) != NULL);
	KT_EQ_INT(k_simwallet_run(&p, &s, &e), K_EUSAGE);
	KT_CHECK(s == NULL);
	KT_CHECK(strstr(e.text, "wallets") != NULL);
	k_simwallet_default(&p);
	p.days = 0;
	KT_CHECK(strstr(k_simwallet_check(&p), "days") != NULL);
	k_simwallet_default(&p);
	p.malicious = 0.9;
	KT_CHECK(strstr(k_simwallet_check(&p), "malicious") != NULL);
	k_simwallet_default(&p);
	p.mix[3] = -1;
	KT_CHECK(strstr(k_simwallet_check(&p), "mix") != NULL);
	for (int k = 0; k < K_ARCH_N; k++)
		p.mix[k] = 0;
	KT_CHECK(strstr(k_simwallet_check(&p), "mix") != NULL);
	k_simwallet_default(&p);
	p.activity = NAN;
	KT_CHECK(strstr(k_simwallet_check(&p), "activity") != NULL);
	KT_EQ_INT(k_simwallet_arch_index("yield_farmer"), K_ARCH_YIELD_FARMER);
	KT_EQ_INT(k_simwallet_arch_index("gaming"), -1);
	KT_EQ_INT(k_simwallet_pattern_index("phishing_drain"), K_PAT_PHISHING);
	KT_EQ_INT(k_simwallet_pattern_index("none"), -1);
}

int
main(void)
{
	test_check();
	test_determinism();
	test_contract();
	KT_DONE();
}

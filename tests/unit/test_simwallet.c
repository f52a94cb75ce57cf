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

	/* labels first: address -> archetype, malicious */
	json_t *lab = json_object();
	int bad_tx = 0, bad_label = 0, bad_order = 0, bad_wei = 0;
	size_t ntx = 0, nlabel = 0, nmarket = 0, nnative = 0, ntoken = 0,
	       ninternal = 0, ncreate = 0, nfailed = 0, nmax = 0;
	size_t arch_n[K_ARCH_N] = { 0 }, pat_n[K_PAT_N] = { 0 };
	int64_t last = INT64_MIN;
	int seen_tx = 0;
	double gas_hour[24 * 40] = { 0 };
	struct per per[K_ARCH_N];
	memset(per, 0, sizeof per);
	char *line = out;
	struct k_jscan scan;
	k_jscan_init(&scan, NULL);
	while (*line) {
		char *nl = strchr(line, '\n');
		struct k_error e;
		json_t *o = k_json_parse(&scan, line, (size_t)(nl - line), &e);
		if (o == NULL) {
			KT_FAIL("unparsable record: %s", e.text);
			break;
		}
		const char *kind = json_string_value(json_object_get(o, "kind"));
		int64_t ts;
		if (k_json_ts(o, "ts", &ts, &e) != K_OK)
			bad_order++;
		if (strcmp(kind, "label") == 0) {
			nlabel++;
			if (seen_tx)
				bad_order++;
			if (!is_addr(json_object_get(o, "entity")) ||
			    !json_is_boolean(json_object_get(o, "malicious")))
				bad_label++;
			json_t *a = json_object_get(o, "archetype");
			json_t *pt = json_object_get(o, "pattern");
			if (json_is_string(a)) {
				int k = k_simwallet_arch_index(json_string_value(a));
				if (k < 0)
					bad_label++;
				else
					arch_n[k]++;
			}
			if (json_is_true(json_object_get(o, "malicious"))) {
				int k = json_is_string(pt) ?
				        k_simwallet_pattern_index(json_string_value(pt)) : -1;
				if (k < 0)
					bad_label++;
				else
					pat_n[k]++;
			} else if (!json_is_null(pt)) {
				bad_label++;
			}
			json_object_set(lab, json_string_value(json_object_get(o, "entity")), o);
		} else {
			seen_tx = 1;
			if (ts < last)
				bad_order++;
			last = ts;
		}
		if (strcmp(kind, "market") == 0) {
			nmarket++;
			double g = json_number_value(json_object_get(o, "gas_gwei"));
			size_t h = (size_t)((ts - p.start_ms) / K_MS_PER_HOUR);
			if (h < sizeof gas_hour / sizeof gas_hour[0])
				gas_hour[h] = g;
			if (!(g > 0) || !(json_number_value(json_object_get(o, "eth_usd")) > 0))
				bad_tx++;
		}
		if (strcmp(kind, "tx") == 0) {
			ntx++;
			static const char *const need[] = { "ts", "chain", "hash",
				"from", "to", "value_wei", "value", "token",
				"gas_price_gwei", "gas_used", "success", "method" };
			for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
				if (json_object_get(o, need[i]) == NULL)
					bad_tx++;
			const char *h = json_string_value(json_object_get(o, "hash"));
			if (h == NULL || strlen(h) != 66)
				bad_tx++;
			if (!is_addr(json_object_get(o, "from")))
				bad_tx++;
			json_t *to = json_object_get(o, "to");
			if (!json_is_null(to) && !is_addr(to))
				bad_tx++;
			if (json_is_null(to))
				ncreate++;
			const char *vw = json_string_value(json_object_get(o, "value_wei"));
			struct k_wei w;
			json_t *dec = json_object_get(o, "decimals");
			unsigned d = dec ? (unsigned)json_integer_value(dec) : 18;
			if (vw == NULL ||
			    k_wei_parse(vw, strlen(vw), K_WEI_DEC, &w, &e) != K_OK ||
			    k_wei_to_double(&w, d) !=
			    json_number_value(json_object_get(o, "value")))
				bad_wei++;
			if (vw && strlen(vw) == 78)
				nmax++;
			const char *xf = json_string_value(json_object_get(o, "transfer"));
			if (strcmp(xf, "native") == 0)
				nnative++;
			else if (strcmp(xf, "token") == 0)
				ntoken++;
			else
				ninternal++;
			if (!json_is_true(json_object_get(o, "success")))
				nfailed++;
			/* per-archetype behaviour of senders of native txs */
			json_t *l = json_object_get(lab, json_string_value(json_object_get(o, "from")));
			json_t *a = l ? json_object_get(l, "archetype") : NULL;
			int k = a && json_is_string(a) ?
			        k_simwallet_arch_index(json_string_value(a)) : -1;
			if (k >= 0 && strcmp(xf, "native") == 0 &&
			    json_is_false(json_object_get(l, "malicious"))) {
				size_t hr = (size_t)((ts - p.start_ms) / K_MS_PER_HOUR);
				double mg = hr < 24 * 40 ? gas_hour[hr] : 0;
				per[k].n++;
				if (!json_is_null(json_object_get(o, "method"))) {
					per[k].calls++;
					per[k].fail += !json_is_true(json_object_get(o, "success"));
				}
				if (mg > 0)
					per[k].gasrel += json_number_value(
						json_object_get(o, "gas_price_gwei")) / mg;
				const char *toa = json_string_value(to);
				if (toa && (strcmp(toa, "0x47ce0c6ed5b0ce3d3a51fdb1c52dc66a7c3c2936") == 0 ||
				            strcmp(toa, "0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc") == 0 ||
				            strcmp(toa, "0x910cbd523d972eb0a6f4cae4618ad62622b39dbf") == 0))
					per[k].mixer++;
			}
		}
		json_decref(o);
		line = nl + 1;
	}
	k_jscan_release(&scan);
	json_decref(lab);
	KT_EQ_INT(bad_tx, 0);
	KT_EQ_INT(bad_label, 0);
	KT_EQ_INT(bad_order, 0);
	KT_EQ_INT(bad_wei, 0);
	KT_CHECK(nmarket == (size_t)(p.days * 24));
	KT_CHECK(ntx > 20000);
	KT_CHECK(nnative > 0 && ntoken > 0 && ninternal > 0);
	KT_CHECK(ncreate > 0);            /* launches, MEV bots, attackers */
	KT_CHECK(nfailed > 0);
	KT_CHECK(nmax > 0);               /* spam air-drops of 2^256-1 */
	for (int k = 0; k < K_ARCH_N; k++)
		KT_CHECK(arch_n[k] > 0);
	for (int k = 1; k < K_PAT_N; k++)
		KT_CHECK(pat_n[k] > 0);
	size_t mal = 0;
	for (int k = 1; k < K_PAT_N; k++)
		mal += pat_n[k];
	/* the malicious share reaches its target without overshooting by
	 * more than one scheme's addresses */
	KT_CHECK(mal >= (size_t)(p.malicious * p.wallets));
	KT_CHECK(mal < (size_t)(p.malicious * p.wallets) + 80);
	fprintf(stderr, "test_simwallet: %zu wallets x %g days: %zu tx "
	        "(%zu native, %zu token, %zu internal, %zu failed), %zu labels, "
	        "%zu malicious\n", p.wallets, p.days, ntx, nnative, ntoken,
	        ninternal, nfailed, nlabel, mal);
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

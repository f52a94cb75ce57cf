/*
 * test_tx.c - the tx record: what k_tx_write writes k_tx_read reads back
 * unchanged; addresses in any case come back lower-cased; every field's
 * bad value is refused with a message naming the field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/k_buf.h"
#include "records/k_tx.h"
#include "text/k_jscan.h"
#include "ktest.h"

static struct k_jscan S;

static enum k_status
read_line(const char *line, struct k_tx *t, struct k_error *e)
{
	if (k_jscan_line(&S, line, strlen(line), e) != K_OK)
		return K_EINTERNAL;
	return k_tx_read(&S, t, e);
}

#define BASE "\"kind\":\"tx\",\"ts\":\"2024-03-01T12:00:00Z\"," \
	"\"from\":\"0x00000000000000000000000000000000000000aa\","

static void
expect_bad(const char *rest, const char *field, const char *needle)
{
	char line[1024];
	struct k_tx t;
	struct k_error e;
	snprintf(line, sizeof line, "{" BASE "%s}", rest);
	enum k_status st = read_line(line, &t, &e);
	KT_EQ_INT(st, K_EDATA);
	if (st == K_EDATA) {
		KT_EQ_STR(e.field, field);
		if (strstr(e.text, needle) == NULL)
			KT_FAIL("message \"%s\" lacks \"%s\"", e.text, needle);
	}
}

static void
test_roundtrip(void)
{
	struct k_tx t, u;
	struct k_buf b;
	struct k_error e;

	k_tx_init(&t);
	t.ts = INT64_C(1709294400000);
	snprintf(t.hash, sizeof t.hash, "0x%064d", 7);
	snprintf(t.from, sizeof t.from, "0x%040d", 1);
	snprintf(t.to, sizeof t.to, "0x%040d", 2);
	KT_EQ_INT(k_wei_parse("1500000", 7, K_WEI_DEC, &t.value_wei, &e), K_OK);
	t.decimals = 6;
	snprintf(t.token, sizeof t.token, "USDC");
	snprintf(t.token_address, sizeof t.token_address,
	         "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
	t.gas_price_gwei = 21.5;
	t.gas_used = 52000;
	t.success = 1;
	snprintf(t.method, sizeof t.method, "transfer");
	t.transfer = K_TX_TOKEN;
	t.block = 19000000;
	t.log_index = 3;
	k_buf_init(&b);
	k_tx_write(&b, &t);
	KT_EQ_STR(k_buf_cstr(&b),
	          "{\"kind\":\"tx\",\"ts\":\"2024-03-01T12:00:00Z\",\"chain\":"
	          "\"ethereum\",\"hash\":\"0x0000000000000000000000000000000000"
	          "000000000000000000000000000007\",\"from\":\"0x000000000000000"
	          "0000000000000000000000001\",\"to\":\"0x000000000000000000000"
	          "0000000000000000002\",\"value_wei\":\"1500000\",\"value\":1.5,"
	          "\"token\":\"USDC\",\"gas_price_gwei\":21.5,\"gas_used\":52000,"
	          "\"success\":true,\"method\":\"transfer\",\"transfer\":\"token\","
	          "\"block\":19000000,\"token_address\":\"0xa0b86991c6218b36c1d19"
	          "d4a2e9eb0ce3606eb48\",\"decimals\":6,\"log_index\":3}");
	KT_EQ_INT(read_line(k_buf_cstr(&b), &u, &e), K_OK);
	KT_CHECK(u.ts == t.ts);
	KT_EQ_STR(u.hash, t.hash);
	KT_EQ_STR(u.from, t.from);
	KT_EQ_STR(u.to, t.to);
	KT_CHECK(k_wei_cmp(&u.value_wei, &t.value_wei) == 0);
	KT_EQ_INT(u.decimals, 6);
	KT_EQ_STR(u.token, "USDC");
	KT_EQ_STR(u.token_address, t.token_address);
	KT_CHECK(u.gas_price_gwei == 21.5);
	KT_EQ_INT(u.gas_used, 52000);
	KT_EQ_INT(u.success, 1);
	KT_EQ_STR(u.method, "transfer");
	KT_EQ_INT(u.transfer, K_TX_TOKEN);
	KT_EQ_INT(u.block, 19000000);
	KT_EQ_INT(u.log_index, 3);
	KT_CHECK(u.has_value && u.value == 1.5);

	/* a contract creation, unknowns, ETH */
	k_tx_init(&t);
	t.ts = INT64_C(1709294400000);
	snprintf(t.from, sizeof t.from, "0x%040d", 1);
	snprintf(t.contract_address, sizeof t.contract_address, "0x%040d", 9);
	snprintf(t.trace_id, sizeof t.trace_id, "0_1");
	t.success = -1;
	t.transfer = K_TX_INTERNAL;
	k_buf_reset(&b);
	k_tx_write(&b, &t);
	KT_CHECK(strstr(k_buf_cstr(&b), "\"hash\":null,") != NULL);
	KT_CHECK(strstr(k_buf_cstr(&b), "\"to\":null,") != NULL);
	KT_CHECK(strstr(k_buf_cstr(&b), "\"value_wei\":\"0\",\"value\":0,"
	                "\"token\":null,\"gas_price_gwei\":null,\"gas_used\":null,"
	                "\"success\":null,\"method\":null,\"transfer\":\"internal\","
	                "\"trace_id\":\"0_1\",\"contract_address\"") != NULL);
	KT_CHECK(strstr(k_buf_cstr(&b), "decimals") == NULL);
	KT_EQ_INT(read_line(k_buf_cstr(&b), &u, &e), K_OK);
	KT_EQ_STR(u.to, "");
	KT_EQ_INT(u.success, -1);
	KT_CHECK(isnan(u.gas_price_gwei));
	KT_EQ_INT(u.gas_used, -1);
	KT_EQ_STR(u.trace_id, "0_1");
	KT_EQ_STR(u.contract_address, t.contract_address);
	k_buf_release(&b);
}

static void
test_lenient(void)
{
	struct k_tx t;
	struct k_error e;

	/* checksummed addresses and hash are lower-cased; "" to is a
	 * creation (Etherscan); transfer defaults from token */
	KT_EQ_INT(read_line("{\"kind\":\"tx\",\"ts\":\"2024-03-01T12:00:00Z\","
	                    "\"hash\":\"0xABCDEF0000000000000000000000000000000000"
	                    "000000000000000000000000\",\"from\":\"0xA0b86991c621"
	                    "8b36c1d19D4a2e9Eb0cE3606eB48\",\"to\":\"\","
	                    "\"value_wei\":\"00\"}", &t, &e), K_OK);
	KT_EQ_STR(t.from, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
	KT_EQ_STR(t.hash, "0xabcdef0000000000000000000000000000000000000000000000000000000000");
	KT_EQ_STR(t.to, "");
	KT_EQ_INT(t.transfer, K_TX_NATIVE);
	KT_EQ_INT(t.success, 1);
	KT_EQ_INT(read_line("{" BASE "\"to\":null,\"value_wei\":\"5\",\"token\":"
	                    "\"PEPE\",\"trace_id\":7}", &t, &e), K_OK);
	KT_EQ_INT(t.transfer, K_TX_TOKEN);
	KT_EQ_STR(t.trace_id, "7");
}

static void
test_bad(void)
{
	const char *to = "\"to\":\"0x00000000000000000000000000000000000000bb\",";

	expect_bad("\"to\":null", "value_wei", "field 'value_wei': missing");
	expect_bad("\"value_wei\":\"1\"", "to", "field 'to': missing");
	{
		char r[256];
		snprintf(r, sizeof r, "%s\"value_wei\":1000", to);
		expect_bad(r, "value_wei", "expected decimal string, got number");
		snprintf(r, sizeof r, "%s\"value_wei\":\"-1\"", to);
		expect_bad(r, "value_wei", "a sign is not allowed");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1157920892373161954235709"
		         "85008687907853269984665640564039457584007913129639936\"", to);
		expect_bad(r, "value_wei", "exceeds 2^256-1");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1.5\"", to);
		expect_bad(r, "value_wei", "fraction");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"value\":\"1\"", to);
		expect_bad(r, "value", "expected number or null");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"success\":\"yes\"", to);
		expect_bad(r, "success", "expected boolean or null, got string");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"gas_used\":1.5", to);
		expect_bad(r, "gas_used", "expected an integer");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"gas_price_gwei\":-2", to);
		expect_bad(r, "gas_price_gwei", "negative");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"transfer\":\"erc20\"", to);
		expect_bad(r, "transfer", "expected \"native\"");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"transfer\":\"token\"", to);
		expect_bad(r, "token", "needs token or token_address");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"hash\":\"0x12\"", to);
		expect_bad(r, "hash", "malformed hash");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"decimals\":99", to);
		expect_bad(r, "decimals", "from 0 to 77");
		snprintf(r, sizeof r, "%s\"value_wei\":\"1\",\"token_address\":\"x\"", to);
		expect_bad(r, "token_address", "malformed address");
	}
	expect_bad("\"to\":\"0x12\",\"value_wei\":\"1\"", "to",
	           "field 'to': malformed address \"0x12\"");
	expect_bad("\"to\":\"0x00000000000000000000000000000000000000zz\","
	           "\"value_wei\":\"1\"", "to", "malformed address");
	expect_bad("\"to\":5,\"value_wei\":\"1\"", "to",
	           "expected string or null, got number");

	struct k_tx t;
	struct k_error e;
	KT_EQ_INT(read_line("{\"kind\":\"tx\",\"ts\":\"yesterday\",\"from\":\"0x"
	                    "00000000000000000000000000000000000000aa\",\"to\":null,"
	                    "\"value_wei\":\"1\"}", &t, &e), K_EDATA);
	KT_EQ_STR(e.field, "ts");
	KT_EQ_INT(read_line("{\"kind\":\"tx\",\"ts\":\"2024-03-01T12:00:00Z\","
	                    "\"from\":\"0xAA\",\"to\":null,\"value_wei\":\"1\"}",
	                    &t, &e), K_EDATA);
	KT_EQ_STR(e.field, "from");
	KT_EQ_INT(read_line("{\"kind\":\"tx\",\"ts\":\"2024-03-01T12:00:00Z\","
	                    "\"from\":null,\"to\":null,\"value_wei\":\"1\"}",
	                    &t, &e), K_EDATA);
	KT_EQ_STR(e.field, "from");
	KT_CHECK(strstr(e.text, "expected string, got null") != NULL);
	KT_EQ_INT(read_line("{\"kind\":\"tx\",\"ts\":\"2024-03-01T12:00:00Z\","
	                    "\"from\":\"\",\"to\":null,\"value_wei\":\"1\"}",
	                    &t, &e), K_EDATA);
	KT_EQ_STR(e.field, "from");
}

/* Count the addresses k_tx_addr_file passes on. */
static enum k_status
count_addr(void *arg, const char *addr, struct k_error *err)
{
	(void)err;
	KT_EQ_INT(strlen(addr), 42);
	(*(int *)arg)++;
	return K_OK;
}

/* The address file: comments and blank lines skipped, a bad line named by
 * file and line in the text and in err.line. */
static void
test_addr_file(void)
{
	char path[] = "/tmp/test_tx.XXXXXX";
	struct k_error e;
	int fd = mkstemp(path), n = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	KT_CHECK(f != NULL);
	if (f == NULL)
		return;
	fprintf(f, "# watched\n0x%040d\n\n0X%040d \r\nnot-an-address\n", 1, 2);
	fclose(f);
	KT_EQ_INT(k_tx_addr_file(path, count_addr, &n, &e), K_EDATA);
	KT_EQ_INT(n, 2);
	KT_EQ_INT(e.line, 5);
	KT_CHECK(strstr(e.text, ":5: 'not-an-address' is not an address") != NULL);
	KT_EQ_INT(k_tx_addr_file("/nonexistent/addresses", count_addr, &n, &e),
	          K_ENOINPUT);
	KT_EQ_INT(e.line, 0);
	unlink(path);
}

/* Opaque ids in address form, and back. */
static void
test_ids(void)
{
	char a[K_TX_ADDR], id[K_TX_ADDR];

	KT_EQ_INT(k_tx_id_addr("17", 2, a), 0);
	KT_EQ_STR(a, "0x0000000000000000000000000000000000003137");
	KT_EQ_INT(k_tx_addr_id(a, id, sizeof id), 0);
	KT_EQ_STR(id, "17");
	KT_EQ_INT(k_tx_id_addr("node:0123456789abcde", 20, a), 0);
	KT_EQ_INT(k_tx_addr_id(a, id, sizeof id), 0);
	KT_EQ_STR(id, "node:0123456789abcde");
	KT_EQ_INT(k_tx_id_addr("", 0, a), -1);
	KT_EQ_INT(k_tx_id_addr("a b", 3, a), -1);
	KT_EQ_INT(k_tx_id_addr("123456789012345678901", 21, a), -1);
	/* A real address encodes no id: its bytes are not all printable. */
	KT_EQ_INT(k_tx_addr_id("0xdfc24b077bc1425ad1dea75bcb6f8158e10df303", id,
	                       sizeof id), -1);
	KT_EQ_INT(k_tx_addr_id("0x0000000000000000000000000000000000000000", id,
	                       sizeof id), -1);
	KT_EQ_INT(k_tx_addr_id("0x00", id, sizeof id), -1);
}

int
main(void)
{
	test_ids();
	k_jscan_init(&S, NULL);
	test_roundtrip();
	test_lenient();
	test_bad();
	test_addr_file();
	k_jscan_release(&S);
	KT_DONE();
}

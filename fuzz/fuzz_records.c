/*
 * fuzz_records.c - the record checks of fuzz_records.h: what a source
 * writes, the next program in the pipe must be able to read.
 */
#include <string.h>

#include "base/k_buf.h"
#include "text/k_jscan.h"
#include "fuzz.h"
#include "fuzz_records.h"

static struct k_jscan scan;
static int ready;

/* The line in b scanned into scan, or abort. */
static void
must_scan(const struct k_buf *b, const char *what)
{
	struct k_error err;

	if (!ready) {
		k_jscan_init(&scan, NULL);
		ready = 1;
	}
	FUZZ_CHECK(!b->oom, "out of memory");
	FUZZ_CHECK(k_jscan_line(&scan, b->data, b->len, &err) == K_OK,
	           "%s written is refused by the scanner: %s: %.*s", what,
	           err.text, (int)b->len, b->data);
}

void
fuzz_tx_reads_back(const struct k_tx *t)
{
	struct k_buf b1, b2;
	struct k_error err;
	struct k_tx t2;

	k_buf_init(&b1);
	k_buf_init(&b2);
	k_tx_write(&b1, t);
	must_scan(&b1, "a tx record");
	FUZZ_CHECK(k_tx_read(&scan, &t2, &err) == K_OK,
	           "a tx record written does not read back: %s: %.*s",
	           err.text, (int)b1.len, b1.data);
	k_tx_write(&b2, &t2);
	FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0,
	           "a tx record read back is written differently:\n%.*s\n%.*s",
	           (int)b1.len, b1.data, (int)b2.len, b2.data);
	k_buf_release(&b1);
	k_buf_release(&b2);
}

void
fuzz_raw_scans(const struct k_raw *r)
{
	struct k_buf b;

	k_buf_init(&b);
	k_raw_write(&b, r);
	must_scan(&b, "a raw record");
	k_buf_release(&b);
}

/*
 * fuzz_tx.c - the tx record reader (records/k_tx) on a line the scanner
 * accepts, as kfeatures wallet reads one: whatever it reads must be
 * written by k_tx_write as a line that the scanner and k_tx_read accept
 * again, and written once more gives the same bytes (the writer and the
 * reader agree, and reading loses nothing the writer keeps).
 */
#include <string.h>

#include "base/k_buf.h"
#include "records/k_tx.h"
#include "text/k_jscan.h"
#include "fuzz.h"
#include "fuzz_records.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct k_jscan s;
	static int ready;
	struct k_error err;
	struct k_tx t;

	if (!ready) {
		k_jscan_init(&s, NULL);
		ready = 1;
	}
	if (k_jscan_line(&s, (const char *)data, size, &err) != K_OK ||
	    k_tx_read(&s, &t, &err) != K_OK)
		return 0;
	fuzz_tx_reads_back(&t);
	return 0;
}

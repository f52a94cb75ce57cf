/*
 * fuzz_records.h - checks on the records a parser produced, shared by the
 * targets: a tx record written reads back the same, a raw record written
 * is a line the scanner accepts. Each aborts (FUZZ_CHECK) when not.
 */
#ifndef FUZZ_RECORDS_H
#define FUZZ_RECORDS_H

#include "records/k_raw.h"
#include "records/k_tx.h"

/* t written, scanned and read again is written as the same bytes. */
void fuzz_tx_reads_back(const struct k_tx *t);

/* r written is one line the scanner accepts as an object. */
void fuzz_raw_scans(const struct k_raw *r);

#endif

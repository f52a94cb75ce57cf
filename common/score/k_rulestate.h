/*
 * k_rulestate.h - the memory of the rule-based monitor between rows and
 * between runs: open deviation runs, recent liquidation counts, the pnl
 * history z-scores need, alert onsets. Kept in a small JSON file replaced
 * atomically under a lock, so a kscore started by cron every minute
 * behaves like one long-running monitor ("sustained for 30 s", cascades
 * that span two invocations).
 */
#ifndef K_RULESTATE_H
#define K_RULESTATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_lockfile.h"
#include "base/k_status.h"

#define K_RULESTATE_FORMAT 1     /* file format version written and read */
#define K_RULESTATE_PNL 256      /* pnl_24h history kept (rules use <= this) */
#define K_RULESTATE_LIQ 64       /* short rows kept for cross-row cascades */
#define K_RULESTATE_ONSETS 64    /* alert onsets kept (the last 24 h) */

struct k_rulestate_liq {
	int64_t start, end;   /* the row's bucket, ms */
	double count;         /* liquidations in it */
};

struct k_rulestate {
	int64_t last_ts;      /* ts of the newest row applied; INT64_MIN: none */
	int64_t last_end;     /* its bucket end, ms */
	int64_t dev_since;    /* start of a deviation run open at last_end,
	                         ms; INT64_MIN: none */
	double pnl[K_RULESTATE_PNL]; /* pnl_24h of past rows, ring, USD */
	size_t npnl, pnl_first;
	struct k_rulestate_liq liq[K_RULESTATE_LIQ]; /* ring, oldest first */
	size_t nliq, liq_first;
	int64_t onsets[K_RULESTATE_ONSETS]; /* times rules reached HIGH, ring */
	size_t nonsets, onset_first;
	uint32_t active;      /* rules at HIGH or above in the newest row */
	long rows;            /* rows applied, over every run */
};

/* An empty state. */
void k_rulestate_init(struct k_rulestate *s);

/* Ring helpers: append (dropping the oldest when full) and index (0 is
 * the oldest). */
void k_rulestate_pnl_push(struct k_rulestate *s, double v);
double k_rulestate_pnl_at(const struct k_rulestate *s, size_t i);
void k_rulestate_liq_push(struct k_rulestate *s, int64_t start, int64_t end,
                       double count);
const struct k_rulestate_liq *k_rulestate_liq_at(const struct k_rulestate *s,
                                           size_t i);
void k_rulestate_onset_push(struct k_rulestate *s, int64_t t);
int64_t k_rulestate_onset_at(const struct k_rulestate *s, size_t i);

/*
 * The state file. k_rulestate_open takes an exclusive lock on path + ".lock"
 * (waiting up to 5 s, then K_ETEMPFAIL) and loads path into s; a missing
 * file gives an empty state. A file that does not parse, or was written
 * by a newer format, is K_EDATA naming the file and the field. lock
 * receives the lock to hand to k_rulestate_close (not held on failure).
 */
enum k_status k_rulestate_open(struct k_rulestate *s, const char *path,
                               struct k_lockfile *lock,
                               struct k_error *err);

/* Write s to path atomically (k_lockfile_replace: a temporary file in the
 * same directory, fsync, rename, fsync the directory). K_ECANTCREAT or
 * K_EIO. */
enum k_status k_rulestate_save(const struct k_rulestate *s,
                               const char *path, struct k_error *err);

/* Release the lock taken by k_rulestate_open (safe when not held). */
void k_rulestate_close(struct k_lockfile *lock);

/* Load from / dump to JSON text (the file's content); used by open/save
 * and the tests. k_rulestate_parse fills err with the field at fault. */
enum k_status k_rulestate_parse(struct k_rulestate *s, const char *text,
                             size_t len, struct k_error *err);
/* Returns malloc'd NUL-terminated JSON, or NULL when out of memory. */
char *k_rulestate_dump(const struct k_rulestate *s);

#endif

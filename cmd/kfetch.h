/*
 * kfetch.h - the sources kfetch can read, one entry each (cmd/kfetch/<source>.c,
 * main-like, argv[0] is "kfetch <source>"), and what every source shares
 * (cmd/kfetch/shared.c): the time window and follow options, comma lists,
 * the stop flag, and the run that collects records, writes them in time
 * order and turns statuses into the exit code.
 */
#ifndef KFETCH_H
#define KFETCH_H

#include <argp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "cli/k_optval.h"
#include "cli/k_progress.h"
#include "net/k_http.h"
#include "records/k_raw.h"

int kfetch_hyperliquid(int argc, char **argv);
int kfetch_binance(int argc, char **argv);
int kfetch_simulate(int argc, char **argv);
int kfetch_simulate_wallet(int argc, char **argv);
int kfetch_csv(int argc, char **argv);
int kfetch_etherscan(int argc, char **argv);
int kfetch_ethrpc(int argc, char **argv);

/* ---- shared by the sources ---- */

#define KFETCH_UNSET INT64_MIN

struct kfetch_window {
	double days;        /* --days: window length ending at --end or now */
	int64_t start, end; /* --start, --end, ms; KFETCH_UNSET if not given */
	int follow;         /* --follow */
	double interval;    /* --interval: seconds between polls */
	long count;         /* --count: polls in all, 0 until stopped */
};

/* --days, --start, --end, --follow, --interval, --count; input is a
 * struct kfetch_window *, preset by the source with its defaults. */
extern const struct argp kfetch_window_argp;

/* The window [start, end) for now, or K_EUSAGE in err. */
enum k_status kfetch_window_resolve(const struct kfetch_window *w,
                                    int64_t now, int64_t *start,
                                    int64_t *end, struct k_error *err);

/* A comma-separated list, split into owned strings. */
/* Set by SIGINT and SIGTERM once kfetch_catch_signals has run. */
extern volatile sig_atomic_t kfetch_stop;
void kfetch_catch_signals(void);

/* One run of a source: records collected per poll, written in time order;
 * bad elements and notices reported with the source's name. */
struct kfetch_run {
	const char *source;     /* "hyperliquid", for messages */
	struct k_raw_out out;
	struct k_progress prog;
	long rejected;          /* bad elements and bad responses */
	int quiet_notes;        /* notes only with -v (later polls) */
};

void kfetch_run_init(struct kfetch_run *r, const char *source);
void kfetch_run_release(struct kfetch_run *r);
/* Callbacks for k_hyperliquid / k_binance / k_http; ctx is the run. */
void kfetch_on_reject(void *ctx, const struct k_error *e);
void kfetch_on_note(void *ctx, const char *msg);
void kfetch_on_notify(void *ctx, const char *msg);
void kfetch_on_progress(void *ctx, const char *label, size_t n);
/* Collect records; exits 70 when out of memory. */
void kfetch_add(struct kfetch_run *r, const struct k_raw_vec *v);
/* Write what was collected, in time order, and forget it. */
void kfetch_flush(struct kfetch_run *r);
/* After a fetcher returned st: K_OK and K_EDATA (the response was
 * reported; other series go on) return 0; anything else is reported and
 * returns 1: the caller flushes and ends with kfetch_finish. */
int kfetch_check(struct kfetch_run *r, enum k_status st,
                 const struct k_error *err);
/* Flush, print the summary (unless -q), finish stdout; the exit code:
 * st if it is an error, else 65 if anything was rejected, else 0. */
int kfetch_finish(struct kfetch_run *r, struct k_http *h, enum k_status st);

/* The base URL: the flag, else the environment variable env, else def;
 * without a trailing '/'. Owned by the caller. */
char *kfetch_base_url(const char *flag, const char *env, const char *def);

/* Seed for backoff jitter (not for anything that must repeat). */
uint64_t kfetch_jitter_seed(void);

/* --follow: after the first poll returned st, poll (ctx, now) every
 * interval until count polls, a signal, an error, or the end of a
 * recording being replayed; each poll's records are flushed. Returns the
 * status to finish with. */
enum k_status kfetch_follow(struct kfetch_run *run,
                            const struct kfetch_window *w, struct k_http *h,
                            enum k_status st,
                            enum k_status (*poll)(void *ctx, int64_t now),
                            void *ctx);

/* The HTTP client of a source, set up alike for all: SIGINT and SIGTERM
 * caught to stop it, rng seeded for backoff jitter, budget (requests'
 * weight a minute, 0 none) against base, notices through run. A client
 * that cannot be made (a bad --replay or --record) ends the program with
 * the message and its status. */
struct k_http *kfetch_http_open(struct k_http_params *p, struct kfetch_run *run,
                                const char *base, int budget,
                                struct k_rng *rng);

#endif

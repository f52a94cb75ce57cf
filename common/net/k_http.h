/*
 * k_http.h - HTTP(S) for every program that fetches, over libcurl: TLS
 * verification always on, timeouts, retries with backoff and jitter on
 * timeouts, 5xx and 429 (honouring Retry-After), a per-host weight budget
 * (Hyperliquid: 1200 a minute), and --record/--replay of every response and
 * clock reading so that a command can be run again offline, exactly.
 */
#ifndef K_HTTP_H
#define K_HTTP_H

#include <argp.h>
#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "base/k_status.h"

/*
 * A recording is a directory holding index.ndjson (one line per response,
 * failure or clock reading, in order) and one file per response body. On
 * replay a request is answered by the next unused recorded response with
 * the same method, path and body; nothing sleeps.
 */

/*
 * The default bound on one response, counted after decompression (a
 * 100 KB gzip body can inflate to 100 MB): 32 MiB. Parsed, a response
 * costs up to about 20 times its size (jansson spends some 40 bytes on
 * each value; "[0,0,...]" is the worst case), so one response stays
 * under about 700 MB of memory; the largest recorded in data/ is 180 KB.
 * A program that needs more sets params.max_body.
 */
#define K_HTTP_MAX_BODY ((size_t)32 << 20)

struct k_http_params {
	const char *base_url;   /* --base-url; NULL: the caller's default */
	double timeout;         /* whole request, s (30) */
	double connect_timeout; /* s (10) */
	int retries;            /* attempts after the first failure (5) */
	double retry_wait;      /* first backoff, s (1); doubles each retry */
	double retry_wait_max;  /* longest single backoff, s (60) */
	double max_retry_after; /* longest Retry-After honoured, s (300);
	                           a longer one gives up at once (rate limited) */
	double weight_budget;   /* request weight per window per host; 0: none,
	                           < 0: the caller's default */
	double budget_window;   /* that window, s (60) */
	const char *record_dir; /* --record DIR, or NULL */
	const char *replay_dir; /* --replay DIR, or NULL */
	size_t max_body;        /* largest response accepted, bytes once
	                           decompressed (K_HTTP_MAX_BODY); a larger
	                           one is K_EDATA, not retried */
	const char *redact;     /* query parameters never recorded or matched,
	                           and secret (see below), comma-separated
	                           ("apikey"), or NULL */
	const volatile sig_atomic_t *stop; /* set by a signal: give up soon */
};

void k_http_params_default(struct k_http_params *p);
/* A message if p is unusable, else NULL. */
const char *k_http_params_check(const struct k_http_params *p);

/* The network options every fetching program shares: --base-url,
 * --timeout, --connect-timeout, --retries, --retry-wait, --max-retry-after,
 * --weight-budget, --record, --replay. Its input is a
 * struct k_http_params * (set child_inputs in ARGP_KEY_INIT). */
extern const struct argp k_http_argp;

struct k_http;

/* Open a client. program names the recording ("kfetch hyperliquid"); rng
 * (borrowed, may be NULL for no jitter) jitters the backoff. With
 * record_dir, the directory is created and must not hold a recording yet
 * (K_ECANTCREAT); with replay_dir its index is read (K_ENOINPUT, K_EDATA).
 * Returns NULL and fills err on failure. */
struct k_http *k_http_alloc(const struct k_http_params *p, const char *program,
                            struct k_rng *rng, struct k_error *err);
void k_http_free(struct k_http *h);

/* Notices for people (a retry, a wait for the budget); msg is complete. */
void k_http_set_notify(struct k_http *h,
                       void (*fn)(void *ctx, const char *msg), void *ctx);

/* Budget for one host ("https://api.hyperliquid.xyz"), weight per minute;
 * overridden by params.weight_budget when that is >= 0. */
void k_http_set_budget(struct k_http *h, const char *base, double per_minute);

/*
 * Secrets. A request's secrets are the values of its secret query
 * parameters (secret_query and params.redact), the user:password of its
 * base URL, and with secret_path the path of its base after the host (a
 * node's key: Infura's /v3/KEY, Alchemy's /v2/KEY). A server that says
 * the request back would put them in its answer; k_http replaces every
 * occurrence, as sent, percent-decoded, and the user:password also in
 * base64 (the Authorization header), with "<redacted>": in the body
 * before it is parsed or recorded (so no caller's message can show one),
 * in its messages and in err. The parameters are also left out of the
 * recording and of the match on replay. A secret shorter than 6 bytes is
 * not looked for (it would match ordinary data).
 */
struct k_http_req {
	const char *method;  /* "GET" or "POST" */
	const char *base;    /* scheme://[user:password@]host[:port][/prefix],
	                        no trailing / */
	const char *path;    /* "/info", "/api/v3/klines?symbol=BTCUSDT&..." */
	const char *body;    /* POST body (JSON), or NULL */
	const char *label;   /* for messages and file names: "candleSnapshot BTC" */
	double weight;       /* budget charged before sending */
	const char *secret_query; /* secret query parameters, comma-separated
	                             ("apikey"), or NULL */
	int secret_path;     /* 1: base's path after the host is a secret */
};

/* Append s to out percent-encoded for a query value: everything but
 * letters, digits and "-._~" (so '&', '+', '=' and '/' reach the server
 * as themselves). */
void k_http_query_escape(struct k_buf *out, const char *s);

struct k_http_resp {
	long status;         /* HTTP status of the answer used */
	struct k_buf body;   /* the raw body */
	json_t *json;        /* the parsed body (owned: k_http_resp_release) */
	int64_t time_ms;     /* when it arrived (the recorded time on replay) */
	int attempts;        /* requests made for it */
};

void k_http_resp_init(struct k_http_resp *r);
void k_http_resp_release(struct k_http_resp *r);

/*
 * Send q and parse a 2xx answer as JSON into r->json. Timeouts, transport
 * errors, 5xx, 408, 429, 418 and bodies that are not valid JSON are retried
 * up to params.retries times. Returns K_OK, or: K_ETEMPFAIL if still rate
 * limited (or Retry-After is too long); K_EUNAVAIL if the service stays
 * down or refuses (401, 403, 451, other 4xx with no better code);
 * K_EDATA if it answers 400/404/422 or keeps sending invalid JSON;
 * K_ECONFIG for a bad URL; K_ENOINPUT when a replay has no answer;
 * K_ECANTCREAT/K_EIO if recording fails. err's text starts with q->label.
 */
enum k_status k_http_json(struct k_http *h, const struct k_http_req *q,
                          struct k_http_resp *r, struct k_error *err);

/* Charge extra weight to base's budget after a response (Hyperliquid
 * charges per item returned). */
void k_http_charge(struct k_http *h, const char *base, double weight);

/* The time now, ms since the epoch. Recorded on --record, and read back in
 * the same order on --replay, so a replayed command asks for the same
 * time windows. */
int64_t k_http_now(struct k_http *h);

/* Sleep s seconds (not at all on replay). Returns 1 if stopped early by
 * params.stop. */
int k_http_sleep(struct k_http *h, double s);

/* 1 if replaying and the last failure was a request the recording had no
 * more answers for (the end of a recorded --follow). */
int k_http_replay_exhausted(const struct k_http *h);

/* 1 when replaying. */
int k_http_replaying(const struct k_http *h);

struct k_http_stats {
	long requests;       /* sent (or replayed) */
	long retries;        /* of which repeats after a failure */
	double weight;       /* budget charged, all hosts */
	double waited;       /* seconds slept for budget, backoff, Retry-After */
};

void k_http_stats(const struct k_http *h, struct k_http_stats *s);

/* "libcurl 7.88.1", for --version. */
const char *k_http_version(void);

#endif

/*
 * kfetch_shared.c - what every kfetch source shares: the window and
 * follow options, lists, the stop flag, and the run that writes records
 * in time order, reports what was rejected and picks the exit status.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "kfetch.h"

#define REPORT_MAX 100 /* rejected elements reported one by one */

enum {
	OPT_DAYS = 0x3000, OPT_START, OPT_END, OPT_FOLLOW, OPT_INTERVAL,
	OPT_COUNT
};

static const struct argp_option window_options[] = {
	{ "days", OPT_DAYS, "N", 0,
	  "History of the last N days, ending at --end or now (default 1)", 0 },
	{ "start", OPT_START, "TIME", 0,
	  "Start of the window: 2025-03-12, 2025-03-12T14:00:00Z or ms", 0 },
	{ "end", OPT_END, "TIME", 0, "End of the window (default now)", 0 },
	{ "follow", OPT_FOLLOW, NULL, 0,
	  "After the window, keep polling and write only new records, each "
	  "line flushed", 0 },
	{ "interval", OPT_INTERVAL, "S", 0,
	  "Seconds between polls with --follow (default 60)", 0 },
	{ "count", OPT_COUNT, "N", 0,
	  "With --follow, stop after N polls (the first included)", 0 },
	{ 0 }
};

static error_t
window_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct kfetch_window *w = state->input;

	if (w == NULL)
		return ARGP_ERR_UNKNOWN;
	switch (key) {
	case OPT_DAYS:
		w->days = k_optval_number(state, "--days", arg, 0, 36500,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_START:
		w->start = k_optval_time(state, "--start", arg);
		break;
	case OPT_END:
		w->end = k_optval_time(state, "--end", arg);
		break;
	case OPT_FOLLOW:
		w->follow = 1;
		break;
	case OPT_INTERVAL:
		w->interval = k_optval_number(state, "--interval", arg, 0, 86400,
		                              K_OPTVAL_OPEN_LO);
		break;
	case OPT_COUNT:
		w->count = (long)k_optval_uint(state, "--count", arg, 1,
		                               1000000000);
		break;
	case ARGP_KEY_END:
		if (w->follow && w->end != KFETCH_UNSET)
			argp_error(state, "--end cannot be used with --follow");
		if (w->count > 0 && !w->follow)
			argp_error(state, "--count needs --follow");
		if (w->start != KFETCH_UNSET && w->end != KFETCH_UNSET &&
		    w->start >= w->end)
			argp_error(state, "--start must be before --end");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp kfetch_window_argp = { window_options, window_parse_opt,
                                         NULL, NULL, NULL, NULL, NULL };

enum k_status
kfetch_window_resolve(const struct kfetch_window *w, int64_t now,
                      int64_t *start, int64_t *end, struct k_error *err)
{
	*end = w->end != KFETCH_UNSET ? w->end : now;
	*start = w->start != KFETCH_UNSET
	         ? w->start : *end - (int64_t)llround(w->days * 86400000.0);
	if (*start >= *end)
		return k_error_set(err, K_EUSAGE, "the window is empty: --start "
		                   "is not before --end (or now)");
	return K_OK;
}

volatile sig_atomic_t kfetch_stop;

static void
on_signal(int sig)
{
	(void)sig;
	kfetch_stop = 1;
}

void
kfetch_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

char *
kfetch_base_url(const char *flag, const char *env, const char *def)
{
	const char *e = env ? getenv(env) : NULL;
	const char *u = flag ? flag : (e != NULL && *e != '\0') ? e : def;
	size_t n = strlen(u);
	char *s;

	while (n > 0 && u[n - 1] == '/')
		n--;
	s = malloc(n + 1);
	if (s == NULL)
		k_die(K_ENOMEM, "out of memory");
	memcpy(s, u, n);
	s[n] = '\0';
	return s;
}

enum k_status
kfetch_follow(struct kfetch_run *run, const struct kfetch_window *w,
              struct k_http *h, enum k_status st,
              enum k_status (*poll)(void *ctx, int64_t now), void *ctx)
{
	for (long n = 1; st == K_OK && w->follow && !kfetch_stop &&
	     (w->count == 0 || n < w->count); n++) {
		run->quiet_notes = 1;
		if (k_http_sleep(h, w->interval))
			break;
		int64_t now = k_http_now(h);
		if (k_http_replay_exhausted(h))
			break; /* the recording ends here */
		st = poll(ctx, now);
		kfetch_flush(run);
		if (st == K_ENOINPUT && k_http_replay_exhausted(h)) {
			k_debug("%s: the recording ends", run->source);
			st = K_OK;
			break;
		}
	}
	return st;
}

struct k_http *
kfetch_http_open(struct k_http_params *p, struct kfetch_run *run,
                 const char *base, int budget, struct k_rng *rng)
{
	char program[64];
	struct k_error err;
	struct k_http *h;

	kfetch_catch_signals();
	p->stop = &kfetch_stop;
	k_rng_seed(rng, kfetch_jitter_seed(), 0);
	snprintf(program, sizeof program, "kfetch %s", run->source);
	if ((h = k_http_alloc(p, program, rng, &err)) == NULL)
		k_die(err.code, "%s: %s", run->source, err.text);
	k_http_set_budget(h, base, budget);
	k_http_set_notify(h, kfetch_on_notify, run);
	return h;
}

uint64_t
kfetch_jitter_seed(void)
{
	return (uint64_t)k_time_now_ms() ^ ((uint64_t)getpid() << 32);
}

/* ---- the run ---- */

void
kfetch_run_init(struct kfetch_run *r, const char *source)
{
	memset(r, 0, sizeof *r);
	r->source = source;
	k_raw_out_init(&r->out);
	k_progress_init(&r->prog);
}

void
kfetch_run_release(struct kfetch_run *r)
{
	k_raw_out_release(&r->out);
}

void
kfetch_on_reject(void *ctx, const struct k_error *e)
{
	struct kfetch_run *r = ctx;

	r->rejected++;
	k_progress_done(&r->prog);
	if (r->rejected <= REPORT_MAX)
		k_err("%s: %s", r->source, e->text);
	else if (r->rejected == REPORT_MAX + 1)
		k_err("%s: more rejected elements; counting them only",
		      r->source);
}

void
kfetch_on_note(void *ctx, const char *msg)
{
	struct kfetch_run *r = ctx;

	k_progress_done(&r->prog);
	if (r->quiet_notes)
		k_debug("%s: %s", r->source, msg);
	else
		k_info("%s: %s", r->source, msg);
}

void
kfetch_on_notify(void *ctx, const char *msg)
{
	struct kfetch_run *r = ctx;

	k_progress_done(&r->prog);
	k_info("%s: %s", r->source, msg);
}

void
kfetch_on_progress(void *ctx, const char *label, size_t n)
{
	struct kfetch_run *r = ctx;

	k_progress_update(&r->prog, "%s: %s: %zu", r->source, label, n);
}

void
kfetch_add(struct kfetch_run *r, const struct k_raw_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (k_raw_out_add(&r->out, &v->v[i]) != K_OK)
			k_die(K_ENOMEM, "out of memory");
}

void
kfetch_flush(struct kfetch_run *r)
{
	k_raw_out_sort(&r->out);
	k_progress_done(&r->prog);
	for (size_t i = 0; i < r->out.n; i++) {
		k_out_write(r->out.text.data + r->out.items[i].off,
		            r->out.items[i].len);
		k_out_line_end();
	}
	k_raw_out_clear(&r->out);
	if (k_out_closed())
		kfetch_stop = 1; /* nobody reads: stop fetching, as on SIGINT */
}

int
kfetch_check(struct kfetch_run *r, enum k_status st,
             const struct k_error *err)
{
	if (st == K_OK)
		return 0;
	k_progress_done(&r->prog);
	if (st == K_EDATA) {
		r->rejected++;
		k_err("%s: %s", r->source, err->text);
		return 0;
	}
	if (st == K_EUNAVAIL && kfetch_stop)
		return 1; /* interrupted: not an error */
	k_err("%s: %s", r->source, err->text);
	return 1;
}

int
kfetch_finish(struct kfetch_run *r, struct k_http *h, enum k_status st)
{
	struct k_http_stats hs;
	struct k_buf b;

	kfetch_flush(r);
	k_buf_init(&b);
	for (int k = 0; k < K_RAW_NKINDS; k++)
		if (r->out.count[k] > 0)
			k_buf_printf(&b, "%s%lu %s", b.len ? ", " : "",
			             r->out.count[k], k_raw_kind_name(k));
	if (h != NULL)
		k_http_stats(h, &hs);
	else
		memset(&hs, 0, sizeof hs);
	k_info("%s: wrote %s records; %ld request%s%s, weight %g%s",
	       r->source, b.len ? k_buf_cstr(&b) : "no", hs.requests,
	       hs.requests == 1 ? "" : "s",
	       h != NULL && k_http_replaying(h) ? " (replayed)" : "", hs.weight,
	       r->rejected ? "; some data was rejected" : "");
	k_buf_release(&b);
	k_out_finish();
	if (st == K_EUNAVAIL && kfetch_stop)
		st = K_OK;
	if (st != K_OK)
		return k_status_exit(st);
	return r->rejected ? k_status_exit(K_EDATA) : 0;
}

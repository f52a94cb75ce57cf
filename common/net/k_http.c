/*
 * k_http.c - the libcurl client of k_http.h: one easy handle (so
 * connections are reused), the retry loop, the weight budgets, and the
 * recorder and replayer of index.ndjson plus body files.
 */
#include "net/k_http.h"

#include "net/k_curl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/k_reader.h"
#include "base/k_time.h"

#define MAX_BUDGETS 8
#define WINDOW_S 60.0
#define INDEX_NAME "index.ndjson"
#define RECORDING_VERSION 1

/* ---- parameters and the shared argp child ---- */

void
k_http_params_default(struct k_http_params *p)
{
	memset(p, 0, sizeof *p);
	p->timeout = 30;
	p->connect_timeout = 10;
	p->retries = 5;
	p->retry_wait = 1;
	p->retry_wait_max = 60;
	p->max_retry_after = 300;
	p->weight_budget = -1;
	p->budget_window = 60;
	p->max_body = K_HTTP_MAX_BODY;
}

const char *
k_http_params_check(const struct k_http_params *p)
{
	if (!(p->timeout > 0) || !(p->connect_timeout > 0))
		return "timeouts must be positive";
	if (p->retries < 0 || p->retries > 100)
		return "retries must be from 0 to 100";
	if (!(p->retry_wait >= 0) || !(p->retry_wait_max >= p->retry_wait))
		return "retry waits must be >= 0, the cap at least the first";
	if (!(p->budget_window > 0))
		return "the budget window must be positive";
	if (!(p->max_retry_after >= 0))
		return "the longest Retry-After must be >= 0";
	if (p->record_dir != NULL && p->replay_dir != NULL)
		return "--record and --replay cannot be used together";
	return NULL;
}

enum {
	OPT_BASE_URL = 0x2000, OPT_TIMEOUT, OPT_CONNECT_TIMEOUT, OPT_RETRIES,
	OPT_RETRY_WAIT, OPT_MAX_RETRY_AFTER, OPT_WEIGHT_BUDGET, OPT_RECORD,
	OPT_REPLAY
};

static const struct argp_option http_options[] = {
	{ "base-url", OPT_BASE_URL, "URL", 0,
	  "API base URL (default: the source's environment variable, else its "
	  "public endpoint)", 0 },
	{ "timeout", OPT_TIMEOUT, "S", 0,
	  "Give up on one request after S seconds (default 30)", 0 },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, "S", 0,
	  "Give up connecting after S seconds (default 10)", 0 },
	{ "retries", OPT_RETRIES, "N", 0,
	  "Retry a failed request N times (default 5)", 0 },
	{ "retry-wait", OPT_RETRY_WAIT, "S", 0,
	  "First wait before a retry; it doubles, with jitter, up to 60 s "
	  "(default 1)", 0 },
	{ "max-retry-after", OPT_MAX_RETRY_AFTER, "S", 0,
	  "Longest Retry-After to honour; a longer one ends with status 75 "
	  "(default 300)", 0 },
	{ "weight-budget", OPT_WEIGHT_BUDGET, "N[/S]", 0,
	  "Request weight allowed per minute, or per S seconds (default: the "
	  "API's limit; 0: no limit)", 0 },
	{ "record", OPT_RECORD, "DIR", 0,
	  "Save every response in DIR (a new directory) for --replay", 0 },
	{ "replay", OPT_REPLAY, "DIR", 0,
	  "Answer every request from a recording in DIR, offline", 0 },
	{ 0 }
};

static int
parse_secs(const char *arg, double lo, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !isfinite(v) || v < lo ||
	    v > 86400 * 365.0)
		return -1;
	*out = v;
	return 0;
}

static error_t
http_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct k_http_params *p = state->input;
	char *end;
	long v;

	if (p == NULL)
		return ARGP_ERR_UNKNOWN;
	switch (key) {
	case OPT_BASE_URL:
		if (strncmp(arg, "http://", 7) != 0 &&
		    strncmp(arg, "https://", 8) != 0) {
			/* its scheme only: the rest may hold a password or key */
			int n = (int)strcspn(arg, ":/@?#");
			argp_error(state, "--base-url: '%.*s%s' is not an http:// or "
			           "https:// URL", n > 16 ? 16 : n, arg,
			           arg[n] != '\0' || n > 16 ? "..." : "");
		}
		p->base_url = arg;
		break;
	case OPT_TIMEOUT:
		if (parse_secs(arg, 0.001, &p->timeout) < 0)
			argp_error(state, "--timeout: '%s' is not a positive "
			           "number of seconds", arg);
		break;
	case OPT_CONNECT_TIMEOUT:
		if (parse_secs(arg, 0.001, &p->connect_timeout) < 0)
			argp_error(state, "--connect-timeout: '%s' is not a "
			           "positive number of seconds", arg);
		break;
	case OPT_RETRIES:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end != '\0' || v < 0 || v > 100)
			argp_error(state, "--retries: '%s' is not a whole number "
			           "from 0 to 100", arg);
		p->retries = (int)v;
		break;
	case OPT_RETRY_WAIT:
		if (parse_secs(arg, 0, &p->retry_wait) < 0)
			argp_error(state, "--retry-wait: '%s' is not a number of "
			           "seconds >= 0", arg);
		if (p->retry_wait_max < p->retry_wait)
			p->retry_wait_max = p->retry_wait;
		break;
	case OPT_MAX_RETRY_AFTER:
		if (parse_secs(arg, 0, &p->max_retry_after) < 0)
			argp_error(state, "--max-retry-after: '%s' is not a number "
			           "of seconds >= 0", arg);
		break;
	case OPT_WEIGHT_BUDGET: {
		/* N, or N/S for a window of S seconds instead of a minute. */
		char num[64];
		const char *slash = strchr(arg, '/');
		size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
		if (n >= sizeof num)
			n = sizeof num - 1;
		memcpy(num, arg, n);
		num[n] = '\0';
		if (parse_secs(num, 0, &p->weight_budget) < 0 ||
		    (slash && (parse_secs(slash + 1, 0.001, &p->budget_window) < 0)))
			argp_error(state, "--weight-budget: '%s' is not N or N/S "
			           "(weight N >= 0 per S seconds)", arg);
		break;
	}
	case OPT_RECORD:
		if (arg[0] == '\0')
			argp_error(state, "--record: empty directory name");
		p->record_dir = arg;
		break;
	case OPT_REPLAY:
		if (arg[0] == '\0')
			argp_error(state, "--replay: empty directory name");
		p->replay_dir = arg;
		break;
	case ARGP_KEY_END: {
		const char *m = k_http_params_check(p);
		if (m != NULL)
			argp_error(state, "%s", m);
		break;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp k_http_argp = { http_options, http_parse_opt, NULL, NULL,
                                  NULL, NULL, NULL };

void
k_http_query_escape(struct k_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			k_buf_addc(out, (char)c);
		} else {
			k_buf_addc(out, '%');
			k_buf_addc(out, hex[c >> 4]);
			k_buf_addc(out, hex[c & 15]);
		}
	}
}

/* ---- the client ---- */

struct budget {
	char host[256];
	double per_min;          /* weight per window */
	double window;           /* s */
	struct { double t, w; } *log;
	size_t head, n, cap;     /* entries log[head .. n) are live */
};

struct entry {               /* one recorded response (replay) */
	char *key;               /* method ' ' path '\n' body */
	long status;             /* 0: transport failure */
	double retry_after;      /* s, or -1 */
	int64_t time_ms;
	char *file;              /* body file, or NULL */
	char *error;             /* transport failure text, or NULL */
	long curl;               /* its curl code */
	size_t seq;
	int used;
};

struct k_http {
	struct k_http_params p;
	CURL *curl;
	struct curl_slist *json_hdr;
	struct k_rng *rng;
	void (*notify)(void *ctx, const char *msg);
	void *notify_ctx;
	struct budget budgets[MAX_BUDGETS];
	size_t nbudgets;
	struct k_http_stats stats;
	const struct secrets *sec; /* the current request's, or NULL */
	/* per attempt */
	struct k_buf *sink;
	int too_big;
	double retry_after;
	/* record */
	char *dir;
	FILE *index;
	long seq;
	/* replay */
	struct entry *ent;
	size_t nent, cent;
	struct entry **sorted;   /* by key, then seq */
	int64_t *clocks;
	size_t nclocks, cclocks, clock_next;
	int64_t last_clock;
	int exhausted;
};

static char curl_version_text[64];

const char *
k_http_version(void)
{
	/* The version built against, so --version need not load libcurl;
	 * the one running, once a request has loaded it. */
	if (!k_curl_loaded())
		return "libcurl " LIBCURL_VERSION " (loaded on first request)";
	if (curl_version_text[0] == '\0') {
		curl_version_info_data *d = k_curl.version_info(CURLVERSION_NOW);
		snprintf(curl_version_text, sizeof curl_version_text,
		         "libcurl %s", d != NULL ? d->version : "?");
	}
	return curl_version_text;
}

void
k_http_resp_init(struct k_http_resp *r)
{
	memset(r, 0, sizeof *r);
	k_buf_init(&r->body);
}

void
k_http_resp_release(struct k_http_resp *r)
{
	k_buf_release(&r->body);
	if (r->json != NULL)
		json_decref(r->json);
	r->json = NULL;
}

void
k_http_set_notify(struct k_http *h, void (*fn)(void *, const char *),
                  void *ctx)
{
	h->notify = fn;
	h->notify_ctx = ctx;
}

/* ---- secrets (k_http.h) ---- */

#define SECRET_MIN 6         /* bytes; a shorter secret is not looked for */
#define MAX_SECRETS 16       /* forms of one request's secrets */
#define REDACTED "<redacted>"

/* The forms of one request's secrets, to find and replace. */
struct secrets {
	struct k_buf text;       /* the forms, one after another */
	size_t off[MAX_SECRETS], len[MAX_SECRETS];
	size_t n;
};

/* 1 if the comma-separated list (may be NULL) names the n bytes at
 * name. */
static int
in_list(const char *list, const char *name, size_t n)
{
	for (const char *r = list; r != NULL && *r != '\0';) {
		const char *c = strchr(r, ',');
		size_t rn = c ? (size_t)(c - r) : strlen(r);
		if (rn == n && strncmp(r, name, n) == 0)
			return 1;
		r += rn + (c != NULL);
	}
	return 0;
}

/* 1 if the query parameter of the n bytes at name is a secret of q. */
static int
secret_param(const struct k_http *h, const struct k_http_req *q,
             const char *name, size_t n)
{
	return in_list(h->p.redact, name, n) || in_list(q->secret_query, name, n);
}

static void
secret_add(struct secrets *s, const char *p, size_t n)
{
	if (n < SECRET_MIN || s->n == MAX_SECRETS)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->len[i] == n && memcmp(s->text.data + s->off[i], p, n) == 0)
			return;
	s->off[s->n] = s->text.len;
	s->len[s->n] = n;
	k_buf_add(&s->text, p, n);
	if (!s->text.oom)
		s->n++;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

static void
base64(const unsigned char *p, size_t n, struct k_buf *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                        "0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		k_buf_addc(out, a[v >> 18 & 63]);
		k_buf_addc(out, a[v >> 12 & 63]);
		k_buf_addc(out, i + 1 < n ? a[v >> 6 & 63] : '=');
		k_buf_addc(out, i + 2 < n ? a[v & 63] : '=');
	}
}

/* The secret of the n bytes at p as written, percent-decoded and, with
 * b64, base64 of that (user:password as the Authorization header). */
static void
secret_forms(struct secrets *s, const char *p, size_t n, int b64)
{
	struct k_buf d, e;
	k_buf_init(&d);
	k_buf_init(&e);
	secret_add(s, p, n);
	for (size_t i = 0; i < n; i++) {
		int hi = p[i] == '%' && n - i > 2 ? hexval(p[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(p[i + 2]) : -1;
		if (lo >= 0) {
			k_buf_addc(&d, (char)(hi << 4 | lo));
			i += 2;
		} else {
			k_buf_addc(&d, p[i]);
		}
	}
	secret_add(s, d.data, d.len);
	if (b64) {
		base64((const unsigned char *)d.data, d.len, &e);
		secret_add(s, e.data, e.len);
	}
	if (d.oom || e.oom)
		s->text.oom = 1;
	k_buf_release(&d);
	k_buf_release(&e);
}

/* The user:password of q's base, and its path when q says so. */
static void
secrets_of_base(const struct k_http_req *q, struct secrets *s)
{
	const char *b = strstr(q->base, "://");
	const char *auth = b != NULL ? b + 3 : q->base;
	size_t an = strcspn(auth, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < an; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (at != NULL) {
		secret_forms(s, auth, (size_t)(at - auth), 1);
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL)
			secret_forms(s, colon + 1, (size_t)(at - colon - 1), 0);
	}
	if (!q->secret_path)
		return;
	const char *p = auth + an;
	while (*p == '/')
		p++;
	size_t pn = strlen(p);
	while (pn > 0 && p[pn - 1] == '/')
		pn--;
	secret_forms(s, p, pn, 0);
	/* and a key alone, as an error may name it ("invalid key KEY") */
	for (size_t i = 0; i < pn;) {
		size_t sn = 0;
		while (i + sn < pn && p[i + sn] != '/')
			sn++;
		if (sn >= 16)
			secret_forms(s, p + i, sn, 0);
		i += sn + 1;
	}
}

/* The secrets of q (k_http.h) into s (initialised). K_ENOMEM if out of
 * memory. */
static enum k_status
secrets_of(const struct k_http *h, const struct k_http_req *q,
           struct secrets *s)
{
	secrets_of_base(q, s);
	const char *p = strchr(q->path, '?');
	while (p != NULL && *p != '\0') {
		p++;
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		if (eq != NULL && secret_param(h, q, p, (size_t)(eq - p)))
			secret_forms(s, eq + 1, n - (size_t)(eq - p) - 1, 0);
		p += n;
	}
	return s->text.oom ? K_ENOMEM : K_OK;
}

static int
any_secret(const struct secrets *s, const char *in, size_t n)
{
	for (size_t k = 0; s != NULL && k < s->n; k++)
		if (memmem(in, n, s->text.data + s->off[k], s->len[k]) != NULL)
			return 1;
	return 0;
}

/* Where form k of s is next in the n bytes at in, from i; n if nowhere. */
static size_t
next_at(const struct secrets *s, size_t k, const char *in, size_t n, size_t i)
{
	const char *m = memmem(in + i, n - i, s->text.data + s->off[k],
	                       s->len[k]);
	return m != NULL ? (size_t)(m - in) : n;
}

/* The n bytes at in with every secret of s replaced, appended to out.
 * Each form's next occurrence is looked for again only once passed, so
 * a body full of them costs no more than one pass per form. */
static void
scrub(const struct secrets *s, const char *in, size_t n, struct k_buf *out)
{
	size_t next[MAX_SECRETS], i = 0;   /* n: no more */
	for (size_t k = 0; k < s->n; k++)
		next[k] = next_at(s, k, in, n, 0);
	while (i < n) {
		size_t best = n, blen = 0;
		for (size_t k = 0; k < s->n; k++) {
			if (next[k] < i)
				next[k] = next_at(s, k, in, n, i);
			if (next[k] < best || (next[k] == best && next[k] < n &&
			                       s->len[k] > blen)) {
				best = next[k];
				blen = s->len[k];
			}
		}
		k_buf_add(out, in + i, best - i);
		if (best == n)
			break;
		k_buf_adds(out, REDACTED);
		i = best + blen;
	}
}

/* b with the secrets of s replaced; K_ENOMEM if out of memory. */
static enum k_status
scrub_buf(const struct secrets *s, struct k_buf *b)
{
	if (b->len == 0 || !any_secret(s, b->data, b->len))
		return K_OK;
	struct k_buf out;
	k_buf_init(&out);
	scrub(s, b->data, b->len, &out);
	if (out.oom) {
		k_buf_release(&out);
		return K_ENOMEM;
	}
	k_buf_release(b);
	*b = out;
	return K_OK;
}

/* The message text (cap bytes) with the secrets of s (may be NULL)
 * replaced. */
static void
scrub_text(const struct secrets *s, char *text, size_t cap)
{
	if (!any_secret(s, text, strlen(text)))
		return;
	struct k_buf out;
	k_buf_init(&out);
	scrub(s, text, strlen(text), &out);
	if (out.oom)
		snprintf(text, cap, "out of memory (redacting a message)");
	else
		snprintf(text, cap, "%.*s", (int)out.len, out.data);
	k_buf_release(&out);
}

static void
notify(struct k_http *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
notify(struct k_http *h, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (h->notify == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	scrub_text(h->sec, buf, sizeof buf);
	h->notify(h->notify_ctx, buf);
}

/* "https://host:port" of a base URL, into out. */
static void
host_of(const char *base, char *out, size_t cap)
{
	const char *p = strstr(base, "://");
	size_t n = strlen(base);

	if (p != NULL) {
		const char *slash = strchr(p + 3, '/');
		if (slash != NULL)
			n = (size_t)(slash - base);
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

static struct budget *
budget_for(struct k_http *h, const char *base, int create)
{
	char host[256];

	host_of(base, host, sizeof host);
	for (size_t i = 0; i < h->nbudgets; i++)
		if (strcmp(h->budgets[i].host, host) == 0)
			return &h->budgets[i];
	if (!create || h->nbudgets == MAX_BUDGETS)
		return NULL;
	struct budget *b = &h->budgets[h->nbudgets++];
	memset(b, 0, sizeof *b);
	snprintf(b->host, sizeof b->host, "%s", host);
	return b;
}

void
k_http_set_budget(struct k_http *h, const char *base, double per_minute)
{
	struct budget *b = budget_for(h, base, 1);

	if (b != NULL) {
		b->per_min = h->p.weight_budget >= 0 ? h->p.weight_budget
		                                     : per_minute;
		b->window = h->p.weight_budget >= 0 ? h->p.budget_window
		                                    : WINDOW_S;
	}
}

static double
budget_used(struct budget *b, double now)
{
	double used = 0;

	while (b->head < b->n && b->log[b->head].t <= now - b->window)
		b->head++;
	if (b->head == b->n)
		b->head = b->n = 0;
	for (size_t i = b->head; i < b->n; i++)
		used += b->log[i].w;
	return used;
}

static void
budget_add(struct budget *b, double now, double w)
{
	if (b->n == b->cap) {
		if (b->head > 0) {
			memmove(b->log, b->log + b->head,
			        (b->n - b->head) * sizeof *b->log);
			b->n -= b->head;
			b->head = 0;
		}
		if (b->n == b->cap) {
			size_t nc = b->cap ? b->cap * 2 : 64;
			void *nl = realloc(b->log, nc * sizeof *b->log);
			if (nl == NULL)
				return; /* forget the entry rather than fail */
			b->log = nl;
			b->cap = nc;
		}
	}
	b->log[b->n].t = now;
	b->log[b->n].w = w;
	b->n++;
}

/* Seconds to wait before w more weight fits in the window. */
static double
budget_wait(struct budget *b, double now, double w)
{
	double used = budget_used(b, now);

	if (b->per_min <= 0 || used + w <= b->per_min || b->head == b->n)
		return 0;
	for (size_t i = b->head; i < b->n; i++) {
		used -= b->log[i].w;
		if (used + w <= b->per_min || i + 1 == b->n)
			return b->log[i].t + b->window - now;
	}
	return 0;
}

void
k_http_charge(struct k_http *h, const char *base, double weight)
{
	struct budget *b;

	if (weight <= 0)
		return;
	h->stats.weight += weight;
	if (h->p.replay_dir != NULL)
		return;
	b = budget_for(h, base, 0);
	if (b != NULL && b->per_min > 0)
		budget_add(b, k_time_mono(), weight);
}

int
k_http_sleep(struct k_http *h, double s)
{
	double end;

	if (h->p.replay_dir != NULL || !(s > 0))
		return h->p.stop != NULL && *h->p.stop;
	end = k_time_mono() + s;
	for (;;) {
		if (h->p.stop != NULL && *h->p.stop)
			return 1;
		double left = end - k_time_mono();
		if (left <= 0)
			return 0;
		if (left > 0.1)
			left = 0.1;
		struct timespec ts = { (time_t)left,
		                       (long)((left - (double)(time_t)left) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

/* The error for a response of what (a request's label, a recorded
 * file) past params.max_body. */
static enum k_status
too_big(const struct k_http *h, const char *what, struct k_error *err)
{
	size_t m = h->p.max_body;
	if (m >= (1u << 20) && m % (1u << 20) == 0)
		return k_error_set(err, K_EDATA, "%s: the response is larger than "
		                   "%zu MiB (decompressed), the most one response "
		                   "may be; ask for less at once", what, m >> 20);
	return k_error_set(err, K_EDATA, "%s: the response is larger than %zu "
	                   "bytes (decompressed), the most one response may be; "
	                   "ask for less at once", what, m);
}

/* ---- curl callbacks ---- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct k_http *h = ctx;
	size_t n = size * nmemb;

	if (h->sink->len + n > h->p.max_body) {
		h->too_big = 1;
		return 0;
	}
	k_buf_add(h->sink, p, n);
	return h->sink->oom ? 0 : n;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct k_http *h = ctx;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";

	if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		char v[128];
		size_t i = sizeof name - 1, k = 0;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < n && p[i] != '\r' && p[i] != '\n' && k + 1 < sizeof v)
			v[k++] = p[i++];
		v[k] = '\0';
		char *end;
		errno = 0;
		double s = strtod(v, &end);
		if (k > 0 && v[0] >= '0' && v[0] <= '9' && *end == '\0' &&
		    errno == 0 && isfinite(s)) {
			h->retry_after = s;
		} else {
			time_t t = k_curl.getdate(v, NULL);
			if (t != (time_t)-1) {
				double d = (double)t - (double)time(NULL);
				h->retry_after = d > 0 ? d : 0;
			}
		}
	}
	return n;
}

static int
on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c,
            curl_off_t d)
{
	struct k_http *h = ctx;

	(void)a, (void)b, (void)c, (void)d;
	return h->p.stop != NULL && *h->p.stop;
}

/* ---- recording ---- */

static enum k_status
mkdirs(const char *dir, struct k_error *err)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof tmp)
		return k_error_set(err, K_ECANTCREAT, "%s: path too long", dir);
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
			return k_error_set(err, K_ECANTCREAT, "%s: %s", tmp,
			                   strerror(errno));
		tmp[i] = c;
	}
	return K_OK;
}

static enum k_status
record_open(struct k_http *h, const char *program, struct k_error *err)
{
	char path[4200];
	enum k_status st;
	int fd;

	if ((st = mkdirs(h->p.record_dir, err)) != K_OK)
		return st;
	snprintf(path, sizeof path, "%s/%s", h->p.record_dir, INDEX_NAME);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			return k_error_set(err, K_ECANTCREAT, "--record: '%s' "
			                   "already holds a recording; name a new "
			                   "directory", h->p.record_dir);
		return k_error_set(err, K_ECANTCREAT, "%s: %s", path,
		                   strerror(errno));
	}
	h->index = fdopen(fd, "w");
	if (h->index == NULL) {
		close(fd);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	h->dir = strdup(h->p.record_dir);
	if (h->dir == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	json_t *hd = json_pack("{s:i, s:s, s:s}", "ktools_recording",
	                       RECORDING_VERSION, "program", program,
	                       "version", KTOOLS_VERSION);
	char *line = hd ? json_dumps(hd, JSON_COMPACT) : NULL;
	json_decref(hd);
	if (line == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	fprintf(h->index, "%s\n", line);
	free(line);
	if (fflush(h->index) != 0)
		return k_error_set(err, K_EIO, "%s: %s", path, strerror(errno));
	return K_OK;
}

/* A file name from a label: letters, digits, '-', '_', '.' only. */
static void
file_label(const char *label, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; label != NULL && label[i] != '\0' && k + 1 < cap &&
	     k < 60; i++) {
		char c = label[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '-' || c == '.';
		out[k++] = ok ? c : '_';
	}
	if (k == 0)
		out[k++] = 'r';
	out[k] = '\0';
}

static enum k_status
index_line(struct k_http *h, json_t *o, struct k_error *err)
{
	char *line = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (line == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	int bad = fprintf(h->index, "%s\n", line) < 0 || fflush(h->index) != 0;
	free(line);
	if (bad)
		return k_error_set(err, K_EIO, "--record: %s/%s: %s", h->dir,
		                   INDEX_NAME, strerror(errno));
	return K_OK;
}

static enum k_status
record_response(struct k_http *h, const char *method, const char *path,
                const char *body, const char *label, long status,
                const struct k_buf *resp, int64_t time_ms, const char *error,
                long curlcode, struct k_error *err)
{
	char lab[64], name[96], fpath[4200];
	json_t *o;

	h->seq++;
	o = json_object();
	if (o == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	json_object_set_new(o, "n", json_integer(h->seq));
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "body", body ? json_string(body) : json_null());
	json_object_set_new(o, "status", json_integer(status));
	if (h->retry_after >= 0)
		json_object_set_new(o, "retry_after", json_real(h->retry_after));
	json_object_set_new(o, "time_ms", json_integer(time_ms));
	if (error != NULL) {
		json_object_set_new(o, "error", json_string(error));
		json_object_set_new(o, "curl", json_integer(curlcode));
	} else {
		file_label(label, lab, sizeof lab);
		snprintf(name, sizeof name, "%06ld-%s.json", h->seq, lab);
		snprintf(fpath, sizeof fpath, "%s/%s", h->dir, name);
		FILE *f = fopen(fpath, "wbx");
		if (f == NULL) {
			json_decref(o);
			return k_error_set(err, K_ECANTCREAT, "--record: %s: %s",
			                   fpath, strerror(errno));
		}
		int bad = resp->len > 0 &&
		          fwrite(resp->data, 1, resp->len, f) != resp->len;
		if (fclose(f) != 0 || bad) {
			json_decref(o);
			return k_error_set(err, K_EIO, "--record: %s: %s", fpath,
			                   strerror(errno));
		}
		json_object_set_new(o, "file", json_string(name));
	}
	return index_line(h, o, err);
}

/* ---- replay ---- */

static char *
make_key(const char *method, const char *path, const char *body)
{
	struct k_buf b;

	k_buf_init(&b);
	k_buf_printf(&b, "%s %s\n%s", method, path, body ? body : "");
	if (b.oom) {
		k_buf_release(&b);
		return NULL;
	}
	return k_buf_cstr(&b);
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
safe_name(const char *s)
{
	if (s[0] == '\0' || s[0] == '.' || strchr(s, '/') != NULL)
		return 0;
	return 1;
}

/* The first line of a recording's index: its version. */
static int
replay_header_ok(const json_t *o)
{
	json_t *v = json_object_get(o, "ktools_recording");
	return json_is_integer(v) && json_integer_value(v) <= RECORDING_VERSION;
}

/* A clock reading of the index, appended to h->clocks. */
static enum k_status
replay_add_clock(struct k_http *h, const json_t *clock)
{
	if (!json_is_integer(clock))
		return K_EDATA;
	if (h->nclocks == h->cclocks) {
		h->cclocks = h->cclocks ? h->cclocks * 2 : 16;
		int64_t *nc = realloc(h->clocks, h->cclocks * sizeof *nc);
		if (nc == NULL)
			return K_ENOMEM;
		h->clocks = nc;
	}
	h->clocks[h->nclocks++] = json_integer_value(clock);
	return K_OK;
}

/* A recorded response of the index, appended to h->ent. */
static enum k_status
replay_add_entry(struct k_http *h, const json_t *o)
{
	const char *method = json_string_value(json_object_get(o, "method"));
	const char *rpath = json_string_value(json_object_get(o, "path"));
	json_t *body = json_object_get(o, "body");
	json_t *status = json_object_get(o, "status");
	json_t *file = json_object_get(o, "file");
	json_t *error = json_object_get(o, "error");
	json_t *tm = json_object_get(o, "time_ms");
	json_t *ra = json_object_get(o, "retry_after");
	if (method == NULL || rpath == NULL || !json_is_integer(status) ||
	    (body != NULL && !json_is_null(body) && !json_is_string(body)) ||
	    (file == NULL && error == NULL) ||
	    (file != NULL && (!json_is_string(file) ||
	                      !safe_name(json_string_value(file)))) ||
	    (tm != NULL && !json_is_integer(tm)) ||
	    (ra != NULL && !json_is_number(ra)))
		return K_EDATA;
	if (h->nent == h->cent) {
		h->cent = h->cent ? h->cent * 2 : 64;
		struct entry *ne = realloc(h->ent, h->cent * sizeof *ne);
		if (ne == NULL)
			return K_ENOMEM;
		h->ent = ne;
	}
	struct entry *en = &h->ent[h->nent];
	memset(en, 0, sizeof *en);
	en->key = make_key(method, rpath, json_string_value(body));
	en->status = (long)json_integer_value(status);
	en->retry_after = ra ? json_number_value(ra) : -1;
	en->time_ms = tm ? json_integer_value(tm) : 0;
	en->file = file ? strdup(json_string_value(file)) : NULL;
	en->error = error && json_is_string(error)
	            ? strdup(json_string_value(error)) : NULL;
	en->curl = json_integer_value(json_object_get(o, "curl"));
	en->seq = h->nent;
	h->nent++;
	if (en->key == NULL || (file && en->file == NULL))
		return K_ENOMEM;
	return K_OK;
}

/* h->sorted: the entries by key, then in recorded order. */
static enum k_status
replay_sort(struct k_http *h, struct k_error *err)
{
	h->sorted = malloc((h->nent ? h->nent : 1) * sizeof *h->sorted);
	if (h->sorted == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < h->nent; i++)
		h->sorted[i] = &h->ent[i];
	if (h->nent > 1)
		qsort(h->sorted, h->nent, sizeof *h->sorted, cmp_entry);
	return K_OK;
}

/* One line of the index, o, at path:lineno: the header first, then clock
 * readings and recorded responses. */
static enum k_status
replay_line(struct k_http *h, const json_t *o, int *header, const char *path,
            long lineno, struct k_error *err)
{
	enum k_status st;
	if (!*header) {
		if (!replay_header_ok(o))
			return k_error_set(err, K_EDATA, "--replay: %s: not a ktools "
			                   "recording of version %d", path,
			                   RECORDING_VERSION);
		*header = 1;
		return K_OK;
	}
	json_t *clock = json_object_get(o, "clock");
	st = clock != NULL ? replay_add_clock(h, clock) : replay_add_entry(h, o);
	if (st == K_EDATA)
		return k_error_line(err, K_EDATA, lineno, "--replay: %s:%ld: not a "
		                    "recorded response or clock reading", path,
		                    lineno);
	if (st == K_ENOMEM)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

static enum k_status
replay_open(struct k_http *h, struct k_error *err)
{
	char path[4200];
	struct k_reader rd;
	struct k_error e;
	char *line;
	size_t len;
	int r, header = 0;
	enum k_status st = K_OK;

	snprintf(path, sizeof path, "%s/%s", h->p.replay_dir, INDEX_NAME);
	if (k_reader_open(&rd, path, &e) != K_OK)
		return k_error_set(err, K_ENOINPUT, "--replay: %s", e.text);
	while (st == K_OK && (r = k_reader_next(&rd, &line, &len, &e)) == 1) {
		if (k_reader_blank(line, len))
			continue;
		json_error_t je;
		json_t *o = json_loadb(line, len, 0, &je);
		if (o == NULL || !json_is_object(o))
			st = k_error_line(err, K_EDATA, rd.lineno, "--replay: %s:%ld: "
			                  "not a JSON object", path, rd.lineno);
		else
			st = replay_line(h, o, &header, path, rd.lineno, err);
		json_decref(o);
	}
	k_reader_close(&rd);
	if (st != K_OK)
		return st;
	if (r < 0)
		return k_error_set(err, e.code, "--replay: %s", e.text);
	if (!header)
		return k_error_set(err, K_EDATA, "--replay: %s: empty", path);
	return replay_sort(h, err);
}

/* The next unused entry for key, or NULL. */
static struct entry *
replay_find(struct k_http *h, const char *key)
{
	size_t lo = 0, hi = h->nent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(h->sorted[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < h->nent && strcmp(h->sorted[i]->key, key) == 0;
	     i++)
		if (!h->sorted[i]->used)
			return h->sorted[i];
	return NULL;
}

static enum k_status
replay_body(struct k_http *h, const struct entry *en, struct k_buf *out,
            struct k_error *err)
{
	char path[4200];
	char chunk[65536];
	gzFile gz;
	int n;

	snprintf(path, sizeof path, "%s/%s", h->p.replay_dir, en->file);
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return k_error_set(err, K_ENOINPUT, "--replay: %s: %s", path,
		                   errno ? strerror(errno) : "cannot open");
	while ((n = gzread(gz, chunk, sizeof chunk)) > 0) {
		if (out->len + (size_t)n > h->p.max_body) {
			gzclose(gz);
			return too_big(h, path, err);
		}
		k_buf_add(out, chunk, (size_t)n);
	}
	int bad = n < 0;
	gzclose(gz);
	if (bad)
		return k_error_set(err, K_EDATA, "--replay: %s: unreadable "
		                   "(corrupt compressed data?)", path);
	if (out->oom)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

/* ---- life cycle ---- */

struct k_http *
k_http_alloc(const struct k_http_params *p, const char *program,
             struct k_rng *rng, struct k_error *err)
{
	static int global_done;
	struct k_http *h;
	const char *m;

	if ((m = k_http_params_check(p)) != NULL) {
		k_error_set(err, K_EUSAGE, "%s", m);
		return NULL;
	}
	h = calloc(1, sizeof *h);
	if (h == NULL) {
		k_error_set(err, K_ENOMEM, "out of memory");
		return NULL;
	}
	h->p = *p;
	h->rng = rng;
	h->retry_after = -1;
	if (p->replay_dir != NULL) {
		if (replay_open(h, err) != K_OK) {
			k_http_free(h);
			return NULL;
		}
		return h;
	}
	/* Live requests only: replay never loads libcurl. */
	if (!global_done) {
		if (k_curl_load(err) != K_OK) {
			k_http_free(h);
			return NULL;
		}
		if (k_curl.global_init(CURL_GLOBAL_DEFAULT) != 0) {
			k_error_set(err, K_EINTERNAL, "libcurl failed to start");
			k_http_free(h);
			return NULL;
		}
		global_done = 1;
	}
	h->curl = k_curl.easy_init();
	h->json_hdr = k_curl.slist_append(NULL, "Content-Type: application/json");
	if (h->curl == NULL || h->json_hdr == NULL) {
		k_error_set(err, K_ENOMEM, "libcurl: out of memory");
		k_http_free(h);
		return NULL;
	}
	CURL *c = h->curl;
	k_curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	k_curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	k_curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	k_curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	k_curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	k_curl.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	k_curl.easy_setopt(c, CURLOPT_USERAGENT, "ktools/" KTOOLS_VERSION);
	k_curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	k_curl.easy_setopt(c, CURLOPT_WRITEDATA, h);
	k_curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	k_curl.easy_setopt(c, CURLOPT_HEADERDATA, h);
	k_curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	k_curl.easy_setopt(c, CURLOPT_XFERINFODATA, h);
	k_curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	k_curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(p->timeout * 1000));
	k_curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)(p->connect_timeout * 1000));
	if (p->record_dir != NULL && record_open(h, program, err) != K_OK) {
		k_http_free(h);
		return NULL;
	}
	return h;
}

void
k_http_free(struct k_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		k_curl.easy_cleanup(h->curl);
	if (h->json_hdr != NULL)
		k_curl.slist_free_all(h->json_hdr);
	if (h->index != NULL)
		fclose(h->index);
	free(h->dir);
	for (size_t i = 0; i < h->nent; i++) {
		free(h->ent[i].key);
		free(h->ent[i].file);
		free(h->ent[i].error);
	}
	free(h->ent);
	free(h->sorted);
	free(h->clocks);
	for (size_t i = 0; i < h->nbudgets; i++)
		free(h->budgets[i].log);
	free(h);
}

int64_t
k_http_now(struct k_http *h)
{
	if (h->p.replay_dir != NULL) {
		if (h->clock_next < h->nclocks)
			h->last_clock = h->clocks[h->clock_next++];
		else
			h->exhausted = 1;
		return h->last_clock;
	}
	int64_t now = k_time_now_ms();
	if (h->index != NULL) {
		json_t *o = json_pack("{s:I}", "clock", (json_int_t)now);
		struct k_error e;
		if (o != NULL)
			index_line(h, o, &e); /* a failure shows on the next write */
	}
	return now;
}

int
k_http_replay_exhausted(const struct k_http *h)
{
	return h->p.replay_dir != NULL && h->exhausted;
}

int
k_http_replaying(const struct k_http *h)
{
	return h->p.replay_dir != NULL;
}

void
k_http_stats(const struct k_http *h, struct k_http_stats *s)
{
	*s = h->stats;
}

/* ---- one request ---- */

/* q's path without its secret query parameters. */
static void
redact_path(const struct k_http *h, const struct k_http_req *q,
            struct k_buf *out)
{
	const char *q0 = strchr(q->path, '?');

	if (q0 == NULL || (h->p.redact == NULL && q->secret_query == NULL)) {
		k_buf_adds(out, q->path);
		return;
	}
	k_buf_add(out, q->path, (size_t)(q0 - q->path));
	char sep = '?';
	const char *p = q0 + 1;
	while (*p != '\0') {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t kn = eq ? (size_t)(eq - p) : n;
		if (!secret_param(h, q, p, kn)) {
			k_buf_addc(out, sep);
			k_buf_add(out, p, n);
			sep = '&';
		}
		p += n + (amp != NULL);
	}
}

enum outcome {
	OUT_OK,          /* 2xx */
	OUT_RETRY,       /* transport failure, 5xx, 408 */
	OUT_RATE,        /* 429, 418 */
	OUT_BADJSON,     /* 2xx but not JSON */
	OUT_FATAL        /* stop now, status in err (and struct call) */
};

/* A short printable excerpt of a body, for messages. */
static void
excerpt(const struct k_buf *b, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < b->len && k + 4 < cap && i < 120; i++) {
		unsigned char c = (unsigned char)b->data[i];
		out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
	}
	if (b->len > 120 && k + 4 < cap) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
}

/* One request through its attempts (k_http_json). */
struct call {
	const struct k_http_req *q;
	const char *path;        /* q->path, redacted */
	struct k_http_resp *r;
	char terr[256];          /* the attempt's transport failure */
	long tcode;              /* and its curl code, or 0 for none */
	char what[512];          /* what went wrong last, for messages */
	enum outcome last;       /* and what kind of wrong */
	enum k_status st;        /* the status of an OUT_FATAL */
	struct secrets sec;      /* q's, to be replaced wherever they show */
};

/* The answer to c's request from the recording. */
static enum k_status
attempt_replay(struct k_http *h, struct call *c, struct k_error *err)
{
	const struct k_http_req *q = c->q;
	struct k_http_resp *r = c->r;
	char *key = make_key(q->method, c->path, q->body);
	if (key == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	struct entry *en = replay_find(h, key);
	free(key);
	if (en == NULL) {
		h->exhausted = 1;
		return k_error_set(err, K_ENOINPUT, "%s: the recording has "
		                   "no answer for %s %s%s%s", q->label,
		                   q->method, c->path, q->body ? " " : "",
		                   q->body ? q->body : "");
	}
	en->used = 1;
	r->time_ms = en->time_ms;
	h->retry_after = en->retry_after;
	if (en->error != NULL) {
		snprintf(c->terr, sizeof c->terr, "%s", en->error);
		c->tcode = en->curl ? en->curl : 1;
		return K_OK;
	}
	r->status = en->status;
	return replay_body(h, en, &r->body, err);
}

/* c's request over the network (and into the recording, when
 * recording). */
static enum k_status
attempt_live(struct k_http *h, struct call *c, struct k_error *err)
{
	const struct k_http_req *q = c->q;
	struct k_http_resp *r = c->r;
	/* Checked here, so that libcurl's "unsupported protocol" can only
	 * mean an answer that is no HTTP (HTTP/0.9 is refused): retried. */
	if (strncasecmp(q->base, "http://", 7) != 0 &&
	    strncasecmp(q->base, "https://", 8) != 0)
		return k_error_set(err, K_ECONFIG, "%s: %s: not an http:// or "
		                   "https:// URL", q->label, q->base);
	struct k_buf url;
	k_buf_init(&url);
	k_buf_adds(&url, q->base);
	k_buf_adds(&url, q->path);
	if (url.oom) {
		k_buf_release(&url);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	CURL *cu = h->curl;
	k_curl.easy_setopt(cu, CURLOPT_URL, k_buf_cstr(&url));
	if (q->body != NULL) {
		k_curl.easy_setopt(cu, CURLOPT_POST, 1L);
		k_curl.easy_setopt(cu, CURLOPT_POSTFIELDS, q->body);
		k_curl.easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
		k_curl.easy_setopt(cu, CURLOPT_HTTPHEADER, h->json_hdr);
	} else {
		k_curl.easy_setopt(cu, CURLOPT_HTTPGET, 1L);
		k_curl.easy_setopt(cu, CURLOPT_HTTPHEADER, NULL);
	}
	h->sink = &r->body;
	h->too_big = 0;
	CURLcode cc = k_curl.easy_perform(cu);
	k_buf_release(&url);
	r->time_ms = k_time_now_ms();
	if (h->too_big)
		return too_big(h, q->label, err);
	if (r->body.oom)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return k_error_set(err, K_EUNAVAIL, "%s: interrupted", q->label);
	if (cc != CURLE_OK) {
		c->tcode = (long)cc;
		if (cc == CURLE_OPERATION_TIMEDOUT)
			snprintf(c->terr, sizeof c->terr, "no answer within %g s",
			         h->p.timeout);
		else if (cc == CURLE_UNSUPPORTED_PROTOCOL)
			snprintf(c->terr, sizeof c->terr, "the answer is not HTTP "
			         "(no status line)");
		else
			snprintf(c->terr, sizeof c->terr, "%s",
			         k_curl.easy_strerror(cc));
		switch (cc) {
		case CURLE_URL_MALFORMAT:
			return k_error_set(err, K_ECONFIG, "%s: %s: %s", q->label,
			                   q->base, c->terr);
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
			return k_error_set(err, K_EUNAVAIL, "%s: TLS: %s", q->label,
			                   c->terr);
		default:
			break;
		}
	} else {
		k_curl.easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
	}
	return K_OK;
}

/* Perform one attempt, live or replayed, and record it when recording.
 * Fills status/body/time, or the transport error text, with the
 * request's secrets replaced. Returns K_OK if an answer (any status) or
 * a transport failure happened, else a hard error in err. */
static enum k_status
attempt(struct k_http *h, struct call *c, struct k_error *err)
{
	const struct k_http_req *q = c->q;
	struct k_http_resp *r = c->r;
	enum k_status st;
	c->terr[0] = '\0';
	c->tcode = 0;
	k_buf_reset(&r->body);
	r->status = 0;
	h->retry_after = -1;
	h->stats.requests++;
	if (h->p.replay_dir != NULL)
		st = attempt_replay(h, c, err);
	else
		st = attempt_live(h, c, err);
	if (st != K_OK)
		return st;
	/* a server that says the request back says its secrets: they go no
	 * further than this */
	scrub_text(&c->sec, c->terr, sizeof c->terr);
	if (scrub_buf(&c->sec, &r->body) != K_OK)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if (h->index != NULL)
		return record_response(h, q->method, c->path, q->body, q->label,
		                       r->status, &r->body, r->time_ms,
		                       c->tcode ? c->terr : NULL, c->tcode, err);
	return K_OK;
}

static double
backoff(struct k_http *h, int retry)
{
	double d = h->p.retry_wait;

	for (int i = 1; i < retry && d < h->p.retry_wait_max; i++)
		d *= 2;
	if (d > h->p.retry_wait_max)
		d = h->p.retry_wait_max;
	if (h->rng != NULL)
		d = d * (0.5 + 0.5 * k_rng_uniform(h->rng));
	return d;
}

/* Wait until base's weight budget has room for q, and charge it. */
static enum k_status
budget_take(struct k_http *h, struct budget *b, const struct k_http_req *q,
            struct k_error *err)
{
	double w = budget_wait(b, k_time_mono(), q->weight);
	if (w > 0) {
		notify(h, "%s: weight budget of %g per %g s used up; waiting "
		       "%.1f s", q->label, b->per_min, b->window, w);
		h->stats.waited += w;
		if (k_http_sleep(h, w))
			return k_error_set(err, K_EUNAVAIL, "%s: interrupted",
			                   q->label);
	}
	budget_add(b, k_time_mono(), q->weight);
	return K_OK;
}

/* What the attempt's answer means: OUT_OK with c->r->json parsed; a
 * reason to try again, said in c->what; or OUT_FATAL, with c->st and
 * err. */
static enum outcome
judge(struct k_http *h, struct call *c, struct k_error *err)
{
	const struct k_http_req *q = c->q;
	struct k_http_resp *r = c->r;
	char ex[160];
	if (c->tcode != 0) {
		snprintf(c->what, sizeof c->what, "%s", c->terr);
		return OUT_RETRY;
	}
	if (r->status >= 200 && r->status < 300) {
		json_error_t je;
		/* Any JSON value: Hyperliquid answers null for what it does not
		 * know. */
		r->json = json_loadb(r->body.data ? r->body.data : "", r->body.len,
		                     JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
		if (r->json != NULL) {
			c->st = K_OK;
			return OUT_OK;
		}
		snprintf(c->what, sizeof c->what, "response is not valid JSON "
		         "(byte %d of %zu: %s)", je.position, r->body.len, je.text);
		return OUT_BADJSON;
	}
	if (r->status == 429 || r->status == 418) {
		snprintf(c->what, sizeof c->what, "HTTP %ld (rate limited)",
		         r->status);
		if (h->retry_after > h->p.max_retry_after) {
			c->st = k_error_set(err, K_ETEMPFAIL, "%s: %s; the server "
			                    "asks to wait %g s, longer than "
			                    "--max-retry-after %g s", q->label,
			                    c->what, h->retry_after,
			                    h->p.max_retry_after);
			return OUT_FATAL;
		}
		return OUT_RATE;
	}
	if (r->status >= 500 || r->status == 408) {
		excerpt(&r->body, ex, sizeof ex);
		snprintf(c->what, sizeof c->what, "HTTP %ld%s%s", r->status,
		         ex[0] ? ": " : "", ex);
		return OUT_RETRY;
	}
	excerpt(&r->body, ex, sizeof ex);
	enum k_status fst = K_EUNAVAIL;
	if (r->status == 400 || r->status == 404 || r->status == 422)
		fst = K_EDATA;
	c->st = k_error_set(err, fst, "%s: the service refused the request: "
	                    "HTTP %ld%s%s", q->label, r->status,
	                    ex[0] ? ": " : "", ex);
	return OUT_FATAL;
}

/* Sleep before attempt i + 1 of tries: what the server asked for, else
 * the backoff. */
static enum k_status
retry_wait(struct k_http *h, const struct call *c, int i, int tries,
           struct k_error *err)
{
	double ra = h->retry_after;
	double wait = ra >= 0 ? ra : backoff(h, i);
	notify(h, "%s: %s; retrying in %.1f s (attempt %d of %d)",
	       c->q->label, c->what, wait, i + 1, tries);
	h->stats.waited += wait;
	if (k_http_sleep(h, wait))
		return k_error_set(err, K_EUNAVAIL, "%s: interrupted", c->q->label);
	return K_OK;
}

/* The status after the last of tries attempts failed as c->last. */
static enum k_status
gave_up(const struct call *c, int tries, struct k_error *err)
{
	enum k_status st;
	switch (c->last) {
	case OUT_RATE:
		st = K_ETEMPFAIL;
		break;
	case OUT_BADJSON:
		st = K_EDATA;
		break;
	default:
		st = K_EUNAVAIL;
		break;
	}
	return k_error_set(err, st, "%s: %s; gave up after %d attempts",
	                   c->q->label, c->what, tries);
}

enum k_status
k_http_json(struct k_http *h, const struct k_http_req *q,
            struct k_http_resp *r, struct k_error *err)
{
	struct k_buf pb;
	struct call c;
	enum k_status st = K_OK;
	int tries = h->p.retries + 1;

	k_buf_init(&pb);
	memset(&c, 0, sizeof c);
	k_buf_init(&c.sec.text);
	redact_path(h, q, &pb);
	if (pb.oom || secrets_of(h, q, &c.sec) != K_OK) {
		k_buf_release(&pb);
		k_buf_release(&c.sec.text);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	h->sec = &c.sec;
	c.q = q;
	c.path = k_buf_cstr(&pb);
	c.r = r;
	c.last = OUT_RETRY;
	if (r->json != NULL) {
		json_decref(r->json);
		r->json = NULL;
	}
	struct budget *b = h->p.replay_dir ? NULL : budget_for(h, q->base, 0);

	for (int i = 1; i <= tries; i++) {
		r->attempts = i;
		if (h->p.stop != NULL && *h->p.stop) {
			st = k_error_set(err, K_EUNAVAIL, "%s: interrupted",
			                 q->label);
			goto out;
		}
		if (b != NULL && b->per_min > 0 &&
		    (st = budget_take(h, b, q, err)) != K_OK)
			goto out;
		h->stats.weight += q->weight;
		if (i > 1)
			h->stats.retries++;
		if ((st = attempt(h, &c, err)) != K_OK)
			goto out;
		enum outcome o = judge(h, &c, err);
		if (o == OUT_OK || o == OUT_FATAL) {
			st = c.st;
			goto out;
		}
		c.last = o;
		if (i == tries)
			break;
		if ((st = retry_wait(h, &c, i, tries, err)) != K_OK)
			goto out;
	}
	st = gave_up(&c, tries, err);
out:
	if (st != K_OK && err != NULL)
		scrub_text(&c.sec, err->text, sizeof err->text);
	h->sec = NULL;
	k_buf_release(&c.sec.text);
	k_buf_release(&pb);
	return st;
}

/*
 * fake_http.c - the k_http functions the API clients call (k_http_json,
 * k_http_sleep, k_http_charge, the response's init and release), defined
 * here so that the fuzz target links these instead of k_http.o: replies
 * come from the input (fake_http.h). Every request must be well formed:
 * a method, a label, and a body that is JSON when there is one.
 */
#include <jansson.h>
#include <string.h>

#include "fake_http.h"
#include "fuzz.h"

struct k_http {
	const char *p, *end;   /* the answers not used yet */
	int oracle;            /* past them, ask stdin (KTOOLS_FUZZ_ORACLE) */
};

static struct k_http fake;

struct k_http *
fake_http(const char *p, size_t n)
{
	fake.p = p;
	fake.end = p + n;
	fake.oracle = getenv("KTOOLS_FUZZ_ORACLE") != NULL;
	return &fake;
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
	json_decref(r->json);
	r->json = NULL;
}

/* The request on stdout, its answer from stdin into line; its length, or
 * -1 at the end of stdin. */
static ssize_t
ask_oracle(const struct k_http_req *q, char **line, size_t *cap)
{
	json_t *o = json_pack("{s:s,s:s?,s:s?}", "method", q->method, "path",
	                      q->path, "body", q->body);
	FUZZ_CHECK(o != NULL, "request not packed");
	json_dumpf(o, stdout, JSON_COMPACT);
	json_decref(o);
	putchar('\n');
	fflush(stdout);
	ssize_t n = getline(line, cap, stdin);
	if (n > 0 && (*line)[n - 1] == '\n')
		n--;
	return n;
}

enum k_status
k_http_json(struct k_http *h, const struct k_http_req *q,
            struct k_http_resp *r, struct k_error *err)
{
	static char *line;
	static size_t cap;
	const char *a;
	ssize_t n;
	json_error_t je;

	FUZZ_CHECK(h == &fake && q->method && q->label && q->path, "request");
	FUZZ_CHECK(strcmp(q->method, "GET") == 0 ||
	           strcmp(q->method, "POST") == 0, "method %s", q->method);
	if (q->body != NULL) {
		json_t *b = json_loads(q->body, 0, &je);
		FUZZ_CHECK(b != NULL, "%s: the request body is not JSON: %s",
		           q->label, q->body);
		json_decref(b);
	}
	if (h->p < h->end) {
		const char *nl = memchr(h->p, '\n', (size_t)(h->end - h->p));
		a = h->p;
		n = (nl ? nl : h->end) - h->p;
		h->p += n + 1;
	} else if (h->oracle && (n = ask_oracle(q, &line, &cap)) >= 0) {
		a = line;
	} else {
		return k_error_set(err, K_EUNAVAIL, "%s: no more answers",
		                   q->label);
	}
	r->status = 200;
	r->attempts = 1;
	r->time_ms = INT64_C(1735689600000);   /* 2025-01-01T00:00:00Z */
	k_buf_add(&r->body, a, (size_t)n);
	r->json = json_loadb(a, (size_t)n, JSON_REJECT_DUPLICATES |
	                     JSON_DECODE_ANY, &je);
	if (r->json == NULL)
		return k_error_set(err, K_EDATA, "%s: the answer is not JSON: %s",
		                   q->label, je.text);
	return K_OK;
}

int
k_http_sleep(struct k_http *h, double s)
{
	(void)h;
	(void)s;
	return 0;
}

void
k_http_charge(struct k_http *h, const char *base, double weight)
{
	(void)h;
	(void)base;
	(void)weight;
}

/*
 * k_optval.c - the option value parsers of k_optval.h.
 */
#include "cli/k_optval.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "cli/k_log.h"
#include "model/k_store.h"

unsigned long long
k_optval_uint(struct argp_state *state, const char *opt, const char *arg,
              unsigned long long lo, unsigned long long hi)
{
	unsigned long long v = 0;
	char *end = NULL;

	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		v = strtoull(arg, &end, 10);
	}
	if (end == NULL || errno != 0 || *end != '\0' || v < lo || v > hi)
		argp_error(state, "%s: '%s' is not a whole number from %llu to "
		           "%llu", opt, arg, lo, hi);
	return v;
}

long long
k_optval_block(struct argp_state *state, const char *opt, const char *arg,
               long long lo)
{
	const long long hi = 1LL << 53;
	int hex = arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X');
	const char *digits = hex ? arg + 2 : arg;
	unsigned long long v = 0;
	char *end = NULL;

	/* strtoull would also take space, a sign, and 0x after 0x. */
	if (hex ? isxdigit((unsigned char)digits[0])
	        : isdigit((unsigned char)digits[0])) {
		errno = 0;
		v = strtoull(digits, &end, hex ? 16 : 10);
	}
	if (end == NULL || errno != 0 || *end != '\0' ||
	    v < (unsigned long long)lo || v > (unsigned long long)hi)
		argp_error(state, "%s: '%s' is not a block number (decimal or 0x "
		           "hex) from %lld to %lld", opt, arg, lo, hi);
	return (long long)v;
}

int
k_optval_parse_number(const char *arg, double *out)
{
	const char *p = arg[0] == '-' ? arg + 1 : arg;
	char *end;

	/* strtod would also take space, '+', hex, inf and nan. */
	if (!((p[0] >= '0' && p[0] <= '9') || p[0] == '.') ||
	    strpbrk(arg, "xX") != NULL)
		return -1;
	errno = 0;
	*out = strtod(arg, &end);
	return errno != 0 || *end != '\0' || !isfinite(*out) ? -1 : 0;
}

/* The interval [lo, hi] in words: "in (0, 1]", "above 0", "of 0 or more". */
static void
interval(char *buf, size_t cap, double lo, double hi, unsigned range)
{
	if (isinf(hi))
		snprintf(buf, cap, range & K_OPTVAL_OPEN_LO ? "above %g"
		                                            : "of %g or more", lo);
	else
		snprintf(buf, cap, "in %c%g, %g%c",
		         range & K_OPTVAL_OPEN_LO ? '(' : '[', lo, hi,
		         range & K_OPTVAL_OPEN_HI ? ')' : ']');
}

double
k_optval_number(struct argp_state *state, const char *opt, const char *arg,
                double lo, double hi, unsigned range)
{
	double v;

	if (k_optval_parse_number(arg, &v) < 0 || v < lo || v > hi ||
	    ((range & K_OPTVAL_OPEN_LO) && v == lo) ||
	    ((range & K_OPTVAL_OPEN_HI) && v == hi)) {
		char in[96];
		interval(in, sizeof in, lo, hi, range);
		argp_error(state, "%s: '%s' is not a number %s", opt, arg, in);
	}
	return v;
}

int64_t
k_optval_duration(struct argp_state *state, const char *opt,
                  const char *arg, int64_t lo_ms, int64_t hi_ms)
{
	char a[32], b[32];
	int64_t ms;

	if (lo_ms == 0 && strcmp(arg, "0") == 0)
		return 0;
	if (k_time_span_parse(arg, &ms) < 0)
		argp_error(state, "%s: '%s' is not a duration such as 90s, 5m, "
		           "1h or 7d", opt, arg);
	k_time_span_format(lo_ms, a, sizeof a);
	if (ms < lo_ms && hi_ms == INT64_MAX)
		argp_error(state, "%s: '%s' is not a duration of %s or more", opt,
		           arg, a);
	if (ms < lo_ms || ms > hi_ms)
		argp_error(state, "%s: '%s' is not a duration from %s to %s", opt,
		           arg, a, k_time_span_format(hi_ms, b, sizeof b));
	return ms;
}

int64_t
k_optval_time(struct argp_state *state, const char *opt, const char *arg)
{
	int64_t ms;

	if (k_time_parse_arg(arg, &ms) < 0)
		argp_error(state, "%s: '%s' is not a date (2025-03-12), an RFC "
		           "3339 time or milliseconds since the epoch", opt, arg);
	return ms;
}

const char *
k_optval_name(struct argp_state *state, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		argp_error(state, "%s: empty name", opt);
	return arg;
}

const char *
k_optval_version(struct argp_state *state, const char *opt, const char *arg)
{
	struct k_error e;

	if (strcmp(arg, "latest") != 0 && k_version_check(arg, &e) != K_OK)
		argp_error(state, "%s: %s", opt, e.text);
	return arg;
}

int
k_optval_list_parse(const char *s, struct k_optval_list *l)
{
	memset(l, 0, sizeof *l);
	if (s == NULL || *s == '\0')
		return -1;
	for (const char *p = s;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n == 0) {
			k_optval_list_release(l);
			return -1;
		}
		char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
		char *item = malloc(n + 1);
		if (nv == NULL || item == NULL) {
			free(item);
			if (nv != NULL)
				l->v = nv;
			k_optval_list_release(l);
			k_die(K_ENOMEM, "out of memory");
		}
		memcpy(item, p, n);
		item[n] = '\0';
		l->v = nv;
		l->v[l->n++] = item;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return 0;
}

void
k_optval_list_release(struct k_optval_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

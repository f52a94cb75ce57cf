/*
 * k_time.c - civil-date arithmetic after Howard Hinnant's public-domain
 * algorithms, a strict RFC 3339 parser, and durations ("90s", "7d").
 */
#include "base/k_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
k_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
k_time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
	int v = 0;

	if (at + count > n)
		return -1;
	for (size_t i = at; i < at + count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
k_time_parse(const char *s, size_t n, int64_t *ms)
{
	int Y, M, D, h, mi, se, frac = 0, oh = 0, om = 0;
	size_t i;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	                                  31, 30, 31 };

	if (digits(s, n, 0, 4, &Y) || n < 19 || s[4] != '-' ||
	    digits(s, n, 5, 2, &M) || s[7] != '-' || digits(s, n, 8, 2, &D) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s, n, 11, 2, &h) || s[13] != ':' ||
	    digits(s, n, 14, 2, &mi) || s[16] != ':' ||
	    digits(s, n, 17, 2, &se))
		return -1;
	if (M < 1 || M > 12 || D < 1 || (unsigned)D > mdays[M - 1] || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0))
		return -1;
	if (se == 60)
		se = 59; /* a leap second maps onto the second before it */
	i = 19;
	if (i < n && s[i] == '.') {
		size_t nd = 0;
		int scale = 100;
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (nd < 3) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
			}
			nd++;
			i++;
		}
		if (nd == 0)
			return -1;
	}
	if (i >= n)
		return -1;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		int sign = s[i] == '-' ? -1 : 1;
		if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
		    digits(s, n, i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		oh *= sign;
		om *= sign;
		i += 6;
	} else {
		return -1;
	}
	if (i != n)
		return -1;
	int64_t days = k_time_days_from_civil(Y, (unsigned)M, (unsigned)D);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se -
	               (int64_t)oh * 3600 - (int64_t)om * 60;
	*ms = secs * 1000 + frac;
	return 0;
}

char *
k_time_format(int64_t ms, char *buf, size_t cap)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int msr = (int)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t sod = secs - days * 86400;
	int64_t y;
	unsigned m, d;

	k_time_civil_from_days(days, &y, &m, &d);
	if (msr != 0)
		snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
		         (long long)y, m, d, (int)(sod / 3600),
		         (int)(sod / 60 % 60), (int)(sod % 60), msr);
	else
		snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
		         (long long)y, m, d, (int)(sod / 3600),
		         (int)(sod / 60 % 60), (int)(sod % 60));
	return buf;
}

int64_t
k_time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
k_time_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
k_time_span_parse(const char *s, int64_t *ms)
{
	char *end;
	int64_t unit;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno != 0 || n == 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else if (strcmp(end, "d") == 0)
		unit = 86400000;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400000LL;
	else
		return -1;
	const unsigned long long max = 10ULL * 366 * 86400000ULL;
	if (n > max / (unsigned long long)unit)
		return -1;
	*ms = (int64_t)n * unit;
	return 0;
}

char *
k_time_span_format(int64_t ms, char *buf, size_t cap)
{
	static const struct { int64_t unit; const char *name; } u[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" },
	};
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
		if (ms != 0 && ms % u[i].unit == 0) {
			snprintf(buf, cap, "%" PRId64 "%s", ms / u[i].unit,
			         u[i].name);
			return buf;
		}
	}
	snprintf(buf, cap, "%" PRId64 "ms", ms);
	return buf;
}

int
k_time_parse_arg(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	int digits = n > 0;
	char buf[40];

	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	if (digits && n >= 10 && n <= 15) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno || *end != '\0')
			return -1;
		*ms = v;
		return 0;
	}
	if (n == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		return k_time_parse(buf, strlen(buf), ms);
	}
	return k_time_parse(s, n, ms);
}

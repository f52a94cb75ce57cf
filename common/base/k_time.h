/*
 * k_time.h - RFC 3339 timestamps <-> milliseconds since the Unix epoch,
 * UTC only in output, without the TZ-dependent libc calls; and durations
 * as options give them ("90s", "5m", "7d").
 */
#ifndef K_TIME_H
#define K_TIME_H

#include <stddef.h>
#include <stdint.h>

#define K_MS_PER_MINUTE INT64_C(60000)
#define K_MS_PER_HOUR INT64_C(3600000)
#define K_MS_PER_DAY  INT64_C(86400000)

/* Parse "2025-03-15T14:20:00Z", with optional fraction and a Z or +hh:mm
 * offset (also a space for 'T'). Returns 0, or -1 if malformed. */
int k_time_parse(const char *s, size_t n, int64_t *ms);

/* A time as users give one: a date ("2025-03-12": midnight UTC), an RFC
 * 3339 time as k_time_parse reads, or 10 to 15 digits of milliseconds
 * since the epoch. Returns 0, or -1 if it is none of these. */
int k_time_parse_arg(const char *s, int64_t *ms);

/* Format as "2025-03-15T14:20:00Z" (".123Z" when ms is not whole); buf
 * needs 32 bytes. Returns buf. */
char *k_time_format(int64_t ms, char *buf, size_t cap);

/* Now, in ms since the epoch (CLOCK_REALTIME). */
int64_t k_time_now_ms(void);

/* Monotonic seconds, for timing and progress. */
double k_time_mono(void);

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
int64_t k_time_days_from_civil(int64_t y, unsigned m, unsigned d);
void k_time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/*
 * Parse a duration: a positive whole number followed by ms, s, m, h, d
 * or w ("90s", "5m", "1h", "7d"); a bare number is seconds. Returns 0 and *ms,
 * or -1 if malformed or out of range (over 10 years).
 */
int k_time_span_parse(const char *s, int64_t *ms);

/* Shortest text of a duration for output ("1h", "90s", "250ms"); buf
 * needs 32 bytes. Returns buf. */
char *k_time_span_format(int64_t ms, char *buf, size_t cap);

#endif

/*
 * k_optval.h - the one parser of each kind of option value, for every
 * program, so that the same text is accepted everywhere and refused with
 * the same words. A value is the bare text: no space, no '+', no trailing
 * text, no hexadecimal, no infinity or NaN. A bad value ends the program
 * with a usage error (exit 64) naming the option and what it wants:
 *   ktrain anomaly: --trees: 'abc' is not a whole number from 1 to 100000
 * opt is the option as the user typed it ("--trees").
 */
#ifndef K_OPTVAL_H
#define K_OPTVAL_H

#include <argp.h>
#include <stddef.h>
#include <stdint.h>

/* A whole number in [lo, hi], decimal digits only. */
unsigned long long k_optval_uint(struct argp_state *state, const char *opt,
                                 const char *arg, unsigned long long lo,
                                 unsigned long long hi);

/* A block number, decimal or 0x hex as JSON-RPC writes quantities, from
 * lo to 2^53. */
long long k_optval_block(struct argp_state *state, const char *opt,
                         const char *arg, long long lo);

/* Bounds of k_optval_number: each end included unless flagged open. */
enum k_optval_range {
	K_OPTVAL_CLOSED = 0,
	K_OPTVAL_OPEN_LO = 1u << 0,   /* lo itself is refused */
	K_OPTVAL_OPEN_HI = 1u << 1,   /* hi itself is refused */
};

/* A decimal number ("0.05", "-3", "1e-4") between lo and hi (hi may be
 * INFINITY); the message gives the interval: "in (0, 1)", "above 0". */
double k_optval_number(struct argp_state *state, const char *opt,
                       const char *arg, double lo, double hi,
                       unsigned range);

/* The same test without ending the program: 0 and *out, or -1. For
 * values inside larger option texts (LO,HI; NAME=WEIGHT). */
int k_optval_parse_number(const char *arg, double *out);

/* A duration ("90s", "5m", "1h", "7d"; k_time_span_parse) from lo_ms to
 * hi_ms (INT64_MAX: no bound), in milliseconds; "0" too when lo_ms is 0. */
int64_t k_optval_duration(struct argp_state *state, const char *opt,
                          const char *arg, int64_t lo_ms, int64_t hi_ms);

/* A time: a date ("2025-03-12", midnight UTC), an RFC 3339 time or
 * milliseconds since the epoch (k_time_parse_arg), in ms. */
int64_t k_optval_time(struct argp_state *state, const char *opt,
                      const char *arg);

/* A model version as the store names them, or "latest" (--model-version):
 * "--opt: <why the name is not one>" otherwise. */
const char *k_optval_version(struct argp_state *state, const char *opt,
                             const char *arg);

/* A non-empty name (a file, a field): "--opt: empty name" otherwise. */
const char *k_optval_name(struct argp_state *state, const char *opt,
                          const char *arg);

/* A comma-separated list, each item copied (the caller releases it). */
struct k_optval_list {
	char **v;
	size_t n;
};

/* Split s at commas: -1 (and l empty) for an empty s or an empty item.
 * The caller says what was wrong in its own words. */
int k_optval_list_parse(const char *s, struct k_optval_list *l);
void k_optval_list_release(struct k_optval_list *l);

#endif

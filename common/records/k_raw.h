/*
 * k_raw.h - the raw records of DESIGN.md's contract table (hlp, price,
 * candle, funding, liquidation) as C structs with one writer each, the
 * strict readers of the decimal strings and millisecond times that
 * exchange APIs send, and a time-ordered collector of written records.
 * Every source that emits these kinds goes through here, so field names,
 * key order and types cannot drift from one source to another.
 */
#ifndef K_RAW_H
#define K_RAW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_status.h"

enum k_raw_kind {
	K_RAW_HLP,
	K_RAW_PRICE,
	K_RAW_CANDLE,
	K_RAW_FUNDING,
	K_RAW_LIQUIDATION,
	K_RAW_NKINDS
};

#define K_RAW_VENUE_MAX 16
#define K_RAW_COIN_MAX 48   /* "BTC", "@107", "xyz:TSLA"; longer is rejected */
#define K_RAW_ADDR_LEN 42   /* "0x" and 40 lower-case hex digits */

/* Which optional members of a price record the venue gave (bit mask). */
enum {
	K_RAW_P_ORACLE = 1 << 0,
	K_RAW_P_MARK = 1 << 1,
	K_RAW_P_MID = 1 << 2,
	K_RAW_P_PRICE = 1 << 3,
	K_RAW_P_FUNDING = 1 << 4,
	K_RAW_P_OI = 1 << 5,
	K_RAW_P_PREMIUM = 1 << 6,
	K_RAW_P_PREV_DAY = 1 << 7,
	K_RAW_P_DAY_NTL = 1 << 8,
};

/* Numbers are doubles; NAN means "not given" and is written as null. */
struct k_raw_hlp {
	char vault[K_RAW_ADDR_LEN + 1];
	double account_value;   /* USD */
	double pnl;             /* USD, cumulative since the vault began */
};

struct k_raw_price {
	unsigned has;           /* K_RAW_P_* members that are written */
	double oracle, mark, mid, price; /* USD (quote currency) */
	double funding;         /* hourly rate, fraction */
	double open_interest;   /* coin units */
	double premium;         /* fraction */
	double prev_day_px;     /* USD */
	double day_ntl_vlm;     /* USD, last 24 h */
};

struct k_raw_candle {
	char interval[8];       /* "1h" */
	int64_t close_ms;       /* close time, ms (inclusive end) */
	double open, high, low, close; /* quote currency */
	double volume;          /* coin units */
	double quote_volume;    /* quote currency; NAN: not given (omitted) */
	long long trades;       /* trade count; -1: not given (omitted) */
};

struct k_raw_funding {
	double rate;            /* per funding period, fraction */
	double premium;         /* fraction; NAN: not given (null) */
};

struct k_raw_liq {
	char side[8];           /* liquidated position: "long" or "short" */
	double px, size, value_usd; /* fill price, |size| in coin, px * size */
	char user[K_RAW_ADDR_LEN + 1];    /* liquidated user */
	char method[16];        /* "market" or "backstop" */
	double mark_px;         /* mark price at liquidation; NAN: not given */
	char account[K_RAW_ADDR_LEN + 1]; /* whose fill it was */
	char hash[80];          /* transaction hash, "" if not given */
	long long tid;          /* trade id; -1: not given (omitted) */
};

struct k_raw {
	enum k_raw_kind kind;
	int64_t ts;             /* ms since the epoch, UTC */
	char venue[K_RAW_VENUE_MAX];
	char coin[K_RAW_COIN_MAX]; /* unused by hlp */
	union {
		struct k_raw_hlp hlp;
		struct k_raw_price price;
		struct k_raw_candle candle;
		struct k_raw_funding funding;
		struct k_raw_liq liq;
	} u;
};

/* The record's "kind" string ("hlp", "price", ...). */
const char *k_raw_kind_name(enum k_raw_kind k);
/* The kind named s, or -1. */
int k_raw_kind_parse(const char *s);

/* Zero r, set kind, venue (may be NULL) and all numbers to NAN. */
void k_raw_init(struct k_raw *r, enum k_raw_kind kind, const char *venue);

/* Append r as one compact JSON object (no newline) to b, keys in the
 * contract's order; NAN numbers become null. */
void k_raw_write(struct k_buf *b, const struct k_raw *r);

/* ---- reading API values ---- */

/* Flags for k_raw_get_dec. */
enum {
	K_RAW_OPTIONAL = 1 << 0, /* missing or null gives NAN and K_OK */
	K_RAW_POSITIVE = 1 << 1, /* must be > 0 */
	K_RAW_NONNEG = 1 << 2,   /* must be >= 0 */
};

/* Parse a decimal number written as JSON would (optional '-', digits,
 * optional fraction and exponent; no spaces, hex, "nan" or "inf") from the
 * n bytes at s. Returns 0, or -1 if malformed or not finite. */
int k_raw_parse_decimal(const char *s, size_t n, double *out);

/* obj[field] (or v itself when field is NULL) as a number: a decimal
 * string or a JSON number. On failure fills err (K_EDATA) naming the field,
 * what was expected and what was found. */
enum k_status k_raw_get_dec(const json_t *obj, const char *field, int flags,
                            double *out, struct k_error *err);

/* obj[field] (or obj itself when field is NULL) as a time in ms since the
 * epoch: an integer or a string of digits, from 2000-01-01 to 2100-01-01. */
enum k_status k_raw_get_ms(const json_t *obj, const char *field,
                           int64_t *out, struct k_error *err);

/* obj[field] (or obj when field is NULL) as an integer or a string of
 * digits (ids, counts), >= 0. */
enum k_status k_raw_get_count(const json_t *obj, const char *field,
                              long long *out, struct k_error *err);

/* obj[field] as a string of 1..cap-1 bytes copied into buf. */
enum k_status k_raw_get_str(const json_t *obj, const char *field, char *buf,
                            size_t cap, struct k_error *err);

/* Normalise an Ethereum-style address ("0x" + 40 hex digits, any case)
 * into out (43 bytes), lower case. Returns 0, or -1 if malformed. */
int k_raw_addr_norm(const char *in, char *out);

/* ---- a growable array of records ---- */

struct k_raw_vec {
	struct k_raw *v;
	size_t n, cap;
};

void k_raw_vec_init(struct k_raw_vec *v);
void k_raw_vec_release(struct k_raw_vec *v);
/* Append a copy; K_ENOMEM on failure. */
enum k_status k_raw_vec_push(struct k_raw_vec *v, const struct k_raw *r);

/* Where a parser reports an element it skipped (err names the endpoint,
 * element and field). */
typedef void (*k_raw_reject_fn)(void *ctx, const struct k_error *err);

/* ---- time-ordered output ---- */

/* Records written into one buffer, then put in time order (ts, ties in
 * the order added) so that a backfill of several coins and kinds reads
 * as one stream. */
struct k_raw_out {
	struct k_buf text;      /* the records, back to back */
	struct k_raw_out_item {
		int64_t ts;
		size_t seq, off, len;
	} *items;
	size_t n, cap, seq;
	unsigned long count[K_RAW_NKINDS]; /* records added, by kind */
};

void k_raw_out_init(struct k_raw_out *o);
void k_raw_out_release(struct k_raw_out *o);
/* Add r (serialised now). K_ENOMEM on failure. */
enum k_status k_raw_out_add(struct k_raw_out *o, const struct k_raw *r);
/* Sort what was added by time; then item i is text.data + items[i].off. */
void k_raw_out_sort(struct k_raw_out *o);
/* Forget the items (the counts stay). */
void k_raw_out_clear(struct k_raw_out *o);

#endif

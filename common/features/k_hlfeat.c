/*
 * k_hlfeat.c - the Hyperliquid feature engine of k_hlfeat.h.
 *
 * Records are applied in event-time order (a small heap reorders within
 * --lateness and holds each candle until its close time, when its values
 * become known). Each applied record updates per-coin and global state in
 * O(1) or O(window slices); a bucket is closed, and its row computed, when
 * the first record of a later bucket is applied, or at the end of input.
 */
#include "features/k_hlfeat.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "numeric/k_asof.h"
#include "numeric/k_timewin.h"
#include "text/k_json.h"
#include "text/k_jsonw.h"

/* ---- feature names, in row order ---- */

enum {
	/* HLP vault */
	F_ACCOUNT_VALUE, F_PNL_24H, F_PNL_24H_PCT, F_ALL_TIME_PNL, F_SHARPE,
	F_MAX_DD, F_RET_1H, F_RET_24H, F_RET_7D, F_VOL_24H, F_VOL_7D,
	F_PNL_MOM, F_PNL_ACC, F_DD_CHANGE, F_DD_VEL, F_SHARPE_TREND,
	F_SHARPE_MA, F_AV_Z, F_PNL_Z, F_HOUR, F_DOW, F_WEEKEND,
	/* oracle and venues */
	F_MAX_DEV, F_DEV_MEAN, F_DEV_MAX, F_DEV_STD, F_HIGH_DEV, F_DEV_DUR,
	F_PRICE_VEL, F_PRICE_ACC, F_HL_BN, F_BN_CB, F_ORACLE_RISK, F_RISK_MA,
	F_RISK_TREND,
	/* liquidations */
	F_LIQ_N, F_LIQ_5M, F_LIQ_1H, F_LIQ_24H, F_VAL_5M, F_VAL_1H, F_AVG_1H,
	F_MAX_1H, F_VAL_Z, F_SINCE_LAST, F_AVG_GAP, F_CASCADE, F_CASCADE_S,
	F_FLASH_S, F_COORD_S,
	/* volume and funding */
	F_VOLUME_1H, F_RANGE_1H, F_VOLUME_Z, F_VOLUME_RZ, F_FUNDING,
	F_PREMIUM, F_OI_CHANGE,
	F_N
};

static const char *const names[F_N] = {
	"account_value", "pnl_24h", "pnl_24h_pct", "all_time_pnl",
	"sharpe_ratio", "max_drawdown", "return_1h", "return_24h", "return_7d",
	"volatility_24h", "volatility_7d", "pnl_momentum", "pnl_acceleration",
	"drawdown_change", "drawdown_velocity", "sharpe_trend", "sharpe_ma_7d",
	"account_value_zscore", "pnl_24h_zscore", "hour_of_day",
	"day_of_week", "is_weekend",
	"max_deviation_pct", "deviation_mean_1h", "deviation_max_1h",
	"deviation_std_1h", "high_deviation_count_1h", "deviation_duration_s",
	"price_velocity", "price_acceleration", "hl_binance_spread",
	"binance_coinbase_spread", "oracle_risk_score", "risk_score_ma",
	"risk_score_trend",
	"liquidation_count", "liquidation_count_5min", "liquidation_count_1h",
	"liquidation_count_24h", "total_value_5min", "total_value_1h",
	"avg_value_1h", "max_value_1h", "value_zscore", "time_since_last",
	"avg_time_between_5min", "is_cascade", "cascade_suspicion",
	"flash_suspicion", "coordinated_suspicion",
	"volume_usd_1h", "range_pct_1h", "volume_zscore",
	"volume_to_range_zscore", "funding_rate_max_abs", "premium_max_abs",
	"open_interest_change_1h",
};

const char *const *
k_hlfeat_names(size_t *n)
{
	*n = F_N;
	return names;
}

/* Lagged row values (the value one hour before, for the *_change,
 * *_trend, momentum and acceleration features). */
enum { L_PNL, L_MOM, L_DD, L_DDC, L_SHARPE, L_ORISK, L_N };

#define LQ_CAP 256        /* liquidations per coin kept for cascades */
#define DEDUP_CAP 1024    /* recent liquidations checked for duplicates */
#define USER_EV 8         /* events per user kept (saturates the score) */
#define MIN_Z_ROWS 30     /* past rows needed for a z-score */
#define MIN_SHARPE 30     /* returns needed for a Sharpe ratio */
#define MIN_CANDLES 30    /* past candles needed for volume z-scores */

/* ---- parsing ---- */

static enum k_status
opt_num(const json_t *o, const char *f, double *out, int positive,
        struct k_error *err)
{
	const json_t *v = json_object_get(o, f);
	enum k_status st;

	*out = NAN;
	if (v == NULL || json_is_null(v))
		return K_OK;
	if ((st = k_json_num(o, f, out, 1, err)) != K_OK)
		return st;
	if (positive > 0 && !(*out > 0))
		return k_error_field(err, K_EDATA, f, "field '%s': expected a "
		                     "positive number, got %g", f, *out);
	if (positive == 0 && !(*out >= 0))
		return k_error_field(err, K_EDATA, f, "field '%s': expected a "
		                     "number >= 0, got %g", f, *out);
	return K_OK;
}

static enum k_status
req_num(const json_t *o, const char *f, double *out, int positive,
        struct k_error *err)
{
	enum k_status st = k_json_num(o, f, out, 0, err);

	if (st != K_OK)
		return st;
	if (positive > 0 && !(*out > 0))
		return k_error_field(err, K_EDATA, f, "field '%s': expected a "
		                     "positive number, got %g", f, *out);
	if (positive == 0 && !(*out >= 0))
		return k_error_field(err, K_EDATA, f, "field '%s': expected a "
		                     "number >= 0, got %g", f, *out);
	return K_OK;
}

static enum k_status
copy_str(const json_t *o, const char *f, char *buf, size_t cap, int required,
         struct k_error *err)
{
	const json_t *v = json_object_get(o, f);
	const char *s;
	enum k_status st;

	buf[0] = '\0';
	if (!required && (v == NULL || json_is_null(v)))
		return K_OK;
	if ((st = k_json_str(o, f, &s, err)) != K_OK)
		return st;
	size_t n = json_string_length(v);
	if (n == 0 || n >= cap || memchr(s, '\0', n) != NULL)
		return k_error_field(err, K_EDATA, f, "field '%s': expected 1 to "
		                     "%zu characters, got %zu", f, cap - 1, n);
	memcpy(buf, s, n + 1);
	return K_OK;
}

static enum k_hlfeat_venue
venue_of(const char *s)
{
	if (strcmp(s, "hyperliquid") == 0)
		return K_HLFEAT_VENUE_HL;
	if (strcmp(s, "binance") == 0)
		return K_HLFEAT_VENUE_BINANCE;
	if (strcmp(s, "coinbase") == 0)
		return K_HLFEAT_VENUE_COINBASE;
	return K_HLFEAT_VENUE_OTHER;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#define FNV0 14695981039346656037ULL

/* Every number of r not given: NAN. */
static void
rec_clear(struct k_hlfeat_rec *r)
{
	memset(r, 0, sizeof *r);
	r->account_value = r->pnl = r->pnl_24h = NAN;
	r->oracle = r->mark = r->mid = r->price = NAN;
	r->funding = r->open_interest = r->premium = NAN;
	r->open = r->high = r->low = r->close = r->volume = NAN;
	r->rate = r->px = r->size = r->value_usd = NAN;
}

static enum k_hlfeat_kind
kind_of(const json_t *o, const char *kind)
{
	if (strcmp(kind, "hlp") == 0)
		return K_HLFEAT_HLP;
	if (strcmp(kind, "price") == 0)
		return K_HLFEAT_PRICE;
	if (strcmp(kind, "candle") == 0)
		return K_HLFEAT_CANDLE;
	if (strcmp(kind, "funding") == 0)
		return K_HLFEAT_FUNDING;
	if (strcmp(kind, "liquidation") == 0)
		return K_HLFEAT_LIQ;
	if (strcmp(kind, "label") == 0 && json_object_get(o, "incident") != NULL)
		return K_HLFEAT_LABEL;   /* not a wallet label: those lack it */
	return K_HLFEAT_OTHER;
}

static enum k_status
parse_hlp(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	enum k_status st;
	if ((st = copy_str(o, "vault", r->vault, sizeof r->vault, 1,
	                   err)) != K_OK ||
	    (st = req_num(o, "account_value", &r->account_value, 0,
	                  err)) != K_OK ||
	    (st = opt_num(o, "pnl", &r->pnl, -1, err)) != K_OK ||
	    (st = opt_num(o, "pnl_24h", &r->pnl_24h, -1, err)) != K_OK)
		return st;
	for (char *c = r->vault; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return K_OK;
}

static enum k_status
parse_price(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	enum k_status st;
	if ((st = opt_num(o, "oracle", &r->oracle, 1, err)) != K_OK ||
	    (st = opt_num(o, "mark", &r->mark, 1, err)) != K_OK ||
	    (st = opt_num(o, "mid", &r->mid, 1, err)) != K_OK ||
	    (st = opt_num(o, "price", &r->price, 1, err)) != K_OK ||
	    (st = opt_num(o, "funding", &r->funding, -1, err)) != K_OK ||
	    (st = opt_num(o, "premium", &r->premium, -1, err)) != K_OK ||
	    (st = opt_num(o, "open_interest", &r->open_interest, 0,
	                  err)) != K_OK)
		return st;
	if (isnan(r->oracle) && isnan(r->mark) && isnan(r->mid) &&
	    isnan(r->price) && isnan(r->funding) &&
	    isnan(r->open_interest))
		return k_error_set(err, K_EDATA, "no value in price record "
		                   "(oracle, mark, mid, price, funding or "
		                   "open_interest)");
	return K_OK;
}

static enum k_status
parse_candle(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	enum k_status st;
	char iv[16];
	if ((st = copy_str(o, "interval", iv, sizeof iv, 1, err)) != K_OK)
		return st;
	if (k_time_span_parse(iv, &r->interval_ms) < 0)
		return k_error_field(err, K_EDATA, "interval", "field "
		                     "'interval': not a duration such as "
		                     "\"1h\": \"%s\"", iv);
	if ((st = req_num(o, "open", &r->open, 1, err)) != K_OK ||
	    (st = req_num(o, "high", &r->high, 1, err)) != K_OK ||
	    (st = req_num(o, "low", &r->low, 1, err)) != K_OK ||
	    (st = req_num(o, "close", &r->close, 1, err)) != K_OK ||
	    (st = req_num(o, "volume", &r->volume, 0, err)) != K_OK)
		return st;
	if (r->high < r->low)
		return k_error_field(err, K_EDATA, "high", "field 'high': "
		                     "%g is below 'low' %g", r->high, r->low);
	return K_OK;
}

static enum k_status
parse_funding(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	enum k_status st;
	if ((st = req_num(o, "rate", &r->rate, -1, err)) != K_OK ||
	    (st = opt_num(o, "premium", &r->premium, -1, err)) != K_OK)
		return st;
	return K_OK;
}

/* A liquidation's identity, for duplicates: its time, coin, user, side,
 * amounts, and the hash and tid when given. */
static uint64_t
liq_key(const json_t *o, const struct k_hlfeat_rec *r, const char *user,
        const char *side)
{
	char extra[96];
	const json_t *v;
	uint64_t k = fnv(FNV0, &r->ts, sizeof r->ts);
	k = fnv(k, r->coin, strlen(r->coin));
	k = fnv(k, user, strlen(user));
	k = fnv(k, side, strlen(side));
	k = fnv(k, &r->px, sizeof r->px);
	k = fnv(k, &r->size, sizeof r->size);
	k = fnv(k, &r->value_usd, sizeof r->value_usd);
	if ((v = json_object_get(o, "hash")) != NULL && json_is_string(v)) {
		snprintf(extra, sizeof extra, "%s", json_string_value(v));
		k = fnv(k, extra, strlen(extra));
	}
	if ((v = json_object_get(o, "tid")) != NULL && json_is_integer(v)) {
		json_int_t t = json_integer_value(v);
		k = fnv(k, &t, sizeof t);
	}
	return k;
}

static enum k_status
parse_liq(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	char venue[32], user[80], side[16];
	enum k_status st;
	if ((st = copy_str(o, "venue", venue, sizeof venue, 0, err)) != K_OK)
		return st;
	r->venue = venue[0] ? venue_of(venue) : K_HLFEAT_VENUE_HL;
	if ((st = opt_num(o, "px", &r->px, 1, err)) != K_OK ||
	    (st = opt_num(o, "size", &r->size, -1, err)) != K_OK ||
	    (st = opt_num(o, "value_usd", &r->value_usd, 0, err)) != K_OK ||
	    (st = copy_str(o, "user", user, sizeof user, 0, err)) != K_OK ||
	    (st = copy_str(o, "side", side, sizeof side, 0, err)) != K_OK)
		return st;
	if (isnan(r->value_usd)) {
		if (isnan(r->px) || isnan(r->size))
			return k_error_field(err, K_EDATA, "value_usd",
			                     "field 'value_usd': missing, and "
			                     "no 'px' and 'size' to compute it");
		r->value_usd = r->px * fabs(r->size);
	}
	r->user = user[0] ? fnv(FNV0, user, strlen(user)) : 0;
	r->key = liq_key(o, r, user, side);
	return K_OK;
}

static enum k_status
parse_label(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	enum k_status st;
	if ((st = k_json_ts(o, "ts_end", &r->ts_end, err)) != K_OK ||
	    (st = copy_str(o, "incident", r->incident,
	                   sizeof r->incident, 1, err)) != K_OK ||
	    (st = copy_str(o, "coin", r->coin, sizeof r->coin, 0, err)) !=
	    K_OK)
		return st;
	if (r->ts_end < r->ts)
		return k_error_field(err, K_EDATA, "ts_end", "field "
		                     "'ts_end': before 'ts'");
	return K_OK;
}

enum k_status
k_hlfeat_parse(const json_t *o, struct k_hlfeat_rec *r, struct k_error *err)
{
	const char *kind;
	char venue[32];
	enum k_status st;

	rec_clear(r);
	if ((st = k_json_str(o, "kind", &kind, err)) != K_OK)
		return st;
	r->kind = kind_of(o, kind);
	if (r->kind == K_HLFEAT_OTHER) {
		snprintf(r->kind_name, sizeof r->kind_name, "%s", kind);
		return K_OK;
	}
	if ((st = k_json_ts(o, "ts", &r->ts, err)) != K_OK)
		return st;
	if (r->kind != K_HLFEAT_HLP && r->kind != K_HLFEAT_LABEL &&
	    r->kind != K_HLFEAT_LIQ) {
		if ((st = copy_str(o, "venue", venue, sizeof venue, 1, err)) !=
		    K_OK)
			return st;
		r->venue = venue_of(venue);
	}
	if (r->kind != K_HLFEAT_HLP && r->kind != K_HLFEAT_LABEL &&
	    (st = copy_str(o, "coin", r->coin, sizeof r->coin, 1, err)) != K_OK)
		return st;

	switch (r->kind) {
	case K_HLFEAT_HLP:
		return parse_hlp(o, r, err);
	case K_HLFEAT_PRICE:
		return parse_price(o, r, err);
	case K_HLFEAT_CANDLE:
		return parse_candle(o, r, err);
	case K_HLFEAT_FUNDING:
		return parse_funding(o, r, err);
	case K_HLFEAT_LIQ:
		return parse_liq(o, r, err);
	case K_HLFEAT_LABEL:
		return parse_label(o, r, err);
	case K_HLFEAT_OTHER:
		break;
	}
	return K_OK;
}

/* ---- engine state ---- */

struct coin {
	char name[K_HLFEAT_COIN_MAX];
	struct k_asof px;          /* Hyperliquid price, as of */
	struct k_asof oi;          /* open interest, as of */
	int64_t hl_t, bn_t, cb_t;     /* newest price per venue, ms */
	double hl_px, bn_px, cb_px;
	int64_t last_price[4];        /* newest price record per venue */
	int64_t last_candle[4];       /* newest candle open per venue */
	int64_t last_funding[4];
	int64_t run_start, run_last;  /* deviation run >= warn level */
	int64_t dev_t;                /* newest deviation observation */
	int64_t fund_t;
	double fund_rate, fund_prem;
	struct k_timewin vlog, vrlog;    /* candle log-volume stats, 7 d */
	int64_t *lq_t;                /* liquidations of the last 5 min */
	double *lq_px, *lq_v;
	size_t lq_n, lq_first;
};

struct user {
	uint64_t h;                   /* 0: never used */
	int64_t last;
	int64_t t[USER_EV];
	double v[USER_EV];
	size_t n, first;
};

struct label {
	int64_t s, e;
	char name[40];
};

struct hitem {
	int64_t et;                   /* event time, ms */
	uint64_t seq;
	struct k_hlfeat_rec r;
};

struct bucket {
	double max_dev, max_dur, hl_bn, bn_cb;
	int have_dev, have_hl_bn, have_bn_cb;
	double liq_n, peak5_n, peak5_v, cas, flash, coord, val_z;
	int have_val_z;
	double vz, rz, best_wash;
	int have_vz;
};

struct k_hlfeat {
	struct k_hlfeat_params p;
	int64_t stale;
	k_hlfeat_emit_fn emit;
	void *arg;
	struct k_hlfeat_stats st;
	/* reordering */
	struct hitem *heap;
	size_t hn, hcap;
	uint64_t seq;
	int64_t watermark;
	int64_t open;                 /* open bucket index; INT64_MIN none */
	/* coins */
	struct coin *coins;
	size_t ncoins;
	int32_t *ctab;                /* hash -> coin index, -1 empty */
	size_t ctabcap;
	char **keep;
	size_t nkeep;
	/* the vault */
	char vault[K_HLFEAT_VAULT_MAX];
	int64_t hlp_last;
	struct k_asof av, pnl, pnl24;
	/* rows */
	struct k_asof lag[L_N];
	struct k_timewin r_ret24, r_ret7d, r_sharpe7d, r_av7d, r_pnl7d,
	              r_orisk1h;
	/* oracle observations */
	struct k_timewin dev1h;
	/* liquidations */
	struct k_timewin lq5m, lq1h, lq24h, lq10s;
	int64_t liq_t[6];             /* the last 6 liquidation times */
	size_t nliq_t;
	uint64_t dk[DEDUP_CAP];
	size_t dn, dfirst;
	struct user *users;
	size_t ucap, uused;
	/* volume */
	struct k_timewin vol1h, volr1h;
	/* labels */
	struct label *labels;
	size_t nlabels, caplabels;
	int labels_seen;
	/* per bucket */
	struct bucket b;
	/* the rules */
	struct k_rulestate rs;
	int rmap[K_RI_N];
	struct k_buf out;
	int oom;
};

struct k_hlfeat_params
k_hlfeat_params_default(void)
{
	struct k_hlfeat_params p = {
		.bucket_ms = K_MS_PER_HOUR, .stale_ms = 0,
		.max_gap_ms = K_MS_PER_DAY,
		.lateness_ms = 0, .since_ms = INT64_MIN, .match_ms = 10000,
		.vault = NULL, .entity = "hyperliquid", .coins = NULL,
		.max_coins = 512, .high_dev_pct = 0.5, .warn_dev_pct = 0.3,
		.rules = k_rules_params_default(),
	};
	return p;
}

const char *
k_hlfeat_params_check(const struct k_hlfeat_params *p)
{
	if (p->bucket_ms < 1000 || p->bucket_ms > 7 * K_MS_PER_DAY)
		return "--bucket must be from 1s to 7d";
	if (p->stale_ms < 0 || p->max_gap_ms < 0 || p->lateness_ms < 0 ||
	    p->match_ms < 0)
		return "durations must not be negative";
	if (p->lateness_ms > 400 * K_MS_PER_DAY)
		return "--lateness must be at most 400d";
	if (p->max_coins < 1 || p->max_coins > 100000)
		return "max coins must be from 1 to 100000";
	if (p->entity == NULL || p->entity[0] == '\0')
		return "the entity name must not be empty";
	if (!(p->high_dev_pct > 0) || !(p->warn_dev_pct > 0))
		return "deviation levels must be positive";
	return k_rules_params_check(&p->rules);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int
twin(struct k_timewin *w, int64_t span, size_t slots, double above,
     struct k_error *err)
{
	struct k_timewin_params tp = { span, slots, above };

	return k_timewin_init(w, &tp, err) == K_OK ? 0 : -1;
}

static void
coin_release(struct coin *c)
{
	k_asof_release(&c->px);
	k_asof_release(&c->oi);
	k_timewin_release(&c->vlog);
	k_timewin_release(&c->vrlog);
	free(c->lq_t);
	free(c->lq_px);
	free(c->lq_v);
}

void
k_hlfeat_free(struct k_hlfeat *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->ncoins; i++)
		coin_release(&e->coins[i]);
	free(e->coins);
	free(e->ctab);
	for (size_t i = 0; i < e->nkeep; i++)
		free(e->keep[i]);
	free(e->keep);
	free(e->heap);
	k_asof_release(&e->av);
	k_asof_release(&e->pnl);
	k_asof_release(&e->pnl24);
	for (size_t i = 0; i < L_N; i++)
		k_asof_release(&e->lag[i]);
	k_timewin_release(&e->r_ret24);
	k_timewin_release(&e->r_ret7d);
	k_timewin_release(&e->r_sharpe7d);
	k_timewin_release(&e->r_av7d);
	k_timewin_release(&e->r_pnl7d);
	k_timewin_release(&e->r_orisk1h);
	k_timewin_release(&e->dev1h);
	k_timewin_release(&e->lq5m);
	k_timewin_release(&e->lq1h);
	k_timewin_release(&e->lq24h);
	k_timewin_release(&e->lq10s);
	k_timewin_release(&e->vol1h);
	k_timewin_release(&e->volr1h);
	free(e->users);
	free(e->labels);
	k_buf_release(&e->out);
	free(e);
}

static void
bucket_reset(struct bucket *b)
{
	memset(b, 0, sizeof *b);
	b->best_wash = -INFINITY;
}

/* The as-of series and time windows the features read. 1 on failure
 * (err filled). */
static int
init_windows(struct k_hlfeat *e, const struct k_hlfeat_params *p,
             struct k_error *err)
{
	int64_t B = p->bucket_ms;
	int bad = 0;

	bad |= k_asof_init(&e->av, 7 * K_MS_PER_DAY + K_MS_PER_HOUR,
	                   K_MS_PER_MINUTE, err) != K_OK;
	bad |= !bad && k_asof_init(&e->pnl, K_MS_PER_DAY + K_MS_PER_HOUR,
	                           K_MS_PER_MINUTE, err) != K_OK;
	bad |= !bad && k_asof_init(&e->pnl24, K_MS_PER_HOUR, K_MS_PER_MINUTE,
	                           err) != K_OK;
	for (size_t i = 0; i < L_N && !bad; i++)
		bad |= k_asof_init(&e->lag[i], K_MS_PER_HOUR + B, B, err) !=
		       K_OK;
	return bad || twin(&e->r_ret24, K_MS_PER_DAY, 96, INFINITY, err) ||
	       twin(&e->r_ret7d, 7 * K_MS_PER_DAY, 168, INFINITY, err) ||
	       twin(&e->r_sharpe7d, 7 * K_MS_PER_DAY, 168, INFINITY, err) ||
	       twin(&e->r_av7d, 7 * K_MS_PER_DAY, 168, INFINITY, err) ||
	       twin(&e->r_pnl7d, 7 * K_MS_PER_DAY, 168, INFINITY, err) ||
	       twin(&e->r_orisk1h, K_MS_PER_HOUR, 60, INFINITY, err) ||
	       twin(&e->dev1h, K_MS_PER_HOUR, 60, p->high_dev_pct, err) ||
	       twin(&e->lq5m, 5 * K_MS_PER_MINUTE, 60, INFINITY, err) ||
	       twin(&e->lq1h, K_MS_PER_HOUR, 60, INFINITY, err) ||
	       twin(&e->lq24h, K_MS_PER_DAY, 96, INFINITY, err) ||
	       twin(&e->lq10s, 10000, 10, INFINITY, err) ||
	       twin(&e->vol1h, K_MS_PER_HOUR, 60, INFINITY, err) ||
	       twin(&e->volr1h, K_MS_PER_HOUR, 60, INFINITY, err);
}

/* The coin and user tables. 1 when out of memory (err filled). */
static int
init_tables(struct k_hlfeat *e, const struct k_hlfeat_params *p,
            struct k_error *err)
{
	e->ctabcap = 1024;
	while (e->ctabcap < 2 * p->max_coins)
		e->ctabcap *= 2;
	e->ctab = malloc(e->ctabcap * sizeof *e->ctab);
	e->coins = calloc(p->max_coins, sizeof *e->coins);
	e->ucap = 8192;
	e->users = calloc(e->ucap, sizeof *e->users);
	if (e->ctab == NULL || e->coins == NULL || e->users == NULL) {
		k_error_set(err, K_ENOMEM, "out of memory");
		return 1;
	}
	for (size_t i = 0; i < e->ctabcap; i++)
		e->ctab[i] = -1;
	return 0;
}

/* The --coins list, comma-separated, into e->keep. 1 when out of memory. */
static int
parse_keep(struct k_hlfeat *e, const char *s)
{
	while (s != NULL && *s) {
		size_t n = strcspn(s, ",");
		if (n > 0) {
			char **k = realloc(e->keep, (e->nkeep + 1) * sizeof *k);
			if (k != NULL)
				e->keep = k;
			char *c = k != NULL ? strndup(s, n) : NULL;
			if (c == NULL)
				return 1;
			e->keep[e->nkeep++] = c;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

enum k_status
k_hlfeat_alloc(struct k_hlfeat **out, const struct k_hlfeat_params *p,
               k_hlfeat_emit_fn emit, void *arg, struct k_error *err)
{
	const char *why = k_hlfeat_params_check(p);
	struct k_hlfeat *e;

	*out = NULL;
	if (why != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	e = calloc(1, sizeof *e);
	if (e == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	e->p = *p;
	e->stale = p->stale_ms > 0 ? p->stale_ms
	           : (2 * p->bucket_ms > 2 * K_MS_PER_HOUR ? 2 * p->bucket_ms
	                                                   : 2 * K_MS_PER_HOUR);
	e->emit = emit;
	e->arg = arg;
	e->open = INT64_MIN;
	e->watermark = INT64_MIN;
	e->hlp_last = INT64_MIN;
	bucket_reset(&e->b);
	k_rulestate_init(&e->rs);
	k_buf_init(&e->out);
	for (size_t i = 0; i < K_RI_N; i++) {
		e->rmap[i] = -1;
		for (size_t j = 0; j < F_N; j++)
			if (strcmp(k_rules_inputs[i], names[j]) == 0)
				e->rmap[i] = (int)j;
	}
	if (init_windows(e, p, err) || init_tables(e, p, err)) {
		k_hlfeat_free(e);
		return err != NULL ? err->code : K_ENOMEM;
	}
	if (parse_keep(e, p->coins)) {
		k_hlfeat_free(e);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	*out = e;
	return K_OK;
}

const struct k_hlfeat_stats *
k_hlfeat_stats(const struct k_hlfeat *e)
{
	return &e->st;
}

/* ---- coins ---- */

static int
coin_kept(const struct k_hlfeat *e, const char *name)
{
	if (e->nkeep == 0)
		return 1;
	for (size_t i = 0; i < e->nkeep; i++)
		if (strcmp(e->keep[i], name) == 0)
			return 1;
	return 0;
}

/* The coin's state, created on first use; NULL past max_coins or OOM. */
static struct coin *
coin_get(struct k_hlfeat *e, const char *name)
{
	uint64_t h = fnv(FNV0, name, strlen(name));
	size_t mask = e->ctabcap - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		int32_t k = e->ctab[i];
		if (k < 0)
			break;
		if (strcmp(e->coins[k].name, name) == 0)
			return &e->coins[k];
	}
	if (e->ncoins >= e->p.max_coins)
		return NULL;
	struct coin *c = &e->coins[e->ncoins];
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	if (k_asof_init(&c->px, 2 * K_MS_PER_HOUR + 5 * K_MS_PER_MINUTE,
	                K_MS_PER_MINUTE, NULL) != K_OK ||
	    k_asof_init(&c->oi, K_MS_PER_HOUR + 5 * K_MS_PER_MINUTE,
	                K_MS_PER_MINUTE, NULL) != K_OK ||
	    twin(&c->vlog, 7 * K_MS_PER_DAY, 168, INFINITY, NULL) ||
	    twin(&c->vrlog, 7 * K_MS_PER_DAY, 168, INFINITY, NULL) ||
	    (c->lq_t = malloc(LQ_CAP * sizeof *c->lq_t)) == NULL ||
	    (c->lq_px = malloc(LQ_CAP * sizeof *c->lq_px)) == NULL ||
	    (c->lq_v = malloc(LQ_CAP * sizeof *c->lq_v)) == NULL) {
		coin_release(c);
		e->oom = 1;
		return NULL;
	}
	c->hl_t = c->bn_t = c->cb_t = INT64_MIN;
	for (size_t v = 0; v < 4; v++)
		c->last_price[v] = c->last_candle[v] = c->last_funding[v] =
			INT64_MIN;
	c->run_start = c->run_last = c->dev_t = c->fund_t = INT64_MIN;
	c->fund_rate = c->fund_prem = NAN;
	e->ctab[i] = (int32_t)e->ncoins++;
	return c;
}

/* ---- the heap ---- */

static int
hless(const struct hitem *a, const struct hitem *b)
{
	return a->et < b->et || (a->et == b->et && a->seq < b->seq);
}

static int
heap_push(struct k_hlfeat *e, int64_t et, const struct k_hlfeat_rec *r)
{
	if (e->hn == e->hcap) {
		size_t nc = e->hcap ? 2 * e->hcap : 64;
		struct hitem *h = realloc(e->heap, nc * sizeof *h);
		if (h == NULL)
			return -1;
		e->heap = h;
		e->hcap = nc;
	}
	size_t i = e->hn++;
	e->heap[i].et = et;
	e->heap[i].seq = e->seq++;
	e->heap[i].r = *r;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!hless(&e->heap[i], &e->heap[up]))
			break;
		struct hitem t = e->heap[i];
		e->heap[i] = e->heap[up];
		e->heap[up] = t;
		i = up;
	}
	return 0;
}

static void
heap_pop(struct k_hlfeat *e, struct hitem *out)
{
	*out = e->heap[0];
	e->heap[0] = e->heap[--e->hn];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < e->hn && hless(&e->heap[l], &e->heap[m]))
			m = l;
		if (r < e->hn && hless(&e->heap[r], &e->heap[m]))
			m = r;
		if (m == i)
			break;
		struct hitem t = e->heap[i];
		e->heap[i] = e->heap[m];
		e->heap[m] = t;
		i = m;
	}
}

/* ---- rows ---- */

static double
lag_of(struct k_hlfeat *e, int l, int64_t now)
{
	double v;

	if (!k_asof_asof(&e->lag[l], now - K_MS_PER_HOUR, e->p.bucket_ms - 1,
	                 &v, NULL))
		return NAN;
	return v;
}

static double
zscore(const struct k_timewin *w, int64_t now, double v, double min_n)
{
	struct k_timewin_stats s;

	if (!isfinite(v))
		return NAN;
	k_timewin_stats(w, now, &s);
	if (s.n < min_n || !(s.sd > 0))
		return NAN;
	return (v - s.mean) / s.sd;
}

static double
asof(const struct k_asof *s, int64_t t, int64_t max_age)
{
	double v;

	return k_asof_asof(s, t, max_age, &v, NULL) ? v : NAN;
}

/*
 * Largest fall over the last 24 h from a running peak, % of the account
 * value at the peak. Measured on cumulative pnl, so deposits and
 * withdrawals (which move the account value, not the pnl) are not losses;
 * on the account value when the records carry no pnl.
 */
static double
drawdown_24h(const struct k_hlfeat *e, int64_t now)
{
	const struct k_asof *s = k_asof_len(&e->pnl) > 0 ? &e->pnl
	                                                       : &e->av;
	int on_pnl = s == &e->pnl;
	size_t n = k_asof_len(s), i = n;
	int64_t t;
	double v, peak = NAN, base = NAN, dd = 0;

	while (i > 0) {
		k_asof_at(s, i - 1, &t, &v);
		if (t <= now - K_MS_PER_DAY)
			break;
		i--;
	}
	for (; i < n; i++) {
		k_asof_at(s, i, &t, &v);
		if (t > now)
			break;
		if (isnan(peak) || v > peak) {
			peak = v;
			base = on_pnl ? asof(&e->av, t, e->stale) : v;
		} else if (base > 0 && (peak - v) / base * 100 > dd) {
			dd = (peak - v) / base * 100;
		}
	}
	return isnan(peak) ? NAN : dd;
}

static double
ratio_change(double now, double then)
{
	if (!isfinite(now) || !isfinite(then) || !(then > 0))
		return NAN;
	return now / then - 1;
}

static void
hlp_features(struct k_hlfeat *e, int64_t t0, int64_t now, double *F)
{
	int64_t st = e->stale;
	double av = asof(&e->av, now, st);
	int64_t civil = floor_div(t0, K_MS_PER_DAY);

	F[F_HOUR] = (double)floor_div(t0 - civil * K_MS_PER_DAY, K_MS_PER_HOUR);
	F[F_DOW] = (double)(((civil + 3) % 7 + 7) % 7);   /* 1970-01-01: Thu */
	F[F_WEEKEND] = F[F_DOW] >= 5;
	for (int f = F_ACCOUNT_VALUE; f < F_HOUR; f++)
		F[f] = NAN;
	if (isnan(av))
		return;
	F[F_ACCOUNT_VALUE] = av;
	double pnl = asof(&e->pnl, now, st);
	F[F_ALL_TIME_PNL] = pnl;
	double p24 = asof(&e->pnl24, now, st);
	if (isnan(p24) && isfinite(pnl))
		p24 = pnl - asof(&e->pnl, now - K_MS_PER_DAY, st);
	F[F_PNL_24H] = p24;
	if (isfinite(p24) && av - p24 > 0)
		F[F_PNL_24H_PCT] = p24 / (av - p24) * 100;
	F[F_RET_1H] = ratio_change(av, asof(&e->av, now - K_MS_PER_HOUR, st));
	F[F_RET_24H] = ratio_change(av, asof(&e->av, now - K_MS_PER_DAY, st));
	F[F_RET_7D] = ratio_change(av, asof(&e->av, now - 7 * K_MS_PER_DAY,
	                                    st));
	F[F_MAX_DD] = drawdown_24h(e, now);

	struct k_timewin_stats s;
	k_timewin_add(&e->r_ret24, now, F[F_RET_1H]);
	k_timewin_add(&e->r_ret7d, now, F[F_RET_1H]);
	k_timewin_stats(&e->r_ret24, now, &s);
	F[F_VOL_24H] = s.sd;
	k_timewin_stats(&e->r_ret7d, now, &s);
	F[F_VOL_7D] = s.sd;
	if (s.n >= MIN_SHARPE && s.sd > 0)
		F[F_SHARPE] = s.mean / s.sd * sqrt(24.0 * 365.0);
	k_timewin_add(&e->r_sharpe7d, now, F[F_SHARPE]);
	k_timewin_stats(&e->r_sharpe7d, now, &s);
	F[F_SHARPE_MA] = s.mean;

	F[F_PNL_MOM] = p24 - lag_of(e, L_PNL, now);
	F[F_PNL_ACC] = F[F_PNL_MOM] - lag_of(e, L_MOM, now);
	F[F_DD_CHANGE] = F[F_MAX_DD] - lag_of(e, L_DD, now);
	F[F_DD_VEL] = F[F_DD_CHANGE] - lag_of(e, L_DDC, now);
	F[F_SHARPE_TREND] = F[F_SHARPE] - lag_of(e, L_SHARPE, now);

	F[F_AV_Z] = zscore(&e->r_av7d, now, av, MIN_Z_ROWS);
	F[F_PNL_Z] = zscore(&e->r_pnl7d, now, p24, MIN_Z_ROWS);
	k_timewin_add(&e->r_av7d, now, av);
	k_timewin_add(&e->r_pnl7d, now, p24);
}

/* Signed % change over 1 h with the largest magnitude over coins, and
 * the same for the change of that change (acceleration). */
static void
price_features(struct k_hlfeat *e, int64_t now, double *F)
{
	double vel = NAN, acc = NAN, oi = NAN;

	for (size_t i = 0; i < e->ncoins; i++) {
		struct coin *c = &e->coins[i];
		double p0 = asof(&c->px, now, e->stale);
		double p1 = asof(&c->px, now - K_MS_PER_HOUR, e->stale);
		double p2 = asof(&c->px, now - 2 * K_MS_PER_HOUR, e->stale);
		double v = ratio_change(p0, p1) * 100;
		double a = v - ratio_change(p1, p2) * 100;
		if (isfinite(v) && (isnan(vel) || fabs(v) > fabs(vel)))
			vel = v;
		if (isfinite(a) && (isnan(acc) || fabs(a) > fabs(acc)))
			acc = a;
		double o = ratio_change(asof(&c->oi, now, e->stale),
		                        asof(&c->oi, now - K_MS_PER_HOUR,
		                             e->stale)) * 100;
		if (isfinite(o) && (isnan(oi) || fabs(o) > fabs(oi)))
			oi = o;
	}
	F[F_PRICE_VEL] = vel;
	F[F_PRICE_ACC] = acc;
	F[F_OI_CHANGE] = oi;
}

static void
oracle_features(struct k_hlfeat *e, int64_t now, double *F)
{
	struct k_timewin_stats s;
	const struct bucket *b = &e->b;

	F[F_MAX_DEV] = b->have_dev ? b->max_dev : NAN;
	F[F_DEV_DUR] = b->have_dev ? b->max_dur : NAN;
	k_timewin_stats(&e->dev1h, now, &s);
	F[F_DEV_MEAN] = s.mean;
	F[F_DEV_MAX] = s.max;
	F[F_DEV_STD] = s.sd;
	F[F_HIGH_DEV] = s.n > 0 ? s.nabove : NAN;
	F[F_HL_BN] = b->have_hl_bn ? b->hl_bn : NAN;
	F[F_BN_CB] = b->have_bn_cb ? b->bn_cb : NAN;
	F[F_ORACLE_RISK] = b->have_dev ? k_rules_oracle_score(b->max_dev,
	                                                      b->max_dur)
	                               : NAN;
	k_timewin_add(&e->r_orisk1h, now, F[F_ORACLE_RISK]);
	k_timewin_stats(&e->r_orisk1h, now, &s);
	F[F_RISK_MA] = s.mean;
	F[F_RISK_TREND] = F[F_ORACLE_RISK] - lag_of(e, L_ORISK, now);
}

static void
liq_features(struct k_hlfeat *e, int64_t t_end, int64_t now, double *F)
{
	struct k_timewin_stats s;
	const struct bucket *b = &e->b;

	F[F_LIQ_N] = b->liq_n;
	F[F_LIQ_5M] = b->peak5_n;
	F[F_VAL_5M] = b->peak5_v;
	k_timewin_stats(&e->lq1h, now, &s);
	F[F_LIQ_1H] = s.n;
	F[F_VAL_1H] = s.sum;
	F[F_AVG_1H] = s.mean;
	F[F_MAX_1H] = s.max;
	k_timewin_stats(&e->lq24h, now, &s);
	F[F_LIQ_24H] = s.n;
	F[F_VAL_Z] = b->have_val_z ? b->val_z : NAN;
	F[F_SINCE_LAST] = e->nliq_t > 0
	                  ? (double)(t_end - e->liq_t[e->nliq_t - 1]) / 1000
	                  : NAN;
	if (e->nliq_t >= 2)
		F[F_AVG_GAP] = (double)(e->liq_t[e->nliq_t - 1] - e->liq_t[0]) /
		               1000 / (double)(e->nliq_t - 1);
	else
		F[F_AVG_GAP] = NAN;
	F[F_CASCADE] = b->peak5_n >= 3;
	F[F_CASCADE_S] = b->cas;
	F[F_FLASH_S] = b->flash;
	F[F_COORD_S] = b->coord;
}

static void
market_features(struct k_hlfeat *e, int64_t now, double *F)
{
	struct k_timewin_stats s, r;
	double fr = NAN, pr = NAN;

	k_timewin_stats(&e->vol1h, now, &s);
	k_timewin_stats(&e->volr1h, now, &r);
	F[F_VOLUME_1H] = s.n > 0 ? s.sum : NAN;
	F[F_RANGE_1H] = s.n > 0 && s.sum > 0 ? r.sum / s.sum : NAN;
	F[F_VOLUME_Z] = e->b.have_vz ? e->b.vz : NAN;
	F[F_VOLUME_RZ] = e->b.have_vz ? e->b.rz : NAN;
	for (size_t i = 0; i < e->ncoins; i++) {
		const struct coin *c = &e->coins[i];
		if (c->fund_t == INT64_MIN || now - c->fund_t > e->stale)
			continue;
		if (isfinite(c->fund_rate) &&
		    (isnan(fr) || fabs(c->fund_rate) > fr))
			fr = fabs(c->fund_rate);
		if (isfinite(c->fund_prem) &&
		    (isnan(pr) || fabs(c->fund_prem) > pr))
			pr = fabs(c->fund_prem);
	}
	F[F_FUNDING] = fr;
	F[F_PREMIUM] = pr;
}

static void
write_row(struct k_hlfeat *e, int64_t t0, const double *F,
          const struct k_rules_result *rr)
{
	struct k_jsonw w;
	char ts[40], bk[32];

	k_buf_reset(&e->out);
	k_jsonw_init(&w, &e->out);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "features");
	k_jsonw_key(&w, "entity");
	k_jsonw_str(&w, e->p.entity);
	k_jsonw_key(&w, "ts");
	k_jsonw_str(&w, k_time_format(t0, ts, sizeof ts));
	k_jsonw_key(&w, "bucket");
	k_jsonw_str(&w, k_time_span_format(e->p.bucket_ms, bk, sizeof bk));
	k_jsonw_key(&w, "features");
	k_jsonw_obj(&w);
	for (size_t i = 0; i < F_N; i++) {
		k_jsonw_key(&w, names[i]);
		k_jsonw_num(&w, isfinite(F[i]) ? k_round(F[i], 10) : NAN);
	}
	k_jsonw_obj_end(&w);
	k_jsonw_key(&w, "risk_score");
	k_jsonw_num(&w, k_round(rr->risk_score, 4));
	k_jsonw_key(&w, "risk_level");
	k_jsonw_str(&w, k_sev_level_name(rr->level));
	if (e->labels_seen) {
		const char *inc = NULL;
		int64_t t1 = t0 + e->p.bucket_ms;
		for (size_t i = 0; i < e->nlabels && inc == NULL; i++)
			if (e->labels[i].s < t1 && e->labels[i].e > t0)
				inc = e->labels[i].name;
		k_jsonw_key(&w, "label");
		k_jsonw_int(&w, inc != NULL);
		if (inc != NULL) {
			k_jsonw_key(&w, "incident");
			k_jsonw_str(&w, inc);
		}
	}
	k_jsonw_obj_end(&w);
	if (e->out.oom) {
		e->oom = 1;
		return;
	}
	e->emit(e->arg, e->out.data, e->out.len);
}

static void
close_bucket(struct k_hlfeat *e, int64_t k)
{
	int64_t B = e->p.bucket_ms;
	int64_t t0 = k * B, t_end = t0 + B, now = t_end - 1;
	double F[F_N];
	struct k_rules_row row;
	struct k_rules_result rr;

	hlp_features(e, t0, now, F);
	oracle_features(e, now, F);
	price_features(e, now, F);
	liq_features(e, t_end, now, F);
	market_features(e, now, F);

	k_asof_push(&e->lag[L_PNL], now, F[F_PNL_24H]);
	k_asof_push(&e->lag[L_MOM], now, F[F_PNL_MOM]);
	k_asof_push(&e->lag[L_DD], now, F[F_MAX_DD]);
	k_asof_push(&e->lag[L_DDC], now, F[F_DD_CHANGE]);
	k_asof_push(&e->lag[L_SHARPE], now, F[F_SHARPE]);
	k_asof_push(&e->lag[L_ORISK], now, F[F_ORACLE_RISK]);

	row.ts = t0;
	row.bucket_ms = B;
	for (size_t i = 0; i < K_RI_N; i++)
		row.x[i] = e->rmap[i] >= 0 ? F[e->rmap[i]] : NAN;
	k_rules_eval(&e->p.rules, &e->rs, &row, &rr);

	if (t0 >= e->p.since_ms) {
		write_row(e, t0, F, &rr);
		e->st.rows++;
	}
	/* Labels that end before the next bucket are done with. */
	size_t j = 0;
	for (size_t i = 0; i < e->nlabels; i++)
		if (e->labels[i].e > t_end)
			e->labels[j++] = e->labels[i];
	e->nlabels = j;
	bucket_reset(&e->b);
}

/* Move the open bucket to b, closing the ones before (and writing the
 * empty buckets of a short gap). */
static void
advance(struct k_hlfeat *e, int64_t b)
{
	if (e->open == INT64_MIN) {
		e->open = b;
		return;
	}
	if (b <= e->open)
		return;
	close_bucket(e, e->open);
	int64_t empty = b - e->open - 1;
	if (empty > 0) {
		if (empty <= e->p.max_gap_ms / e->p.bucket_ms) {
			for (int64_t k = e->open + 1; k < b; k++) {
				close_bucket(e, k);
				e->st.gap_rows++;
			}
		} else {
			e->st.skipped_rows += empty;
			e->st.gaps++;
		}
	}
	e->open = b;
}

/* ---- applying records ---- */

static void
pair_spreads(struct k_hlfeat *e, struct coin *c)
{
	int64_t m = e->p.match_ms;

	if (c->hl_t != INT64_MIN && c->bn_t != INT64_MIN &&
	    llabs(c->hl_t - c->bn_t) <= m) {
		double s = fabs(c->hl_px - c->bn_px) / c->bn_px * 100;
		if (!e->b.have_hl_bn || s > e->b.hl_bn)
			e->b.hl_bn = s;
		e->b.have_hl_bn = 1;
	}
	if (c->bn_t != INT64_MIN && c->cb_t != INT64_MIN &&
	    llabs(c->bn_t - c->cb_t) <= m) {
		double s = fabs(c->bn_px - c->cb_px) / c->cb_px * 100;
		if (!e->b.have_bn_cb || s > e->b.bn_cb)
			e->b.bn_cb = s;
		e->b.have_bn_cb = 1;
	}
}

static void
set_price(struct k_hlfeat *e, struct coin *c, enum k_hlfeat_venue v, int64_t t,
          double px)
{
	if (!isfinite(px))
		return;
	switch (v) {
	case K_HLFEAT_VENUE_HL:
		if (t < c->hl_t)
			return;
		c->hl_t = t;
		c->hl_px = px;
		k_asof_push(&c->px, t, px);
		break;
	case K_HLFEAT_VENUE_BINANCE:
		if (t < c->bn_t)
			return;
		c->bn_t = t;
		c->bn_px = px;
		break;
	case K_HLFEAT_VENUE_COINBASE:
		if (t < c->cb_t)
			return;
		c->cb_t = t;
		c->cb_px = px;
		break;
	case K_HLFEAT_VENUE_OTHER:
		return;
	}
	pair_spreads(e, c);
}

static double
first_finite(double a, double b, double c)
{
	return isfinite(a) ? a : isfinite(b) ? b : c;
}

static void
deviation(struct k_hlfeat *e, struct coin *c, int64_t t, double dev)
{
	struct bucket *b = &e->b;

	k_timewin_add(&e->dev1h, t, dev);
	if (c->dev_t != INT64_MIN && t - c->dev_t > e->stale)
		c->run_start = INT64_MIN;
	c->dev_t = t;
	if (dev >= e->p.warn_dev_pct) {
		if (c->run_start == INT64_MIN)
			c->run_start = t;
		c->run_last = t;
	} else {
		c->run_start = INT64_MIN;
	}
	double dur = c->run_start == INT64_MIN ? 0
	             : (double)(c->run_last - c->run_start) / 1000;
	if (!b->have_dev || dev > b->max_dev)
		b->max_dev = dev;
	if (!b->have_dev || dur > b->max_dur)
		b->max_dur = dur;
	b->have_dev = 1;
}

static enum k_hlfeat_fate
apply_price(struct k_hlfeat *e, struct coin *c, const struct k_hlfeat_rec *r)
{
	int64_t *last = &c->last_price[r->venue];

	if (r->ts == *last)
		return K_HLF_DUPLICATE;
	if (r->ts < *last && *last != INT64_MIN)
		return K_HLF_OUT_OF_ORDER;
	*last = r->ts;
	if (r->venue == K_HLFEAT_VENUE_HL) {
		set_price(e, c, K_HLFEAT_VENUE_HL, r->ts,
		          first_finite(r->mark, r->mid, r->price));
		if (isfinite(r->oracle) && isfinite(r->mark))
			deviation(e, c, r->ts,
			          fabs(r->mark - r->oracle) / r->oracle * 100);
		if (isfinite(r->funding)) {
			c->fund_t = r->ts;
			c->fund_rate = r->funding;
			if (isfinite(r->premium))
				c->fund_prem = r->premium;
		}
		if (isfinite(r->open_interest))
			k_asof_push(&c->oi, r->ts, r->open_interest);
	} else {
		set_price(e, c, r->venue, r->ts,
		          first_finite(r->price, r->mid, r->mark));
	}
	return K_HLF_APPLIED;
}

static enum k_hlfeat_fate
apply_candle(struct k_hlfeat *e, struct coin *c, const struct k_hlfeat_rec *r,
             int64_t et)
{
	int64_t *last = &c->last_candle[r->venue];

	if (r->ts == *last)
		return K_HLF_DUPLICATE;
	if (r->ts < *last && *last != INT64_MIN)
		return K_HLF_OUT_OF_ORDER;
	*last = r->ts;
	set_price(e, c, r->venue, et, r->close);
	if (r->venue != K_HLFEAT_VENUE_HL)
		return K_HLF_APPLIED;
	double usd = r->volume * r->close;
	double range = (r->high - r->low) / r->low * 100;
	k_timewin_add(&e->vol1h, et, usd);
	k_timewin_add(&e->volr1h, et, usd * range);
	/* Per-coin z of log volume (per hour) and of log volume per unit of
	 * price range, against the coin's candles of the last 7 days. */
	double per_h = usd * (double)K_MS_PER_HOUR / (double)r->interval_ms;
	double lv = log1p(per_h);
	double lr = log1p(per_h / fmax(range, 0.01));
	double vz = zscore(&c->vlog, et, lv, MIN_CANDLES);
	double rz = zscore(&c->vrlog, et, lr, MIN_CANDLES);
	k_timewin_add(&c->vlog, et, lv);
	k_timewin_add(&c->vrlog, et, lr);
	if (isfinite(vz) && isfinite(rz) && fmin(vz, rz) > e->b.best_wash) {
		e->b.best_wash = fmin(vz, rz);
		e->b.vz = vz;
		e->b.rz = rz;
		e->b.have_vz = 1;
	}
	return K_HLF_APPLIED;
}

static enum k_hlfeat_fate
apply_funding(struct k_hlfeat *e, struct coin *c, const struct k_hlfeat_rec *r)
{
	int64_t *last = &c->last_funding[r->venue];

	(void)e;
	if (r->ts == *last)
		return K_HLF_DUPLICATE;
	if (r->ts < *last && *last != INT64_MIN)
		return K_HLF_OUT_OF_ORDER;
	*last = r->ts;
	if (r->venue == K_HLFEAT_VENUE_HL) {
		c->fund_t = r->ts;
		c->fund_rate = r->rate;
		c->fund_prem = r->premium;
	}
	return K_HLF_APPLIED;
}

static struct user *
user_get(struct k_hlfeat *e, uint64_t h, int64_t now)
{
	size_t mask = e->ucap - 1, i = (size_t)h & mask;
	struct user *stale = NULL;

	for (;; i = (i + 1) & mask) {
		struct user *u = &e->users[i];
		if (u->h == h)
			return u;
		if (u->h == 0)
			break;
		if (stale == NULL && u->last < now - K_MS_PER_HOUR)
			stale = u;
	}
	if (stale == NULL) {
		if (e->uused + 1 > e->ucap * 7 / 10) {
			/* Rebuild without the users idle for an hour. */
			struct user *old = e->users;
			size_t n = e->ucap;
			struct user *nu = calloc(n, sizeof *nu);
			if (nu == NULL)
				return NULL;
			e->users = nu;
			e->uused = 0;
			for (size_t k = 0; k < n; k++) {
				if (old[k].h == 0 ||
				    old[k].last < now - K_MS_PER_HOUR)
					continue;
				size_t j = (size_t)old[k].h & mask;
				while (nu[j].h != 0)
					j = (j + 1) & mask;
				nu[j] = old[k];
				e->uused++;
			}
			free(old);
			if (e->uused + 1 > e->ucap * 7 / 10)
				return NULL;   /* too many active users: skip */
			return user_get(e, h, now);
		}
		stale = &e->users[i];
		e->uused++;
	}
	memset(stale, 0, sizeof *stale);
	stale->h = h;
	return stale;
}

/* Has a liquidation with this key been seen among the last DEDUP_CAP?
 * If not, it is remembered. */
static int
liq_seen(struct k_hlfeat *e, uint64_t key)
{
	for (size_t i = 0; i < e->dn; i++)
		if (e->dk[(e->dfirst + i) % DEDUP_CAP] == key)
			return 1;
	if (e->dn == DEDUP_CAP) {
		e->dk[e->dfirst] = key;
		e->dfirst = (e->dfirst + 1) % DEDUP_CAP;
	} else {
		e->dk[(e->dfirst + e->dn++) % DEDUP_CAP] = key;
	}
	return 0;
}

/* The liquidation windows and the bucket's counts, peaks and flash
 * suspicion; value v (USD) at t. */
static void
liq_windows(struct k_hlfeat *e, int64_t t, double v)
{
	struct bucket *b = &e->b;
	struct k_timewin_stats s;

	/* value_zscore against the 24 h before this one */
	k_timewin_stats(&e->lq24h, t, &s);
	if (s.n >= 2 && s.sd > 0) {
		double z = (v - s.mean) / s.sd;
		if (!b->have_val_z || z > b->val_z)
			b->val_z = z;
		b->have_val_z = 1;
	}
	k_timewin_add(&e->lq5m, t, v);
	k_timewin_add(&e->lq1h, t, v);
	k_timewin_add(&e->lq24h, t, v);
	k_timewin_add(&e->lq10s, t, v);
	b->liq_n += 1;
	k_timewin_stats(&e->lq5m, t, &s);
	b->peak5_n = fmax(b->peak5_n, s.n);
	b->peak5_v = fmax(b->peak5_v, s.sum);
	k_timewin_stats(&e->lq10s, t, &s);
	b->flash = fmax(b->flash, k_rules_flash_suspicion(s.sum, s.max));

	if (e->nliq_t == 6) {
		memmove(e->liq_t, e->liq_t + 1, 5 * sizeof *e->liq_t);
		e->nliq_t = 5;
	}
	e->liq_t[e->nliq_t++] = t;
}

/* Cascade: this coin's liquidations of the last 5 minutes, with at
 * least 70% of consecutive prices moving one way. */
static void
cascade(struct k_hlfeat *e, struct coin *c, const struct k_hlfeat_rec *r)
{
	int64_t t = r->ts;
	while (c->lq_n > 0 && c->lq_t[c->lq_first] <= t - e->p.rules.cascade_ms) {
		c->lq_first = (c->lq_first + 1) % LQ_CAP;
		c->lq_n--;
	}
	if (c->lq_n == LQ_CAP) {
		c->lq_first = (c->lq_first + 1) % LQ_CAP;
		c->lq_n--;
	}
	size_t at = (c->lq_first + c->lq_n++) % LQ_CAP;
	c->lq_t[at] = t;
	c->lq_px[at] = isfinite(r->px) ? r->px : NAN;
	c->lq_v[at] = r->value_usd;
	if ((double)c->lq_n < e->p.rules.cascade_count)
		return;
	double up = 0, down = 0, usd = 0, p0 = NAN, p1 = NAN, prev = NAN;
	for (size_t i = 0; i < c->lq_n; i++) {
		size_t k = (c->lq_first + i) % LQ_CAP;
		usd += c->lq_v[k];
		double px = c->lq_px[k];
		if (isnan(px))
			continue;
		if (isnan(p0))
			p0 = px;
		p1 = px;
		if (isfinite(prev)) {
			up += px > prev;
			down += px < prev;
		}
		prev = px;
	}
	double pairs = (double)c->lq_n - 1;
	double one_way = fmax(up, down) / pairs;
	if (one_way >= 0.7) {
		double impact = isfinite(p0) && p0 > 0
		                ? fabs(p1 - p0) / p0 * 100 : 0;
		e->b.cas = fmax(e->b.cas, k_rules_cascade_suspicion(
		                   (double)c->lq_n, usd, impact));
	}
}

/* Coordinated: one liquidated user, repeatedly, within the hour. */
static void
coordinated(struct k_hlfeat *e, const struct k_hlfeat_rec *r)
{
	int64_t t = r->ts;
	struct user *u = user_get(e, r->user, t);
	if (u == NULL)
		return;
	if (u->n == USER_EV) {
		u->first = (u->first + 1) % USER_EV;
		u->n--;
	}
	size_t k = (u->first + u->n++) % USER_EV;
	u->t[k] = t;
	u->v[k] = r->value_usd;
	u->last = t;
	double n = 0, usd = 0;
	for (size_t i = 0; i < u->n; i++) {
		size_t q = (u->first + i) % USER_EV;
		if (u->t[q] > t - K_MS_PER_HOUR) {
			n++;
			usd += u->v[q];
		}
	}
	e->b.coord = fmax(e->b.coord, k_rules_coordinated_suspicion(n, usd));
}

static enum k_hlfeat_fate
apply_liq(struct k_hlfeat *e, struct coin *c, const struct k_hlfeat_rec *r)
{
	if (liq_seen(e, r->key))
		return K_HLF_DUPLICATE;
	liq_windows(e, r->ts, r->value_usd);
	cascade(e, c, r);
	if (r->user != 0)
		coordinated(e, r);
	return K_HLF_APPLIED;
}

static enum k_hlfeat_fate
apply_hlp(struct k_hlfeat *e, const struct k_hlfeat_rec *r)
{
	if (e->vault[0] == '\0') {
		if (e->p.vault != NULL) {
			snprintf(e->vault, sizeof e->vault, "%s", e->p.vault);
			for (char *c = e->vault; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		} else {
			snprintf(e->vault, sizeof e->vault, "%s", r->vault);
		}
	}
	if (strcmp(e->vault, r->vault) != 0) {
		e->st.other_vault++;
		return K_HLF_IGNORED;
	}
	if (r->ts == e->hlp_last)
		return K_HLF_DUPLICATE;
	if (r->ts < e->hlp_last && e->hlp_last != INT64_MIN)
		return K_HLF_OUT_OF_ORDER;
	e->hlp_last = r->ts;
	k_asof_push(&e->av, r->ts, r->account_value);
	if (isfinite(r->pnl))
		k_asof_push(&e->pnl, r->ts, r->pnl);
	if (isfinite(r->pnl_24h))
		k_asof_push(&e->pnl24, r->ts, r->pnl_24h);
	return K_HLF_APPLIED;
}

static enum k_hlfeat_fate
apply(struct k_hlfeat *e, const struct k_hlfeat_rec *r, int64_t et)
{
	int64_t B = e->p.bucket_ms;
	int64_t b = floor_div(et, B);
	enum k_hlfeat_fate f;

	int late_candle = 0;
	if (e->open != INT64_MIN && b < e->open) {
		/* A candle written just after its close (a live feed) counts
		 * in the open bucket; anything older is late. */
		if (r->kind != K_HLFEAT_CANDLE ||
		    et < e->open * B - r->interval_ms) {
			e->st.late++;
			return K_HLF_LATE;
		}
		late_candle = 1;
		et = e->open * B;
		b = e->open;
	}
	advance(e, b);
	if (r->kind == K_HLFEAT_HLP) {
		f = apply_hlp(e, r);
	} else {
		struct coin *c = coin_get(e, r->coin);
		if (c == NULL) {
			e->st.other_coin++;
			return e->oom ? K_HLF_NOMEM : K_HLF_IGNORED;
		}
		switch (r->kind) {
		case K_HLFEAT_PRICE: f = apply_price(e, c, r); break;
		case K_HLFEAT_CANDLE: f = apply_candle(e, c, r, et); break;
		case K_HLFEAT_FUNDING: f = apply_funding(e, c, r); break;
		case K_HLFEAT_LIQ: f = apply_liq(e, c, r); break;
		default: f = K_HLF_IGNORED; break;
		}
	}
	if (f == K_HLF_APPLIED && late_candle)
		e->st.late_candles++;
	if (f == K_HLF_APPLIED)
		e->st.applied++;
	else if (f == K_HLF_DUPLICATE)
		e->st.duplicates++;
	else if (f == K_HLF_OUT_OF_ORDER)
		e->st.out_of_order++;
	return e->oom ? K_HLF_NOMEM : f;
}

static void
add_label(struct k_hlfeat *e, const struct k_hlfeat_rec *r)
{
	e->st.labels++;
	e->labels_seen = 1;
	if (e->nlabels == e->caplabels) {
		size_t nc = e->caplabels ? 2 * e->caplabels : 16;
		struct label *l = realloc(e->labels, nc * sizeof *l);
		if (l == NULL) {
			e->oom = 1;
			return;
		}
		e->labels = l;
		e->caplabels = nc;
	}
	struct label *l = &e->labels[e->nlabels++];
	l->s = r->ts;
	l->e = r->ts_end;
	snprintf(l->name, sizeof l->name, "%s", r->incident);
}

enum k_hlfeat_fate
k_hlfeat_push(struct k_hlfeat *e, const struct k_hlfeat_rec *r)
{
	enum k_hlfeat_fate fate = K_HLF_QUEUED;
	struct hitem it;

	e->st.records++;
	if (r->kind == K_HLFEAT_LABEL) {
		add_label(e, r);
		return e->oom ? K_HLF_NOMEM : K_HLF_LABEL;
	}
	if (r->kind == K_HLFEAT_OTHER) {
		e->st.other_kind++;
		return K_HLF_IGNORED;
	}
	if (r->kind != K_HLFEAT_HLP && !coin_kept(e, r->coin)) {
		e->st.other_coin++;
		return K_HLF_IGNORED;
	}
	int64_t et = r->ts;
	if (r->kind == K_HLFEAT_CANDLE) {
		et = r->ts + r->interval_ms - 1;
		/* A newer version of a candle still waiting for its close
		 * replaces it. */
		for (size_t i = 0; i < e->hn; i++) {
			struct k_hlfeat_rec *q = &e->heap[i].r;
			if (q->kind == K_HLFEAT_CANDLE && q->ts == r->ts &&
			    q->venue == r->venue && q->interval_ms == r->interval_ms &&
			    strcmp(q->coin, r->coin) == 0) {
				*q = *r;
				e->st.duplicates++;
				return K_HLF_DUPLICATE;
			}
		}
	}
	if (r->ts > e->watermark)
		e->watermark = r->ts;
	uint64_t mine = e->seq;
	if (heap_push(e, et, r) < 0)
		return K_HLF_NOMEM;
	while (e->hn > 0 && e->heap[0].et <= e->watermark - e->p.lateness_ms) {
		heap_pop(e, &it);
		enum k_hlfeat_fate f = apply(e, &it.r, it.et);
		if (it.seq == mine)
			fate = f;
		if (f == K_HLF_NOMEM)
			return f;
	}
	return e->oom ? K_HLF_NOMEM : fate;
}

void
k_hlfeat_finish(struct k_hlfeat *e)
{
	struct hitem it;

	while (e->hn > 0) {
		heap_pop(e, &it);
		apply(e, &it.r, it.et);
	}
	if (e->open != INT64_MIN) {
		close_bucket(e, e->open);
		e->open = INT64_MIN;
	}
}

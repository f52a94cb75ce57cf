/*
 * k_simhl.c - the labelled Hyperliquid market of k_simhl.h.
 *
 * Generative assumptions (also in kfetch(1), OUTPUT, simulate hyperliquid):
 *
 * Time.  A tick of --step (at most a minute); price records for every coin
 *   and venue each --step, an HLP snapshot every 5 minutes, a 1h
 *   Hyperliquid candle and a funding record per coin each hour. Records
 *   are written an hour at a time, in time order (a candle at its open).
 * Prices.  Each coin's true log price is a random walk with an hourly
 *   volatility of its own (BTC 0.55%, ETH 0.75%, SOL 1.0%, ...), a common
 *   market factor (correlation 0.5), a daily cycle (+-25%, busiest at
 *   15:00 UTC), quieter weekends (x0.75) and stochastic volatility (log
 *   AR(1), half-life about 12 hours, sd 0.3).
 * Venues.  The oracle is the true price with 0.3 bp noise; the mark is the
 *   oracle times 1 + a premium that is AR(1) with an sd of 2.5 bp (times
 *   the square root of the coin's volatility over BTC's); mid is the mark
 *   with 0.1 bp
 *   noise; Binance is the true price times 1 + a basis that is AR(1) with
 *   mean 0.3 bp and sd 6.5 bp (as measured between HL and Binance 1h
 *   closes in the shared data). Funding is premium / 8 + 0.00125% per
 *   hour; open interest a log random walk (0.2% an hour).
 * Volume.  USD volume per hour is lognormal (sd 0.35) around the coin's
 *   level (BTC $120M, ETH $60M, SOL $20M, ...) with the daily cycle and
 *   up to x3 in hours whose realised volatility exceeds the usual.
 * Liquidations.  Poisson, 1.2 an hour per coin at rest and up to 20 times
 *   that while the 15-minute move exceeds 1.5 of its sd; longs in falls,
 *   shorts in rises; values lognormal (median $15k, log sd 1.3); users
 *   drawn from 2000 addresses; 5% are HLP backstop liquidations. Each
 *   fills at the mark of its moment within the tick, 0-3 bp against the
 *   side liquidated.
 * The vault.  HLP starts at --hlp-value with $45M all-time pnl; pnl
 *   drifts at 15% a year with a daily sd of 0.45%; deposits and
 *   withdrawals (about one a day, median 0.4% of the vault) move the
 *   account value but not the pnl.
 * Incidents.  One per 4 days after a warm-up of min(7, days/4) days
 *   unless --incidents says otherwise, at least 12 hours apart, kinds in
 *   turn in a random order:
 *   oracle_manipulation - one coin's mark is pushed 0.4-2.5% off the
 *     oracle (ramp up over a quarter, hold, ramp down) for 3-40 minutes,
 *     moving away from Binance too, liquidating 5x the usual of the side
 *     it squeezes;
 *   liquidation_cascade - one coin falls 2-8% over 5-30 minutes on every
 *     venue, with 8-60 long liquidations about five times the usual size, at
 *     falling prices, and open interest dropping twice the fall; HLP loses
 *     0.2% as backstop;
 *   hlp_drawdown - the vault loses 1.2-5% of its value over 10-60
 *     minutes (a position left to it, as on 2025-03-12), with a few large
 *     backstop liquidations of one coin;
 *   wash_trading - one coin's volume is 4-25 times its level for 1-4 whole
 *     hours, with no more price range than usual.
 *   The label's interval is the incident's; magnitude is the peak
 *   deviation (%), the fall (%), the vault's loss (%) or the volume
 *   multiple. Incidents and the market draw from separate generator
 *   streams, so the schedule does not change with --coins or --step.
 */
#include "sim/k_simhl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "base/k_time.h"
#include "records/k_raw.h"
#include "text/k_jsonw.h"

#define USERS 2000

static const char HLP_VAULT[] = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
static const char HLP_LIQUIDATOR[] =
	"0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";

const char *const k_simhl_kind_names[K_SIMHL_NKINDS] = {
	"oracle_manipulation", "liquidation_cascade", "hlp_drawdown",
	"wash_trading",
};

int
k_simhl_kind_index(const char *name)
{
	for (int i = 0; i < K_SIMHL_NKINDS; i++)
		if (strcmp(name, k_simhl_kind_names[i]) == 0)
			return i;
	return -1;
}

static const struct {
	const char *name;
	double px, vol_h, usd_h;
} known[] = {
	{ "BTC", 85000, 0.0055, 120e6 }, { "ETH", 2000, 0.0075, 60e6 },
	{ "SOL", 130, 0.010, 20e6 }, { "HYPE", 15, 0.014, 15e6 },
	{ "XRP", 2.2, 0.009, 8e6 }, { "DOGE", 0.17, 0.011, 6e6 },
};

void
k_simhl_default(struct k_simhl_params *p)
{
	memset(p, 0, sizeof *p);
	p->days = 30;
	p->start_ms = 1735689600000LL;  /* 2025-01-01T00:00:00Z */
	p->seed = 1;
	p->coins = "BTC,ETH,SOL";
	p->step_ms = K_MS_PER_MINUTE;
	p->incidents = -1;
	p->kinds = (1u << K_SIMHL_NKINDS) - 1;
	p->warmup_days = -1;
	p->hlp_value = 120e6;
	p->labels = 1;
}

static size_t
split_coins(const char *s, char out[][16], size_t cap, int *bad)
{
	size_t n = 0;

	*bad = 0;
	while (s != NULL && *s) {
		size_t k = strcspn(s, ",");
		if (k == 0 || k >= 16) {
			*bad = 1;
			return n;
		}
		if (n == cap) {
			*bad = 2;
			return n;
		}
		memcpy(out[n], s, k);
		out[n][k] = '\0';
		for (size_t i = 0; i < n; i++)
			if (strcmp(out[i], out[n]) == 0)
				*bad = 3;
		n++;
		s += k;
		if (*s == ',')
			s++;
	}
	return n;
}

const char *
k_simhl_check(const struct k_simhl_params *p)
{
	char c[K_SIMHL_MAX_COINS][16];
	int bad;

	if (!(p->days > 0 && p->days <= 400))
		return "days must be more than 0 and at most 400";
	if (p->start_ms % K_MS_PER_HOUR != 0)
		return "start must be a whole hour";
	if (p->start_ms < 946684800000LL || p->start_ms > 4102444800000LL)
		return "start must be between 2000 and 2100";
	if (p->coins == NULL || split_coins(p->coins, c, K_SIMHL_MAX_COINS,
	                                    &bad) == 0 || bad == 1)
		return "coins must be a comma list of names of 1-15 characters";
	if (bad == 2)
		return "at most 16 coins";
	if (bad == 3)
		return "a coin is listed twice";
	if (p->step_ms <= 0 ||
	    (p->step_ms < K_MS_PER_MINUTE &&
	     K_MS_PER_MINUTE % p->step_ms != 0) ||
	    (p->step_ms >= K_MS_PER_MINUTE &&
	     (p->step_ms % K_MS_PER_MINUTE != 0 ||
	      K_MS_PER_HOUR % p->step_ms != 0)))
		return "step must divide a minute (1s, 5s, 15s, ...) or be whole "
		       "minutes dividing an hour (1m, 5m, 15m, 1h)";
	if (p->step_ms < 1000)
		return "step must be at least 1s";
	if (p->incidents < -1 || p->incidents > 10000)
		return "incidents must be from 0 to 10000";
	if ((p->kinds & ((1u << K_SIMHL_NKINDS) - 1)) == 0 ||
	    (p->kinds >> K_SIMHL_NKINDS) != 0)
		return "kinds must name at least one incident kind";
	if (p->warmup_days != -1 &&
	    !(p->warmup_days >= 0 && p->warmup_days < p->days))
		return "warm-up must be from 0 to less than days";
	if (!(p->hlp_value >= 1e3 && p->hlp_value <= 1e12))
		return "hlp value must be from 1e3 to 1e12 USD";
	return NULL;
}

/* ---- the schedule ---- */

struct inc {
	struct k_simhl_incident pub;
	int coin;              /* index into the coins */
	double dir;            /* +1 or -1 (oracle) */
	double nliq;           /* liquidations to add (cascade, drawdown) */
};

static double
warmup(const struct k_simhl_params *p)
{
	if (p->warmup_days >= 0)
		return p->warmup_days;
	return p->days / 4 < 7 ? p->days / 4 : 7;
}

/* An incident's duration (whole minutes) and magnitude, and what its
 * kind needs besides, drawn in this order. */
static int64_t
draw_shape(struct k_rng *rng, struct inc *x)
{
	double u = k_rng_uniform(rng), u2 = k_rng_uniform(rng);
	int64_t dur;
	switch (x->pub.kind) {
	case K_SIMHL_ORACLE:
		dur = (int64_t)((3 + 37 * pow(u, 1.5)) * K_MS_PER_MINUTE);
		x->pub.magnitude = 0.4 + 2.1 * u2;
		x->dir = k_rng_uniform(rng) < 0.5 ? -1 : 1;
		break;
	case K_SIMHL_CASCADE:
		dur = (int64_t)((5 + 25 * u) * K_MS_PER_MINUTE);
		x->pub.magnitude = 2 + 6 * u2;
		x->nliq = floor(8 + 52 * k_rng_uniform(rng));
		break;
	case K_SIMHL_DRAWDOWN:
		dur = (int64_t)((10 + 50 * u) * K_MS_PER_MINUTE);
		x->pub.magnitude = 1.2 + 3.8 * u2;
		x->nliq = floor(2 + 5 * k_rng_uniform(rng));
		break;
	default:
		dur = (1 + (int64_t)floor(4 * u)) * K_MS_PER_HOUR;
		x->pub.magnitude = 4 + 21 * u2;
		break;
	}
	return dur - dur % K_MS_PER_MINUTE;
}

/* Place x, lasting dur, in [lo, hi) at least 12 hours from the n placed
 * in v (up to 1000 draws). 0 if there was no room. */
static int
place(struct k_rng *rng, struct inc *x, int64_t dur, const struct inc *v,
      size_t n, int64_t lo, int64_t hi)
{
	const int64_t gap = 12 * K_MS_PER_HOUR;
	for (int tries = 0; tries < 1000; tries++) {
		int64_t s = lo + (int64_t)(k_rng_uniform(rng) *
		                           (double)(hi - lo));
		s -= s % (x->pub.kind == K_SIMHL_WASH ? K_MS_PER_HOUR
		                                      : K_MS_PER_MINUTE);
		int placed = 1;
		for (size_t j = 0; j < n && placed; j++)
			if (s < v[j].pub.end + gap &&
			    v[j].pub.start < s + dur + gap)
				placed = 0;
		if (placed) {
			x->pub.start = s;
			x->pub.end = s + dur;
			return 1;
		}
	}
	return 0;
}

/* Insertion sort by start: stable, and n is small. */
static void
sort_by_start(struct inc *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct inc t = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1].pub.start > t.pub.start) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
}

/* Draw the schedule into *out (malloc'd, sorted by start); returns n. */
static size_t
schedule(const struct k_simhl_params *p, size_t ncoins, char coins[][16],
         struct inc **out)
{
	struct k_rng rng;
	double w = warmup(p);
	int64_t lo = p->start_ms + (int64_t)(w * K_MS_PER_DAY);
	int64_t hi = p->start_ms + (int64_t)((p->days - 0.25) * K_MS_PER_DAY);
	long want = p->incidents >= 0 ? p->incidents
	            : (long)floor((p->days - w) / 4);
	int kinds[K_SIMHL_NKINDS], nk = 0;
	struct inc *v;
	size_t n = 0;

	*out = NULL;
	if (want <= 0 || hi <= lo)
		return 0;
	v = calloc((size_t)want, sizeof *v);
	if (v == NULL)
		return 0;
	k_rng_seed(&rng, p->seed, 1);
	for (int k = 0; k < K_SIMHL_NKINDS; k++)
		if (p->kinds & (1u << k))
			kinds[nk++] = k;
	int order[K_SIMHL_NKINDS];
	for (long i = 0; i < want; i++) {
		if (i % nk == 0) {
			for (int k = 0; k < nk; k++)
				order[k] = kinds[k];
			for (int k = nk - 1; k > 0; k--) {
				int j = (int)k_rng_below(&rng, (uint64_t)k + 1);
				int t = order[k];
				order[k] = order[j];
				order[j] = t;
			}
		}
		struct inc x;
		memset(&x, 0, sizeof x);
		x.pub.kind = (enum k_simhl_kind)order[i % nk];
		x.coin = (int)k_rng_below(&rng, ncoins);
		int64_t dur = draw_shape(&rng, &x);
		if (!place(&rng, &x, dur, v, n, lo, hi))
			break;
		snprintf(x.pub.coin, sizeof x.pub.coin, "%s", coins[x.coin]);
		if (x.pub.kind == K_SIMHL_DRAWDOWN)
			x.pub.coin[0] = '\0';   /* the vault's, not a coin's */
		v[n++] = x;
	}
	sort_by_start(v, n);
	*out = v;
	return n;
}

size_t
k_simhl_schedule(const struct k_simhl_params *p,
                 struct k_simhl_incident *out, size_t cap)
{
	char coins[K_SIMHL_MAX_COINS][16];
	struct inc *v;
	int bad;

	if (k_simhl_check(p) != NULL)
		return 0;
	size_t nc = split_coins(p->coins, coins, K_SIMHL_MAX_COINS, &bad);
	size_t n = schedule(p, nc, coins, &v);
	for (size_t i = 0; i < n && i < cap; i++)
		out[i] = v[i].pub;
	free(v);
	return n;
}

/* ---- the market ---- */

struct coin {
	char name[16];
	double sig;            /* volatility per minute at rest */
	double usd_h;          /* volume level, USD per hour */
	double lp;             /* true log price */
	double sv;             /* log volatility multiplier */
	double prem, basis, loi;
	double hist[16];       /* log price at each of the last 16 minutes */
	int nhist;
	double o, h, l, c;     /* the hour's candle (mark) */
	double rv;             /* the hour's sum of squared returns */
	double prem_sum;
	int prem_n;
	double mark, prev_mark; /* mark now and one tick before */
};

struct sim {
	const struct k_simhl_params *p;
	struct k_rng rng;
	struct coin coins[K_SIMHL_MAX_COINS];
	size_t ncoins;
	struct inc *inc;
	size_t ninc;
	char users[USERS][K_RAW_ADDR_LEN + 1];
	double av, pnl;
	long long tid;
	int64_t end;            /* the span's end, ms */
	struct k_raw_out out;
	struct k_simhl_stats *st;
	int oom;
};

static void
add(struct sim *s, const struct k_raw *r)
{
	if (k_raw_out_add(&s->out, r) != K_OK)
		s->oom = 1;
	s->st->records[r->kind]++;
}

static double
lognormal(struct k_rng *r, double median, double sd)
{
	return median * exp(sd * k_rng_normal(r));
}

/* Poisson draw for a small mean (inversion). */
static int
poisson(struct k_rng *r, double lambda)
{
	double l = exp(-lambda), p = 1;
	int k = 0;

	do {
		k++;
		p *= k_rng_uniform(r);
	} while (p > l && k < 1000);
	return k - 1;
}

static double
day_cycle(int64_t t)
{
	int64_t d = t / K_MS_PER_DAY;
	double hod = (double)(t - d * K_MS_PER_DAY) / K_MS_PER_HOUR;
	int dow = (int)(((d + 3) % 7 + 7) % 7);   /* 0 Monday */
	double c = 1 + 0.25 * cos(2 * M_PI * (hod - 15) / 24);

	return dow >= 5 ? 0.75 * c : c;
}

/* A liquidation at a random time in the tick before t, at the mark of
 * that moment (interpolated) less 0-3 bp of slippage against the side
 * liquidated: a long is sold below the mark. */
static void
liquidation(struct sim *s, struct coin *c, int64_t t, double dt,
            const char *side, double value, int backstop)
{
	struct k_raw r;
	struct k_raw_liq *l = &r.u.liq;
	double f = k_rng_uniform(&s->rng);
	double mark = c->prev_mark + (c->mark - c->prev_mark) * f;
	double slip = 1 + (strcmp(side, "long") == 0 ? -1 : 1) *
	              3e-4 * k_rng_uniform(&s->rng);

	k_raw_init(&r, K_RAW_LIQUIDATION, "hyperliquid");
	r.ts = t - (int64_t)((1 - f) * dt * K_MS_PER_MINUTE);
	if (r.ts < t - t % K_MS_PER_HOUR)
		/* stay in the hour being written */
		r.ts = t - t % K_MS_PER_HOUR;
	snprintf(r.coin, sizeof r.coin, "%s", c->name);
	snprintf(l->side, sizeof l->side, "%s", side);
	l->px = mark * slip;
	l->size = value / l->px;
	l->value_usd = l->px * l->size;
	snprintf(l->user, sizeof l->user, "%s",
	         s->users[k_rng_below(&s->rng, USERS)]);
	snprintf(l->method, sizeof l->method, "%s",
	         backstop ? "backstop" : "market");
	l->mark_px = mark;
	snprintf(l->account, sizeof l->account, "%s",
	         backstop ? HLP_LIQUIDATOR : l->user);
	l->tid = s->tid++;
	add(s, &r);
}

static void
write_label(struct k_buf *b, const struct inc *x)
{
	static const char *const units[K_SIMHL_NKINDS] = {
		"%", "%", "%", "x"
	};
	struct k_jsonw w;
	char a[40], e[40];

	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "label");
	k_jsonw_key(&w, "ts");
	k_jsonw_str(&w, k_time_format(x->pub.start, a, sizeof a));
	k_jsonw_key(&w, "ts_end");
	k_jsonw_str(&w, k_time_format(x->pub.end, e, sizeof e));
	k_jsonw_key(&w, "entity");
	k_jsonw_str(&w, "hyperliquid");
	k_jsonw_key(&w, "incident");
	k_jsonw_str(&w, k_simhl_kind_names[x->pub.kind]);
	k_jsonw_key(&w, "coin");
	if (x->pub.coin[0])
		k_jsonw_str(&w, x->pub.coin);
	else
		k_jsonw_null(&w);
	k_jsonw_key(&w, "magnitude");
	k_jsonw_num(&w, k_round(x->pub.magnitude, 4));
	k_jsonw_key(&w, "unit");
	k_jsonw_str(&w, units[x->pub.kind]);
	k_jsonw_key(&w, "source");
	k_jsonw_str(&w, "simulate");
	k_jsonw_obj_end(&w);
}

/* Fraction of an incident's peak at time t: ramp up over the first
 * quarter, hold, ramp down over the last quarter. */
static double
profile(const struct inc *x, int64_t t)
{
	double d = (double)(x->pub.end - x->pub.start);
	double f = (double)(t - x->pub.start) / d;

	if (f < 0 || f >= 1)
		return 0;
	if (f < 0.25)
		return f / 0.25;
	if (f > 0.75)
		return (1 - f) / 0.25;
	return 1;
}

/* What the incidents running at t do to a coin's tick. */
struct effects {
	double manip;              /* oracle manipulation of the mark */
	double drift;              /* a cascade's log-price drift per tick */
	double extra;              /* volatility multiplier */
	double lam_side_mult;      /* liquidation rate multiplier */
	const char *forced_side;   /* liquidated side, NULL: by the move */
};

static void
incident_effects(const struct sim *s, size_t coin, int64_t t, double dt,
                 struct effects *fx)
{
	*fx = (struct effects){ .extra = 1, .lam_side_mult = 1 };
	for (size_t k = 0; k < s->ninc; k++) {
		const struct inc *x = &s->inc[k];
		if ((size_t)x->coin != coin || t < x->pub.start ||
		    t >= x->pub.end)
			continue;
		double dmin = (double)(x->pub.end - x->pub.start) /
		              K_MS_PER_MINUTE;
		if (x->pub.kind == K_SIMHL_ORACLE) {
			fx->manip = x->dir * x->pub.magnitude / 100 *
			            profile(x, t);
			fx->lam_side_mult = 5;
			fx->forced_side = x->dir > 0 ? "short" : "long";
		} else if (x->pub.kind == K_SIMHL_CASCADE) {
			fx->drift = log(1 - x->pub.magnitude / 100) / dmin * dt;
			fx->extra = 2;
		}
	}
}

/* A tick's prices of a coin. */
struct quote {
	double oracle, mark, mid;  /* Hyperliquid's */
	double bn;                 /* Binance's */
};

/* The tick's price records of coin c: Hyperliquid's and Binance's. */
static void
add_prices(struct sim *s, const struct coin *c, int64_t t,
           const struct quote *p, double manip)
{
	struct k_raw r;
	k_raw_init(&r, K_RAW_PRICE, "hyperliquid");
	r.ts = t;
	snprintf(r.coin, sizeof r.coin, "%s", c->name);
	struct k_raw_price *q = &r.u.price;
	q->has = K_RAW_P_ORACLE | K_RAW_P_MARK | K_RAW_P_MID |
	         K_RAW_P_FUNDING | K_RAW_P_OI | K_RAW_P_PREMIUM;
	q->oracle = k_round(p->oracle, 8);
	q->mark = k_round(p->mark, 8);
	q->mid = k_round(p->mid, 8);
	q->premium = k_round(c->prem + manip, 8);
	q->funding = k_round((c->prem + manip) / 8 + 1.25e-5, 10);
	q->open_interest = k_round(exp(c->loi), 4);
	add(s, &r);
	k_raw_init(&r, K_RAW_PRICE, "binance");
	r.ts = t;
	snprintf(r.coin, sizeof r.coin, "%s", c->name);
	r.u.price.has = K_RAW_P_PRICE;
	r.u.price.price = k_round(p->bn, 8);
	add(s, &r);
}

/* Liquidations: more while the 15-minute move is large. */
static void
coin_liquidations(struct sim *s, struct coin *c, int64_t t, double dt,
                  const struct effects *fx)
{
	double lam = 0.02 * dt;
	double z15 = 0;
	if (c->nhist >= 15)
		z15 = fabs(c->lp - c->hist[(c->nhist - 15) % 16]) /
		      (c->sig * sqrt(15.0));
	lam *= 1 + 19 * fmin(1, fmax(0, (z15 - 1.5) / 2));
	int n = poisson(&s->rng, lam * fx->lam_side_mult);
	double move = c->nhist >= 15
	              ? c->lp - c->hist[(c->nhist - 15) % 16] : 0;
	for (int k = 0; k < n; k++) {
		const char *side = fx->forced_side != NULL ? fx->forced_side
		                   : move < 0 ? "long" : move > 0 ? "short"
		                   : k_rng_uniform(&s->rng) < 0.5 ? "long"
		                   : "short";
		liquidation(s, c, t, dt, side, lognormal(&s->rng, 15e3, 1.3),
		            k_rng_uniform(&s->rng) < 0.05);
	}
}

static void
tick(struct sim *s, int64_t t, double dt, int emit_prices)
{
	double cyc = day_cycle(t);
	double z0 = k_rng_normal(&s->rng);
	double pd = pow(0.9995, dt), pr = pow(0.97, dt), pb = pow(0.98, dt);

	for (size_t i = 0; i < s->ncoins; i++) {
		struct coin *c = &s->coins[i];
		double vs = c->sig / (0.0055 / sqrt(60.0));  /* over BTC's */
		struct effects fx;
		incident_effects(s, i, t, dt, &fx);
		c->sv = pd * c->sv + 0.3 * sqrt(1 - pd * pd) *
		        k_rng_normal(&s->rng);
		double r = c->sig * sqrt(dt) * exp(c->sv) * cyc * fx.extra *
		           (0.5 * z0 + 0.866 * k_rng_normal(&s->rng)) +
		           fx.drift;
		c->lp += r;
		c->rv += r * r;
		c->prem = pr * c->prem + 2.5e-4 * sqrt(vs) * sqrt(1 - pr * pr) *
		          k_rng_normal(&s->rng);
		c->basis = pb * c->basis + 6.5e-4 * sqrt(1 - pb * pb) *
		           k_rng_normal(&s->rng);
		c->loi += 0.002 / sqrt(60) * sqrt(dt) * k_rng_normal(&s->rng) +
		          (fx.drift < 0 ? 2 * fx.drift : 0);
		double px = exp(c->lp);
		struct quote q;
		q.oracle = px * (1 + 3e-5 * k_rng_normal(&s->rng));
		q.mark = q.oracle * (1 + c->prem + fx.manip);
		q.mid = q.mark * (1 + 1e-5 * k_rng_normal(&s->rng));
		q.bn = px * (1 + 3e-5 + c->basis);
		c->prev_mark = c->mark;
		c->mark = q.mark;
		if (isnan(c->o))
			c->o = c->h = c->l = q.mark;
		c->h = fmax(c->h, q.mark);
		c->l = fmin(c->l, q.mark);
		c->c = q.mark;
		c->prem_sum += c->prem + fx.manip;
		c->prem_n++;
		if (emit_prices)
			add_prices(s, c, t, &q, fx.manip);
		coin_liquidations(s, c, t, dt, &fx);
	}
}

/* Incident liquidations and vault losses spread over each incident. */
static void
incident_tick(struct sim *s, int64_t t, double dt)
{
	for (size_t k = 0; k < s->ninc; k++) {
		const struct inc *x = &s->inc[k];
		if (t < x->pub.start || t >= x->pub.end)
			continue;
		double dmin = (double)(x->pub.end - x->pub.start) /
		              K_MS_PER_MINUTE;
		struct coin *c = &s->coins[x->coin];
		if (x->pub.kind == K_SIMHL_CASCADE) {
			int n = poisson(&s->rng, x->nliq / dmin * dt);
			for (int i = 0; i < n; i++)
				liquidation(s, c, t, dt, "long",
				            lognormal(&s->rng, 80e3, 1.3),
				            k_rng_uniform(&s->rng) < 0.1);
			s->pnl -= 0.002 * s->av / dmin * dt;
			s->av -= 0.002 * s->av / dmin * dt;
		} else if (x->pub.kind == K_SIMHL_DRAWDOWN) {
			double loss = x->pub.magnitude / 100 * s->av / dmin * dt;
			s->pnl -= loss;
			s->av -= loss;
			int n = poisson(&s->rng, x->nliq / dmin * dt);
			for (int i = 0; i < n; i++)
				liquidation(s, c, t, dt,
				            k_rng_uniform(&s->rng) < 0.5 ? "long"
				                                          : "short",
				            lognormal(&s->rng, 4e5, 0.8), 1);
		}
	}
}

static double
wash_mult(const struct sim *s, size_t coin, int64_t hour)
{
	double m = 1;

	for (size_t k = 0; k < s->ninc; k++) {
		const struct inc *x = &s->inc[k];
		if (x->pub.kind == K_SIMHL_WASH && (size_t)x->coin == coin &&
		    hour >= x->pub.start && hour < x->pub.end)
			m = x->pub.magnitude;
	}
	return m;
}

static void
end_of_hour(struct sim *s, int64_t hour)
{
	for (size_t i = 0; i < s->ncoins; i++) {
		struct coin *c = &s->coins[i];
		struct k_raw r;
		double sig_h = c->sig * sqrt(60.0);
		double usd = c->usd_h * day_cycle(hour) *
		             lognormal(&s->rng, 1, 0.35) *
		             (1 + fmin(2, fmax(0, sqrt(c->rv) / sig_h - 1))) *
		             wash_mult(s, i, hour);
		k_raw_init(&r, K_RAW_CANDLE, "hyperliquid");
		r.ts = hour;
		snprintf(r.coin, sizeof r.coin, "%s", c->name);
		snprintf(r.u.candle.interval, sizeof r.u.candle.interval, "1h");
		r.u.candle.close_ms = hour + K_MS_PER_HOUR - 1;
		r.u.candle.open = k_round(c->o, 8);
		r.u.candle.high = k_round(c->h, 8);
		r.u.candle.low = k_round(c->l, 8);
		r.u.candle.close = k_round(c->c, 8);
		r.u.candle.volume = k_round(usd / c->c, 6);
		add(s, &r);
		if (hour + K_MS_PER_HOUR >= s->end)
			goto reset;   /* paid at the end of the span: not in it */
		k_raw_init(&r, K_RAW_FUNDING, "hyperliquid");
		r.ts = hour + K_MS_PER_HOUR;
		snprintf(r.coin, sizeof r.coin, "%s", c->name);
		double pm = c->prem_n > 0 ? c->prem_sum / c->prem_n : 0;
		r.u.funding.rate = k_round(fmax(-0.04, fmin(0.04, pm / 8 +
		                                            1.25e-5)), 10);
		r.u.funding.premium = k_round(pm, 10);
		add(s, &r);
reset:
		c->o = c->h = c->l = c->c = NAN;
		c->rv = 0;
		c->prem_sum = 0;
		c->prem_n = 0;
	}
}

static int
flush_out(struct sim *s, k_simhl_emit_fn emit, void *arg)
{
	k_raw_out_sort(&s->out);
	for (size_t i = 0; i < s->out.n; i++) {
		const struct k_raw_out_item *it = &s->out.items[i];
		if (emit(arg, s->out.text.data + it->off, it->len))
			return 1;
	}
	k_raw_out_clear(&s->out);
	return 0;
}

/* The liquidated users' addresses: three draws each. */
static void
make_users(struct sim *s)
{
	for (size_t i = 0; i < USERS; i++) {
		uint64_t a = k_rng_u64(&s->rng), b = k_rng_u64(&s->rng);
		uint32_t c = (uint32_t)k_rng_u64(&s->rng);
		snprintf(s->users[i], sizeof s->users[i],
		         "0x%016llx%016llx%08x", (unsigned long long)a,
		         (unsigned long long)b, c);
	}
}

/* Each coin's start: a known coin's price, hourly volatility and volume,
 * else 10 USD, 1.2% and 5 M USD. */
static void
make_coins(struct sim *s, char names[][16])
{
	for (size_t i = 0; i < s->ncoins; i++) {
		struct coin *c = &s->coins[i];
		double px = 10, vol = 0.012, usd = 5e6;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			if (strcmp(known[k].name, names[i]) == 0) {
				px = known[k].px;
				vol = known[k].vol_h;
				usd = known[k].usd_h;
			}
		snprintf(c->name, sizeof c->name, "%.15s", names[i]);
		c->sig = vol / sqrt(60.0);
		c->usd_h = usd;
		c->lp = log(px);
		c->loi = log(usd * 5 / px);
		c->o = c->h = c->l = c->c = NAN;
		c->mark = c->prev_mark = px;
	}
}

/* The incidents' label records, before any other. Nonzero when emit
 * asks to stop. */
static int
emit_labels(struct sim *s, k_simhl_emit_fn emit, void *arg)
{
	struct k_buf b;
	int stop = 0;
	k_buf_init(&b);
	for (size_t i = 0; i < s->ninc && !stop; i++) {
		k_buf_reset(&b);
		write_label(&b, &s->inc[i]);
		if (b.oom) {
			s->oom = 1;
			break;
		}
		stop = emit(arg, b.data, b.len);
		s->st->labels++;
	}
	k_buf_release(&b);
	return stop;
}

/* The vault at t, dt minutes on: drift, noise, deposits and withdrawals;
 * a record every five minutes of the hour. */
static void
vault_tick(struct sim *s, int64_t t, int64_t hour, double dt)
{
	double mu = 0.15 / (365.0 * 1440), sd = 0.0045 / sqrt(1440.0);
	double d = s->av * (mu * dt + sd * sqrt(dt) * k_rng_normal(&s->rng));
	s->pnl += d;
	s->av += d;
	if (k_rng_uniform(&s->rng) < dt / 1440) {
		double f = lognormal(&s->rng, 0.004, 0.8);
		s->av *= 1 + (k_rng_uniform(&s->rng) < 0.5 ? -f : f);
	}
	if ((t - hour) % (5 * K_MS_PER_MINUTE) == 0) {
		struct k_raw r;
		k_raw_init(&r, K_RAW_HLP, NULL);
		r.ts = t;
		snprintf(r.u.hlp.vault, sizeof r.u.hlp.vault, "%s", HLP_VAULT);
		r.u.hlp.account_value = k_round(s->av, 2);
		r.u.hlp.pnl = k_round(s->pnl, 2);
		add(s, &r);
	}
}

/* The minute's history for the liquidation rate. */
static void
minute_history(struct sim *s)
{
	for (size_t i = 0; i < s->ncoins; i++) {
		struct coin *c = &s->coins[i];
		c->hist[c->nhist % 16] = c->lp;
		c->nhist++;
	}
}

/* The span, hour by hour in ticks of at most a minute; each hour's
 * records are emitted at its end, until emit asks to stop. */
static void
run_hours(struct sim *s, k_simhl_emit_fn emit, void *arg)
{
	const struct k_simhl_params *p = s->p;
	int64_t tick_ms = p->step_ms < K_MS_PER_MINUTE ? p->step_ms
	                                                : K_MS_PER_MINUTE;
	int64_t every = p->step_ms / tick_ms;   /* ticks per price record */
	double dt = (double)tick_ms / K_MS_PER_MINUTE;
	int64_t hours = (int64_t)ceil(p->days * 24);
	int stop = 0;
	long n = 0;

	s->end = p->start_ms + hours * K_MS_PER_HOUR;
	for (int64_t h = 0; h < hours && !stop && !s->oom; h++) {
		int64_t hour = p->start_ms + h * K_MS_PER_HOUR;
		for (int64_t t = hour; t < hour + K_MS_PER_HOUR;
		     t += tick_ms, n++) {
			tick(s, t, dt, n % every == 0);
			incident_tick(s, t, dt);
			vault_tick(s, t, hour, dt);
			if ((t - hour) % K_MS_PER_MINUTE == 0)
				minute_history(s);
		}
		end_of_hour(s, hour);
		stop = flush_out(s, emit, arg);
	}
}

enum k_status
k_simhl_run(const struct k_simhl_params *p, k_simhl_emit_fn emit, void *arg,
            struct k_simhl_stats *stats, struct k_error *err)
{
	const char *why = k_simhl_check(p);
	char names[K_SIMHL_MAX_COINS][16];
	struct k_simhl_stats dummy;
	struct sim *s;
	int bad;

	if (why != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof *stats);
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s->p = p;
	s->st = stats;
	s->ncoins = split_coins(p->coins, names, K_SIMHL_MAX_COINS, &bad);
	s->ninc = schedule(p, s->ncoins, names, &s->inc);
	k_raw_out_init(&s->out);
	k_rng_seed(&s->rng, p->seed, 2);
	make_users(s);
	make_coins(s, names);
	s->av = p->hlp_value;
	s->pnl = 45e6;

	int stop = p->labels ? emit_labels(s, emit, arg) : 0;
	for (size_t i = 0; i < s->ninc; i++)
		stats->incidents[s->inc[i].pub.kind]++;
	if (!stop)
		run_hours(s, emit, arg);
	enum k_status st = K_OK;
	if (s->oom)
		st = k_error_set(err, K_ENOMEM, "out of memory");
	k_raw_out_release(&s->out);
	free(s->inc);
	free(s);
	return st;
}

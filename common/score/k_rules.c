/*
 * k_rules.c - the rule-based monitor of k_rules.h. Each rule reads one or
 * two features of the row, and some read the state the previous rows
 * left; the composite score is the reference system's weighted sum, never
 * below the level of the worst alert, so score and alerts agree.
 */
#include "score/k_rules.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/k_time.h"
#include "text/k_featrow.h"

const char *const k_rules_inputs[K_RI_N] = {
	"account_value", "pnl_24h", "pnl_24h_pct", "max_drawdown",
	"max_deviation_pct", "deviation_duration_s", "hl_binance_spread",
	"liquidation_count", "liquidation_count_5min", "cascade_suspicion",
	"flash_suspicion", "coordinated_suspicion", "volume_zscore",
	"volume_to_range_zscore",
};

static const struct {
	const char *name, *threat;
} rule_info[K_RULE_N] = {
	[K_RULE_HLP_LOSS] = { "hlp_loss", "hlp_exploitation" },
	[K_RULE_HLP_DRAWDOWN] = { "hlp_drawdown", "hlp_exploitation" },
	[K_RULE_HLP_PNL_Z] = { "hlp_pnl_zscore", "hlp_exploitation" },
	[K_RULE_ORACLE_DEVIATION] = { "oracle_deviation",
	                              "oracle_manipulation" },
	[K_RULE_PRICE_SPREAD] = { "price_spread", "oracle_manipulation" },
	[K_RULE_CASCADE] = { "liquidation_cascade", "cascade_liquidation" },
	[K_RULE_FLASH] = { "flash_liquidation", "flash_loan_attack" },
	[K_RULE_COORDINATED] = { "coordinated_liquidation",
	                         "liquidation_manipulation" },
	[K_RULE_VOLUME] = { "unusual_volume", "unusual_volume" },
};

struct k_rules_params
k_rules_params_default(void)
{
	struct k_rules_params p = {
		.loss_medium_pct = 1.0, .loss_high_pct = 2.0,
		.loss_critical_pct = 3.0, .drawdown_high_pct = 10.0,
		.z_medium = 3.0, .z_high = 4.0, .z_rows = 100, .vol_rows = 10,
		.dev_warn_pct = 0.3, .dev_danger_pct = 0.5,
		.dev_critical_pct = 1.0, .sustain_s = 30,
		.spread_medium_pct = 0.5, .spread_high_pct = 1.0,
		.cascade_count = 5, .cascade_ms = 300000, .suspicion_min = 70,
		.volume_z_medium = 3.0, .volume_z_high = 4.0,
		.w_hlp = 0.4, .w_oracle = 0.3, .w_liq = 0.15, .w_volume = 0.15,
		.onset_points = 10, .onset_cap = 30, .onset_ms = 86400000,
		.level_medium = 30, .level_high = 50, .level_critical = 70,
	};
	return p;
}

const char *
k_rules_params_check(const struct k_rules_params *p)
{
	if (!(p->loss_medium_pct > 0 && p->loss_medium_pct <= p->loss_high_pct &&
	      p->loss_high_pct <= p->loss_critical_pct))
		return "loss thresholds must be positive and increasing";
	if (!(p->dev_warn_pct > 0 && p->dev_warn_pct <= p->dev_danger_pct &&
	      p->dev_danger_pct <= p->dev_critical_pct))
		return "deviation thresholds must be positive and increasing";
	if (!(p->z_medium > 0 && p->z_medium <= p->z_high))
		return "z thresholds must be positive and increasing";
	if (p->z_rows < 2 || p->z_rows > K_RULESTATE_PNL || p->vol_rows < 1 ||
	    p->vol_rows > K_RULESTATE_PNL)
		return "row counts must be from 2 to 256";
	if (!(p->level_medium > 0 && p->level_medium <= p->level_high &&
	      p->level_high <= p->level_critical && p->level_critical <= 100))
		return "levels must be increasing within 0-100";
	if (p->cascade_ms <= 0 || p->onset_ms <= 0 || !(p->sustain_s >= 0))
		return "durations must be positive";
	return NULL;
}

static double
clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double
nz(double v)
{
	return isfinite(v) ? v : 0;
}

double
k_rules_oracle_score(double dev, double dur)
{
	if (!isfinite(dev) || dev <= 0)
		return 0;
	double mag = dev >= 1.0 ? 60 : dev >= 0.5 ? 40 : dev / 0.3 * 20;
	dur = nz(dur);
	double d = dur >= 300 ? 40 : dur >= 60 ? 30 : dur >= 30 ? 20
	           : dur / 30 * 10;
	return clamp(mag + d, 0, 100);
}

double
k_rules_cascade_suspicion(double n, double usd, double impact)
{
	return clamp(fmin(30, nz(n) / 10 * 30) + fmin(40, nz(usd) / 5e6 * 40) +
	             fmin(30, fabs(nz(impact)) / 5 * 30), 0, 100);
}

double
k_rules_flash_suspicion(double usd, double single)
{
	usd = nz(usd);
	if (usd < 500e3)
		return 0;
	double a = usd > 5e6 ? 50 : usd > 2e6 ? 40 : usd > 1e6 ? 30
	           : usd / 500e3 * 20;
	return clamp(a + (nz(single) > 2e6 ? 30 : 0) + 20, 0, 100);
}

double
k_rules_coordinated_suspicion(double n, double usd)
{
	n = nz(n);
	usd = nz(usd);
	if (n < 3 || usd < 1e6)
		return 0;
	return clamp(fmin(50, n / 5 * 50) + fmin(50, usd / 3e6 * 50), 0, 100);
}

enum k_sev
k_rules_level(const struct k_rules_params *p, double s)
{
	return s >= p->level_critical ? K_SEV_CRITICAL
	       : s >= p->level_high ? K_SEV_HIGH
	       : s >= p->level_medium ? K_SEV_MEDIUM : K_SEV_LOW;
}

const char *
k_sev_name(enum k_sev s)
{
	static const char *const n[] = { "none", "low", "medium", "high",
	                                 "critical" };
	return n[s];
}

const char *
k_sev_level_name(enum k_sev s)
{
	static const char *const n[] = { "NONE", "LOW", "MEDIUM", "HIGH",
	                                 "CRITICAL" };
	return n[s];
}

const char *
k_rules_rule_name(enum k_rule r)
{
	return rule_info[r].name;
}

const char *
k_rules_threat(enum k_rule r)
{
	return rule_info[r].threat;
}

static void
alert(struct k_rules_result *r, enum k_rule rule, enum k_sev sev,
      enum k_rules_input f, double value, double threshold, double first,
      const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#include <stdarg.h>

static void
alert(struct k_rules_result *r, enum k_rule rule, enum k_sev sev,
      enum k_rules_input f, double value, double threshold, double first,
      const char *fmt, ...)
{
	struct k_rules_alert *a;
	va_list ap;

	if (sev == K_SEV_NONE || r->nalerts >= K_RULES_MAX_ALERTS)
		return;
	a = &r->alerts[r->nalerts++];
	a->rule = rule;
	a->sev = sev;
	a->feature = f;
	a->value = value;
	a->threshold = threshold;
	a->first = first;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof a->text, fmt, ap);
	va_end(ap);
}

static void
money(double usd, char *buf, size_t cap)
{
	double a = fabs(usd);
	const char *sign = usd < 0 ? "-" : "";

	if (a >= 1e9)
		snprintf(buf, cap, "%s$%.2fB", sign, a / 1e9);
	else if (a >= 1e6)
		snprintf(buf, cap, "%s$%.2fM", sign, a / 1e6);
	else if (a >= 1e3)
		snprintf(buf, cap, "%s$%.1fk", sign, a / 1e3);
	else
		snprintf(buf, cap, "%s$%.0f", sign, a);
}

static void
hlp_rules(const struct k_rules_params *p, struct k_rulestate *ns,
          const double *x, struct k_rules_result *r)
{
	double pnl = x[K_RI_PNL_24H], av = x[K_RI_ACCOUNT_VALUE];
	double pct = x[K_RI_PNL_24H_PCT];
	double loss = 0, ddp = 0, volp = 0;
	char m[32];

	if (!isfinite(pct) && isfinite(pnl) && isfinite(av) && av - pnl > 0)
		pct = pnl / (av - pnl) * 100;
	if (isfinite(pct) && pct < 0) {
		double l = -pct;
		enum k_sev sev = l >= p->loss_critical_pct ? K_SEV_CRITICAL
		                 : l >= p->loss_high_pct ? K_SEV_HIGH
		                 : l >= p->loss_medium_pct ? K_SEV_MEDIUM
		                 : K_SEV_NONE;
		double th = sev == K_SEV_CRITICAL ? p->loss_critical_pct
		            : sev == K_SEV_HIGH ? p->loss_high_pct
		            : p->loss_medium_pct;
		money(pnl, m, sizeof m);
		alert(r, K_RULE_HLP_LOSS, sev, K_RI_PNL_24H_PCT, pct, -th,
		      -p->loss_medium_pct, "vault lost %.2f%% of its equity in "
		      "24 h (pnl_24h %s)", l, isfinite(pnl) ? m : "unknown");
		loss = fmin(40, l / p->loss_critical_pct * 40);
	}
	double dd = x[K_RI_MAX_DRAWDOWN];
	if (isfinite(dd) && dd > 0) {
		ddp = fmin(30, dd / p->drawdown_high_pct * 30);
		if (dd > p->drawdown_high_pct)
			alert(r, K_RULE_HLP_DRAWDOWN, K_SEV_HIGH,
			      K_RI_MAX_DRAWDOWN, dd, p->drawdown_high_pct,
			      p->drawdown_high_pct, "vault drawdown of %.2f%% in "
			      "24 h", dd);
	}
	if (isfinite(pnl)) {
		size_t n = ns->npnl;
		if (n >= p->z_rows) {
			double s = 0, ss = 0;
			for (size_t i = n - p->z_rows; i < n; i++) {
				double v = k_rulestate_pnl_at(ns, i);
				s += v;
				ss += v * v;
			}
			double k = (double)p->z_rows, mean = s / k;
			double var = (ss - s * s / k) / (k - 1);
			if (var > 0) {
				double z = (pnl - mean) / sqrt(var);
				double az = fabs(z);
				enum k_sev sev = az > p->z_high ? K_SEV_HIGH
				                 : az > p->z_medium ? K_SEV_MEDIUM
				                 : K_SEV_NONE;
				money(pnl, m, sizeof m);
				alert(r, K_RULE_HLP_PNL_Z, sev, K_RI_PNL_24H, z,
				      sev == K_SEV_HIGH ? p->z_high : p->z_medium,
				      p->z_medium, "pnl_24h %s is %.1f standard "
				      "deviations from the last %zu rows", m, z,
				      p->z_rows);
			}
		}
		if (n >= p->vol_rows) {
			double s = 0;
			for (size_t i = n - p->vol_rows; i < n; i++)
				s += fabs(k_rulestate_pnl_at(ns, i));
			double mean = s / (double)p->vol_rows;
			if (mean > 0)
				volp = fmin(30, fabs(pnl) / (2 * mean) * 30);
		}
		k_rulestate_pnl_push(ns, pnl);
	}
	r->hlp = clamp(loss + ddp + volp, 0, 100);
}

static void
oracle_rules(const struct k_rules_params *p, struct k_rulestate *ns,
             const struct k_rules_row *row, int consecutive,
             struct k_rules_result *r)
{
	const double *x = row->x;
	double dev = x[K_RI_MAX_DEVIATION];
	double d = nz(x[K_RI_DEVIATION_DURATION]);
	double bs = (double)row->bucket_ms / 1000;
	int64_t end = row->ts + row->bucket_ms;
	double dur = 0;

	if (isfinite(dev) && dev >= p->dev_warn_pct) {
		if (consecutive && ns->dev_since != INT64_MIN) {
			dur = fmax(d, (double)(row->ts - ns->dev_since) / 1000 +
			              fmin(bs, d));
		} else {
			dur = d;
			ns->dev_since = end - (int64_t)(d * 1000);
		}
		enum k_sev sev = K_SEV_MEDIUM;
		double th = p->dev_warn_pct;
		if (dur >= p->sustain_s && dev >= p->dev_critical_pct) {
			sev = K_SEV_CRITICAL;
			th = p->dev_critical_pct;
		} else if (dur >= p->sustain_s && dev >= p->dev_danger_pct) {
			sev = K_SEV_HIGH;
			th = p->dev_danger_pct;
		}
		alert(r, K_RULE_ORACLE_DEVIATION, sev, K_RI_MAX_DEVIATION, dev,
		      th, p->dev_warn_pct, "mark price %.2f%% off the oracle "
		      "for %.0f s", dev, dur);
	} else {
		ns->dev_since = INT64_MIN;
	}
	r->deviation_s = dur;
	r->oracle = k_rules_oracle_score(dev, dur);

	double sp = x[K_RI_HL_BINANCE_SPREAD];
	if (isfinite(sp)) {
		enum k_sev sev = sp >= p->spread_high_pct ? K_SEV_HIGH
		                 : sp >= p->spread_medium_pct ? K_SEV_MEDIUM
		                 : K_SEV_NONE;
		alert(r, K_RULE_PRICE_SPREAD, sev, K_RI_HL_BINANCE_SPREAD, sp,
		      sev == K_SEV_HIGH ? p->spread_high_pct
		                        : p->spread_medium_pct,
		      p->spread_medium_pct, "Hyperliquid price %.2f%% away "
		      "from Binance", sp);
		r->oracle = fmax(r->oracle, k_rules_oracle_score(sp, 0));
	}
}

static void
liquidation_rules(const struct k_rules_params *p, struct k_rulestate *ns,
                  const struct k_rules_row *row, struct k_rules_result *r)
{
	const double *x = row->x;
	int64_t end = row->ts + row->bucket_ms;
	double cnt = x[K_RI_LIQ_COUNT];
	double n5 = nz(x[K_RI_LIQ_COUNT_5MIN]);

	/* Short rows: add the counts of the rows of the last 5 minutes,
	 * which may have been scored by an earlier run. */
	if (row->bucket_ms <= p->cascade_ms && isfinite(cnt)) {
		double sum = cnt;
		for (size_t i = 0; i < ns->nliq; i++) {
			const struct k_rulestate_liq *l = k_rulestate_liq_at(ns, i);
			if (l->start >= end - p->cascade_ms && l->end <= row->ts)
				sum += l->count;
		}
		n5 = fmax(n5, sum);
		k_rulestate_liq_push(ns, row->ts, end, cnt);
	}
	r->cascade_n = n5;

	double cs = x[K_RI_CASCADE_SUSPICION];
	if (isfinite(cs) && cs > p->suspicion_min)
		alert(r, K_RULE_CASCADE, K_SEV_HIGH, K_RI_CASCADE_SUSPICION, cs,
		      p->suspicion_min, p->suspicion_min, "liquidation cascade, "
		      "suspicion %.0f/100", cs);
	else if (isfinite(cs) && cs > 0)
		alert(r, K_RULE_CASCADE, K_SEV_MEDIUM, K_RI_CASCADE_SUSPICION, cs,
		      0, p->suspicion_min, "liquidation cascade, suspicion "
		      "%.0f/100", cs);
	else if (row->bucket_ms <= p->cascade_ms && n5 >= p->cascade_count)
		alert(r, K_RULE_CASCADE, K_SEV_MEDIUM, K_RI_LIQ_COUNT_5MIN, n5,
		      p->cascade_count, p->cascade_count, "%.0f liquidations "
		      "within %.0f s", n5, (double)p->cascade_ms / 1000);
	double fs = x[K_RI_FLASH_SUSPICION];
	if (isfinite(fs) && fs > p->suspicion_min)
		alert(r, K_RULE_FLASH, K_SEV_CRITICAL, K_RI_FLASH_SUSPICION, fs,
		      p->suspicion_min, p->suspicion_min, "flash liquidations, "
		      "suspicion %.0f/100", fs);
	double co = x[K_RI_COORD_SUSPICION];
	if (isfinite(co) && co > p->suspicion_min)
		alert(r, K_RULE_COORDINATED, K_SEV_HIGH, K_RI_COORD_SUSPICION,
		      co, p->suspicion_min, p->suspicion_min, "repeated "
		      "liquidations of one account, suspicion %.0f/100", co);
	r->liq = clamp(fmax(nz(cs), fmax(nz(fs), nz(co))), 0, 100);
}

static void
volume_rules(const struct k_rules_params *p, const double *x,
             struct k_rules_result *r)
{
	double vz = x[K_RI_VOLUME_Z], rz = x[K_RI_VOLUME_RANGE_Z];

	r->volume = 0;
	if (!isfinite(vz) || !isfinite(rz))
		return;
	double m = fmin(vz, rz);
	enum k_sev sev = m > p->volume_z_high ? K_SEV_HIGH
	                 : m > p->volume_z_medium ? K_SEV_MEDIUM : K_SEV_NONE;
	alert(r, K_RULE_VOLUME, sev, K_RI_VOLUME_RANGE_Z, rz,
	      sev == K_SEV_HIGH ? p->volume_z_high : p->volume_z_medium,
	      p->volume_z_medium, "volume %.1f sd above normal without the "
	      "price range to match (%.1f sd)", vz, rz);
	r->volume = clamp((m - 2) * 20, 0, 100);
}

void
k_rules_eval(const struct k_rules_params *p, struct k_rulestate *st,
             const struct k_rules_row *row, struct k_rules_result *r)
{
	struct k_rulestate ns = *st;
	int64_t end = row->ts + row->bucket_ms;
	int newer = st->last_ts == INT64_MIN || row->ts > st->last_ts;
	int64_t tol = row->bucket_ms / 2 < 60000 ? row->bucket_ms / 2 : 60000;
	int consecutive = st->last_end != INT64_MIN &&
	                  row->ts >= st->last_end - tol &&
	                  row->ts <= st->last_end + tol;

	memset(r, 0, sizeof *r);
	hlp_rules(p, &ns, row->x, r);
	oracle_rules(p, &ns, row, consecutive, r);
	liquidation_rules(p, &ns, row, r);
	volume_rules(p, row->x, r);

	/* Worst first; ties keep rule order. */
	for (size_t i = 1; i < r->nalerts; i++) {
		struct k_rules_alert a = r->alerts[i];
		size_t j = i;
		while (j > 0 && r->alerts[j - 1].sev < a.sev) {
			r->alerts[j] = r->alerts[j - 1];
			j--;
		}
		r->alerts[j] = a;
	}

	/* Onsets: a rule reaching HIGH that was not there in the row
	 * before counts once toward the last day's exploit count. */
	uint32_t mask = 0;
	for (size_t i = 0; i < r->nalerts; i++)
		if (r->alerts[i].sev >= K_SEV_HIGH)
			mask |= 1u << r->alerts[i].rule;
	uint32_t prev = consecutive ? st->active : 0;
	if (mask & ~prev)
		k_rulestate_onset_push(&ns, end);
	ns.active = mask;
	double onsets = 0;
	for (size_t i = 0; i < ns.nonsets; i++) {
		int64_t t = k_rulestate_onset_at(&ns, i);
		if (t > end - p->onset_ms && t <= end)
			onsets++;
	}
	r->onsets_24h = onsets;

	r->weighted = p->w_hlp * r->hlp + p->w_oracle * r->oracle +
	              p->w_liq * r->liq + p->w_volume * r->volume +
	              fmin(p->onset_cap, p->onset_points * onsets);
	double floor = 0;
	if (r->nalerts > 0) {
		enum k_sev w = r->alerts[0].sev;
		floor = w == K_SEV_CRITICAL ? p->level_critical
		        : w == K_SEV_HIGH ? p->level_high
		        : w == K_SEV_MEDIUM ? p->level_medium : 0;
	}
	r->risk_score = clamp(fmax(r->weighted, floor), 0, 100);
	r->level = k_rules_level(p, r->risk_score);
	r->is_anomaly = r->level >= K_SEV_HIGH;

	ns.last_ts = row->ts;
	ns.last_end = end;
	ns.rows++;
	if (newer)
		*st = ns;
}

/* ---- rows in, fields out ---- */

static enum k_status
describe_wrong(const struct k_jmember *m, const char *what, const char *name,
               const char *want, struct k_error *err)
{
	char got[96];

	k_jmember_describe(m, got, sizeof got);
	return k_error_field(err, K_EDATA, name, "%s '%s': expected %s, got %s",
	                     what, name, want, got);
}

enum k_status
k_rules_row_scan(const struct k_jscan *s, struct k_rules_row *row,
                 struct k_error *err)
{
	const struct k_jmember *m;
	char buf[64];
	size_t n;

	int rc = k_jscan_ts(s, &row->ts, &m);
	if (rc == -1)
		return k_error_field(err, K_EDATA, "ts", "field 'ts': missing");
	if (rc == -2)
		return describe_wrong(m, "field", "ts", "an RFC 3339 time string",
		                      err);
	if (rc == -3)
		return k_error_field(err, K_EDATA, "ts", "field 'ts': not an "
		                     "RFC 3339 time: %.*s", (int)(m->vlen > 40 ? 40
		                     : m->vlen), m->val);
	row->bucket_ms = K_MS_PER_HOUR;
	m = k_jscan_find(s->top, s->ntop, "bucket", 6);
	if (m != NULL) {
		if (m->type != K_JSTR ||
		    (n = k_jstr(m, buf, sizeof buf)) == (size_t)-1 ||
		    k_time_span_parse(buf, &row->bucket_ms) < 0)
			return describe_wrong(m, "field", "bucket",
			                      "a duration such as \"1h\"", err);
	}
	if (s->subm == NULL)
		return k_error_field(err, K_EDATA, "features",
		                     "field 'features': missing");
	if (s->subm->type != K_JOBJ)
		return describe_wrong(s->subm, "field", "features", "object",
		                      err);
	row->present = 0;
	for (size_t i = 0; i < K_RI_N; i++) {
		const char *name = k_rules_inputs[i];
		m = k_jscan_find(s->sub, s->nsub, name, strlen(name));
		row->present += m != NULL;
		if (m == NULL || m->type == K_JNULL)
			row->x[i] = NAN;
		else if (m->type == K_JNUM)
			row->x[i] = k_jnum(m);
		else
			return describe_wrong(m, "feature", name, "number", err);
	}
	return K_OK;
}

void
k_rules_write(struct k_jsonw *w, const struct k_rules_result *r, size_t top)
{
	k_jsonw_key(w, "anomaly_score");
	k_jsonw_num(w, k_round(r->risk_score, 4));
	k_jsonw_key(w, "is_anomaly");
	k_jsonw_bool(w, r->is_anomaly);
	k_jsonw_key(w, "anomaly_level");
	k_jsonw_str(w, k_sev_level_name(r->level));
	if (r->is_anomaly && top > 0) {
		uint32_t seen = 0;
		size_t k = 0;
		k_jsonw_key(w, "contributing_features");
		k_jsonw_arr(w);
		for (size_t i = 0; i < r->nalerts && k < top; i++) {
			const struct k_rules_alert *a = &r->alerts[i];
			if (seen & (1u << a->feature))
				continue;
			seen |= 1u << a->feature;
			k++;
			k_jsonw_obj(w);
			k_jsonw_key(w, "feature");
			k_jsonw_str(w, k_rules_inputs[a->feature]);
			k_jsonw_key(w, "value");
			k_jsonw_num(w, k_round(a->value, 6));
			k_jsonw_key(w, "deviation");
			k_jsonw_num(w, a->first != 0 ? k_round(fabs(a->value) /
			                                    fabs(a->first), 4)
			                          : NAN);
			k_jsonw_key(w, "severity");
			k_jsonw_str(w, k_sev_name(a->sev));
			k_jsonw_obj_end(w);
		}
		k_jsonw_arr_end(w);
	}
	k_jsonw_key(w, "alerts");
	k_jsonw_arr(w);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct k_rules_alert *a = &r->alerts[i];
		k_jsonw_obj(w);
		k_jsonw_key(w, "rule");
		k_jsonw_str(w, k_rules_rule_name(a->rule));
		k_jsonw_key(w, "severity");
		k_jsonw_str(w, k_sev_name(a->sev));
		k_jsonw_key(w, "threat_type");
		k_jsonw_str(w, k_rules_threat(a->rule));
		k_jsonw_key(w, "feature");
		k_jsonw_str(w, k_rules_inputs[a->feature]);
		k_jsonw_key(w, "value");
		k_jsonw_num(w, k_round(a->value, 6));
		k_jsonw_key(w, "threshold");
		k_jsonw_num(w, a->threshold);
		k_jsonw_key(w, "message");
		k_jsonw_str(w, a->text);
		k_jsonw_obj_end(w);
	}
	k_jsonw_arr_end(w);
	k_jsonw_key(w, "method");
	k_jsonw_str(w, "rules");
	k_jsonw_key(w, "model_version");
	k_jsonw_str(w, K_RULES_VERSION);
}

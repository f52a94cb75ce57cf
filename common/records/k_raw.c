/*
 * k_raw.c - record structs to JSON, strict readers of API numbers and
 * times, and the time-ordered output collector of k_raw.h.
 */
#include "records/k_raw.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "text/k_json.h"
#include "text/k_jsonw.h"

/* 2000-01-01 and 2100-01-01, ms: times outside are not market data. */
#define MS_MIN INT64_C(946684800000)
#define MS_MAX INT64_C(4102444800000)

static const char *const kind_names[K_RAW_NKINDS] = {
	"hlp", "price", "candle", "funding", "liquidation"
};

const char *
k_raw_kind_name(enum k_raw_kind k)
{
	return (unsigned)k < K_RAW_NKINDS ? kind_names[k] : "?";
}

int
k_raw_kind_parse(const char *s)
{
	for (int i = 0; i < K_RAW_NKINDS; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

void
k_raw_init(struct k_raw *r, enum k_raw_kind kind, const char *venue)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	if (venue != NULL)
		snprintf(r->venue, sizeof r->venue, "%s", venue);
	switch (kind) {
	case K_RAW_HLP:
		r->u.hlp.account_value = r->u.hlp.pnl = NAN;
		break;
	case K_RAW_PRICE: {
		struct k_raw_price *p = &r->u.price;
		p->oracle = p->mark = p->mid = p->price = p->funding = NAN;
		p->open_interest = p->premium = p->prev_day_px = NAN;
		p->day_ntl_vlm = NAN;
		break;
	}
	case K_RAW_CANDLE: {
		struct k_raw_candle *c = &r->u.candle;
		c->open = c->high = c->low = c->close = c->volume = NAN;
		c->quote_volume = NAN;
		c->trades = -1;
		break;
	}
	case K_RAW_FUNDING:
		r->u.funding.rate = r->u.funding.premium = NAN;
		break;
	case K_RAW_LIQUIDATION: {
		struct k_raw_liq *l = &r->u.liq;
		l->px = l->size = l->value_usd = l->mark_px = NAN;
		l->tid = -1;
		break;
	}
	case K_RAW_NKINDS:
		break;
	}
}

static void
num(struct k_jsonw *w, const char *key, double v)
{
	k_jsonw_key(w, key);
	k_jsonw_num(w, v);
}

static void
str(struct k_jsonw *w, const char *key, const char *v)
{
	k_jsonw_key(w, key);
	k_jsonw_str(w, v);
}

static void
write_price(struct k_jsonw *w, const struct k_raw_price *p)
{
	static const struct {
		unsigned bit;
		const char *key;
		size_t off;
	} f[] = {
		{ K_RAW_P_ORACLE, "oracle", offsetof(struct k_raw_price, oracle) },
		{ K_RAW_P_MARK, "mark", offsetof(struct k_raw_price, mark) },
		{ K_RAW_P_MID, "mid", offsetof(struct k_raw_price, mid) },
		{ K_RAW_P_PRICE, "price", offsetof(struct k_raw_price, price) },
		{ K_RAW_P_FUNDING, "funding", offsetof(struct k_raw_price, funding) },
		{ K_RAW_P_OI, "open_interest",
		  offsetof(struct k_raw_price, open_interest) },
		{ K_RAW_P_PREMIUM, "premium", offsetof(struct k_raw_price, premium) },
		{ K_RAW_P_PREV_DAY, "prev_day_px",
		  offsetof(struct k_raw_price, prev_day_px) },
		{ K_RAW_P_DAY_NTL, "day_ntl_vlm",
		  offsetof(struct k_raw_price, day_ntl_vlm) },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (!(p->has & f[i].bit))
			continue;
		double v;
		memcpy(&v, (const char *)p + f[i].off, sizeof v);
		num(w, f[i].key, v);
	}
}

void
k_raw_write(struct k_buf *b, const struct k_raw *r)
{
	struct k_jsonw w;
	char ts[40];

	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	str(&w, "kind", k_raw_kind_name(r->kind));
	str(&w, "ts", k_time_format(r->ts, ts, sizeof ts));
	switch (r->kind) {
	case K_RAW_HLP:
		str(&w, "vault", r->u.hlp.vault);
		num(&w, "account_value", r->u.hlp.account_value);
		num(&w, "pnl", r->u.hlp.pnl);
		break;
	case K_RAW_PRICE:
		str(&w, "venue", r->venue);
		str(&w, "coin", r->coin);
		write_price(&w, &r->u.price);
		break;
	case K_RAW_CANDLE: {
		const struct k_raw_candle *c = &r->u.candle;
		str(&w, "venue", r->venue);
		str(&w, "coin", r->coin);
		str(&w, "interval", c->interval);
		num(&w, "open", c->open);
		num(&w, "high", c->high);
		num(&w, "low", c->low);
		num(&w, "close", c->close);
		num(&w, "volume", c->volume);
		if (!isnan(c->quote_volume))
			num(&w, "quote_volume", c->quote_volume);
		if (c->trades >= 0) {
			k_jsonw_key(&w, "trades");
			k_jsonw_int(&w, c->trades);
		}
		break;
	}
	case K_RAW_FUNDING:
		str(&w, "venue", r->venue);
		str(&w, "coin", r->coin);
		num(&w, "rate", r->u.funding.rate);
		num(&w, "premium", r->u.funding.premium);
		break;
	case K_RAW_LIQUIDATION: {
		const struct k_raw_liq *l = &r->u.liq;
		str(&w, "venue", r->venue);
		str(&w, "coin", r->coin);
		str(&w, "side", l->side);
		num(&w, "px", l->px);
		num(&w, "size", l->size);
		num(&w, "value_usd", l->value_usd);
		str(&w, "user", l->user);
		str(&w, "method", l->method);
		num(&w, "mark_px", l->mark_px);
		str(&w, "account", l->account);
		if (l->hash[0] != '\0')
			str(&w, "hash", l->hash);
		if (l->tid >= 0) {
			k_jsonw_key(&w, "tid");
			k_jsonw_int(&w, l->tid);
		}
		break;
	}
	case K_RAW_NKINDS:
		break;
	}
	k_jsonw_obj_end(&w);
}

/* ---- reading API values ---- */

int
k_raw_parse_decimal(const char *s, size_t n, double *out)
{
	char tmp[128];
	size_t i = 0, nd = 0;
	char *end;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	if (s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, nd++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, nd++;
	}
	if (nd == 0)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ne = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, ne++;
		if (ne == 0)
			return -1;
	}
	if (i != n)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + n || !isfinite(v))
		return -1;
	/* ERANGE on underflow gives a denormal or 0, which is fine. */
	*out = v;
	return 0;
}

static enum k_status
wrong(const json_t *v, const char *field, const char *want,
      struct k_error *err)
{
	char got[96];

	if (v == NULL)
		return k_error_field(err, K_EDATA, field ? field : "",
		                     "field '%s': missing", field ? field : "");
	k_json_describe(v, got, sizeof got);
	if (field == NULL)
		return k_error_field(err, K_EDATA, "", "expected %s, got %s",
		                     want, got);
	return k_error_field(err, K_EDATA, field,
	                     "field '%s': expected %s, got %s", field, want,
	                     got);
}

enum k_status
k_raw_get_dec(const json_t *obj, const char *field, int flags, double *out,
              struct k_error *err)
{
	const json_t *v = field != NULL ? json_object_get(obj, field) : obj;
	double d;

	if (v == NULL || json_is_null(v)) {
		if (flags & K_RAW_OPTIONAL) {
			*out = NAN;
			return K_OK;
		}
		return wrong(v, field, "a decimal string", err);
	}
	if (json_is_string(v)) {
		if (k_raw_parse_decimal(json_string_value(v),
		                        json_string_length(v), &d) < 0)
			return wrong(v, field, "a decimal string", err);
	} else if (json_is_number(v)) {
		d = json_number_value(v);
	} else {
		return wrong(v, field, "a decimal string", err);
	}
	if (((flags & K_RAW_POSITIVE) && !(d > 0)) ||
	    ((flags & K_RAW_NONNEG) && !(d >= 0))) {
		char got[96];
		k_json_describe(v, got, sizeof got);
		return k_error_field(err, K_EDATA, field ? field : "",
		                     "field '%s': %s out of range (must be %s)",
		                     field ? field : "", got,
		                     (flags & K_RAW_POSITIVE) ? "> 0" : ">= 0");
	}
	*out = d;
	return K_OK;
}

/* An integer or a string of digits, as long long >= 0. */
static int
get_uint(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (long long)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		char *end;
		if (n == 0 || n > 19)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
		errno = 0;
		unsigned long long u = strtoull(s, &end, 10);
		if (errno || end != s + n || u > (unsigned long long)INT64_MAX)
			return -1;
		*out = (long long)u;
		return 0;
	}
	return -1;
}

enum k_status
k_raw_get_ms(const json_t *obj, const char *field, int64_t *out,
             struct k_error *err)
{
	const json_t *v = field != NULL ? json_object_get(obj, field) : obj;
	long long ms;

	if (v == NULL || get_uint(v, &ms) < 0)
		return wrong(v, field, "a time in ms", err);
	if (ms < MS_MIN || ms >= MS_MAX) {
		char got[96];
		k_json_describe(v, got, sizeof got);
		return k_error_field(err, K_EDATA, field ? field : "",
		                     "%s%s%s%s is not a time between 2000 and 2100 "
		                     "in ms", field ? "field '" : "",
		                     field ? field : "", field ? "': " : "", got);
	}
	*out = (int64_t)ms;
	return K_OK;
}

enum k_status
k_raw_get_count(const json_t *obj, const char *field, long long *out,
                struct k_error *err)
{
	const json_t *v = field != NULL ? json_object_get(obj, field) : obj;

	if (v == NULL || get_uint(v, out) < 0)
		return wrong(v, field, "a whole number", err);
	return K_OK;
}

enum k_status
k_raw_get_str(const json_t *obj, const char *field, char *buf, size_t cap,
              struct k_error *err)
{
	const json_t *v = json_object_get(obj, field);

	if (v == NULL || !json_is_string(v) || json_string_length(v) == 0)
		return wrong(v, field, "a non-empty string", err);
	if (json_string_length(v) >= cap)
		return k_error_field(err, K_EDATA, field,
		                     "field '%s': longer than %zu bytes", field,
		                     cap - 1);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return K_OK;
}

int
k_raw_addr_norm(const char *in, char *out)
{
	if (in == NULL || strlen(in) != K_RAW_ADDR_LEN || in[0] != '0' ||
	    (in[1] != 'x' && in[1] != 'X'))
		return -1;
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 2; i < K_RAW_ADDR_LEN; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[K_RAW_ADDR_LEN] = '\0';
	return 0;
}

/* ---- vector ---- */

void
k_raw_vec_init(struct k_raw_vec *v)
{
	memset(v, 0, sizeof *v);
}

void
k_raw_vec_release(struct k_raw_vec *v)
{
	free(v->v);
	memset(v, 0, sizeof *v);
}

enum k_status
k_raw_vec_push(struct k_raw_vec *v, const struct k_raw *r)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 64;
		struct k_raw *nv = realloc(v->v, nc * sizeof *nv);
		if (nv == NULL)
			return K_ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	v->v[v->n++] = *r;
	return K_OK;
}

/* ---- time-ordered output ---- */

void
k_raw_out_init(struct k_raw_out *o)
{
	memset(o, 0, sizeof *o);
	k_buf_init(&o->text);
}

void
k_raw_out_release(struct k_raw_out *o)
{
	k_buf_release(&o->text);
	free(o->items);
	o->items = NULL;
	o->n = o->cap = 0;
}

enum k_status
k_raw_out_add(struct k_raw_out *o, const struct k_raw *r)
{
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 256;
		struct k_raw_out_item *ni = realloc(o->items, nc * sizeof *ni);
		if (ni == NULL)
			return K_ENOMEM;
		o->items = ni;
		o->cap = nc;
	}
	size_t off = o->text.len;
	k_raw_write(&o->text, r);
	if (o->text.oom)
		return K_ENOMEM;
	o->items[o->n].ts = r->ts;
	o->items[o->n].seq = o->seq++;
	o->items[o->n].off = off;
	o->items[o->n].len = o->text.len - off;
	o->n++;
	if ((unsigned)r->kind < K_RAW_NKINDS)
		o->count[r->kind]++;
	return K_OK;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct k_raw_out_item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
k_raw_out_sort(struct k_raw_out *o)
{
	if (o->n > 1)
		qsort(o->items, o->n, sizeof *o->items, cmp_item);
}

void
k_raw_out_clear(struct k_raw_out *o)
{
	o->n = 0;
	k_buf_reset(&o->text);
}

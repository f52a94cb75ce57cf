/*
 * k_rulestate.c - the rules' state of k_rulestate.h and its file: one JSON
 * object, human-readable, written atomically under a lock, read strictly.
 */
#include "score/k_rulestate.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/k_buf.h"
#include "base/k_lockfile.h"
#include "base/k_time.h"
#include "text/k_jsonw.h"

/* kscore holds the state's lock for its whole run: a second scorer of the
 * same state waits briefly for one that is finishing, then says so. */
#define LOCK_WAIT_MS 5000

void
k_rulestate_init(struct k_rulestate *s)
{
	memset(s, 0, sizeof *s);
	s->last_ts = INT64_MIN;
	s->last_end = INT64_MIN;
	s->dev_since = INT64_MIN;
}

void
k_rulestate_pnl_push(struct k_rulestate *s, double v)
{
	if (s->npnl == K_RULESTATE_PNL) {
		s->pnl[s->pnl_first] = v;
		s->pnl_first = (s->pnl_first + 1) % K_RULESTATE_PNL;
		return;
	}
	s->pnl[(s->pnl_first + s->npnl) % K_RULESTATE_PNL] = v;
	s->npnl++;
}

double
k_rulestate_pnl_at(const struct k_rulestate *s, size_t i)
{
	return s->pnl[(s->pnl_first + i) % K_RULESTATE_PNL];
}

void
k_rulestate_liq_push(struct k_rulestate *s, int64_t start, int64_t end,
                  double count)
{
	struct k_rulestate_liq e = { start, end, count };

	if (s->nliq == K_RULESTATE_LIQ) {
		s->liq[s->liq_first] = e;
		s->liq_first = (s->liq_first + 1) % K_RULESTATE_LIQ;
		return;
	}
	s->liq[(s->liq_first + s->nliq) % K_RULESTATE_LIQ] = e;
	s->nliq++;
}

const struct k_rulestate_liq *
k_rulestate_liq_at(const struct k_rulestate *s, size_t i)
{
	return &s->liq[(s->liq_first + i) % K_RULESTATE_LIQ];
}

void
k_rulestate_onset_push(struct k_rulestate *s, int64_t t)
{
	if (s->nonsets == K_RULESTATE_ONSETS) {
		s->onsets[s->onset_first] = t;
		s->onset_first = (s->onset_first + 1) % K_RULESTATE_ONSETS;
		return;
	}
	s->onsets[(s->onset_first + s->nonsets) % K_RULESTATE_ONSETS] = t;
	s->nonsets++;
}

int64_t
k_rulestate_onset_at(const struct k_rulestate *s, size_t i)
{
	return s->onsets[(s->onset_first + i) % K_RULESTATE_ONSETS];
}

/* ---- JSON ---- */

static void
put_time(struct k_jsonw *w, const char *key, int64_t ms)
{
	char buf[40];

	k_jsonw_key(w, key);
	if (ms == INT64_MIN)
		k_jsonw_null(w);
	else
		k_jsonw_str(w, k_time_format(ms, buf, sizeof buf));
}

char *
k_rulestate_dump(const struct k_rulestate *s)
{
	struct k_buf b;
	struct k_jsonw w;

	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "format");
	k_jsonw_int(&w, K_RULESTATE_FORMAT);
	k_jsonw_key(&w, "rows");
	k_jsonw_int(&w, s->rows);
	put_time(&w, "last_ts", s->last_ts);
	put_time(&w, "last_end", s->last_end);
	put_time(&w, "deviation_since", s->dev_since);
	k_jsonw_key(&w, "active");
	k_jsonw_int(&w, (long long)s->active);
	k_jsonw_key(&w, "pnl_24h");
	k_jsonw_arr(&w);
	for (size_t i = 0; i < s->npnl; i++)
		k_jsonw_num(&w, k_rulestate_pnl_at(s, i));
	k_jsonw_arr_end(&w);
	k_jsonw_key(&w, "liquidation_rows");
	k_jsonw_arr(&w);
	for (size_t i = 0; i < s->nliq; i++) {
		const struct k_rulestate_liq *l = k_rulestate_liq_at(s, i);
		char a[40], e[40];
		k_jsonw_arr(&w);
		k_jsonw_str(&w, k_time_format(l->start, a, sizeof a));
		k_jsonw_str(&w, k_time_format(l->end, e, sizeof e));
		k_jsonw_num(&w, l->count);
		k_jsonw_arr_end(&w);
	}
	k_jsonw_arr_end(&w);
	k_jsonw_key(&w, "onsets");
	k_jsonw_arr(&w);
	for (size_t i = 0; i < s->nonsets; i++) {
		char a[40];
		k_jsonw_str(&w, k_time_format(k_rulestate_onset_at(s, i), a,
		                           sizeof a));
	}
	k_jsonw_arr_end(&w);
	k_jsonw_obj_end(&w);
	k_buf_addc(&b, '\n');
	if (b.oom) {
		k_buf_release(&b);
		return NULL;
	}
	return k_buf_cstr(&b);
}

static enum k_status
get_time(const json_t *v, const char *field, int64_t *ms, int allow_null,
         struct k_error *err)
{
	if (v != NULL && json_is_null(v) && allow_null) {
		*ms = INT64_MIN;
		return K_OK;
	}
	if (v == NULL || !json_is_string(v) ||
	    k_time_parse(json_string_value(v), json_string_length(v), ms) < 0)
		return k_error_field(err, K_EDATA, field, "field '%s': expected "
		                     "an RFC 3339 time%s", field,
		                     allow_null ? " or null" : "");
	return K_OK;
}

/* format, rows, the times and the active mask. */
static enum k_status
parse_scalars(struct k_rulestate *s, const json_t *o, struct k_error *err)
{
	enum k_status st;
	const json_t *v = json_object_get(o, "format");

	if (!json_is_integer(v))
		return k_error_field(err, K_EDATA, "format",
		                     "field 'format': expected a whole number");
	if (json_integer_value(v) != K_RULESTATE_FORMAT)
		return k_error_field(err, K_EDATA, "format", "field 'format': "
		                     "version %lld, this program reads %d",
		                     (long long)json_integer_value(v),
		                     K_RULESTATE_FORMAT);
	v = json_object_get(o, "rows");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return k_error_field(err, K_EDATA, "rows",
		                     "field 'rows': expected a whole number >= 0");
	s->rows = (long)json_integer_value(v);
	if ((st = get_time(json_object_get(o, "last_ts"), "last_ts",
	                   &s->last_ts, 1, err)) != K_OK ||
	    (st = get_time(json_object_get(o, "last_end"), "last_end",
	                   &s->last_end, 1, err)) != K_OK ||
	    (st = get_time(json_object_get(o, "deviation_since"),
	                   "deviation_since", &s->dev_since, 1, err)) != K_OK)
		return st;
	v = json_object_get(o, "active");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return k_error_field(err, K_EDATA, "active",
		                     "field 'active': expected a whole number");
	s->active = (uint32_t)json_integer_value(v);
	return K_OK;
}

/* The array in field, or NULL with the error set. */
static const json_t *
get_array(const json_t *o, const char *field, struct k_error *err)
{
	const json_t *a = json_object_get(o, field);

	if (!json_is_array(a)) {
		k_error_field(err, K_EDATA, field, "field '%s': expected an array",
		              field);
		return NULL;
	}
	return a;
}

/* pnl_24h: numbers. */
static enum k_status
parse_pnl(struct k_rulestate *s, const json_t *o, struct k_error *err)
{
	const json_t *a = get_array(o, "pnl_24h", err);
	const json_t *x;
	size_t i;

	if (a == NULL)
		return K_EDATA;
	json_array_foreach(a, i, x) {
		if (!json_is_number(x))
			return k_error_field(err, K_EDATA, "pnl_24h", "field "
			                     "'pnl_24h': item %zu is not a number", i);
		k_rulestate_pnl_push(s, json_number_value(x));
	}
	return K_OK;
}

/* liquidation_rows: [start, end, count] each. */
static enum k_status
parse_liquidations(struct k_rulestate *s, const json_t *o,
                   struct k_error *err)
{
	const json_t *a = get_array(o, "liquidation_rows", err);
	const json_t *x;
	size_t i;

	if (a == NULL)
		return K_EDATA;
	json_array_foreach(a, i, x) {
		int64_t t0, t1;
		if (!json_is_array(x) || json_array_size(x) != 3 ||
		    get_time(json_array_get(x, 0), "liquidation_rows", &t0, 0,
		             NULL) != K_OK ||
		    get_time(json_array_get(x, 1), "liquidation_rows", &t1, 0,
		             NULL) != K_OK ||
		    !json_is_number(json_array_get(x, 2)))
			return k_error_field(err, K_EDATA, "liquidation_rows",
			                     "field 'liquidation_rows': item %zu is "
			                     "not [start, end, count]", i);
		k_rulestate_liq_push(s, t0, t1,
		                  json_number_value(json_array_get(x, 2)));
	}
	return K_OK;
}

/* onsets: times. */
static enum k_status
parse_onsets(struct k_rulestate *s, const json_t *o, struct k_error *err)
{
	const json_t *a = get_array(o, "onsets", err);
	const json_t *x;
	size_t i;

	if (a == NULL)
		return K_EDATA;
	json_array_foreach(a, i, x) {
		int64_t t;
		if (get_time(x, "onsets", &t, 0, NULL) != K_OK)
			return k_error_field(err, K_EDATA, "onsets", "field "
			                     "'onsets': item %zu is not a time", i);
		k_rulestate_onset_push(s, t);
	}
	return K_OK;
}

enum k_status
k_rulestate_parse(struct k_rulestate *s, const char *text, size_t len,
               struct k_error *err)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	enum k_status st;

	k_rulestate_init(s);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		return k_error_set(err, K_EDATA, "not a JSON object%s%s",
		                   o == NULL ? ": " : "", o == NULL ? je.text : "");
	}
	if ((st = parse_scalars(s, o, err)) == K_OK &&
	    (st = parse_pnl(s, o, err)) == K_OK &&
	    (st = parse_liquidations(s, o, err)) == K_OK)
		st = parse_onsets(s, o, err);
	json_decref(o);
	if (st != K_OK)
		k_rulestate_init(s);
	return st;
}

/* ---- the file ---- */

static enum k_status
read_file(const char *path, char **text, size_t *len, struct k_error *err)
{
	FILE *f = fopen(path, "re");
	struct k_buf b;
	char chunk[4096];
	size_t n;

	*text = NULL;
	*len = 0;
	if (f == NULL) {
		if (errno == ENOENT)
			return K_OK;
		return k_error_set(err, K_ENOINPUT, "cannot read rules state "
		                   "'%s': %s", path, strerror(errno));
	}
	k_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		k_buf_add(&b, chunk, n);
		if (b.len > (1u << 20))
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		k_buf_release(&b);
		return k_error_set(err, K_EIO, "read error on rules state '%s'",
		                   path);
	}
	if (b.len > (1u << 20)) {
		k_buf_release(&b);
		return k_error_set(err, K_EDATA, "rules state '%s': larger than "
		                   "1 MiB, not a state file", path);
	}
	if (b.oom) {
		k_buf_release(&b);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	*len = b.len;
	*text = k_buf_cstr(&b);
	return K_OK;
}

enum k_status
k_rulestate_open(struct k_rulestate *s, const char *path,
                 struct k_lockfile *lock, struct k_error *err)
{
	char lp[PATH_MAX], what[PATH_MAX + 16];
	char *text;
	size_t len;
	enum k_status st;

	k_rulestate_init(s);
	lock->fd = -1;
	if (snprintf(lp, sizeof lp, "%s.lock", path) >= (int)sizeof lp)
		return k_error_set(err, K_ECANTCREAT, "rules state path too "
		                   "long");
	snprintf(what, sizeof what, "rules state '%s'", path);
	if ((st = k_lockfile_take(lock, lp, LOCK_WAIT_MS, what, err)) != K_OK)
		return st;
	st = read_file(path, &text, &len, err);
	if (st == K_OK && text != NULL) {
		struct k_error pe;
		k_error_clear(&pe);
		st = k_rulestate_parse(s, text, len, &pe);
		if (st != K_OK)
			k_error_field(err, st, pe.field, "rules state '%s': %s "
			              "(remove the file to start afresh)", path,
			              pe.text);
	}
	free(text);
	if (st != K_OK)
		k_lockfile_release(lock);
	return st;
}

enum k_status
k_rulestate_save(const struct k_rulestate *s, const char *path,
                 struct k_error *err)
{
	char *text = k_rulestate_dump(s);

	if (text == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	enum k_status st = k_lockfile_replace(path, text, strlen(text), err);
	free(text);
	return st;
}

void
k_rulestate_close(struct k_lockfile *lock)
{
	k_lockfile_release(lock);
}

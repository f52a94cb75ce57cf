/*
 * k_json.c - strict line parsing and typed getters over jansson.
 */
#include "text/k_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/k_time.h"

json_t *
k_json_parse(struct k_jscan *s, const char *line, size_t len,
             struct k_error *err)
{
	json_error_t je;
	json_t *v;

	if (k_jscan_line(s, line, len, err) != K_OK)
		return NULL;
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	/* jansson refuses integers past 64 bits, which the scanner reads as
	 * numbers: read them (and every integer of the line) as doubles. */
	if (v == NULL)
		v = json_loadb(line, len, JSON_REJECT_DUPLICATES |
		               JSON_DECODE_INT_AS_REAL, &je);
	if (v == NULL) {
		k_error_set(err, K_EDATA, "invalid JSON at column %d: %s",
		            je.column > 0 ? je.column : je.position + 1, je.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		k_error_set(err, K_EDATA, "a record must be a JSON object");
		return NULL;
	}
	return v;
}

void
k_json_describe(const json_t *v, char *buf, size_t cap)
{
	if (v == NULL) {
		snprintf(buf, cap, "nothing");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: snprintf(buf, cap, "object"); break;
	case JSON_ARRAY: snprintf(buf, cap, "array"); break;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (n > 40)
			snprintf(buf, cap, "string \"%.40s...\"", s);
		else
			snprintf(buf, cap, "string \"%s\"", s);
		break;
	}
	case JSON_INTEGER:
		snprintf(buf, cap, "number %lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL: snprintf(buf, cap, "number %g", json_real_value(v)); break;
	case JSON_TRUE: snprintf(buf, cap, "true"); break;
	case JSON_FALSE: snprintf(buf, cap, "false"); break;
	case JSON_NULL: snprintf(buf, cap, "null"); break;
	}
}

static enum k_status
wrong(const json_t *v, const char *field, const char *want,
      struct k_error *err)
{
	char got[96];

	if (v == NULL)
		return k_error_field(err, K_EDATA, field, "field '%s': missing",
		                     field);
	k_json_describe(v, got, sizeof got);
	return k_error_field(err, K_EDATA, field,
	                     "field '%s': expected %s, got %s", field, want, got);
}

enum k_status
k_json_num(const json_t *obj, const char *field, double *out, int allow_null,
           struct k_error *err)
{
	const json_t *v = json_object_get(obj, field);

	if (v != NULL && json_is_number(v)) {
		*out = json_number_value(v);
		return K_OK;
	}
	if (v != NULL && json_is_null(v) && allow_null) {
		*out = NAN;
		return K_OK;
	}
	return wrong(v, field, "number", err);
}

enum k_status
k_json_str(const json_t *obj, const char *field, const char **out,
           struct k_error *err)
{
	const json_t *v = json_object_get(obj, field);

	if (v != NULL && json_is_string(v)) {
		*out = json_string_value(v);
		return K_OK;
	}
	return wrong(v, field, "string", err);
}

enum k_status
k_json_ts(const json_t *obj, const char *field, int64_t *ms,
          struct k_error *err)
{
	const json_t *v = json_object_get(obj, field);

	if (v == NULL || !json_is_string(v))
		return wrong(v, field, "an RFC 3339 time string", err);
	if (k_time_parse(json_string_value(v), json_string_length(v), ms) < 0)
		return k_error_field(err, K_EDATA, field,
		                     "field '%s': not an RFC 3339 time: \"%.40s\"",
		                     field, json_string_value(v));
	return K_OK;
}

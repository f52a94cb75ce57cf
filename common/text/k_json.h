/*
 * k_json.h - jansson, as every program uses it: a record line parsed with
 * duplicate keys and trailing garbage rejected, and typed getters whose
 * errors name the field, the type expected and the value found:
 *   field 'max_deviation_pct': expected number, got string "n/a"
 */
#ifndef K_JSON_H
#define K_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "text/k_jscan.h"

/* Parse one line as a JSON object, by the one set of rules every program
 * holds records to: the line is first checked by k_jscan (with s, the
 * caller's scanner, whose spans then describe the line), so a line that
 * one program refuses no other accepts (a NUL byte, nesting past 512) and
 * integers past 64 bits are numbers here as there (as doubles). NULL and
 * err filled (K_EDATA) if it is not one. The caller owns the result
 * (json_decref). */
json_t *k_json_parse(struct k_jscan *s, const char *line, size_t len,
                     struct k_error *err);

/* A short description of v for messages: 'string "n/a"', 'null', ... */
void k_json_describe(const json_t *v, char *buf, size_t cap);

/* obj[field] as a number (integer or real). If the field is null, *out is
 * NAN and K_OK is returned when allow_null, else K_EDATA. Missing: K_EDATA.
 * Non-finite values cannot occur in JSON. */
enum k_status k_json_num(const json_t *obj, const char *field, double *out,
                         int allow_null, struct k_error *err);

/* obj[field] as a string; *out borrows from obj. */
enum k_status k_json_str(const json_t *obj, const char *field,
                         const char **out, struct k_error *err);

/* obj[field] as an RFC 3339 time, in ms since the epoch. */
enum k_status k_json_ts(const json_t *obj, const char *field, int64_t *ms,
                        struct k_error *err);

#endif

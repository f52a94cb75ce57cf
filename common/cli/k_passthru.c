/*
 * k_passthru.c - the pass-through writer of k_passthru.h.
 */
#include "cli/k_passthru.h"

#include <string.h>

#include "text/k_json.h"

static int
is_ours(const struct k_passthru *p, const char *key, size_t n)
{
	for (size_t k = 0; k < p->n; k++)
		if (strlen(p->ours[k]) == n && memcmp(p->ours[k], key, n) == 0)
			return 1;
	return 0;
}

int
k_passthru_clash(const struct k_passthru *p, const struct k_jscan *s)
{
	for (size_t k = 0; k < s->ntop; k++)
		if (!s->top[k].kesc && is_ours(p, s->top[k].key, s->top[k].klen))
			return 1;
	return 0;
}

enum k_status
k_passthru_open(const struct k_passthru *p, struct k_jsonw *w,
                struct k_buf *out, struct k_jscan *s, const char *line,
                size_t len, int clash, int nonempty, struct k_error *err)
{
	k_jsonw_init(w, out);
	if (!clash) {
		size_t end = len;
		while (end > 0 && line[end - 1] != '}')
			end--;
		k_buf_add(out, line, end - 1);
		k_jsonw_obj_continue(w, nonempty);
		return K_OK;
	}
	json_t *obj = k_json_parse(s, line, len, err);
	const char *key;
	json_t *v;
	if (obj == NULL)
		return K_EDATA;
	k_jsonw_obj(w);
	json_object_foreach(obj, key, v) {
		if (is_ours(p, key, strlen(key)))
			continue;
		k_jsonw_key(w, key);
		k_jsonw_value(w, v);
	}
	json_decref(obj);
	return K_OK;
}

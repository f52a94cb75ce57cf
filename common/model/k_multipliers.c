/*
 * k_multipliers.c - read, check and write the archetype threshold table
 * (see k_multipliers.h). jansson holds the JSON; every member is checked
 * here, since a table comes from a user's file as often as from a model.
 */
#include "model/k_multipliers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_BYTES 255

void
k_multipliers_release(struct k_multipliers *mt)
{
	for (size_t g = 0; g < mt->ngroup; g++) {
		free(mt->groups ? mt->groups[g] : NULL);
		free(mt->notes ? mt->notes[g] : NULL);
	}
	free(mt->groups);
	free(mt->notes);
	free(mt->m);
	free(mt->given);
	memset(mt, 0, sizeof *mt);
}

/* The "groups" object: names and descriptions, in order. */
static enum k_status
read_groups(struct k_multipliers *mt, const json_t *g, struct k_error *err)
{
	const char *name;
	json_t *v;
	size_t n = json_is_object(g) ? json_object_size(g) : 0;

	if (n == 0 || n > K_MULT_GROUPS_MAX)
		return k_error_set(err, K_EDATA, "'groups': an object of 1 to %d "
		                   "named groups expected", K_MULT_GROUPS_MAX);
	mt->groups = calloc(n, sizeof *mt->groups);
	mt->notes = calloc(n, sizeof *mt->notes);
	if (mt->groups == NULL || mt->notes == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	json_object_foreach((json_t *)g, name, v) {
		size_t len = strlen(name);
		if (len == 0 || len > NAME_MAX_BYTES)
			return k_error_set(err, K_EDATA, "'groups': a name of 1 to %d "
			                   "bytes expected", NAME_MAX_BYTES);
		if (!json_is_string(v))
			return k_error_set(err, K_EDATA, "group '%s': a description "
			                   "(a string) expected", name);
		mt->groups[mt->ngroup] = strdup(name);
		mt->notes[mt->ngroup] = strdup(json_string_value(v));
		mt->ngroup++;   /* counted now, so that release frees them */
		if (mt->groups[mt->ngroup - 1] == NULL ||
		    mt->notes[mt->ngroup - 1] == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

static int
has_group(const struct k_multipliers *mt, const char *name)
{
	for (size_t g = 0; g < mt->ngroup; g++)
		if (strcmp(mt->groups[g], name) == 0)
			return 1;
	return 0;
}

/* One archetype's object into row: every group, a number in range, and
 * no group the table does not declare (a misspelt one). */
static enum k_status
read_row(const struct k_multipliers *mt, const char *cls, const json_t *o,
         double *row, struct k_error *err)
{
	const char *name;
	json_t *v;

	if (!json_is_object(o))
		return k_error_set(err, K_EDATA, "archetype '%s': an object of "
		                   "multipliers by group expected", cls);
	json_object_foreach((json_t *)o, name, v)
		if (!has_group(mt, name))
			return k_error_set(err, K_EDATA, "archetype '%s': unknown "
			                   "group '%s' (not in 'groups')", cls, name);
	for (size_t g = 0; g < mt->ngroup; g++) {
		v = json_object_get(o, mt->groups[g]);
		if (v == NULL)
			return k_error_set(err, K_EDATA, "archetype '%s': no "
			                   "multiplier for group '%s'", cls,
			                   mt->groups[g]);
		double x = json_number_value(v);
		if (!json_is_number(v) || !(x > 0 && x <= K_MULT_MAX))
			return k_error_set(err, K_EDATA, "archetype '%s', group '%s': "
			                   "a number in (0, %g] expected", cls,
			                   mt->groups[g], K_MULT_MAX);
		row[g] = x;
	}
	return K_OK;
}

/* Every archetype of the table is checked, used or not: a bad entry is a
 * bad table whichever model it is given to. */
static enum k_status
read_archetypes(struct k_multipliers *mt, const json_t *a,
                const char *const *classes, int all_given,
                struct k_error *err)
{
	const char *cls;
	json_t *o;
	enum k_status s;
	double *row = malloc(mt->ngroup * sizeof *row);

	if (row == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s = json_is_object(a) ? K_OK
	    : k_error_set(err, K_EDATA, "'archetypes': an object of "
	                  "archetypes expected");
	json_object_foreach((json_t *)a, cls, o) {
		if (s != K_OK || (s = read_row(mt, cls, o, row, err)) != K_OK)
			break;
		for (size_t k = 0; k < mt->nclass; k++)
			if (strcmp(classes[k], cls) == 0) {
				memcpy(&mt->m[k * mt->ngroup], row,
				       mt->ngroup * sizeof *row);
				mt->given[k] = 1;
			}
	}
	free(row);
	for (size_t k = 0; s == K_OK && all_given && k < mt->nclass; k++)
		if (!mt->given[k])
			s = k_error_set(err, K_EDATA, "no multipliers for archetype "
			                "'%s'", classes[k]);
	return s;
}

enum k_status
k_multipliers_from_json(struct k_multipliers *mt, const json_t *t,
                        const char *const *classes, size_t nclass,
                        int all_given, struct k_error *err)
{
	enum k_status s;
	const char *key;
	json_t *v;

	memset(mt, 0, sizeof *mt);
	if (!json_is_object(t)) {
		return k_error_set(err, K_EDATA, "a threshold table is an object "
		                   "with 'groups' and 'archetypes'");
	}
	json_object_foreach((json_t *)t, key, v)
		if (strcmp(key, "groups") != 0 && strcmp(key, "archetypes") != 0)
			return k_error_set(err, K_EDATA, "unknown member '%s' (a "
			                   "table has 'groups' and 'archetypes')", key);
	if ((s = read_groups(mt, json_object_get(t, "groups"), err)) != K_OK)
		goto fail;
	mt->nclass = nclass;
	mt->m = malloc((nclass ? nclass : 1) * mt->ngroup * sizeof *mt->m);
	mt->given = calloc(nclass ? nclass : 1, 1);
	if (mt->m == NULL || mt->given == NULL) {
		s = k_error_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nclass * mt->ngroup; i++)
		mt->m[i] = 1;
	s = read_archetypes(mt, json_object_get(t, "archetypes"), classes,
	                    all_given, err);
	if (s == K_OK)
		return K_OK;
fail:
	k_multipliers_release(mt);
	return s;
}

enum k_status
k_multipliers_read(const char *text, size_t n, json_t **out,
                   struct k_error *err)
{
	struct k_multipliers mt;
	json_error_t je;
	enum k_status s;

	*out = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL)
		return k_error_set(err, K_EDATA, "line %d, column %d: %s", je.line,
		                   je.column, je.text);
	if ((s = k_multipliers_from_json(&mt, *out, NULL, 0, 0, err)) != K_OK) {
		json_decref(*out);
		*out = NULL;
		return s;
	}
	k_multipliers_release(&mt);
	return K_OK;
}

enum k_status
k_multipliers_parse(struct k_multipliers *mt, const char *text, size_t n,
                    const char *const *classes, size_t nclass,
                    struct k_error *err)
{
	json_t *t;
	enum k_status s = k_multipliers_read(text, n, &t, err);

	memset(mt, 0, sizeof *mt);
	if (s != K_OK)
		return s;
	s = k_multipliers_from_json(mt, t, classes, nclass, 0, err);
	json_decref(t);
	return s;
}

static json_t *
groups_json(const struct k_multipliers *mt)
{
	json_t *g = json_object();

	for (size_t i = 0; g != NULL && i < mt->ngroup; i++)
		if (json_object_set_new(g, mt->groups[i],
		                        json_string(mt->notes[i])) != 0) {
			json_decref(g);
			return NULL;
		}
	return g;
}

/* Class k's row as {"group": multiplier, ...}. */
static json_t *
row_json(const struct k_multipliers *mt, size_t k)
{
	json_t *row = json_object();

	for (size_t g = 0; row != NULL && g < mt->ngroup; g++)
		if (json_object_set_new(row, mt->groups[g], json_real(
		        k_multipliers_row(mt, k)[g])) != 0) {
			json_decref(row);
			return NULL;
		}
	return row;
}

json_t *
k_multipliers_json(const struct k_multipliers *mt, const char *const *classes)
{
	json_t *t = json_object(), *a = json_object();
	int bad = t == NULL || a == NULL ||
	          json_object_set_new(t, "groups", groups_json(mt)) != 0;

	for (size_t k = 0; !bad && k < mt->nclass; k++)
		bad = json_object_set_new(a, classes[k], row_json(mt, k)) != 0;
	if (bad) {
		json_decref(a);
		json_decref(t);
		return NULL;
	}
	if (json_object_set_new(t, "archetypes", a) != 0) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/*
 * k_multipliers.h - the archetype threshold table (issue 11): for each
 * user archetype, by how much each group of risk thresholds (activity,
 * transaction size, gas, ...) is raised for wallets of that kind, so that
 * a professional trader or an MEV bot is not judged by a retail user's
 * limits. The table is data (data/archetype-thresholds.json is the
 * default), copied into every archetype model at training, so that a
 * model version always scores the same way. Its JSON form, in a file and
 * in the model's header alike:
 *
 *   {"groups": {"NAME": "what it covers", ...},
 *    "archetypes": {"CLASS": {"NAME": multiplier, ...}, ...}}
 *
 * Every archetype gives every group, and no other; a multiplier is a
 * number in (0, K_MULT_MAX].
 */
#ifndef K_MULTIPLIERS_H
#define K_MULTIPLIERS_H

#include <jansson.h>
#include <stddef.h>

#include "base/k_status.h"

#define K_MULT_MAX        1000.0  /* the largest multiplier */
#define K_MULT_GROUPS_MAX 64      /* groups in a table */
#define K_MULT_FILE_MAX   (1u << 20)  /* bytes of a table file */

struct k_multipliers {
	size_t ngroup, nclass;
	char **groups;          /* ngroup names, in the table's order */
	char **notes;           /* ngroup descriptions */
	double *m;              /* nclass x ngroup, in the caller's class
	                           order */
	unsigned char *given;   /* nclass: 1 if the table names the class, 0
	                           if it got 1 for every group */
};

/*
 * The table t (JSON as above) for the nclass classes, in their order. A
 * class the table does not name gets 1 for every group (the standard
 * thresholds) and given[k] = 0, unless all_given is set, when it is an
 * error; archetypes of the table that are not among the classes are left
 * out. K_EDATA with a message naming the archetype and group at fault,
 * K_ENOMEM. On failure mt is released.
 */
enum k_status k_multipliers_from_json(struct k_multipliers *mt,
                                      const json_t *t,
                                      const char *const *classes,
                                      size_t nclass, int all_given,
                                      struct k_error *err);

/*
 * A table's JSON text (what a file holds, n bytes) as a tree, checked as
 * a table for no classes in particular: every archetype's entry is
 * checked, as k_multipliers_from_json would. A syntax error names the
 * line and column; the caller adds the file's name. K_EDATA or
 * K_ENOMEM (*out NULL); else *out is the caller's, for json_decref.
 */
enum k_status k_multipliers_read(const char *text, size_t n, json_t **out,
                                 struct k_error *err);

/* k_multipliers_read, then k_multipliers_from_json (all_given 0). */
enum k_status k_multipliers_parse(struct k_multipliers *mt, const char *text,
                                  size_t n, const char *const *classes,
                                  size_t nclass, struct k_error *err);

/* The table as JSON, in the form above, with mt's classes only (named
 * by classes, as given to k_multipliers_from_json): all of them, those
 * the table did not name with their multipliers of 1. NULL out of
 * memory. */
json_t *k_multipliers_json(const struct k_multipliers *mt,
                           const char *const *classes);

/* Class k's multipliers: ngroup numbers, in group order. */
static inline const double *
k_multipliers_row(const struct k_multipliers *mt, size_t k)
{
	return &mt->m[k * mt->ngroup];
}

void k_multipliers_release(struct k_multipliers *mt);

#endif

/*
 * kscore rules.c - scoring by the documented rules (score/k_rules) when
 * there is no anomaly model or ML_ENABLED=false: one line at a time, in
 * order, since rows change the rules' state, with that state optionally
 * kept across runs in a locked file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/k_log.h"
#include "kscore.h"

void
kscore_rules_save(struct kscore_ctx *c)
{
	struct k_error e;

	if (c->rs_path == NULL || !c->rs_dirty)
		return;
	if (k_rulestate_save(&c->rs, c->rs_path, &e) != K_OK)
		k_die_error(&e);
	c->rs_dirty = 0;
}

void
kscore_rules_close(struct kscore_ctx *c)
{
	kscore_rules_save(c);
	k_rulestate_close(&c->rs_lock);
}

void
kscore_rules_use(struct kscore_ctx *c, const char *why)
{
	struct k_error e;

	c->rules = 1;
	snprintf(c->why, sizeof c->why, "%s", why);
	c->rp = k_rules_params_default();
	c->rs_lock.fd = -1;
	k_rulestate_init(&c->rs);
	c->rs_path = c->o->rules_state != NULL ? c->o->rules_state
	             : getenv("KTOOLS_RULES_STATE");
	if (c->rs_path != NULL && c->rs_path[0] == '\0')
		c->rs_path = NULL;
	if (c->rs_path != NULL &&
	    k_rulestate_open(&c->rs, c->rs_path, &c->rs_lock, &e) != K_OK)
		k_die_error(&e);
	k_info("%s: scoring by rules (\"method\":\"rules\")%s%s", why,
	       c->rs_path != NULL ? ", state in " : "",
	       c->rs_path != NULL ? c->rs_path : "");
}

/* A first line the rules read nothing of says the input is not theirs (a
 * configuration error, before any output); one later in the stream is a
 * bad row like any other. */
void
kscore_rules_line(void *p, struct k_batch *b, size_t i)
{
	struct kscore_ws *w = p;
	struct kscore_ctx *c = w->c;
	struct k_error e;
	int first = c->rules_lines++ == 0;

	if (k_jscan_line(&w->scan, b->data + b->off[i], b->lens[i], &e) !=
	    K_OK || k_rules_row_scan(&w->scan, &w->row, &e) != K_OK) {
		k_batch_reject(b, i, "%s", e.text);
		return;
	}
	if (w->row.present == 0 && first)
		k_die(K_ECONFIG, "%s, and the rules read none of the features of "
		      "%s:%ld: train one with 'ktrain anomaly'", c->why,
		      b->source, b->lineno[i]);
	if (w->row.present == 0) {
		k_batch_reject(b, i, "the rules read none of its features (%s)",
		               c->why);
		return;
	}
	k_rules_eval(&c->rp, &c->rs, &w->row, &w->rr);
	c->rs_dirty = 1;
	b->mark[i] = (unsigned char)w->rr.is_anomaly;
	if (kscore_open_line(w, b, i, k_passthru_clash(&kscore_passthru,
	                                               &w->scan),
	                     w->scan.ntop > 0) < 0)
		return;
	k_rules_write(&w->w, &w->rr, c->o->top);
	kscore_close_line(w, b);
}

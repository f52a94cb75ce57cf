/*
 * kscore.h - what kscore's parts share: the options, the run's context
 * and each worker's state. kscore.c holds the options and main,
 * kscore/detect.c the anomaly detectors (the forest, the One-Class SVM and
 * their combination), kscore/rules.c the rules that score when no model
 * does.
 */
#ifndef KSCORE_H
#define KSCORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_lockfile.h"
#include "cli/k_lines.h"
#include "cli/k_passthru.h"
#include "cli/k_reject.h"
#include "model/k_anomaly.h"
#include "model/k_ocsvm.h"
#include "model/k_store.h"
#include "score/k_rules.h"
#include "score/k_rulestate.h"
#include "text/k_featrow.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

struct kscore_opts {
	const char *version;       /* --model-version: the forest's */
	const char *ocsvm_version; /* --ocsvm-version */
	const char *models;        /* --models LIST; NULL: every one there */
	int only_anomalies;
	long limit;                /* records to write; 0 = all */
	size_t top;                /* contributing features per anomaly */
	int threads;
	const char *rules_state;   /* --rules-state, else $KTOOLS_RULES_STATE */
};

enum { KSCORE_IFOREST, KSCORE_OCSVM, KSCORE_NDET };

struct kscore_ctx {
	struct kscore_opts *o;
	struct k_store store;
	int want[KSCORE_NDET];     /* asked for by --models (all without) */
	int have[KSCORE_NDET];     /* loaded */
	struct k_anomaly forest;
	struct k_ocsvm svm;
	unsigned gen;              /* bumped when a model is reloaded */
	struct k_reject rj;
	long written;
	double last_check;
	/* rules mode */
	int rules;
	struct k_rules_params rp;
	struct k_rulestate rs;
	const char *rs_path;       /* NULL: state kept for this run only */
	char why[600];             /* why the rules score, for messages */
	struct k_lockfile rs_lock;
	int rs_dirty;
	long rules_lines;          /* lines the rules have been given */
};

/* One detector's part of a worker: its feature map and batch rows. */
struct kscore_wdet {
	struct k_featmap fm;
	double *X;                 /* [cap][d] */
	double *val;               /* [cap]: score (forest), decision (SVM) */
	uint32_t *rows;            /* lines it scores, in order */
	size_t nrows;
	unsigned char *ok;         /* [cap]: line i's features were read */
	struct k_contrib *contrib; /* [d] */
	double *scratch;           /* explanation / decision scratch */
	double *z;                 /* [d]: a transformed row (SVM) */
	char why[512];             /* why the current line was refused */
};

struct kscore_ws {
	struct kscore_ctx *c;
	unsigned gen;
	struct k_jscan scan;
	struct k_jsonw w;
	struct kscore_wdet det[KSCORE_NDET];
	unsigned char *clash, *nonempty;
	size_t cap;
	unsigned cap_gen;
	/* rules */
	struct k_rules_row row;
	struct k_rules_result rr;
};

extern const struct k_passthru kscore_passthru;

/* Open line i's object in w (the caller's bytes, or re-written without
 * our fields), 0; or reject the line and return -1. */
int kscore_open_line(struct kscore_ws *w, struct k_batch *b, size_t i,
                     int clash, int nonempty);
/* Close it and end the line. */
void kscore_close_line(struct kscore_ws *w, struct k_batch *b);

/* Detectors (kscore/detect.c). */
/* Load the detectors asked for; K_ECONFIG when none is there (e
 * names what is missing), another status for a model that cannot be
 * read. */
enum k_status kscore_detect_load(struct kscore_ctx *c, struct k_error *e);
/* Pick up a new `latest` of any detector not pinned to a version. */
void kscore_detect_reload(struct kscore_ctx *c);
void kscore_detect_release(struct kscore_ctx *c);
void kscore_detect_ws(struct kscore_ws *w);   /* (re)size for the models */
void kscore_detect_ws_free(struct kscore_ws *w);
void kscore_detect_batch(void *ws, struct k_batch *b);

/* Rules (kscore/rules.c). */
void kscore_rules_use(struct kscore_ctx *c, const char *why);
void kscore_rules_line(void *ws, struct k_batch *b, size_t i);
void kscore_rules_save(struct kscore_ctx *c);
void kscore_rules_close(struct kscore_ctx *c);

#endif

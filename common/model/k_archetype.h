/*
 * k_archetype.h - the `archetype` model kind: an XGBoost classifier of
 * wallets into user archetypes (issue 11), with what scoring needs beside
 * the trees: the class names and the feature names, in order. The payload
 * keeps both lists and XGBoost's UBJSON; the header repeats them for
 * kmodel, with the parameters (the seed, which XGBoost's bytes do not
 * keep, is restored from it on load). Shared by ktrain and karchetype.
 */
#ifndef K_ARCHETYPE_H
#define K_ARCHETYPE_H

#include <jansson.h>
#include <stddef.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "model/k_multipliers.h"
#include "model/k_store.h"
#include "numeric/k_xgb.h"

#define K_ARCHETYPE_KIND     "archetype"
#define K_ARCHETYPE_NAME_MAX 255   /* bytes in a class or feature name */

struct k_archetype {
	struct k_xgb *xgb;     /* the trees, owned */
	size_t nclass, d;
	char **classes;        /* class names, in the model's class order */
	char **names;          /* feature names, in the model's column order */
	struct k_multipliers mult; /* the threshold table, for the classes */
	json_t *header;        /* the model file's metadata, owned */
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
};

/*
 * A model from trained trees: m takes xgb and the contents of mult (also
 * on failure: both are freed; mult is left empty), and copies classes
 * (xgb->nclass names, the order mult was made for) and names (xgb->d
 * names), which must be 1 to K_ARCHETYPE_NAME_MAX bytes and distinct
 * within each list. The header gets "params" (xgb->p), "classes",
 * "features", "rounds", "xgboost" (the library version),
 * "threshold_multipliers" (the table, for these classes) and the members
 * of extra (may be NULL; "training", "imported", ...; copied). K_EUSAGE
 * naming a bad name or a table made for other classes, K_ENOMEM.
 */
enum k_status k_archetype_build(struct k_archetype *m, struct k_xgb *xgb,
                                const char *const *classes,
                                const char *const *names,
                                struct k_multipliers *mult,
                                const json_t *extra, struct k_error *err);

/*
 * A model from XGBoost's JSON or UBJSON bytes p[0..n), trained elsewhere
 * (Python, Spark, Dask): its objective must be multi:softprob with nclass
 * classes, named by classes in its class order. The features are named
 * by names (d of them, the model's column order; they must agree with
 * those the model keeps, if any), or with names NULL by the model's own.
 * The model must predict (one row of missing values gives finite
 * probabilities). Then as k_archetype_build, mult taken, with "params"
 * holding only the seed and threads (the bytes keep no record of the
 * training parameters). K_EDATA with XGBoost's message for bytes it
 * cannot read or a model of another kind, K_EUSAGE for names that do not
 * fit the model, K_ENOMEM.
 */
enum k_status k_archetype_import(struct k_archetype *m, const void *p,
                                 size_t n, const char *const *classes,
                                 size_t nclass, const char *const *names,
                                 size_t d, struct k_multipliers *mult,
                                 const json_t *extra, int threads,
                                 struct k_error *err);

/*
 * The payload, little-endian: u32 class count, then each class name as
 * u16 length and bytes; u32 feature count, each feature name the same
 * way; u64 length and XGBoost's UBJSON. Appended to b.
 */
enum k_status k_archetype_encode(const struct k_archetype *m,
                                 struct k_buf *b, struct k_error *err);

/*
 * Rebuild a model from a payload (header NULL: no threshold table) or
 * from a file's payload and header (taken by reference; its lists must
 * match the payload's and its "threshold_multipliers" name every class),
 * checking every count and length against the bytes left, the names, and
 * that XGBoost's model has as many classes and features as the lists.
 * threads is set on the loaded trees; the seed comes from the header's
 * "params.seed" (the default without one). K_EDATA with the reason.
 */
enum k_status k_archetype_decode(struct k_archetype *m, const void *p,
                                 size_t n, json_t *header, int threads,
                                 struct k_error *err);

/* Publish as a new version (NULL: a timestamp) of the store; fills
 * m->version and m->path. */
enum k_status k_archetype_save(struct k_archetype *m,
                               const struct k_store *st, const char *version,
                               struct k_error *err);

/* Load version (NULL or "latest") from the store. K_ECONFIG if there is
 * no model, K_EDATA for a corrupt one (the message names the path). */
enum k_status k_archetype_load(struct k_archetype *m,
                               const struct k_store *st, const char *version,
                               int threads, struct k_error *err);

/* Load a model file by path (kind checked). */
enum k_status k_archetype_load_file(struct k_archetype *m, const char *path,
                                    int threads, struct k_error *err);

void k_archetype_release(struct k_archetype *m);

#endif

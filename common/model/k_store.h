/*
 * k_store.h - the model store: a directory with one subdirectory per model
 * kind, one file per version (<dir>/<kind>/<version>.ktm) and a `latest`
 * pointer per kind, a one-line text file naming a version. Publishing is
 * atomic (temporary file, fsync, link into place, fsync the directory) and
 * the pointer is replaced under an exclusive lock, so a scorer sees the old
 * model or the new one, and concurrent trainers never lose a version.
 */
#ifndef K_STORE_H
#define K_STORE_H

#include <stddef.h>

#include "base/k_status.h"

#define K_VERSION_MAX 64
#define K_PATH_MAX 4096

struct k_store {
	char root[K_PATH_MAX];
};

struct k_store_entry {
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
};

/* The store at dir, else $KTOOLS_MODEL_DIR, else ./models. */
void k_store_init(struct k_store *st, const char *dir);

/* A version name is 1-64 of [A-Za-z0-9._+-], starting with a letter or a
 * digit, without "..", and not "latest". K_EUSAGE with the reason
 * otherwise. */
enum k_status k_version_check(const char *name, struct k_error *err);

/* A model kind is 1-16 of [a-z0-9_], the rule of the model file's kind
 * field (ktools-model(5)), so that a kind is never a path ("..", "a/b").
 * K_EUSAGE with the reason otherwise. Every function below that takes a
 * kind checks it with this, and a version with k_version_check. */
enum k_status k_kind_check(const char *name, struct k_error *err);

/*
 * Publish the n bytes of a model file as a new version of kind. version
 * NULL means a UTC timestamp (YYYYmmdd_HHMMSS, with _2, _3... if taken);
 * a named version that exists is K_ECANTCREAT. On success the version and
 * path are copied out and `latest` names the new version. A save either
 * completes (the file and the pointer) or leaves the store as it was.
 */
enum k_status k_store_publish(const struct k_store *st, const char *kind,
                              const char *version, const void *data, size_t n,
                              char vout[K_VERSION_MAX + 1],
                              char pout[K_PATH_MAX], struct k_error *err);

/* Resolve version (NULL or "latest" for the pointer) of kind to a path.
 * K_ECONFIG when the kind has no model yet; K_ENOINPUT when the named
 * version does not exist. */
enum k_status k_store_resolve(const struct k_store *st, const char *kind,
                              const char *version,
                              char vout[K_VERSION_MAX + 1],
                              char pout[K_PATH_MAX], struct k_error *err);

/* Point `latest` of kind at an existing version (rollback). */
enum k_status k_store_set_latest(const struct k_store *st, const char *kind,
                                 const char *version, struct k_error *err);

/* Delete a version; refused (K_EUSAGE) for the one `latest` names. The
 * check and the unlink happen under the kind's lock. */
enum k_status k_store_remove(const struct k_store *st, const char *kind,
                             const char *version, struct k_error *err);

/* A save writes its file under a temporary name first (.tmp.PID.ktm,
 * .latest.tmp.PID); one killed before it finished leaves that behind.
 * Files of those names in kind's directory not modified for max_age
 * seconds are removed, each path passed to removed (may be NULL) and
 * counted in *n. A save takes seconds, so an hour is safe. */
#define K_STORE_TMP_AGE 3600
enum k_status k_store_sweep(const struct k_store *st, const char *kind,
                            long max_age,
                            void (*removed)(const char *path, void *arg),
                            void *arg, size_t *n, struct k_error *err);

/* The version `latest` names, or "" if there is none. */
enum k_status k_store_latest(const struct k_store *st, const char *kind,
                             char vout[K_VERSION_MAX + 1],
                             struct k_error *err);

/* Versions of kind, in directory order (caller sorts); *out is malloc'd.
 * Only files named <version>.ktm with a valid version name count. */
enum k_status k_store_versions(const struct k_store *st, const char *kind,
                               struct k_store_entry **out, size_t *n,
                               struct k_error *err);

/* Kinds present in the store, sorted: the subdirectories whose names are
 * valid kinds. Free each and the array. */
enum k_status k_store_kinds(const struct k_store *st, char ***kinds,
                            size_t *n, struct k_error *err);

#endif

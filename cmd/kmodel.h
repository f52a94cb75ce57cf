/*
 * kmodel.h - the commands of kmodel, one entry each (cmd/kmodel/<command>.c,
 * main-like, argv[0] is "kmodel <command>"), and what they share
 * (cmd/kmodel/shared.c): the versions of the store with their headers, the
 * resolution of a VERSION argument, the full check of one file and the
 * --kind option.
 */
#ifndef KMODEL_H
#define KMODEL_H

#include <argp.h>
#include <stddef.h>
#include <stdint.h>

#include "model/k_model.h"
#include "model/k_store.h"

int kmodel_list(int argc, char **argv);
int kmodel_show(int argc, char **argv);
int kmodel_verify(int argc, char **argv);
int kmodel_promote(int argc, char **argv);
int kmodel_diff(int argc, char **argv);
int kmodel_prune(int argc, char **argv);
int kmodel_drift(int argc, char **argv);

/* ---- shared by the commands ---- */

/* One version of the store, with its header. */
struct kmodel_ver {
	char kind[K_MODEL_KIND_MAX + 1];
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
	size_t size;
	int64_t created;   /* ms, INT64_MIN if unreadable */
	int latest;
	struct k_model m;  /* header only */
	int ok;            /* the header was read */
	char err[512];     /* why not, when !ok */
};

/* Every version of kind (NULL: of all kinds), newest first within a kind
 * (kinds in name order); dies on a store that cannot be read. Free with
 * kmodel_gather_free. */
struct kmodel_ver *kmodel_gather(const struct k_store *st, const char *kind,
                                 size_t *n);
void kmodel_gather_free(struct kmodel_ver *v, size_t n);

/* Resolve a VERSION argument (a version name, KIND/VERSION, 'latest' or a
 * .ktm file) to one file, its header read; kind is --kind or NULL. Dies
 * with 64 when the name is ambiguous or contradicts kind, 66 when there is
 * no such version. Release out->m. */
void kmodel_resolve(const struct k_store *st, const char *kind,
                    const char *arg, struct kmodel_ver *out);

/* Full check of one file: structure, checksums, decompression, and for
 * kinds kmodel knows, that the payload agrees with the header. 1 if it
 * passes, else 0 with the reason in why. */
int kmodel_verify_one(const struct kmodel_ver *v, char *why, size_t cap);

/* What the commands read alike: --kind, --json and the arguments after
 * the options. */
struct kmodel_args {
	const char *kind;   /* --kind, checked; NULL when not given */
	int json;           /* --json, of the commands that have it */
	char **args;        /* the arguments, in argv */
	int nargs;
};

/* The keys of --kind and --json in each command's options (the doc is the
 * command's); a command's own keys start at KMODEL_OPT_OWN. */
enum { KMODEL_OPT_KIND = 0x100, KMODEL_OPT_JSON, KMODEL_OPT_OWN };

/* The argp parser of --kind, checked (a usage error otherwise), --json
 * and the arguments; ARGP_ERR_UNKNOWN for other keys. A command's parser
 * passes its unknown keys here. */
error_t kmodel_parse_args(int key, char *arg, struct argp_state *state,
                          struct kmodel_args *a);

/* The whole parser of a command whose only options are --kind and --json:
 * input is a struct kmodel_args *. */
error_t kmodel_parse_opt(int key, char *arg, struct argp_state *state);

#endif

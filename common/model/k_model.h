/*
 * k_model.h - the model file format (ktools-model(5)): a fixed 64-byte
 * little-endian header with a PNG-style magic, reader and writer format
 * versions, the model kind, lengths and CRC32s; a JSON header of metadata;
 * then a zlib-compressed payload. Loading checks every length against the
 * file size before allocating and never executes anything.
 */
#ifndef K_MODEL_H
#define K_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "model/k_store.h"

#define K_MODEL_MAGIC        "\x89KTM\r\n\x1a\n"
#define K_MODEL_FIXED        64                 /* fixed header bytes */
#define K_MODEL_FORMAT       1                  /* format this build writes */
#define K_MODEL_KIND_MAX     16
#define K_MODEL_HEADER_MAX   (64u << 20)        /* JSON header bound */
#define K_MODEL_PAYLOAD_MAX  (UINT64_C(1) << 32) /* decompressed bound */
#define K_MODEL_ZLIB_RATIO   1032  /* deflate's largest expansion */

struct k_model {
	char kind[K_MODEL_KIND_MAX + 1];
	unsigned read_version;   /* oldest format a reader must know */
	unsigned write_version;  /* format of the writer */
	json_t *header;          /* metadata object, owned */
	unsigned char *payload;  /* decompressed payload, owned */
	size_t payload_len;
};

/*
 * Encode a model file into out: kind (<= 16 ASCII bytes), a JSON header
 * object and a raw payload, which is compressed here. read_version is the
 * oldest format able to read it (1 for now).
 */
enum k_status k_model_encode(const char *kind, const json_t *header,
                             const void *payload, size_t n,
                             unsigned read_version, struct k_buf *out,
                             struct k_error *err);

/* Decode and check a whole file held in memory. want_kind may be NULL
 * (any kind). Messages describe the problem; the caller adds the path. */
enum k_status k_model_decode(const void *file, size_t n,
                             const char *want_kind, struct k_model *m,
                             struct k_error *err);

/* Read path whole and decode it; messages start with the path. */
enum k_status k_model_load(const char *path, const char *want_kind,
                           struct k_model *m, struct k_error *err);

/* Read only the fixed header and the JSON header (checksummed), not the
 * payload: cheap, for listings. m->payload stays NULL; *size gets the
 * file size. */
enum k_status k_model_read_header(const char *path, struct k_model *m,
                                  size_t *size, struct k_error *err);

void k_model_release(struct k_model *m);

/*
 * A new metadata header with the members every model has:
 *   "kind", "created" (RFC 3339 UTC, ms), "ktools_version".
 * Trainers add, by convention (kmodel reads these):
 *   "params"   {name: value}        training parameters, seed included
 *   "features" [name, ...]          feature names in payload order
 *   "training" {"rows": n, ...}     training-data summary
 *   "metrics"  {name: number}       evaluation figures
 * "created" is $SOURCE_DATE_EPOCH when set, so that files can be
 * reproduced byte for byte. Returns NULL when out of memory.
 */
json_t *k_model_header_new(const char *kind);

/* A new header of kind with its "params", "features", "training" and
 * "metrics" (each taken, also on failure) into *out: K_OK, or K_ENOMEM
 * when any is NULL (*out NULL then). (k_model_save.c) */
enum k_status k_model_header_make(json_t **out, const char *kind,
                                  json_t *params, json_t *features,
                                  json_t *training, json_t *metrics,
                                  struct k_error *err);

/* Publish a model of kind as a new version of the store (NULL: a
 * timestamp): header and payload (released here; K_ENOMEM if it ran out
 * of memory) encoded in the file format, the version and path it got
 * into vout and pout. (k_model_save.c) */
enum k_status k_model_save(const struct k_store *st, const char *kind,
                           const json_t *header, struct k_buf *payload,
                           const char *version, char vout[K_VERSION_MAX + 1],
                           char pout[K_PATH_MAX], struct k_error *err);

#endif

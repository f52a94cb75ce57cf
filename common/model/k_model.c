/*
 * k_model.c - encode and decode model files (see ktools-model(5)).
 */
#include "model/k_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/k_file.h"
#include "base/k_time.h"

/* Offsets in the fixed header. */
enum {
	O_MAGIC = 0, O_READV = 8, O_WRITEV = 10, O_KIND = 12, O_HLEN = 28,
	O_PLEN = 32, O_PRAW = 40, O_PCRC = 48, O_HCRC = 60
};

static int
kind_ok(const char *kind)
{
	size_t n = strlen(kind);

	if (n == 0 || n > K_MODEL_KIND_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((kind[i] >= 'a' && kind[i] <= 'z') ||
		      (kind[i] >= '0' && kind[i] <= '9') || kind[i] == '_'))
			return 0;
	return 1;
}

enum k_status
k_model_encode(const char *kind, const json_t *header, const void *payload,
               size_t n, unsigned read_version, struct k_buf *out,
               struct k_error *err)
{
	unsigned char fx[K_MODEL_FIXED];
	char *hjson;
	size_t hlen;
	uLongf clen;
	unsigned char *comp;

	if (!kind_ok(kind))
		return k_error_set(err, K_EINTERNAL, "bad model kind '%s'", kind);
	hjson = json_dumps(header, JSON_COMPACT | JSON_SORT_KEYS |
	                           JSON_REAL_PRECISION(17));
	if (hjson == NULL)
		return k_error_set(err, K_ENOMEM, "cannot encode model header");
	hlen = strlen(hjson);
	clen = compressBound((uLong)n);
	comp = malloc(clen ? clen : 1);
	if (comp == NULL) {
		free(hjson);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	if (compress2(comp, &clen, payload, (uLong)n, Z_BEST_SPEED) != Z_OK) {
		free(hjson);
		free(comp);
		return k_error_set(err, K_EINTERNAL, "zlib compression failed");
	}
	memset(fx, 0, sizeof fx);
	memcpy(fx + O_MAGIC, K_MODEL_MAGIC, 8);
	k_buf_le16(fx + O_READV, (uint16_t)read_version);
	k_buf_le16(fx + O_WRITEV, K_MODEL_FORMAT);
	memcpy(fx + O_KIND, kind, strlen(kind));
	k_buf_le32(fx + O_HLEN, (uint32_t)hlen);
	k_buf_le64(fx + O_PLEN, (uint64_t)clen);
	k_buf_le64(fx + O_PRAW, (uint64_t)n);
	k_buf_le32(fx + O_PCRC, (uint32_t)crc32_z(0L, comp, (z_size_t)clen));
	uLong hc = crc32(0L, fx, O_HCRC);
	hc = crc32_z(hc, (const Bytef *)hjson, hlen);
	k_buf_le32(fx + O_HCRC, (uint32_t)hc);

	k_buf_reset(out);
	k_buf_add(out, fx, sizeof fx);
	k_buf_add(out, hjson, hlen);
	k_buf_add(out, comp, clen);
	free(hjson);
	free(comp);
	if (out->oom)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

/* The magic bytes, and enough bytes for the fixed header. */
static enum k_status
check_magic(const unsigned char *f, size_t n, struct k_error *err)
{
	static const unsigned char magic[8] = { 0x89, 'K', 'T', 'M', '\r', '\n',
	                                        0x1a, '\n' };

	if (n < 8 || memcmp(f, magic, 8) != 0) {
		if (n >= 4 && memcmp(f, magic, 4) == 0)
			return k_error_set(err, K_EDATA, "damaged magic bytes "
			                   "(was the file copied in text mode?)");
		if (n < 8 && n > 0 && memcmp(f, magic, n) == 0)
			return k_error_set(err, K_EDATA, "truncated: %zu bytes, "
			                   "a model file has at least %d", n,
			                   K_MODEL_FIXED);
		return k_error_set(err, K_EDATA, "not a ktools model file "
		                   "(bad magic)");
	}
	if (n < K_MODEL_FIXED)
		return k_error_set(err, K_EDATA, "truncated: %zu bytes, a model "
		                   "file has at least %d", n, K_MODEL_FIXED);
	return K_OK;
}

/* The header checksum, the reader version, and the lengths against the
 * file size n, in the order that names damage as damage. */
static enum k_status
check_lengths(const unsigned char *f, size_t n, const struct k_model *m,
              struct k_error *err)
{
	uint32_t hlen = k_buf_rd32(f + O_HLEN);
	uint64_t plen = k_buf_rd64(f + O_PLEN);
	uint64_t want = (uint64_t)K_MODEL_FIXED + hlen + plen;

	/* The checksum covers the fixed header and the JSON header, so it can
	 * be checked whenever the JSON header fits, whatever the payload
	 * length says: a damaged length is then named as damage. */
	if ((uint64_t)K_MODEL_FIXED + hlen <= n) {
		uLong hc = crc32(0L, f, O_HCRC);
		hc = crc32_z(hc, f + K_MODEL_FIXED, hlen);
		if ((uint32_t)hc != k_buf_rd32(f + O_HCRC))
			return k_error_set(err, K_EDATA, "corrupted: header "
			                   "checksum mismatch");
	}
	if (m->read_version > K_MODEL_FORMAT)
		return k_error_set(err, K_EDATA, "written in model format %u by "
		                   "a newer ktools; this build reads format %d "
		                   "and older: upgrade ktools", m->read_version,
		                   K_MODEL_FORMAT);
	if (hlen <= K_MODEL_HEADER_MAX && plen <= n && want == n)
		return K_OK;
	if (hlen > K_MODEL_HEADER_MAX || plen > K_MODEL_PAYLOAD_MAX)
		return k_error_set(err, K_EDATA, "corrupted: impossible lengths "
		                   "in the header");
	if (want > n)
		return k_error_set(err, K_EDATA, "truncated: %zu bytes, the "
		                   "header promises %llu", n,
		                   (unsigned long long)want);
	return k_error_set(err, K_EDATA, "corrupted: %llu unexpected bytes "
	                   "after the payload", (unsigned long long)(n - want));
}

/* The payload's checksum and lengths, then the payload inflated. */
static enum k_status
inflate_payload(const unsigned char *pay, uint64_t plen, uint64_t praw,
                uint32_t pcrc, struct k_model *m, struct k_error *err)
{
	if ((uint32_t)crc32_z(0L, pay, (z_size_t)plen) != pcrc)
		return k_error_set(err, K_EDATA, "corrupted: payload checksum "
		                   "mismatch");
	if (praw > K_MODEL_PAYLOAD_MAX)
		return k_error_set(err, K_EDATA, "corrupted: payload too large");
	/* Deflate expands at most 1032-fold, so a larger decompressed length
	 * is damage, found before that much is allocated. */
	if (praw > plen * K_MODEL_ZLIB_RATIO)
		return k_error_set(err, K_EDATA, "corrupted: %llu compressed bytes "
		                   "cannot hold the %llu the header promises",
		                   (unsigned long long)plen,
		                   (unsigned long long)praw);
	m->payload = malloc(praw ? praw : 1);
	if (m->payload == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	uLongf got = (uLongf)praw;
	int zr = uncompress(m->payload, &got, pay, (uLong)plen);
	if (zr != Z_OK || got != praw)
		return k_error_set(err, K_EDATA, "corrupted: payload does not "
		                   "decompress (zlib %d)", zr);
	m->payload_len = (size_t)praw;
	return K_OK;
}

enum k_status
k_model_decode(const void *file, size_t n, const char *want_kind,
               struct k_model *m, struct k_error *err)
{
	const unsigned char *f = file;
	enum k_status st;

	memset(m, 0, sizeof *m);
	if ((st = check_magic(f, n, err)) != K_OK)
		return st;
	m->read_version = k_buf_rd16(f + O_READV);
	m->write_version = k_buf_rd16(f + O_WRITEV);
	memcpy(m->kind, f + O_KIND, K_MODEL_KIND_MAX);
	m->kind[K_MODEL_KIND_MAX] = '\0';
	if ((st = check_lengths(f, n, m, err)) != K_OK)
		return st;
	if (!kind_ok(m->kind))
		return k_error_set(err, K_EDATA, "corrupted: bad model kind");
	if (want_kind != NULL && strcmp(m->kind, want_kind) != 0)
		return k_error_set(err, K_EDATA, "a model of kind '%s', not '%s'",
		                   m->kind, want_kind);

	uint32_t hlen = k_buf_rd32(f + O_HLEN);
	const unsigned char *pay = f + K_MODEL_FIXED + hlen;
	st = inflate_payload(pay, k_buf_rd64(f + O_PLEN),
	                     k_buf_rd64(f + O_PRAW), k_buf_rd32(f + O_PCRC), m,
	                     err);
	if (st != K_OK) {
		k_model_release(m);
		return st;
	}
	json_error_t je;
	m->header = json_loadb((const char *)f + K_MODEL_FIXED, hlen,
	                       JSON_REJECT_DUPLICATES, &je);
	if (m->header == NULL || !json_is_object(m->header)) {
		k_model_release(m);
		return k_error_set(err, K_EDATA, "corrupted: header is not a "
		                   "JSON object");
	}
	return K_OK;
}

enum k_status
k_model_load(const char *path, const char *want_kind, struct k_model *m,
             struct k_error *err)
{
	unsigned char *data;
	size_t n;
	enum k_status st;
	struct k_error e2;

	memset(m, 0, sizeof *m);
	st = k_file_read(path, &data, &n, (size_t)1 << 34, err);
	if (st != K_OK)
		return st;
	st = k_model_decode(data, n, want_kind, m, &e2);
	free(data);
	if (st != K_OK)
		return k_error_set(err, st, "model file '%s': %s", path, e2.text);
	return K_OK;
}

enum k_status
k_model_read_header(const char *path, struct k_model *m, size_t *size,
                    struct k_error *err)
{
	unsigned char fx[K_MODEL_FIXED];
	struct stat sb;
	struct k_error e2;
	enum k_status st;
	int fd;

	memset(m, 0, sizeof *m);
	*size = 0;
	if ((st = k_file_open(path, 0, &fd, &sb, err)) != K_OK)
		return st;
	*size = (size_t)sb.st_size;
	ssize_t got = pread(fd, fx, sizeof fx, 0);
	uint32_t hlen = got == (ssize_t)sizeof fx ? k_buf_rd32(fx + O_HLEN) : 0;
	uint64_t plen = got == (ssize_t)sizeof fx ? k_buf_rd64(fx + O_PLEN) : 0;
	if (got != (ssize_t)sizeof fx || hlen > K_MODEL_HEADER_MAX ||
	    (uint64_t)K_MODEL_FIXED + hlen + plen != (uint64_t)sb.st_size) {
		/* Let the full decoder say precisely what is wrong. */
		close(fd);
		return k_model_load(path, NULL, m, err);
	}
	/* Decode a copy holding an empty payload, so checks stay in one place. */
	size_t n = K_MODEL_FIXED + hlen;
	unsigned char *buf = malloc(n);
	if (buf == NULL) {
		close(fd);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	memcpy(buf, fx, sizeof fx);
	got = pread(fd, buf + K_MODEL_FIXED, hlen, K_MODEL_FIXED);
	close(fd);
	if (got != (ssize_t)hlen) {
		free(buf);
		return k_error_set(err, K_EDATA, "model file '%s': truncated", path);
	}
	uLong hc = crc32(0L, buf, O_HCRC);
	hc = crc32_z(hc, buf + K_MODEL_FIXED, hlen);
	if ((uint32_t)hc != k_buf_rd32(buf + O_HCRC)) {
		free(buf);
		return k_error_set(err, K_EDATA, "model file '%s': corrupted: "
		                   "header checksum mismatch", path);
	}
	m->read_version = k_buf_rd16(buf + O_READV);
	m->write_version = k_buf_rd16(buf + O_WRITEV);
	memcpy(m->kind, buf + O_KIND, K_MODEL_KIND_MAX);
	m->kind[K_MODEL_KIND_MAX] = '\0';
	json_error_t je;
	m->header = json_loadb((const char *)buf + K_MODEL_FIXED, hlen,
	                       JSON_REJECT_DUPLICATES, &je);
	free(buf);
	st = K_OK;
	if (m->read_version > K_MODEL_FORMAT)
		st = k_error_set(&e2, K_EDATA, "written in model format %u by a "
		                 "newer ktools; this build reads format %d and "
		                 "older: upgrade ktools", m->read_version,
		                 K_MODEL_FORMAT);
	else if (m->header == NULL || !json_is_object(m->header))
		st = k_error_set(&e2, K_EDATA, "corrupted: header is not a JSON "
		                 "object");
	if (st != K_OK) {
		k_model_release(m);
		return k_error_set(err, st, "model file '%s': %s", path, e2.text);
	}
	return K_OK;
}

void
k_model_release(struct k_model *m)
{
	if (m->header)
		json_decref(m->header);
	free(m->payload);
	m->header = NULL;
	m->payload = NULL;
}

json_t *
k_model_header_new(const char *kind)
{
	char ts[40];
	int64_t now = k_time_now_ms();
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	/* Reproducible files: the same input, seed and SOURCE_DATE_EPOCH give
	 * the same bytes. */
	if (sde != NULL && sde[0] != '\0') {
		char *end;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0 && v < 253402300800LL)
			now = (int64_t)v * 1000;
	}
	k_time_format(now, ts, sizeof ts);
	return json_pack("{s:s, s:s, s:s}", "kind", kind, "created", ts,
	                 "ktools_version", KTOOLS_VERSION);
}

/*
 * test_model.c - the model file format (k_model, ktools-model(5)): a file
 * written and read back, every field of the fixed header at its offset,
 * the same bytes under SOURCE_DATE_EPOCH, and each kind of damage refused
 * with its message: bad magic, a newer read version, the wrong or a bad
 * kind, a truncated header or payload, a flipped byte in the header or the
 * payload, lengths that disagree with the file size, a decompressed length
 * that is not the payload's; and the encoder's and loaders' own errors.
 * Files go to a temporary directory of their own, removed at the end.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/k_buf.h"
#include "base/k_file.h"
#include "model/k_model.h"
#include "ktest.h"

#define SDE "1763683200"             /* 2025-11-21T00:00:00Z */
#define NPAY 3000                    /* payload bytes */

static char dir[64];
static unsigned char payload[NPAY];

static void
path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void
write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	KT_CHECK(f != NULL);
	if (f == NULL)
		return;
	KT_EQ_INT(fwrite(data, 1, n, f), n);
	KT_EQ_INT(fclose(f), 0);
}

/* The header every test model has: the common members, and those
 * trainers add by convention. */
static json_t *
test_header(void)
{
	json_t *h = k_model_header_new("anomaly");

	json_object_set_new(h, "params", json_pack("{s:i, s:f}", "trees", 100,
	                                           "contamination", 0.05));
	json_object_set_new(h, "features", json_pack("[s, s]", "f00", "f01"));
	json_object_set_new(h, "training", json_pack("{s:i}", "rows", 1000));
	json_object_set_new(h, "metrics", json_pack("{s:f}", "threshold",
	                                            61.2385));
	return h;
}

static void
encode(struct k_buf *out, const char *kind, const json_t *h)
{
	struct k_error e;

	k_buf_init(out);
	KT_EQ_INT(k_model_encode(kind, h, payload, NPAY, 1, out, &e), K_OK);
}

/* Set the header CRC of a file in memory after an edit of its fixed or
 * JSON header, so that the edit is the only fault. */
static void
fix_header_crc(unsigned char *f)
{
	uint32_t hlen = k_buf_rd32(f + 28);
	uLong c = crc32(0L, f, 60);

	c = crc32_z(c, f + K_MODEL_FIXED, hlen);
	k_buf_le32(f + 60, (uint32_t)c);
}

/* Decoding the n bytes of f is refused with st and message msg. */
static void
refused(const unsigned char *f, size_t n, const char *want_kind,
        enum k_status st, const char *msg)
{
	struct k_model m;
	struct k_error e;

	KT_EQ_INT(k_model_decode(f, n, want_kind, &m, &e), st);
	KT_EQ_STR(e.text, msg);
	KT_CHECK(m.header == NULL && m.payload == NULL);
	k_model_release(&m);
}

static void
fixed_fields(const struct k_buf *b, const char *hjson)
{
	const unsigned char *f = (const unsigned char *)b->data;
	size_t hlen = strlen(hjson);

	KT_CHECK(memcmp(f, K_MODEL_MAGIC, 8) == 0);
	KT_EQ_INT(k_buf_rd16(f + 8), 1);                 /* read version */
	KT_EQ_INT(k_buf_rd16(f + 10), K_MODEL_FORMAT);   /* write version */
	KT_CHECK(memcmp(f + 12, "anomaly\0\0\0\0\0\0\0\0\0", 16) == 0);
	KT_EQ_INT(k_buf_rd32(f + 28), hlen);
	uint64_t plen = k_buf_rd64(f + 32);
	KT_EQ_INT(b->len, K_MODEL_FIXED + hlen + plen);
	KT_EQ_INT(k_buf_rd64(f + 40), NPAY);
	const unsigned char *pay = f + K_MODEL_FIXED + hlen;
	KT_EQ_INT(k_buf_rd32(f + 48), crc32_z(0L, pay, (z_size_t)plen));
	for (int i = 52; i < 60; i++)
		KT_EQ_INT(f[i], 0);                          /* reserved */
	uLong c = crc32_z(crc32(0L, f, 60), f + K_MODEL_FIXED, hlen);
	KT_EQ_INT(k_buf_rd32(f + 60), c);
	/* The JSON header, compact with sorted keys, then the zlib payload. */
	KT_CHECK(memcmp(f + K_MODEL_FIXED, hjson, hlen) == 0);
	unsigned char back[NPAY];
	uLongf got = NPAY;
	KT_EQ_INT(uncompress(back, &got, pay, (uLong)plen), Z_OK);
	KT_EQ_INT(got, NPAY);
	KT_CHECK(memcmp(back, payload, NPAY) == 0);
}

/* Write, then read back whole and header only: every field. */
static void
round_trip(void)
{
	struct k_buf b;
	struct k_model m;
	struct k_error e;
	char path[128];
	size_t size = 0;
	json_t *h = test_header();
	char *hjson = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS |
	                            JSON_REAL_PRECISION(17));

	encode(&b, "anomaly", h);
	fixed_fields(&b, hjson);
	path_of(path, sizeof path, "v1.ktm");
	write_file(path, b.data, b.len);

	KT_EQ_INT(k_model_load(path, "anomaly", &m, &e), K_OK);
	KT_EQ_STR(m.kind, "anomaly");
	KT_EQ_INT(m.read_version, 1);
	KT_EQ_INT(m.write_version, K_MODEL_FORMAT);
	KT_CHECK(json_equal(m.header, h));
	KT_EQ_STR(json_string_value(json_object_get(m.header, "created")),
	          "2025-11-21T00:00:00Z");
	KT_EQ_STR(json_string_value(json_object_get(m.header, "kind")),
	          "anomaly");
	KT_EQ_STR(json_string_value(json_object_get(m.header,
	                                            "ktools_version")),
	          KTOOLS_VERSION);
	KT_NEAR(json_real_value(json_object_get(json_object_get(m.header,
	        "metrics"), "threshold")), 61.2385, 0);
	KT_EQ_INT(m.payload_len, NPAY);
	KT_CHECK(m.payload != NULL && memcmp(m.payload, payload, NPAY) == 0);
	k_model_release(&m);
	k_model_release(&m);             /* released twice is harmless */
	KT_EQ_INT(k_model_load(path, NULL, &m, &e), K_OK);  /* any kind */
	k_model_release(&m);

	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_OK);
	KT_EQ_INT(size, b.len);
	KT_EQ_STR(m.kind, "anomaly");
	KT_EQ_INT(m.read_version, 1);
	KT_CHECK(json_equal(m.header, h));
	KT_CHECK(m.payload == NULL && m.payload_len == 0);
	k_model_release(&m);

	/* An empty payload is a payload. */
	k_buf_reset(&b);
	KT_EQ_INT(k_model_encode("forecast", h, "", 0, 1, &b, &e), K_OK);
	KT_EQ_INT(k_model_decode(b.data, b.len, "forecast", &m, &e), K_OK);
	KT_EQ_INT(m.payload_len, 0);
	k_model_release(&m);
	free(hjson);
	json_decref(h);
	k_buf_release(&b);
}

/* The same input and SOURCE_DATE_EPOCH give the same bytes; an unusable
 * SOURCE_DATE_EPOCH is ignored (the time is now). */
static void
reproducible(void)
{
	struct k_buf a, b;
	json_t *ha = test_header(), *hb = test_header();
	encode(&a, "anomaly", ha);
	encode(&b, "anomaly", hb);
	KT_EQ_INT(a.len, b.len);
	KT_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	json_decref(ha);
	json_decref(hb);
	k_buf_release(&a);
	k_buf_release(&b);

	const char *bad[] = { "abc", "-5", "12x", "253402300800", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		setenv("SOURCE_DATE_EPOCH", bad[i], 1);
		json_t *h = k_model_header_new("anomaly");
		const char *c = json_string_value(json_object_get(h, "created"));
		KT_CHECK(c != NULL && strncmp(c, "2025-11-21T00:00:00", 19) != 0);
		json_decref(h);
	}
	setenv("SOURCE_DATE_EPOCH", "0", 1);
	json_t *h = k_model_header_new("anomaly");
	KT_EQ_STR(json_string_value(json_object_get(h, "created")),
	          "1970-01-01T00:00:00Z");
	json_decref(h);
	setenv("SOURCE_DATE_EPOCH", SDE, 1);
}

/* Each damage, on a copy of a good file, decoded in memory. */
/* The magic bytes and truncation: not a model, a text-mode copy, a
 * prefix, cut in each part. */
static void
damage_magic(const unsigned char *good, size_t n,
             size_t hlen, unsigned char *f)
{
	char msg[200];

	/* Bad magic: not a model, a text-mode copy, nothing, a prefix. */
	memcpy(f, good, n);
	f[1] = 'X';
	refused(f, n, NULL, K_EDATA, "not a ktools model file (bad magic)");
	refused(f, 0, NULL, K_EDATA, "not a ktools model file (bad magic)");
	memcpy(f, good, n);
	memmove(f + 4, f + 5, n - 5);          /* "\r\n" -> "\n" */
	refused(f, n - 1, NULL, K_EDATA, "damaged magic bytes (was the file "
	        "copied in text mode?)");
	refused(good, 3, NULL, K_EDATA, "truncated: 3 bytes, a model file has "
	        "at least 64");

	/* Truncated in the fixed header, in the JSON header, in the payload. */
	refused(good, 40, NULL, K_EDATA, "truncated: 40 bytes, a model file "
	        "has at least 64");
	snprintf(msg, sizeof msg, "truncated: %zu bytes, the header promises "
	         "%zu", (size_t)(K_MODEL_FIXED + hlen / 2), n);
	refused(good, K_MODEL_FIXED + hlen / 2, NULL, K_EDATA, msg);
	snprintf(msg, sizeof msg, "truncated: %zu bytes, the header promises "
	         "%zu", n - 10, n);
	refused(good, n - 10, NULL, K_EDATA, msg);
}

/* Lengths that disagree with the file size or exceed the bounds. */
static void
damage_lengths(const unsigned char *good, size_t n,
               size_t hlen, unsigned char *f)
{
	(void)hlen;
	/* Lengths that disagree with the file size. */
	memcpy(f, good, n);
	memcpy(f + n, "abc", 3);
	refused(f, n + 3, NULL, K_EDATA, "corrupted: 3 unexpected bytes after "
	        "the payload");
	memcpy(f, good, n);
	k_buf_le32(f + 28, K_MODEL_HEADER_MAX + 1);
	refused(f, n, NULL, K_EDATA, "corrupted: impossible lengths in the "
	        "header");
	memcpy(f, good, n);
	k_buf_le64(f + 32, K_MODEL_PAYLOAD_MAX + 1);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: impossible lengths in the "
	        "header");
	memcpy(f, good, n);
	k_buf_le64(f + 32, k_buf_rd64(good + 32) - 1);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: 1 unexpected bytes after the "
	        "payload");
}

/* A flipped byte in each part, and the reader and writer versions. */
static void
damage_bytes(const unsigned char *good, size_t n,
             size_t hlen, unsigned char *f)
{
	char msg[200];

	/* A flipped byte: in the fixed header, the JSON header, the
	 * payload. */
	memcpy(f, good, n);
	f[40] ^= 0x01;
	refused(f, n, NULL, K_EDATA, "corrupted: header checksum mismatch");
	memcpy(f, good, n);
	f[K_MODEL_FIXED + 3] ^= 0x20;
	refused(f, n, NULL, K_EDATA, "corrupted: header checksum mismatch");
	memcpy(f, good, n);
	f[K_MODEL_FIXED + hlen + 7] ^= 0xff;
	refused(f, n, NULL, K_EDATA, "corrupted: payload checksum mismatch");

	/* A newer reader version is refused; a newer writer is not. */
	memcpy(f, good, n);
	k_buf_le16(f + 8, K_MODEL_FORMAT + 1);
	fix_header_crc(f);
	snprintf(msg, sizeof msg, "written in model format %d by a newer "
	         "ktools; this build reads format %d and older: upgrade ktools",
	         K_MODEL_FORMAT + 1, K_MODEL_FORMAT);
	refused(f, n, NULL, K_EDATA, msg);
	memcpy(f, good, n);
	k_buf_le16(f + 10, K_MODEL_FORMAT + 6);
	fix_header_crc(f);
	struct k_model m;
	struct k_error e;
	KT_EQ_INT(k_model_decode(f, n, "anomaly", &m, &e), K_OK);
	KT_EQ_INT(m.write_version, K_MODEL_FORMAT + 6);
	k_model_release(&m);
}

/* The kind, the decompressed length and a payload that is not zlib. */
static void
damage_kind_payload(const unsigned char *good, size_t n,
                    size_t hlen, unsigned char *f)
{
	char msg[200];

	/* The wrong kind, and a kind no model can have. */
	refused(good, n, "forecast", K_EDATA, "a model of kind 'anomaly', not "
	        "'forecast'");
	memcpy(f, good, n);
	memcpy(f + 12, "Anomaly", 7);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: bad model kind");
	memcpy(f, good, n);
	memset(f + 12, 0, 16);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: bad model kind");

	/* The decompressed length is not the payload's. */
	memcpy(f, good, n);
	k_buf_le64(f + 40, NPAY + 1);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: payload does not decompress "
	        "(zlib 0)");
	memcpy(f, good, n);
	k_buf_le64(f + 40, NPAY - 1);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: payload does not decompress "
	        "(zlib -5)");
	memcpy(f, good, n);
	k_buf_le64(f + 40, K_MODEL_PAYLOAD_MAX + 1);
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: payload too large");
	/* More than deflate can expand to: refused before it is allocated. */
	uint64_t plen = k_buf_rd64(good + 32);
	memcpy(f, good, n);
	k_buf_le64(f + 40, plen * 1032 + 1);
	fix_header_crc(f);
	snprintf(msg, sizeof msg, "corrupted: %llu compressed bytes cannot "
	         "hold the %llu the header promises", (unsigned long long)plen,
	         (unsigned long long)(plen * 1032 + 1));
	refused(f, n, NULL, K_EDATA, msg);

	/* A payload that is not zlib, with its checksum right. */
	memcpy(f, good, n);
	memset(f + K_MODEL_FIXED + hlen, 0x55, 16);
	k_buf_le32(f + 48, (uint32_t)crc32_z(0L, f + K_MODEL_FIXED + hlen,
	                                     (z_size_t)(n - K_MODEL_FIXED - hlen)));
	fix_header_crc(f);
	refused(f, n, NULL, K_EDATA, "corrupted: payload does not decompress "
	        "(zlib -3)");
}

static void
damage(void)
{
	struct k_buf b;
	json_t *h = test_header();
	encode(&b, "anomaly", h);
	const unsigned char *good = (const unsigned char *)b.data;
	size_t n = b.len, hlen = k_buf_rd32(good + 28);
	unsigned char *f = malloc(n + 8);

	damage_magic(good, n, hlen, f);
	damage_lengths(good, n, hlen, f);
	damage_bytes(good, n, hlen, f);
	damage_kind_payload(good, n, hlen, f);

	free(f);
	json_decref(h);
	k_buf_release(&b);

	/* A header that is JSON but not an object. */
	json_t *arr = json_pack("[i]", 1);
	encode(&b, "anomaly", arr);
	refused((const unsigned char *)b.data, b.len, NULL, K_EDATA,
	        "corrupted: header is not a JSON object");
	json_decref(arr);
	k_buf_release(&b);
}

/* What the encoder refuses. */
static void
encode_errors(void)
{
	struct k_buf b;
	struct k_error e;
	json_t *h = test_header();

	k_buf_init(&b);
	KT_EQ_INT(k_model_encode("Anomaly", h, payload, NPAY, 1, &b, &e),
	          K_EINTERNAL);
	KT_EQ_STR(e.text, "bad model kind 'Anomaly'");
	KT_EQ_INT(k_model_encode("", h, payload, NPAY, 1, &b, &e), K_EINTERNAL);
	KT_EQ_STR(e.text, "bad model kind ''");
	KT_EQ_INT(k_model_encode("abcdefghijklmnopq", h, payload, NPAY, 1, &b,
	                         NULL), K_EINTERNAL);
	KT_EQ_INT(k_model_encode("abcdefghijklmnop", h, payload, NPAY, 1, &b,
	                         &e), K_OK);       /* 16 bytes: the most */
	json_decref(h);
	k_buf_release(&b);
}

/* Loading from files: the path in every message; what the header-only
 * read checks, and what it leaves to the full load. */
static void
file_errors(void)
{
	struct k_buf b;
	struct k_model m;
	struct k_error e;
	char path[128], want[300];
	size_t size;
	json_t *h = test_header();

	encode(&b, "anomaly", h);
	unsigned char *f = malloc(b.len);
	memcpy(f, b.data, b.len);
	size_t n = b.len, hlen = k_buf_rd32(f + 28);

	path_of(path, sizeof path, "absent.ktm");
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	KT_EQ_INT(k_model_load(path, NULL, &m, &e), K_ENOINPUT);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_ENOINPUT);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(k_model_load(dir, NULL, &m, &e), K_EIO);
	snprintf(want, sizeof want, "%s: not a regular file", dir);
	KT_EQ_STR(e.text, want);
	/* A FIFO is refused at once, not waited on for a writer. */
	path_of(path, sizeof path, "fifo.ktm");
	KT_EQ_INT(mkfifo(path, 0600), 0);
	snprintf(want, sizeof want, "%s: not a regular file", path);
	KT_EQ_INT(k_model_load(path, NULL, &m, &e), K_EIO);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_EIO);
	KT_EQ_STR(e.text, want);
	unlink(path);

	/* A flipped payload byte: the full load sees it, the header read
	 * (which never reads the payload) does not. */
	path_of(path, sizeof path, "flip.ktm");
	f[K_MODEL_FIXED + hlen + 7] ^= 0xff;
	write_file(path, f, n);
	KT_EQ_INT(k_model_load(path, "anomaly", &m, &e), K_EDATA);
	snprintf(want, sizeof want, "model file '%s': corrupted: payload "
	         "checksum mismatch", path);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_OK);
	KT_EQ_INT(size, n);
	k_model_release(&m);

	/* A flipped header byte, with the lengths intact: the header read
	 * checks the checksum itself. */
	f[K_MODEL_FIXED + hlen + 7] ^= 0xff;
	f[K_MODEL_FIXED + 3] ^= 0x20;
	write_file(path, f, n);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_EDATA);
	snprintf(want, sizeof want, "model file '%s': corrupted: header "
	         "checksum mismatch", path);
	KT_EQ_STR(e.text, want);
	f[K_MODEL_FIXED + 3] ^= 0x20;

	/* Truncated: the header read hands over to the full decoder. */
	write_file(path, f, n - 10);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_EDATA);
	snprintf(want, sizeof want, "model file '%s': truncated: %zu bytes, "
	         "the header promises %zu", path, n - 10, n);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(size, n - 10);

	/* A newer reader version. */
	k_buf_le16(f + 8, K_MODEL_FORMAT + 1);
	fix_header_crc(f);
	write_file(path, f, n);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_EDATA);
	snprintf(want, sizeof want, "model file '%s': written in model format "
	         "%d by a newer ktools; this build reads format %d and older: "
	         "upgrade ktools", path, K_MODEL_FORMAT + 1, K_MODEL_FORMAT);
	KT_EQ_STR(e.text, want);
	KT_CHECK(m.header == NULL);
	free(f);
	k_buf_release(&b);

	/* A header that is not an object, read header only. */
	json_t *arr = json_pack("[i]", 1);
	encode(&b, "anomaly", arr);
	write_file(path, b.data, b.len);
	KT_EQ_INT(k_model_read_header(path, &m, &size, &e), K_EDATA);
	snprintf(want, sizeof want, "model file '%s': corrupted: header is "
	         "not a JSON object", path);
	KT_EQ_STR(e.text, want);
	json_decref(arr);
	k_buf_release(&b);

	/* k_file_read's bound. */
	unsigned char *data;
	KT_EQ_INT(k_file_read(path, &data, &size, 10, &e), K_EDATA);
	KT_CHECK(strstr(e.text, ": too large (") != NULL);
	KT_CHECK(data == NULL && size == 0);
	json_decref(h);
}

static void
cleanup(void)
{
	const char *names[] = { "v1.ktm", "flip.ktm" };
	char path[128];

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		path_of(path, sizeof path, names[i]);
		unlink(path);
	}
	KT_EQ_INT(rmdir(dir), 0);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_model.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < NPAY; i++)
		payload[i] = (unsigned char)((i * 7 + i / 100) % 251);
	setenv("SOURCE_DATE_EPOCH", SDE, 1);
	round_trip();
	reproducible();
	damage();
	encode_errors();
	file_errors();
	cleanup();
	KT_DONE();
}

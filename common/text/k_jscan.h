/*
 * k_jscan.h - a strict, allocation-free JSON scanner for one record line.
 *
 * jansson builds a tree of every value (about 60 MB/s here); scoring only
 * needs the members of the record and of one sub-object ("features"), and
 * passes the rest through untouched. k_jscan validates the whole line with
 * the same rules as the jansson reader (RFC 8259 grammar, UTF-8, escapes,
 * no duplicate keys at any depth, no trailing garbage, no number overflow)
 * and records spans into the line instead of building values. Everything
 * that builds or edits records still uses jansson (k_json.h).
 */
#ifndef K_JSCAN_H
#define K_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

enum k_jtype { K_JNULL, K_JFALSE, K_JTRUE, K_JNUM, K_JSTR, K_JARR, K_JOBJ };

struct k_jmember {
	const char *key;     /* key bytes between the quotes, not decoded */
	size_t klen;
	const char *val;     /* value bytes; a string includes its quotes */
	size_t vlen;
	unsigned char type;  /* enum k_jtype */
	unsigned char kesc;  /* the key contains escapes */
};

struct k_jslot;

struct k_jscan {
	const char *subkey;          /* sub-object whose members are kept */
	size_t subkeylen;
	size_t max_depth;            /* nesting bound (default 512) */
	struct k_jmember *top;       /* members of the record, in order */
	size_t ntop, ctop;
	struct k_jmember *sub;       /* members of record[subkey], in order */
	size_t nsub, csub;
	int has_sub;                 /* record[subkey] exists and is an object */
	const struct k_jmember *subm;/* the member record[subkey], or NULL */
	/* duplicate-key detection, private */
	struct k_jslot *tab;
	size_t tabcap, tabused;
	uint64_t tag, line_tag;
	char *dec;
	size_t deccap, declen;
};

/* subkey may be NULL: then no sub-object is collected. */
void k_jscan_init(struct k_jscan *s, const char *subkey);
void k_jscan_release(struct k_jscan *s);

/*
 * Scan one line holding one JSON object. K_OK, or K_EDATA with a message
 * naming the column and what is wrong; K_ENOMEM. Member spans point into
 * line and stay valid while line does.
 */
enum k_status k_jscan_line(struct k_jscan *s, const char *line, size_t len,
                           struct k_error *err);

/* The member named name (a plain key, compared after decoding escapes),
 * or NULL. Linear: for repeated lookups see k_featrow. */
const struct k_jmember *k_jscan_find(const struct k_jmember *m, size_t n,
                                     const char *name, size_t namelen);

/* 1 if member m's decoded key equals name. */
int k_jkey_eq(const struct k_jmember *m, const char *name, size_t namelen);

/* The record's "ts" as ms since the epoch: 0, or -1 when there is no
 * "ts", -2 when it is not a string, -3 when the string is not an RFC 3339
 * time. *mp (may be NULL) gets the member, or NULL, for messages. */
int k_jscan_ts(const struct k_jscan *s, int64_t *ms,
               const struct k_jmember **mp);

/* The number in m's span (m->type must be K_JNUM). */
double k_jnum(const struct k_jmember *m);

/* Decode the string value of m (K_JSTR) into buf (NUL-terminated); returns
 * the decoded length, or (size_t)-1 if it does not fit in cap. */
size_t k_jstr(const struct k_jmember *m, char *buf, size_t cap);

/* Decode a key's raw bytes (escapes) into buf; as k_jstr. */
size_t k_jkey(const struct k_jmember *m, char *buf, size_t cap);

#endif

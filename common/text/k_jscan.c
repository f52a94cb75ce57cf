/*
 * k_jscan.c - the strict one-line JSON scanner of k_jscan.h. Recursive
 * descent over the line's bytes; keys of every object go into one hash
 * table tagged with their object's id, so duplicates are found at any
 * depth without clearing the table between objects or lines.
 */
#include "text/k_jscan.h"

#include "base/k_time.h"
#include "text/k_fastfloat.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct k_jslot {
	uint64_t tag;     /* id of the object holding the key; stale if < line_tag */
	const char *key;  /* decoded key bytes (in the line or in dec) */
	uint32_t klen;
	uint32_t hash;
};

struct ctx {
	struct k_jscan *s;
	const char *base, *p, *end;
	struct k_error *err;
	int restart;       /* the key table was full: grow it and rescan */
};

enum { RESTART = 2 };

void
k_jscan_init(struct k_jscan *s, const char *subkey)
{
	memset(s, 0, sizeof *s);
	s->subkey = subkey;
	s->subkeylen = subkey ? strlen(subkey) : 0;
	s->max_depth = 512;
}

void
k_jscan_release(struct k_jscan *s)
{
	free(s->top);
	free(s->sub);
	free(s->tab);
	free(s->dec);
	memset(s, 0, sizeof *s);
}

static int
fail(struct ctx *c, const char *what)
{
	k_error_set(c->err, K_EDATA, "invalid JSON at column %zu: %s",
	            (size_t)(c->p - c->base) + 1, what);
	return -1;
}

static void
skip_ws(struct ctx *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	                         *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Length of a valid UTF-8 sequence at p (first byte >= 0x80), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned cp;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Scan a string at c->p (on the opening quote). Sets *esc if it holds an
 * escape. Leaves c->p after the closing quote. */
static int
scan_string(struct ctx *c, int *esc)
{
	const unsigned char *p = (const unsigned char *)c->p + 1;
	const unsigned char *end = (const unsigned char *)c->end;

	*esc = 0;
	for (;;) {
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' &&
		       *p < 0x80)
			p++;
		if (p >= end) {
			c->p = (const char *)p;
			return fail(c, "unterminated string");
		}
		if (*p == '"') {
			c->p = (const char *)p + 1;
			return 0;
		}
		if (*p < 0x20) {
			c->p = (const char *)p;
			return fail(c, "control character in string");
		}
		if (*p >= 0x80) {
			size_t n = utf8_len(p, end);
			if (n == 0) {
				c->p = (const char *)p;
				return fail(c, "invalid UTF-8 in string");
			}
			p += n;
			continue;
		}
		/* backslash */
		*esc = 1;
		c->p = (const char *)p;
		if (p + 1 >= end)
			return fail(c, "unterminated string");
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			unsigned u, lo;
			if (hex4((const char *)p + 2, (const char *)end, &u) < 0)
				return fail(c, "invalid \\u escape");
			if (u == 0)
				return fail(c, "\\u0000 is not allowed in strings");
			if (u >= 0xdc00 && u <= 0xdfff)
				return fail(c, "lone low surrogate in \\u escape");
			p += 6;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4((const char *)p + 2, (const char *)end,
				         &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return fail(c, "unpaired high surrogate "
					            "in \\u escape");
				p += 6;
			}
			break;
		}
		default:
			return fail(c, "invalid escape in string");
		}
	}
}

/* Decode the escapes of raw string bytes [p, p+n) into out (room for n). */
static size_t
decode(const char *p, size_t n, char *out)
{
	const char *end = p + n;
	char *o = out;

	while (p < end) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		switch (p[1]) {
		case 'b': *o++ = '\b'; p += 2; continue;
		case 'f': *o++ = '\f'; p += 2; continue;
		case 'n': *o++ = '\n'; p += 2; continue;
		case 'r': *o++ = '\r'; p += 2; continue;
		case 't': *o++ = '\t'; p += 2; continue;
		case 'u': break;
		default: *o++ = p[1]; p += 2; continue;
		}
		unsigned u, lo;
		hex4(p + 2, end, &u);
		p += 6;
		if (u >= 0xd800 && u <= 0xdbff) {
			hex4(p + 2, end, &lo);
			p += 6;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (u < 0x80) {
			*o++ = (char)u;
		} else if (u < 0x800) {
			*o++ = (char)(0xc0 | u >> 6);
			*o++ = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			*o++ = (char)(0xe0 | u >> 12);
			*o++ = (char)(0x80 | (u >> 6 & 0x3f));
			*o++ = (char)(0x80 | (u & 0x3f));
		} else {
			*o++ = (char)(0xf0 | u >> 18);
			*o++ = (char)(0x80 | (u >> 12 & 0x3f));
			*o++ = (char)(0x80 | (u >> 6 & 0x3f));
			*o++ = (char)(0x80 | (u & 0x3f));
		}
	}
	return (size_t)(o - out);
}

static int
scan_number(struct ctx *c)
{
	const char *start = c->p, *p = c->p, *end = c->end;
	int big = 0;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9') {
		c->p = p;
		return fail(c, "invalid number");
	}
	if (*p == '0') {
		p++;
	} else {
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p - d > 300)
			big = 1;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9') {
			c->p = p;
			return fail(c, "invalid number: digit expected after '.'");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9') {
			c->p = p;
			return fail(c, "invalid number: digit expected in exponent");
		}
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p - d > 2)
			big = 1;
	}
	if (big) {
		/* Only these can overflow a double: check as jansson does. */
		char tmp[64];
		char *heap = NULL, *num = tmp;
		size_t n = (size_t)(p - start);
		if (n >= sizeof tmp) {
			heap = malloc(n + 1);
			if (heap == NULL)
				return fail(c, "out of memory");
			num = heap;
		}
		memcpy(num, start, n);
		num[n] = '\0';
		errno = 0;
		double v = strtod(num, NULL);
		free(heap);
		if (errno == ERANGE && isinf(v)) {
			c->p = start;
			return fail(c, "number out of range");
		}
	}
	c->p = p;
	return 0;
}

static uint32_t
fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

/* Record key (raw bytes [k, k+n)) in object tag; -1 on a duplicate. */
static int
add_key(struct ctx *c, uint64_t tag, const char *k, size_t n, int esc,
        const char *keypos)
{
	struct k_jscan *s = c->s;

	if ((s->tabused + 1) * 2 > s->tabcap) {
		c->restart = 1;
		return RESTART;
	}
	if (esc) {
		char *o = s->dec + s->declen;
		n = decode(k, n, o);
		k = o;
		s->declen += n;
	}
	uint32_t h = fnv1a(k, n);
	size_t mask = s->tabcap - 1, i = h & mask;
	for (;;) {
		struct k_jslot *sl = &s->tab[i];
		if (sl->tag < s->line_tag) {
			sl->tag = tag;
			sl->key = k;
			sl->klen = (uint32_t)n;
			sl->hash = h;
			s->tabused++;
			return 0;
		}
		if (sl->tag == tag && sl->hash == h && sl->klen == n &&
		    memcmp(sl->key, k, n) == 0) {
			char shown[96];
			size_t m = n < sizeof shown - 1 ? n : sizeof shown - 1;
			memcpy(shown, k, m);
			shown[m] = '\0';
			c->p = keypos;
			k_error_set(c->err, K_EDATA,
			            "duplicate key '%s' at column %zu", shown,
			            (size_t)(keypos - c->base) + 1);
			return -1;
		}
		i = (i + 1) & mask;
	}
}

static int push_member(struct k_jmember **arr, size_t *n, size_t *cap,
                       const struct k_jmember *m);
static int scan_value(struct ctx *c, size_t depth, unsigned char *type);

/* Scan an object at c->p ('{'); collect its members into which (0 none,
 * 1 top, 2 sub). */
static int
scan_object(struct ctx *c, size_t depth, int which)
{
	struct k_jscan *s = c->s;
	uint64_t tag = ++s->tag;

	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return 0;
	}
	for (;;) {
		struct k_jmember m;
		int esc, rc;
		const char *keypos = c->p;

		if (c->p >= c->end || *c->p != '"')
			return fail(c, "expected '\"' to start an object key");
		if (scan_string(c, &esc) < 0)
			return -1;
		m.key = keypos + 1;
		m.klen = (size_t)(c->p - keypos) - 2;
		m.kesc = (unsigned char)esc;
		rc = add_key(c, tag, m.key, m.klen, esc, keypos);
		if (rc != 0)
			return rc;
		skip_ws(c);
		if (c->p >= c->end || *c->p != ':')
			return fail(c, "expected ':' after an object key");
		c->p++;
		skip_ws(c);
		m.val = c->p;
		int sub = which == 1 && s->subkey != NULL &&
		          c->p < c->end && *c->p == '{' &&
		          k_jkey_eq(&m, s->subkey, s->subkeylen);
		if (sub) {
			if (depth + 1 > s->max_depth)
				return fail(c, "nesting too deep");
			m.type = K_JOBJ;
			s->has_sub = 1;
			rc = scan_object(c, depth + 1, 2);
		} else {
			rc = scan_value(c, depth + 1, &m.type);
		}
		if (rc != 0)
			return rc;
		m.vlen = (size_t)(c->p - m.val);
		if (which == 1) {
			if (push_member(&s->top, &s->ntop, &s->ctop, &m) < 0)
				return fail(c, "out of memory");
		} else if (which == 2) {
			if (push_member(&s->sub, &s->nsub, &s->csub, &m) < 0)
				return fail(c, "out of memory");
		}
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			skip_ws(c);
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		return fail(c, "expected ',' or '}' after an object member");
	}
}

static int
scan_array(struct ctx *c, size_t depth)
{
	unsigned char t;
	int rc;

	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return 0;
	}
	for (;;) {
		rc = scan_value(c, depth + 1, &t);
		if (rc != 0)
			return rc;
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			skip_ws(c);
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return 0;
		}
		return fail(c, "expected ',' or ']' after an array element");
	}
}

static int
literal(struct ctx *c, const char *word, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return fail(c, "invalid literal");
	c->p += n;
	return 0;
}

static int
scan_value(struct ctx *c, size_t depth, unsigned char *type)
{
	int esc;

	if (depth > c->s->max_depth)
		return fail(c, "nesting too deep");
	if (c->p >= c->end)
		return fail(c, "value expected");
	switch (*c->p) {
	case '{':
		*type = K_JOBJ;
		return scan_object(c, depth, 0);
	case '[':
		*type = K_JARR;
		return scan_array(c, depth);
	case '"':
		*type = K_JSTR;
		return scan_string(c, &esc);
	case 't':
		*type = K_JTRUE;
		return literal(c, "true", 4);
	case 'f':
		*type = K_JFALSE;
		return literal(c, "false", 5);
	case 'n':
		*type = K_JNULL;
		return literal(c, "null", 4);
	default:
		*type = K_JNUM;
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			return scan_number(c);
		return fail(c, "value expected");
	}
}

static int
push_member(struct k_jmember **arr, size_t *n, size_t *cap,
            const struct k_jmember *m)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct k_jmember *na = realloc(*arr, nc * sizeof *na);
		if (na == NULL)
			return -1;
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = *m;
	return 0;
}

static enum k_status
grow_tables(struct k_jscan *s, size_t len)
{
	if (s->tabcap == 0 || (s->tabused + 1) * 2 > s->tabcap) {
		size_t nc = s->tabcap ? s->tabcap * 4 : 256;
		struct k_jslot *nt = calloc(nc, sizeof *nt);
		if (nt == NULL)
			return K_ENOMEM;
		free(s->tab);
		s->tab = nt;
		s->tabcap = nc;
		s->tag = 0;
	}
	if (s->deccap < len + 1) {
		size_t nc = len + 1 > 4096 ? len + 1 : 4096;
		char *nd = realloc(s->dec, nc);
		if (nd == NULL)
			return K_ENOMEM;
		s->dec = nd;
		s->deccap = nc;
	}
	return K_OK;
}

enum k_status
k_jscan_line(struct k_jscan *s, const char *line, size_t len,
             struct k_error *err)
{
	struct ctx c;
	int rc;

	if (grow_tables(s, len) != K_OK)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (;;) {
		s->ntop = s->nsub = 0;
		s->has_sub = 0;
		s->subm = NULL;
		s->tabused = 0;
		s->declen = 0;
		s->line_tag = s->tag + 1;
		c.s = s;
		c.base = c.p = line;
		c.end = line + len;
		c.err = err;
		c.restart = 0;
		skip_ws(&c);
		if (c.p >= c.end) {
			return k_error_set(err, K_EDATA, "empty line");
		}
		if (*c.p != '{') {
			fail(&c, "a record must be a JSON object");
			return K_EDATA;
		}
		rc = scan_object(&c, 1, 1);
		if (rc == RESTART) {
			s->tabused = s->tabcap; /* force growth */
			if (grow_tables(s, len) != K_OK)
				return k_error_set(err, K_ENOMEM, "out of memory");
			continue;
		}
		if (rc != 0)
			return K_EDATA;
		skip_ws(&c);
		if (c.p != c.end) {
			fail(&c, "trailing characters after the JSON object");
			return K_EDATA;
		}
		break;
	}
	if (s->subkey != NULL)
		s->subm = k_jscan_find(s->top, s->ntop, s->subkey, s->subkeylen);
	return K_OK;
}

int
k_jkey_eq(const struct k_jmember *m, const char *name, size_t namelen)
{
	if (!m->kesc)
		return m->klen == namelen && memcmp(m->key, name, namelen) == 0;
	if (m->klen < namelen)
		return 0;
	char tmp[256];
	if (m->klen >= sizeof tmp) {
		char *heap = malloc(m->klen);
		if (heap == NULL)
			return 0;
		size_t n = decode(m->key, m->klen, heap);
		int eq = n == namelen && memcmp(heap, name, n) == 0;
		free(heap);
		return eq;
	}
	size_t n = decode(m->key, m->klen, tmp);
	return n == namelen && memcmp(tmp, name, n) == 0;
}

const struct k_jmember *
k_jscan_find(const struct k_jmember *m, size_t n, const char *name,
             size_t namelen)
{
	for (size_t i = 0; i < n; i++)
		if (k_jkey_eq(&m[i], name, namelen))
			return &m[i];
	return NULL;
}

int
k_jscan_ts(const struct k_jscan *s, int64_t *ms, const struct k_jmember **mp)
{
	const struct k_jmember *m = k_jscan_find(s->top, s->ntop, "ts", 2);
	char buf[64];
	size_t n;

	if (mp != NULL)
		*mp = m;
	if (m == NULL)
		return -1;
	if (m->type != K_JSTR)
		return -2;
	n = k_jstr(m, buf, sizeof buf);
	if (n == (size_t)-1 || k_time_parse(buf, n, ms) < 0)
		return -3;
	return 0;
}

double
k_jnum(const struct k_jmember *m)
{
	/* The span is followed by a delimiter, as k_fastfloat requires. */
	return k_fastfloat(m->val, m->vlen);
}

size_t
k_jstr(const struct k_jmember *m, char *buf, size_t cap)
{
	if (m->type != K_JSTR || m->vlen < 2 || m->vlen - 2 >= cap)
		return (size_t)-1;
	size_t n = decode(m->val + 1, m->vlen - 2, buf);
	buf[n] = '\0';
	return n;
}

size_t
k_jkey(const struct k_jmember *m, char *buf, size_t cap)
{
	if (m->klen >= cap)
		return (size_t)-1;
	size_t n = decode(m->key, m->klen, buf);
	buf[n] = '\0';
	return n;
}

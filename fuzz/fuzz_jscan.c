/*
 * fuzz_jscan.c - the record line scanner (text/k_jscan) against jansson:
 * the input is one line, and the scanner must accept exactly what
 * json_loadb(JSON_REJECT_DUPLICATES) accepts as an object, but for the
 * documented differences (an integer past 64 bits, which jansson refuses
 * and the scanner reads; a NUL byte and nesting past 512, which jansson
 * accepts and the scanner refuses). Where both accept, the scanner's
 * members (and those of "features") must be jansson's: same keys, types,
 * numbers and strings. k_json_parse must give the scanner's verdict.
 */
#include <jansson.h>
#include <string.h>

#include "text/k_jscan.h"
#include "text/k_json.h"
#include "fuzz.h"

static char kbuf[1 << 16], vbuf[1 << 16];

/* The scanner's member m is the value v that jansson read. */
static void
same_value(const struct k_jmember *m, const json_t *v)
{
	switch (m->type) {
	case K_JNULL: FUZZ_CHECK(json_is_null(v), "member '%s'", kbuf); break;
	case K_JTRUE: FUZZ_CHECK(json_is_true(v), "member '%s'", kbuf); break;
	case K_JFALSE: FUZZ_CHECK(json_is_false(v), "member '%s'", kbuf); break;
	case K_JARR: FUZZ_CHECK(json_is_array(v), "member '%s'", kbuf); break;
	case K_JOBJ: FUZZ_CHECK(json_is_object(v), "member '%s'", kbuf); break;
	case K_JNUM:
		FUZZ_CHECK(json_is_number(v), "member '%s'", kbuf);
		FUZZ_CHECK(k_jnum(m) == json_number_value(v), "member '%s': "
		           "scanner %.17g, jansson %.17g", kbuf, k_jnum(m),
		           json_number_value(v));
		break;
	case K_JSTR: {
		FUZZ_CHECK(json_is_string(v), "member '%s'", kbuf);
		size_t n = k_jstr(m, vbuf, sizeof vbuf);
		if (n != (size_t)-1)
			FUZZ_CHECK(n == json_string_length(v) &&
			           memcmp(vbuf, json_string_value(v), n) == 0,
			           "member '%s': strings differ", kbuf);
		break;
	}
	default:
		FUZZ_CHECK(0, "member '%s': type %d", kbuf, m->type);
	}
}

/* The n members m are those of jansson's object o. */
static void
same_members(const struct k_jmember *m, size_t n, const json_t *o)
{
	FUZZ_CHECK(n == json_object_size(o), "scanner %zu members, jansson %zu",
	           n, json_object_size(o));
	for (size_t i = 0; i < n; i++) {
		size_t kl = k_jkey(&m[i], kbuf, sizeof kbuf);
		if (kl == (size_t)-1)
			continue;
		const json_t *v = json_object_getn(o, kbuf, kl);
		FUZZ_CHECK(v != NULL, "member '%s' not in jansson's object", kbuf);
		same_value(&m[i], v);
	}
}

/* Where the two verdicts part, one of the documented reasons. */
static void
difference_allowed(int scan, const char *line, size_t n,
                   const struct k_error *e, const json_error_t *je,
                   const json_t *v)
{
	if (scan)
		FUZZ_CHECK(v == NULL && strstr(je->text, "too big") != NULL,
		           "the scanner accepts what jansson refuses: %s",
		           v ? "not an object" : je->text);
	else
		FUZZ_CHECK(memchr(line, '\0', n) != NULL ||
		           strstr(e->text, "nesting too deep") != NULL,
		           "jansson accepts what the scanner refuses: %s", e->text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct k_jscan s;
	static int ready;
	const char *line = (const char *)data;
	struct k_error e, e2;
	json_error_t je;

	if (!ready) {
		k_jscan_init(&s, "features");
		ready = 1;
	}
	int scan = k_jscan_line(&s, line, size, &e) == K_OK;
	json_t *v = json_loadb(line, size, JSON_REJECT_DUPLICATES, &je);
	int jans = v != NULL && json_is_object(v);
	if (scan != jans)
		difference_allowed(scan, line, size, &e, &je, v);
	if (scan && jans) {
		same_members(s.top, s.ntop, v);
		const json_t *sub = json_object_get(v, "features");
		FUZZ_CHECK(s.has_sub == json_is_object(sub), "sub-object");
		if (s.has_sub)
			same_members(s.sub, s.nsub, sub);
	}
	json_decref(v);

	json_t *p = k_json_parse(&s, line, size, &e2);
	FUZZ_CHECK((p != NULL) == scan, "k_json_parse %s what the scanner %s",
	           p ? "accepts" : "refuses", scan ? "accepts" : "refuses");
	if (p != NULL)
		FUZZ_CHECK(json_object_size(p) == s.ntop, "k_json_parse members");
	json_decref(p);
	return 0;
}

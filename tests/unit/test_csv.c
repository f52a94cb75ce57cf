/*
 * test_csv.c - k_csv_split, the line splitter of kfetch csv: plain,
 * empty and quoted fields (the delimiter and doubled quotes inside
 * quotes), a trailing delimiter, a CRLF ending, another delimiter, only
 * line[0..len) read, the field table and buffer reused and grown across
 * lines; and each refusal the header names (an unterminated quote, also
 * a quoted field running over a line end; a quote inside an unquoted
 * field; text after a closing quote) with K_EDATA and the column, from 1,
 * in err. Every expected field list is worked out by hand from RFC 4180.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/k_csv.h"
#include "ktest.h"

/* Split line (its strlen) and compare with the n fields of want. */
static void
expect(struct k_csv *c, const char *line, size_t n, const char *const *want)
{
	struct k_error e = { 0 };

	KT_EQ_INT(k_csv_split(c, line, strlen(line), &e), K_OK);
	KT_EQ_INT(c->n, n);
	for (size_t i = 0; i < n && i < c->n; i++)
		KT_EQ_STR(c->f[i], want[i]);
	if (c->n != n)
		KT_FAIL("in: \"%s\"", line);
}

#define EXPECT(c, line, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	expect((c), (line), sizeof want_ / sizeof *want_, want_); } while (0)

/* Split line and expect K_EDATA with exactly text in err. */
static void
refuse(struct k_csv *c, const char *line, const char *text)
{
	struct k_error e = { 0 };

	KT_EQ_INT(k_csv_split(c, line, strlen(line), &e), K_EDATA);
	KT_EQ_INT(e.code, K_EDATA);
	KT_EQ_STR(e.text, text);
}

static void
test_fields(void)
{
	struct k_csv c;

	k_csv_init(&c, 0);   /* 0: the default, ',' */
	KT_EQ_INT(c.delim, ',');
	EXPECT(&c, "a,b,c", "a", "b", "c");
	EXPECT(&c, "one", "one");
	EXPECT(&c, " a , b ", " a ", " b ");   /* spaces are data */
	/* Empty fields: an empty line is one empty field. */
	EXPECT(&c, "", "");
	EXPECT(&c, ",", "", "");
	EXPECT(&c, ",,", "", "", "");
	EXPECT(&c, "a,,c", "a", "", "c");
	EXPECT(&c, "a,", "a", "");   /* a trailing delimiter ends an empty field */
	/* Quoted: the delimiter inside, doubled quotes, empty, mixed. */
	EXPECT(&c, "\"a,b\",c", "a,b", "c");
	EXPECT(&c, "x,\"a,b,c\"", "x", "a,b,c");
	EXPECT(&c, "\"say \"\"hi\"\"\",x", "say \"hi\"", "x");
	EXPECT(&c, "\"\"\"\"", "\"");
	EXPECT(&c, "\"\"", "");
	EXPECT(&c, "\"\",\"\",", "", "", "");
	EXPECT(&c, "1,\"2\",3", "1", "2", "3");
	EXPECT(&c, "\"a\",", "a", "");
	EXPECT(&c, "\" lead\",\"trail \"", " lead", "trail ");
	EXPECT(&c, "\"a\rb\"", "a\rb");
	k_csv_release(&c);
}

/* A CRLF file: the caller gives the line without its LF, and one CR
 * before the end is dropped; a CR elsewhere is data. */
static void
test_crlf(void)
{
	struct k_csv c;

	k_csv_init(&c, ',');
	EXPECT(&c, "a,b\r", "a", "b");
	EXPECT(&c, "a,\r", "a", "");
	EXPECT(&c, "\r", "");
	EXPECT(&c, "\"q,r\"\r", "q,r");
	EXPECT(&c, "a\rb,c", "a\rb", "c");
	EXPECT(&c, "a\r\r", "a\r");
	k_csv_release(&c);
}

/* Another delimiter: the comma is then data, and so is the tab with ';'. */
static void
test_delim(void)
{
	struct k_csv c;

	k_csv_init(&c, ';');
	KT_EQ_INT(c.delim, ';');
	EXPECT(&c, "a;\"b;c\";d,e", "a", "b;c", "d,e");
	EXPECT(&c, "x\ty;", "x\ty", "");
	k_csv_release(&c);
	k_csv_init(&c, '\t');
	EXPECT(&c, "a\tb,c\t\"d\te\"", "a", "b,c", "d\te");
	k_csv_release(&c);
}

/* Only line[0..len) is read: no NUL needed, nothing after len seen. */
static void
test_len(void)
{
	struct k_csv c;
	struct k_error e = { 0 };
	const char raw[] = { 'a', ',', 'b', ',', 'c' };   /* no NUL */

	k_csv_init(&c, ',');
	KT_EQ_INT(k_csv_split(&c, raw, 3, &e), K_OK);
	KT_EQ_INT(c.n, 2);
	KT_EQ_STR(c.f[0], "a");
	KT_EQ_STR(c.f[1], "b");
	KT_EQ_INT(k_csv_split(&c, raw, sizeof raw, &e), K_OK);
	KT_EQ_INT(c.n, 3);
	KT_EQ_STR(c.f[2], "c");
	/* The closing quote past len is not seen. */
	KT_EQ_INT(k_csv_split(&c, "\"ab\"", 3, &e), K_EDATA);
	KT_EQ_STR(e.text, "column 1: unterminated quoted field");
	k_csv_release(&c);
}

/* One k_csv over many lines: 100 fields (past the first table of 32),
 * then a short line (the count starts again), a long field after short
 * lines (the buffer grows), and short again. */
static void
test_reuse(void)
{
	struct k_csv c;
	struct k_error e = { 0 };
	char line[400], want[12], *big;
	size_t len = 0;

	k_csv_init(&c, ',');
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "%s%d",
		                        i ? "," : "", i);
	KT_EQ_INT(k_csv_split(&c, line, len, &e), K_OK);
	KT_EQ_INT(c.n, 100);
	for (int i = 0; i < 100 && (size_t)i < c.n; i++) {
		snprintf(want, sizeof want, "%d", i);
		KT_EQ_STR(c.f[i], want);
	}
	EXPECT(&c, "x,y", "x", "y");
	big = malloc(10003);
	big[0] = '"';
	memset(big + 1, 'z', 10000);
	memcpy(big + 10001, "\",", 2);
	KT_EQ_INT(k_csv_split(&c, big, 10003, &e), K_OK);
	KT_EQ_INT(c.n, 2);
	KT_EQ_INT(strlen(c.f[0]), 10000);
	KT_EQ_INT(c.f[0][9999], 'z');
	KT_EQ_STR(c.f[1], "");
	free(big);
	EXPECT(&c, "p", "p");
	/* A refused line leaves the next one unharmed. */
	refuse(&c, "\"open", "column 1: unterminated quoted field");
	EXPECT(&c, "a,\"b\"", "a", "b");
	k_csv_release(&c);
	k_csv_release(&c);   /* twice is harmless: release clears it */
}

/* The refusals of k_csv.h, each with its column counted from 1. */
static void
test_refused(void)
{
	struct k_csv c;

	k_csv_init(&c, ',');
	/* An unterminated quote. */
	refuse(&c, "\"abc", "column 1: unterminated quoted field");
	refuse(&c, "a,b,\"c,d", "column 3: unterminated quoted field");
	refuse(&c, "\"", "column 1: unterminated quoted field");
	refuse(&c, "x,\"a\"\"", "column 2: unterminated quoted field");
	/* A CR before the end is dropped before the quotes are read. */
	refuse(&c, "\"a\r", "column 1: unterminated quoted field");
	/* A quoted field running over a line end: the reader gives the two
	 * lines apart, and neither half is taken. */
	refuse(&c, "1,\"first half", "column 2: unterminated quoted field");
	refuse(&c, "second half\",2", "column 1: a quote inside an unquoted "
	       "field");
	/* A quote inside an unquoted field. */
	refuse(&c, "ab\"c", "column 1: a quote inside an unquoted field");
	refuse(&c, "a,b\"", "column 2: a quote inside an unquoted field");
	refuse(&c, "a, \"b\"", "column 2: a quote inside an unquoted field");
	/* Text after a closing quote, a space included. */
	refuse(&c, "\"a\"b", "column 1: text after a closing quote");
	refuse(&c, "x,\"a\" ,y", "column 2: text after a closing quote");
	refuse(&c, "x,y,\"\"z", "column 3: text after a closing quote");
	k_csv_release(&c);
	/* With ';', a comma after a closing quote is text too. */
	k_csv_init(&c, ';');
	refuse(&c, "\"a\",b", "column 1: text after a closing quote");
	k_csv_release(&c);
}

int
main(void)
{
	test_fields();
	test_crlf();
	test_delim();
	test_len();
	test_reuse();
	test_refused();
	KT_DONE();
}

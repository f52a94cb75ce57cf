/*
 * test_store.c - the model store (k_store) through its public API only:
 * publish a named and a time-named version, `latest`, the kinds and
 * versions listed, promote (set_latest), remove (what prune does), the
 * version and kind name checks with their messages, a version that exists
 * (K_ECANTCREAT), a damaged `latest`, names that would leave the store,
 * a lock that cannot be taken, a root that is a file and paths too long. Each run works in a temporary directory of its own,
 * removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/k_store.h"
#include "ktest.h"

static char dir[64];     /* the test's own directory */
static char root[128];   /* the store, inside it */

static int
exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	KT_CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	KT_EQ_INT(fclose(f), 0);
}

/* The whole content of a small file, or "" if it cannot be read. */
static const char *
read_text(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void
version_names(void)
{
	struct k_error e;
	const char *good[] = {
		"v1", "v1.0", "2024_x+1", "A-b", "0",
		"a234567890123456789012345678901234567890123456789012345678901234",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		KT_EQ_INT(k_version_check(good[i], &e), K_OK);
	struct { const char *name, *msg; } bad[] = {
		{ "", "empty version name" },
		{ "a2345678901234567890123456789012345678901234567890123456789012345",
		  "version name 'a2345678901234567890...' is longer than 64 "
		  "characters" },
		{ "latest", "'latest' is the pointer, not a version name" },
		{ "-a", "version name '-a' must start with a letter or a digit" },
		{ ".a", "version name '.a' must start with a letter or a digit" },
		{ "..", "version name '..' must start with a letter or a digit" },
		{ "a/b", "version name 'a/b': character '/' is not allowed (use "
		  "letters, digits, '.', '_', '-', '+')" },
		{ "a b", "version name 'a b': character ' ' is not allowed (use "
		  "letters, digits, '.', '_', '-', '+')" },
		{ "a\tb", "version name 'a\tb': character '?' is not allowed "
		  "(use letters, digits, '.', '_', '-', '+')" },
		{ "a..b", "version name 'a..b' must not contain '..'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		KT_EQ_INT(k_version_check(bad[i].name, &e), K_EUSAGE);
		KT_EQ_STR(e.text, bad[i].msg);
	}
	KT_EQ_INT(k_version_check("a/b", NULL), K_EUSAGE);
}

static void
kind_names(void)
{
	struct k_error e;
	const char *good[] = { "anomaly", "forecast", "b_2", "0", "_",
	                       "abcdefghijklmnop" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		KT_EQ_INT(k_kind_check(good[i], &e), K_OK);
	struct { const char *name, *msg; } bad[] = {
		{ "", "empty model kind" },
		{ "abcdefghijklmnopq", "model kind 'abcdefghijklmnopq' is longer "
		  "than 16 characters" },
		{ "abcdefghijklmnopqrstuvwxyz", "model kind 'abcdefghijklmnopqrst"
		  "...' is longer than 16 characters" },
		{ "..", "model kind '..': character '.' is not allowed (use "
		  "lower-case letters, digits and '_')" },
		{ ".", "model kind '.': character '.' is not allowed (use "
		  "lower-case letters, digits and '_')" },
		{ "a/b", "model kind 'a/b': character '/' is not allowed (use "
		  "lower-case letters, digits and '_')" },
		{ "Anomaly", "model kind 'Anomaly': character 'A' is not allowed "
		  "(use lower-case letters, digits and '_')" },
		{ "a-b", "model kind 'a-b': character '-' is not allowed (use "
		  "lower-case letters, digits and '_')" },
		{ "a\nb", "model kind 'a\nb': character '?' is not allowed (use "
		  "lower-case letters, digits and '_')" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		KT_EQ_INT(k_kind_check(bad[i].name, &e), K_EUSAGE);
		KT_EQ_STR(e.text, bad[i].msg);
	}
	KT_EQ_INT(k_kind_check("..", NULL), K_EUSAGE);
}

static void
init(void)
{
	struct k_store st;
	char with_slashes[160];

	snprintf(with_slashes, sizeof with_slashes, "%s///", root);
	k_store_init(&st, with_slashes);
	KT_EQ_STR(st.root, root);
	k_store_init(&st, "/");
	KT_EQ_STR(st.root, "/");
	setenv("KTOOLS_MODEL_DIR", "/srv/models", 1);
	k_store_init(&st, NULL);
	KT_EQ_STR(st.root, "/srv/models");
	setenv("KTOOLS_MODEL_DIR", "", 1);
	k_store_init(&st, NULL);
	KT_EQ_STR(st.root, "./models");
	unsetenv("KTOOLS_MODEL_DIR");
	k_store_init(&st, NULL);
	KT_EQ_STR(st.root, "./models");
}

/* A store that does not exist yet is empty. */
static void
empty(const struct k_store *st)
{
	struct k_store_entry *ents;
	char **kinds;
	size_t n = 9;
	char v[K_VERSION_MAX + 1] = "x", p[K_PATH_MAX], want[300];
	struct k_error e;

	KT_EQ_INT(k_store_kinds(st, &kinds, &n, &e), K_OK);
	KT_EQ_INT(n, 0);
	KT_CHECK(kinds == NULL);
	n = 9;
	KT_EQ_INT(k_store_versions(st, "anomaly", &ents, &n, &e), K_OK);
	KT_EQ_INT(n, 0);
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_OK);
	KT_EQ_STR(v, "");
	KT_EQ_INT(k_store_resolve(st, "anomaly", NULL, v, p, &e), K_ECONFIG);
	snprintf(want, sizeof want, "no trained 'anomaly' model in '%s'", root);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(k_store_resolve(st, "anomaly", "latest", v, p, &e),
	          K_ECONFIG);
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct k_store_entry *)a)->version,
	              ((const struct k_store_entry *)b)->version);
}

/* Publish v1, v2, v3 of anomaly and one of forecast: each becomes latest;
 * the listings hold them and nothing else. */
static void
publish(const struct k_store *st)
{
	char v[K_VERSION_MAX + 1], p[K_PATH_MAX], want[K_PATH_MAX];
	struct k_error e;
	const char *names[] = { "v2", "v1", "v3" };

	for (size_t i = 0; i < 3; i++) {
		char data[32];
		snprintf(data, sizeof data, "model %s", names[i]);
		KT_EQ_INT(k_store_publish(st, "anomaly", names[i], data,
		                          strlen(data), v, p, &e), K_OK);
		KT_EQ_STR(v, names[i]);
		snprintf(want, sizeof want, "%s/anomaly/%s.ktm", root, names[i]);
		KT_EQ_STR(p, want);
		KT_EQ_STR(read_text(p), data);
		KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_OK);
		KT_EQ_STR(v, names[i]);
	}
	snprintf(want, sizeof want, "%s/anomaly/latest", root);
	KT_EQ_STR(read_text(want), "v3\n");
	KT_EQ_INT(k_store_publish(st, "forecast", "f1", "", 0, v, p, &e), K_OK);

	/* Not versions, not kinds: passed over. */
	snprintf(want, sizeof want, "%s/anomaly/notes.txt", root);
	write_text(want, "x");
	snprintf(want, sizeof want, "%s/anomaly/-x.ktm", root);
	write_text(want, "x");
	snprintf(want, sizeof want, "%s/anomaly/latest.ktm", root);
	write_text(want, "x");
	snprintf(want, sizeof want, "%s/Bad", root);
	KT_EQ_INT(mkdir(want, 0777), 0);
	snprintf(want, sizeof want, "%s/plain", root);
	write_text(want, "x");

	struct k_store_entry *ents;
	size_t n;
	KT_EQ_INT(k_store_versions(st, "anomaly", &ents, &n, &e), K_OK);
	KT_EQ_INT(n, 3);
	qsort(ents, n, sizeof *ents, cmp_entry);
	for (size_t i = 0; i < n && i < 3; i++) {
		char ver[8];
		snprintf(ver, sizeof ver, "v%zu", i + 1);
		KT_EQ_STR(ents[i].version, ver);
		snprintf(want, sizeof want, "%s/anomaly/%s.ktm", root, ver);
		KT_EQ_STR(ents[i].path, want);
	}
	free(ents);

	char **kinds;
	KT_EQ_INT(k_store_kinds(st, &kinds, &n, &e), K_OK);
	KT_EQ_INT(n, 2);
	if (n == 2) {
		KT_EQ_STR(kinds[0], "anomaly");
		KT_EQ_STR(kinds[1], "forecast");
	}
	for (size_t i = 0; i < n; i++)
		free(kinds[i]);
	free(kinds);
}

/* A version that exists: K_ECANTCREAT, and neither the file nor latest
 * changes. A time-named version gets a fresh name each time. */
static void
publish_again(const struct k_store *st)
{
	char v[K_VERSION_MAX + 1], v2[K_VERSION_MAX + 1], p[K_PATH_MAX];
	char want[K_PATH_MAX + 100];
	struct k_error e;

	KT_EQ_INT(k_store_publish(st, "anomaly", "v1", "other", 5, v, p, &e),
	          K_ECANTCREAT);
	snprintf(want, sizeof want, "version 'v1' of the 'anomaly' model "
	         "already exists in '%s'", root);
	KT_EQ_STR(e.text, want);
	snprintf(want, sizeof want, "%s/anomaly/v1.ktm", root);
	KT_EQ_STR(read_text(want), "model v1");
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_OK);
	KT_EQ_STR(v, "v3");

	KT_EQ_INT(k_store_publish(st, "auto", NULL, "a", 1, v, p, &e), K_OK);
	KT_EQ_INT(k_store_publish(st, "auto", NULL, "b", 1, v2, p, &e), K_OK);
	/* YYYYmmdd_HHMMSS, and the second one _2 in the same second. */
	KT_EQ_INT(strlen(v), 15);
	KT_CHECK(v[8] == '_' && strspn(v, "0123456789_") == 15);
	KT_CHECK(strcmp(v, v2) != 0);
	KT_CHECK(strncmp(v2, v, 15) != 0 || strcmp(v2 + 15, "_2") == 0);
	KT_EQ_INT(k_store_latest(st, "auto", p, &e), K_OK);
	KT_EQ_STR(p, v2);
}

/* Resolve, promote (set_latest) and remove. */
static void
resolve_promote_remove(const struct k_store *st)
{
	char v[K_VERSION_MAX + 1], p[K_PATH_MAX], want[K_PATH_MAX + 100];
	struct k_error e;

	KT_EQ_INT(k_store_resolve(st, "anomaly", NULL, v, p, &e), K_OK);
	KT_EQ_STR(v, "v3");
	KT_EQ_INT(k_store_resolve(st, "anomaly", "v1", v, p, &e), K_OK);
	KT_EQ_STR(v, "v1");
	snprintf(want, sizeof want, "%s/anomaly/v1.ktm", root);
	KT_EQ_STR(p, want);
	KT_EQ_INT(k_store_resolve(st, "anomaly", "v9", v, p, &e), K_ENOINPUT);
	snprintf(want, sizeof want, "no version 'v9' of the 'anomaly' model in "
	         "'%s'", root);
	KT_EQ_STR(e.text, want);

	/* Promote: a rollback to v1, and back. */
	KT_EQ_INT(k_store_set_latest(st, "anomaly", "v1", &e), K_OK);
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_OK);
	KT_EQ_STR(v, "v1");
	KT_EQ_INT(k_store_set_latest(st, "anomaly", "v9", &e), K_ENOINPUT);
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_OK);
	KT_EQ_STR(v, "v1");
	KT_EQ_INT(k_store_set_latest(st, "anomaly", "v3", &e), K_OK);

	/* Remove: never latest; then what prune keeps. */
	KT_EQ_INT(k_store_remove(st, "anomaly", "v3", &e), K_EUSAGE);
	KT_EQ_STR(e.text, "'v3' is the latest 'anomaly' model; promote "
	          "another version first");
	snprintf(want, sizeof want, "%s/anomaly/v3.ktm", root);
	KT_CHECK(exists(want));
	KT_EQ_INT(k_store_remove(st, "anomaly", "v1", &e), K_OK);
	snprintf(want, sizeof want, "%s/anomaly/v1.ktm", root);
	KT_CHECK(!exists(want));
	KT_EQ_INT(k_store_remove(st, "anomaly", "v1", &e), K_ENOINPUT);
	struct k_store_entry *ents;
	size_t n;
	KT_EQ_INT(k_store_versions(st, "anomaly", &ents, &n, &e), K_OK);
	KT_EQ_INT(n, 2);
	free(ents);
}

/* A latest pointer that is damaged, or names a version that is gone. */
static void
damaged_latest(const struct k_store *st)
{
	char v[K_VERSION_MAX + 1], p[K_PATH_MAX], lp[K_PATH_MAX];
	char want[K_PATH_MAX + 200];
	struct k_error e;

	snprintf(lp, sizeof lp, "%s/anomaly/latest", root);
	write_text(lp, "gone\n");
	KT_EQ_INT(k_store_resolve(st, "anomaly", NULL, v, p, &e), K_EDATA);
	snprintf(want, sizeof want, "'latest' of the 'anomaly' model names "
	         "'gone', which is missing from '%s'", root);
	KT_EQ_STR(e.text, want);
	write_text(lp, "");
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_EDATA);
	snprintf(want, sizeof want, "'%s' is empty: the store is damaged "
	         "(repair with 'kmodel promote')", lp);
	KT_EQ_STR(e.text, want);
	write_text(lp, "../../etc/passwd\n");
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_EDATA);
	snprintf(want, sizeof want, "'%s' does not name a valid version: the "
	         "store is damaged (repair with 'kmodel promote')", lp);
	KT_EQ_STR(e.text, want);
	KT_EQ_STR(v, "");
	KT_EQ_INT(k_store_resolve(st, "anomaly", "latest", v, p, &e), K_EDATA);
	/* A link out of the store is not followed, though what it points at
	 * would name a version; a FIFO is refused, not waited on. */
	char out[K_PATH_MAX];
	snprintf(out, sizeof out, "%s.outside", root);
	write_text(out, "v1\n");
	unlink(lp);
	KT_EQ_INT(symlink(out, lp), 0);
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_EIO);
	snprintf(want, sizeof want, "cannot read %s: a symbolic link, which is "
	         "not followed here (it should be a file naming a version: "
	         "repair with 'kmodel promote')", lp);
	KT_EQ_STR(e.text, want);
	KT_EQ_STR(v, "");
	unlink(lp);
	unlink(out);
	KT_EQ_INT(mkfifo(lp, 0600), 0);
	KT_EQ_INT(k_store_latest(st, "anomaly", v, &e), K_EIO);
	snprintf(want, sizeof want, "cannot read %s: not a regular file (it "
	         "should be a file naming a version: repair with 'kmodel "
	         "promote')", lp);
	KT_EQ_STR(e.text, want);
	unlink(lp);
	/* Promote repairs it. */
	KT_EQ_INT(k_store_set_latest(st, "anomaly", "v2", &e), K_OK);
	KT_EQ_STR(read_text(lp), "v2\n");
}

/* Kinds and versions that would leave the store are refused by every
 * function, and nothing is written or removed outside it. */
static void
outside(const struct k_store *st)
{
	char v[K_VERSION_MAX + 1], p[K_PATH_MAX], out[K_PATH_MAX];
	struct k_store_entry *ents;
	size_t n;
	struct k_error e;

	snprintf(out, sizeof out, "%s/x.ktm", dir);
	write_text(out, "outside");
	KT_EQ_INT(k_store_publish(st, "..", "v1", "a", 1, v, p, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "model kind '..': character '.' is not allowed (use "
	          "lower-case letters, digits and '_')");
	KT_EQ_INT(k_store_publish(st, "anomaly", "../v", "a", 1, v, p, &e),
	          K_EUSAGE);
	KT_EQ_INT(k_store_versions(st, "..", &ents, &n, &e), K_EUSAGE);
	KT_EQ_INT(n, 0);
	KT_EQ_INT(k_store_latest(st, "..", v, &e), K_EUSAGE);
	KT_EQ_INT(k_store_resolve(st, "..", "x", v, p, &e), K_EUSAGE);
	KT_EQ_INT(k_store_resolve(st, "anomaly", "../../x", v, p, &e),
	          K_EUSAGE);
	KT_EQ_INT(k_store_set_latest(st, "..", "x", &e), K_EUSAGE);
	KT_EQ_INT(k_store_remove(st, "..", "x", &e), K_EUSAGE);
	KT_EQ_INT(k_store_remove(st, "a/..", "x", &e), K_EUSAGE);
	KT_EQ_STR(read_text(out), "outside");
	snprintf(out, sizeof out, "%s/latest", dir);
	KT_CHECK(!exists(out));
	snprintf(out, sizeof out, "%s/x.ktm", dir);
	unlink(out);
}

/* A root that is a file, and paths too long to build. */
static void
bad_roots(void)
{
	struct k_store st;
	char v[K_VERSION_MAX + 1], p[K_PATH_MAX], file[K_PATH_MAX];
	char want[K_PATH_MAX + 100];
	struct k_store_entry *ents;
	char **kinds;
	size_t n;
	struct k_error e;

	snprintf(file, sizeof file, "%s/file", dir);
	write_text(file, "x");
	k_store_init(&st, file);
	KT_EQ_INT(k_store_publish(&st, "anomaly", "v1", "a", 1, v, p, &e),
	          K_ECANTCREAT);
	snprintf(want, sizeof want, "cannot create directory '%s/anomaly': "
	         "Not a directory", file);
	KT_EQ_STR(e.text, want);
	KT_EQ_INT(k_store_kinds(&st, &kinds, &n, &e), K_EIO);
	snprintf(want, sizeof want, "cannot read model store '%s': Not a "
	         "directory", file);
	KT_EQ_STR(e.text, want);
	/* A kind whose directory is a file. */
	k_store_init(&st, root);
	snprintf(file, sizeof file, "%s/plain", root);
	KT_EQ_INT(k_store_versions(&st, "plain", &ents, &n, &e), K_EIO);
	snprintf(want, sizeof want, "cannot read '%s': Not a directory", file);
	KT_EQ_STR(e.text, want);
	unlink(file);

	/* dir/././... : the test's directory, by a name too long to join. */
	char longroot[K_PATH_MAX];
	size_t len = (size_t)snprintf(longroot, sizeof longroot, "%s", dir);
	while (len + 2 < K_PATH_MAX - 4) {
		memcpy(longroot + len, "/.", 3);
		len += 2;
	}
	k_store_init(&st, longroot);
	KT_EQ_INT(k_store_publish(&st, "anomaly", "v1", "a", 1, v, p, &e),
	          K_ECANTCREAT);
	KT_EQ_STR(e.text, "model directory path too long");
	KT_EQ_INT(k_store_versions(&st, "anomaly", &ents, &n, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "path too long");
	KT_EQ_INT(k_store_latest(&st, "anomaly", v, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "path too long");
	KT_EQ_INT(k_store_resolve(&st, "anomaly", "v1", v, p, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "path too long");
	KT_EQ_INT(k_store_set_latest(&st, "anomaly", "v1", &e), K_EUSAGE);
	KT_EQ_INT(k_store_remove(&st, "anomaly", "v1", &e), K_EUSAGE);
}

/* A lock that cannot be taken (its file is a directory): publish,
 * promote and remove fail and leave the store as it was. */
static void
unlockable(const struct k_store *st)
{
	char v[K_VERSION_MAX + 1], p[K_PATH_MAX], lock[K_PATH_MAX];
	struct k_store_entry *ents;
	size_t n;
	struct k_error e;

	KT_EQ_INT(k_store_publish(st, "locked", "v1", "a", 1, v, p, &e), K_OK);
	snprintf(lock, sizeof lock, "%s/locked/.lock", root);
	KT_EQ_INT(unlink(lock), 0);
	KT_EQ_INT(mkdir(lock, 0777), 0);
	KT_EQ_INT(k_store_publish(st, "locked", "v2", "b", 1, v, p, &e),
	          K_ECANTCREAT);
	KT_CHECK(strstr(e.text, ".lock") != NULL);
	KT_EQ_INT(k_store_set_latest(st, "locked", "v1", &e), K_ECANTCREAT);
	KT_EQ_INT(k_store_remove(st, "locked", "v1", &e), K_ECANTCREAT);
	KT_EQ_INT(k_store_versions(st, "locked", &ents, &n, &e), K_OK);
	KT_EQ_INT(n, 1);                 /* no v2 */
	if (n == 1)
		KT_EQ_STR(ents[0].version, "v1");
	free(ents);
	KT_EQ_INT(k_store_latest(st, "locked", v, &e), K_OK);
	KT_EQ_STR(v, "v1");
}

/* Remove the store and the test's directory. */
static void
cleanup(void)
{
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	KT_EQ_INT(system(cmd), 0);
	KT_CHECK(!exists(dir));
}

int
main(void)
{
	struct k_store st;

	snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(root, sizeof root, "%s/models", dir);
	k_store_init(&st, root);
	version_names();
	kind_names();
	init();
	empty(&st);
	publish(&st);
	publish_again(&st);
	resolve_promote_remove(&st);
	damaged_latest(&st);
	outside(&st);
	unlockable(&st);
	bad_roots();
	cleanup();
	KT_DONE();
}

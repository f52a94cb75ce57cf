/*
 * test_lockfile.c - k_lockfile, the one lock-and-replace of the project:
 * a held lock keeps a second taker out until released and times out with
 * K_ETEMPFAIL naming what was locked; a replaced file holds the new bytes
 * whole and no temporary file is left, whether the replacement succeeded
 * or failed at any step.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/k_lockfile.h"
#include "ktest.h"

static char dir[64];

/* Files in dir other than . and .. */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, cap - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

static void
test_lock(void)
{
	struct k_lockfile a, b;
	struct k_error e;
	char lp[128];

	snprintf(lp, sizeof lp, "%s/x.lock", dir);
	KT_EQ_INT(k_lockfile_take(&a, lp, 1000, "thing 'x'", &e), K_OK);
	KT_CHECK(a.fd >= 0);
	/* flock conflicts between open files, even in one process. */
	KT_EQ_INT(k_lockfile_take(&b, lp, 30, "thing 'x'", &e), K_ETEMPFAIL);
	KT_EQ_STR(e.text, "thing 'x' stayed locked for 0 s by another process; "
	          "try again");
	KT_EQ_INT(b.fd, -1);
	k_lockfile_release(&a);
	KT_EQ_INT(a.fd, -1);
	k_lockfile_release(&a); /* twice is harmless */
	KT_EQ_INT(k_lockfile_take(&b, lp, 30, "thing 'x'", &e), K_OK);
	k_lockfile_release(&b);
	snprintf(lp, sizeof lp, "%s/no/such/x.lock", dir);
	KT_EQ_INT(k_lockfile_take(&b, lp, 30, "thing", &e), K_ECANTCREAT);
	KT_CHECK(strstr(e.text, "cannot open lock") != NULL);
	snprintf(lp, sizeof lp, "%s/x.lock", dir);
	unlink(lp);
}

static void
test_replace(void)
{
	struct k_error e;
	char dst[128], buf[64];

	snprintf(dst, sizeof dst, "%s/latest", dir);
	KT_EQ_INT(k_lockfile_replace(dst, "v1\n", 3, &e), K_OK);
	slurp(dst, buf, sizeof buf);
	KT_EQ_STR(buf, "v1\n");
	KT_EQ_INT(k_lockfile_replace(dst, "version-2.5\n", 12, &e), K_OK);
	slurp(dst, buf, sizeof buf);
	KT_EQ_STR(buf, "version-2.5\n");
	KT_EQ_INT(entries(), 1);
	/* An empty file is a file too. */
	KT_EQ_INT(k_lockfile_replace(dst, "", 0, &e), K_OK);
	slurp(dst, buf, sizeof buf);
	KT_EQ_STR(buf, "");
	unlink(dst);

	/* The destination is a directory: rename fails, nothing is left. */
	snprintf(dst, sizeof dst, "%s/d", dir);
	KT_EQ_INT(mkdir(dst, 0777), 0);
	KT_EQ_INT(k_lockfile_replace(dst, "x", 1, &e), K_EIO);
	KT_CHECK(strstr(e.text, "cannot replace") != NULL);
	KT_EQ_INT(entries(), 1);
	rmdir(dst);

	/* No such directory: cannot create the temporary file. */
	snprintf(dst, sizeof dst, "%s/no/such/file", dir);
	KT_EQ_INT(k_lockfile_replace(dst, "x", 1, &e), K_ECANTCREAT);
	KT_EQ_INT(entries(), 0);
}

static void
test_sync_dir(void)
{
	struct k_error e;
	char p[128];

	snprintf(p, sizeof p, "%s/anything", dir);
	KT_EQ_INT(k_lockfile_sync_dir(p, &e), K_OK);
	KT_EQ_INT(k_lockfile_sync_dir("relative-name", &e), K_OK);
	snprintf(p, sizeof p, "%s/no/such/file", dir);
	KT_EQ_INT(k_lockfile_sync_dir(p, &e), K_EIO);
	KT_CHECK(strstr(e.text, "cannot open directory") != NULL);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_lockfile.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_lock();
	test_replace();
	test_sync_dir();
	rmdir(dir);
	KT_DONE();
}

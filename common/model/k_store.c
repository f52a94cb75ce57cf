/*
 * k_store.c - the versioned model store of k_store.h. The lock is
 * k_lockfile's flock(2) on <kind>/.lock, released by the kernel if a
 * trainer dies, so a crash never leaves the store locked; versions are
 * published by link(2) and `latest` replaced whole.
 */
#include "model/k_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/k_file.h"
#include "base/k_lockfile.h"
#include "base/k_time.h"
#include "model/k_model.h"

/* A publish holds the lock for milliseconds; a cron trainer should wait
 * out another's publish rather than fail. */
#define LOCK_WAIT_MS 30000

void
k_store_init(struct k_store *st, const char *dir)
{
	const char *env = getenv("KTOOLS_MODEL_DIR");

	if (dir == NULL)
		dir = env != NULL && env[0] != '\0' ? env : "./models";
	snprintf(st->root, sizeof st->root, "%s", dir);
	size_t n = strlen(st->root);
	while (n > 1 && st->root[n - 1] == '/')
		st->root[--n] = '\0';
}

enum k_status
k_version_check(const char *name, struct k_error *err)
{
	size_t n = strlen(name);

	if (n == 0)
		return k_error_set(err, K_EUSAGE, "empty version name");
	if (n > K_VERSION_MAX)
		return k_error_set(err, K_EUSAGE, "version name '%.20s...' is "
		                   "longer than %d characters", name,
		                   K_VERSION_MAX);
	if (strcmp(name, "latest") == 0)
		return k_error_set(err, K_EUSAGE, "'latest' is the pointer, not "
		                   "a version name");
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		            (c >= '0' && c <= '9');
		if (i == 0 && !alnum)
			return k_error_set(err, K_EUSAGE, "version name '%s' must "
			                   "start with a letter or a digit", name);
		if (!alnum && c != '.' && c != '_' && c != '-' && c != '+')
			return k_error_set(err, K_EUSAGE, "version name '%s': "
			                   "character '%c' is not allowed (use "
			                   "letters, digits, '.', '_', '-', '+')",
			                   name, c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (strstr(name, "..") != NULL)
		return k_error_set(err, K_EUSAGE, "version name '%s' must not "
		                   "contain '..'", name);
	return K_OK;
}

enum k_status
k_kind_check(const char *name, struct k_error *err)
{
	size_t n = strlen(name);

	if (n == 0)
		return k_error_set(err, K_EUSAGE, "empty model kind");
	if (n > K_MODEL_KIND_MAX)
		return k_error_set(err, K_EUSAGE, "model kind '%.20s%s' is "
		                   "longer than %d characters", name,
		                   n > 20 ? "..." : "", K_MODEL_KIND_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return k_error_set(err, K_EUSAGE, "model kind '%s': "
			                   "character '%c' is not allowed (use "
			                   "lower-case letters, digits and '_')",
			                   name, c >= 0x20 && c < 0x7f ? c : '?');
	}
	return K_OK;
}

static int
path_join(char *out, size_t cap, const char *a, const char *b, const char *c)
{
	int n = snprintf(out, cap, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static enum k_status
mkdirs(const char *path, struct k_error *err)
{
	char tmp[K_PATH_MAX];

	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char save = *p;
			*p = '\0';
			if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
				return k_error_set(err, K_ECANTCREAT,
				                   "cannot create directory '%s': %s",
				                   tmp, strerror(errno));
			*p = save;
			if (save == '\0')
				break;
		}
	}
	return K_OK;
}

/* Take the kind's lock, flock(2) on <kind>/.lock. */
static enum k_status
lock_kind(const char *kdir, struct k_lockfile *lk, struct k_error *err)
{
	char lp[K_PATH_MAX], what[K_PATH_MAX + 16];

	if (path_join(lp, sizeof lp, kdir, ".lock", NULL) < 0)
		return k_error_set(err, K_ECANTCREAT, "path too long");
	snprintf(what, sizeof what, "model store '%s'", kdir);
	return k_lockfile_take(lk, lp, LOCK_WAIT_MS, what, err);
}

/* Replace <kdir>/latest with version; the caller holds the lock. */
static enum k_status
write_latest(const char *kdir, const char *version, struct k_error *err)
{
	char dst[K_PATH_MAX], line[K_VERSION_MAX + 2];

	if (path_join(dst, sizeof dst, kdir, "latest", NULL) < 0)
		return k_error_set(err, K_ECANTCREAT, "path too long");
	int n = snprintf(line, sizeof line, "%s\n", version);
	return k_lockfile_replace(dst, line, (size_t)n, err);
}

/* Under the kind's lock: link tmp into place as version, or (NULL) as
 * the UTC time, with _2, _3... if taken. The name taken in vout, its path
 * in dst (K_PATH_MAX). */
static enum k_status
link_version(const struct k_store *st, const char *kind, const char *kdir,
             const char *version, const char *tmp,
             char vout[K_VERSION_MAX + 1], char *dst, struct k_error *err)
{
	char base[K_VERSION_MAX + 1], name[K_VERSION_MAX + 16];

	if (version != NULL) {
		snprintf(base, sizeof base, "%s", version);
	} else {
		time_t now = (time_t)(k_time_now_ms() / 1000);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(base, sizeof base, "%Y%m%d_%H%M%S", &tm);
	}
	for (int i = 1; ; i++) {
		char v[K_VERSION_MAX + 1];
		int vn = i == 1 ? snprintf(v, sizeof v, "%s", base)
		                : snprintf(v, sizeof v, "%s_%d", base, i);
		int nn = snprintf(name, sizeof name, "%s.ktm", v);
		if (vn < 0 || (size_t)vn >= sizeof v || nn < 0 ||
		    (size_t)nn >= sizeof name ||
		    path_join(dst, K_PATH_MAX, kdir, name, NULL) < 0)
			return k_error_set(err, K_ECANTCREAT, "version or path too "
			                   "long");
		if (link(tmp, dst) == 0) {
			memcpy(vout, v, (size_t)vn + 1);
			return K_OK;
		}
		if (errno != EEXIST)
			return k_error_set(err, K_ECANTCREAT, "cannot create '%s': "
			                   "%s", dst, strerror(errno));
		if (version != NULL || i >= 1000)
			return k_error_set(err, K_ECANTCREAT, "version '%s' of the "
			                   "'%s' model already exists in '%s'", v,
			                   kind, st->root);
	}
}

enum k_status
k_store_publish(const struct k_store *st, const char *kind,
                const char *version, const void *data, size_t n,
                char vout[K_VERSION_MAX + 1], char pout[K_PATH_MAX],
                struct k_error *err)
{
	char kdir[K_PATH_MAX], tmp[K_PATH_MAX], dst[K_PATH_MAX];
	char name[K_VERSION_MAX + 16];
	struct k_lockfile lk;
	enum k_status s;

	if ((s = k_kind_check(kind, err)) != K_OK)
		return s;
	if (version != NULL && (s = k_version_check(version, err)) != K_OK)
		return s;
	if (path_join(kdir, sizeof kdir, st->root, kind, NULL) < 0)
		return k_error_set(err, K_ECANTCREAT, "model directory path "
		                   "too long");
	if ((s = mkdirs(kdir, err)) != K_OK)
		return s;

	/* 1. The whole file, durable, under a name no reader looks at. */
	snprintf(name, sizeof name, ".tmp.%ld.ktm", (long)getpid());
	if (path_join(tmp, sizeof tmp, kdir, name, NULL) < 0)
		return k_error_set(err, K_ECANTCREAT, "path too long");
	if ((s = k_lockfile_write(tmp, data, n, err)) != K_OK)
		return s;

	/* 2. Under the lock: link into its version name, point latest. */
	if ((s = lock_kind(kdir, &lk, err)) != K_OK) {
		unlink(tmp);
		return s;
	}
	s = link_version(st, kind, kdir, version, tmp, vout, dst, err);
	unlink(tmp);
	if (s == K_OK) {
		/* No fsync of the directory here: the link and the rename of
		 * latest are in the same directory, and write_latest's one
		 * fsync of it makes both durable. Journalling file systems
		 * commit them in order, so latest never survives a crash that
		 * the version it names did not. */
		s = write_latest(kdir, vout, err);
		snprintf(pout, K_PATH_MAX, "%s", dst);
		/* A version without its pointer is half a save: take it
		 * back, so the same command can be run again. */
		if (s != K_OK)
			unlink(dst);
	}
	k_lockfile_release(&lk);
	return s;
}

enum k_status
k_store_latest(const struct k_store *st, const char *kind,
               char vout[K_VERSION_MAX + 1], struct k_error *err)
{
	char lp[K_PATH_MAX], line[K_VERSION_MAX + 4];
	FILE *f;

	vout[0] = '\0';
	if (k_kind_check(kind, err) != K_OK)
		return K_EUSAGE;
	if (path_join(lp, sizeof lp, st->root, kind, "latest") < 0)
		return k_error_set(err, K_EUSAGE, "path too long");
	/* Not followed if a link, not waited on if a FIFO: the pointer is a
	 * file the store wrote, or the store is damaged. */
	struct stat sb;
	struct k_error e;
	int fd;
	enum k_status s = k_file_open(lp, K_FILE_NOFOLLOW, &fd, &sb, &e);
	if (s == K_ENOINPUT)
		return K_OK;
	if (s != K_OK)
		return k_error_set(err, s, "cannot read %s (it should be a file "
		                   "naming a version: repair with 'kmodel "
		                   "promote')", e.text);
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		return k_error_set(err, K_EDATA, "'%s' is empty: the store is "
		                   "damaged (repair with 'kmodel promote')", lp);
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (strlen(line) > K_VERSION_MAX || k_version_check(line, NULL) != K_OK)
		return k_error_set(err, K_EDATA, "'%s' does not name a valid "
		                   "version: the store is damaged (repair with "
		                   "'kmodel promote')", lp);
	memcpy(vout, line, strlen(line) + 1);
	return K_OK;
}

enum k_status
k_store_resolve(const struct k_store *st, const char *kind,
                const char *version, char vout[K_VERSION_MAX + 1],
                char pout[K_PATH_MAX], struct k_error *err)
{
	char name[K_VERSION_MAX + 8];
	char v[K_VERSION_MAX + 1];
	enum k_status s;
	struct stat sb;

	if ((s = k_kind_check(kind, err)) != K_OK)
		return s;
	if (version == NULL || strcmp(version, "latest") == 0) {
		if ((s = k_store_latest(st, kind, v, err)) != K_OK)
			return s;
		if (v[0] == '\0')
			return k_error_set(err, K_ECONFIG, "no trained '%s' model "
			                   "in '%s'", kind, st->root);
	} else {
		if ((s = k_version_check(version, err)) != K_OK)
			return s;
		snprintf(v, sizeof v, "%s", version);
	}
	snprintf(name, sizeof name, "%s.ktm", v);
	if (path_join(pout, K_PATH_MAX, st->root, kind, name) < 0)
		return k_error_set(err, K_EUSAGE, "path too long");
	if (stat(pout, &sb) < 0) {
		if (version == NULL || strcmp(version, "latest") == 0)
			return k_error_set(err, K_EDATA, "'latest' of the '%s' "
			                   "model names '%s', which is missing from "
			                   "'%s'", kind, v, st->root);
		return k_error_set(err, K_ENOINPUT, "no version '%s' of the '%s' "
		                   "model in '%s'", v, kind, st->root);
	}
	snprintf(vout, K_VERSION_MAX + 1, "%s", v);
	return K_OK;
}

enum k_status
k_store_set_latest(const struct k_store *st, const char *kind,
                   const char *version, struct k_error *err)
{
	char kdir[K_PATH_MAX], v[K_VERSION_MAX + 1], p[K_PATH_MAX];
	struct k_lockfile lk;
	enum k_status s;

	if ((s = k_store_resolve(st, kind, version, v, p, err)) != K_OK)
		return s;
	if (path_join(kdir, sizeof kdir, st->root, kind, NULL) < 0)
		return k_error_set(err, K_EUSAGE, "path too long");
	if ((s = lock_kind(kdir, &lk, err)) != K_OK)
		return s;
	s = write_latest(kdir, v, err);
	k_lockfile_release(&lk);
	return s;
}

enum k_status
k_store_remove(const struct k_store *st, const char *kind,
               const char *version, struct k_error *err)
{
	char kdir[K_PATH_MAX], v[K_VERSION_MAX + 1], p[K_PATH_MAX];
	char cur[K_VERSION_MAX + 1];
	struct k_lockfile lk;
	enum k_status s;

	if ((s = k_store_resolve(st, kind, version, v, p, err)) != K_OK)
		return s;
	if (path_join(kdir, sizeof kdir, st->root, kind, NULL) < 0)
		return k_error_set(err, K_EUSAGE, "path too long");
	if ((s = lock_kind(kdir, &lk, err)) != K_OK)
		return s;
	s = k_store_latest(st, kind, cur, err);
	if (s == K_OK && strcmp(cur, v) == 0)
		s = k_error_set(err, K_EUSAGE, "'%s' is the latest '%s' model; "
		                "promote another version first", v, kind);
	if (s == K_OK && unlink(p) < 0)
		s = k_error_set(err, K_EIO, "cannot remove '%s': %s", p,
		                strerror(errno));
	if (s == K_OK)
		s = k_lockfile_sync_dir(p, err);
	k_lockfile_release(&lk);
	return s;
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a > b && strcmp(s + a - b, suf) == 0;
}

/* A name a save writes under before it links or renames into place. */
static int
is_leftover(const char *name)
{
	return (strncmp(name, ".tmp.", 5) == 0 && has_suffix(name, ".ktm")) ||
	       strncmp(name, ".latest.tmp.", 12) == 0;
}

enum k_status
k_store_sweep(const struct k_store *st, const char *kind, long max_age,
              void (*removed)(const char *path, void *arg), void *arg,
              size_t *n, struct k_error *err)
{
	char kdir[K_PATH_MAX], p[K_PATH_MAX];
	time_t now = time(NULL);
	struct dirent *de;
	struct stat sb;
	DIR *d;

	*n = 0;
	if (k_kind_check(kind, err) != K_OK)
		return K_EUSAGE;
	if (path_join(kdir, sizeof kdir, st->root, kind, NULL) < 0)
		return k_error_set(err, K_EUSAGE, "path too long");
	if ((d = opendir(kdir)) == NULL)
		return errno == ENOENT ? K_OK
		       : k_error_set(err, K_EIO, "cannot read '%s': %s", kdir,
		                     strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (!is_leftover(de->d_name) ||
		    path_join(p, sizeof p, kdir, de->d_name, NULL) < 0 ||
		    lstat(p, &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    now - sb.st_mtime < max_age)
			continue;
		if (unlink(p) < 0) {
			closedir(d);
			return k_error_set(err, K_EIO, "cannot remove '%s': %s", p,
			                   strerror(errno));
		}
		(*n)++;
		if (removed != NULL)
			removed(p, arg);
	}
	closedir(d);
	return K_OK;
}

enum k_status
k_store_versions(const struct k_store *st, const char *kind,
                 struct k_store_entry **out, size_t *n, struct k_error *err)
{
	char kdir[K_PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (k_kind_check(kind, err) != K_OK)
		return K_EUSAGE;
	if (path_join(kdir, sizeof kdir, st->root, kind, NULL) < 0)
		return k_error_set(err, K_EUSAGE, "path too long");
	d = opendir(kdir);
	if (d == NULL) {
		if (errno == ENOENT)
			return K_OK;
		return k_error_set(err, K_EIO, "cannot read '%s': %s", kdir,
		                   strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".ktm"))
			continue;
		size_t vl = strlen(de->d_name) - 4;
		char v[K_VERSION_MAX + 1];
		if (vl > K_VERSION_MAX)
			continue;
		memcpy(v, de->d_name, vl);
		v[vl] = '\0';
		if (k_version_check(v, NULL) != K_OK)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct k_store_entry *ne = realloc(*out, cap * sizeof *ne);
			if (ne == NULL) {
				closedir(d);
				free(*out);
				*out = NULL;
				return k_error_set(err, K_ENOMEM, "out of memory");
			}
			*out = ne;
		}
		struct k_store_entry *e = &(*out)[*n];
		if (path_join(e->path, sizeof e->path, kdir, de->d_name,
		              NULL) < 0)
			continue;
		memcpy(e->version, v, vl + 1);
		(*n)++;
	}
	closedir(d);
	return K_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum k_status
k_store_kinds(const struct k_store *st, char ***kinds, size_t *n,
              struct k_error *err)
{
	struct dirent *de;
	DIR *d;
	size_t cap = 0;

	*kinds = NULL;
	*n = 0;
	d = opendir(st->root);
	if (d == NULL) {
		if (errno == ENOENT)
			return K_OK;
		return k_error_set(err, K_EIO, "cannot read model store '%s': %s",
		                   st->root, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		char p[K_PATH_MAX];
		struct stat sb;
		if (k_kind_check(de->d_name, NULL) != K_OK)
			continue;
		if (path_join(p, sizeof p, st->root, de->d_name, NULL) < 0 ||
		    stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **nk = realloc(*kinds, cap * sizeof *nk);
			if (nk == NULL)
				break;
			*kinds = nk;
		}
		(*kinds)[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(*kinds, *n, sizeof **kinds, cmp_str);
	return K_OK;
}

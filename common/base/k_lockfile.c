/*
 * k_lockfile.c - the locks and atomic replacement of k_lockfile.h.
 */
#include "base/k_lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 10 /* between attempts to take a busy lock */

enum k_status
k_lockfile_take(struct k_lockfile *l, const char *path, int wait_ms,
                const char *what, struct k_error *err)
{
	l->fd = -1;
	if (snprintf(l->path, sizeof l->path, "%s", path) >=
	    (int)sizeof l->path)
		return k_error_set(err, K_ECANTCREAT, "lock path too long");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return k_error_set(err, K_ECANTCREAT, "cannot open lock '%s': %s",
		                   path, strerror(errno));
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0;
	     waited += POLL_MS) {
		enum k_status st = K_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			st = k_error_set(err, K_EIO, "cannot lock '%s': %s", path,
			                 strerror(errno));
		else if (waited >= wait_ms)
			st = k_error_set(err, K_ETEMPFAIL, "%s stayed locked for "
			                 "%d s by another process; try again", what,
			                 wait_ms / 1000);
		if (st != K_OK) {
			close(fd);
			return st;
		}
		struct timespec ts = { 0, POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	l->fd = fd;
	return K_OK;
}

void
k_lockfile_release(struct k_lockfile *l)
{
	if (l->fd < 0)
		return;
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}

enum k_status
k_lockfile_write(const char *tmp, const void *data, size_t n,
                 struct k_error *err)
{
	enum k_status st = K_OK;
	const char *p = data;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		return k_error_set(err, K_ECANTCREAT, "cannot create '%s': %s",
		                   tmp, strerror(errno));
	while (n > 0 && st == K_OK) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			st = k_error_set(err, K_EIO, "write error on '%s': %s", tmp,
			                 strerror(errno));
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (st == K_OK && fsync(fd) < 0)
		st = k_error_set(err, K_EIO, "fsync '%s': %s", tmp,
		                 strerror(errno));
	if (close(fd) < 0 && st == K_OK)
		st = k_error_set(err, K_EIO, "close '%s': %s", tmp,
		                 strerror(errno));
	if (st != K_OK)
		unlink(tmp);
	return st;
}

/* The directory part of path ("." when it has none). */
static int
dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return snprintf(dir, cap, ".") >= (int)cap ? -1 : 0;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= cap)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

enum k_status
k_lockfile_sync_dir(const char *path, struct k_error *err)
{
	char dir[K_LOCKFILE_PATH_MAX];

	if (dir_of(path, dir, sizeof dir) < 0)
		return k_error_set(err, K_EIO, "path too long");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return k_error_set(err, K_EIO, "cannot open directory '%s': %s",
		                   dir, strerror(errno));
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	if (rc < 0)
		return k_error_set(err, K_EIO, "fsync of directory '%s': %s",
		                   dir, strerror(saved));
	return K_OK;
}

enum k_status
k_lockfile_commit(const char *tmp, const char *dst, struct k_error *err)
{
	if (rename(tmp, dst) < 0) {
		enum k_status st = k_error_set(err, K_EIO, "cannot replace "
		                               "'%s': %s", dst, strerror(errno));
		unlink(tmp);
		return st;
	}
	return k_lockfile_sync_dir(dst, err);
}

enum k_status
k_lockfile_replace(const char *dst, const void *data, size_t n,
                   struct k_error *err)
{
	char dir[K_LOCKFILE_PATH_MAX], tmp[K_LOCKFILE_PATH_MAX];
	const char *base = strrchr(dst, '/');
	enum k_status st;

	base = base != NULL ? base + 1 : dst;
	if (dir_of(dst, dir, sizeof dir) < 0 ||
	    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", dir, base,
	             (long)getpid()) >= (int)sizeof tmp)
		return k_error_set(err, K_ECANTCREAT, "path too long: '%s'", dst);
	if ((st = k_lockfile_write(tmp, data, n, err)) != K_OK)
		return st;
	return k_lockfile_commit(tmp, dst, err);
}

/*
 * k_lockfile.h - lock-and-replace, the one way files that others read are
 * changed (the model store's versions and `latest`, the rules' state), in
 * the manner of git's lockfile API: an exclusive flock(2) on a lock file,
 * released by the kernel if the holder dies, so a crash never leaves a
 * lock behind; and a whole new file written beside its destination,
 * flushed to disk, then put in place by rename(2) or link(2) and made
 * durable by an fsync of the directory, so a reader sees the old file or
 * the new one, never part of one. Every step's failure is reported.
 */
#ifndef K_LOCKFILE_H
#define K_LOCKFILE_H

#include <stddef.h>

#include "base/k_status.h"

#define K_LOCKFILE_PATH_MAX 4096

struct k_lockfile {
	int fd;                          /* -1 when not held */
	char path[K_LOCKFILE_PATH_MAX];  /* the lock file */
};

/*
 * Take the exclusive lock on the file at path (created if missing),
 * waiting up to wait_ms for another holder to let go. K_OK with l held;
 * K_ETEMPFAIL when it stayed locked ("<what> stayed locked for N s by
 * another process; try again"), K_ECANTCREAT when the lock file cannot be
 * opened, K_EIO when flock fails.
 */
enum k_status k_lockfile_take(struct k_lockfile *l, const char *path,
                              int wait_ms, const char *what,
                              struct k_error *err);
/* Let go of the lock; safe on a lock not held. */
void k_lockfile_release(struct k_lockfile *l);

/*
 * Write data (n bytes) to the file tmp, created or truncated (mode 0666
 * less the umask; give it a name no one else uses, such as one with the
 * process id), and flush it to disk. On failure tmp is removed:
 * K_ECANTCREAT (cannot create) or K_EIO (write, fsync, close).
 */
enum k_status k_lockfile_write(const char *tmp, const void *data, size_t n,
                               struct k_error *err);

/*
 * Replace dst by the durable file tmp (from k_lockfile_write): rename, then
 * fsync of dst's directory. On a failed rename tmp is removed and dst is
 * as it was. K_EIO.
 */
enum k_status k_lockfile_commit(const char *tmp, const char *dst,
                                struct k_error *err);

/* k_lockfile_write to a temporary name beside dst (.NAME.tmp.PID in
 * dst's directory), then k_lockfile_commit: dst replaced whole, or left
 * as it was. */
enum k_status k_lockfile_replace(const char *dst, const void *data,
                                 size_t n, struct k_error *err);

/* fsync the directory that holds path (a link, rename or unlink in it
 * made durable). K_EIO naming the directory. */
enum k_status k_lockfile_sync_dir(const char *path, struct k_error *err);

#endif

/*
 * k_file.h - opening a file that must be a regular file: a model, a store
 * pointer, a state file. Opened without blocking, so that a FIFO or a
 * device named by mistake (or by an attacker) is refused at once instead
 * of hanging the program, and optionally without following a symbolic
 * link, so that a pointer in the store cannot lead out of it.
 */
#ifndef K_FILE_H
#define K_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "base/k_status.h"

enum k_file_flag {
	K_FILE_NOFOLLOW = 1u << 0,   /* a symbolic link is refused */
};

/*
 * Open path for reading into *fd (blocking reads from then on), its
 * stat in *sb. K_ENOINPUT if it does not exist; K_EIO if it cannot be
 * opened or is not a regular file, or (K_FILE_NOFOLLOW) is a symbolic
 * link; err names the path and the reason.
 */
enum k_status k_file_open(const char *path, unsigned flags, int *fd,
                          struct stat *sb, struct k_error *err);

/* Read a whole regular file of at most max bytes into a malloc'd buffer
 * (*data, *n). K_EDATA when it is larger; else as k_file_open. */
enum k_status k_file_read(const char *path, unsigned char **data, size_t *n,
                          size_t max, struct k_error *err);

#endif

/*
 * k_file.c - the regular-file opener and reader of k_file.h.
 */
#include "base/k_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum k_status
k_file_open(const char *path, unsigned flags, int *fd, struct stat *sb,
            struct k_error *err)
{
	int of = O_RDONLY | O_CLOEXEC | O_NONBLOCK;

	if (flags & K_FILE_NOFOLLOW)
		of |= O_NOFOLLOW;
	*fd = open(path, of);
	if (*fd < 0) {
		if (errno == ELOOP && (flags & K_FILE_NOFOLLOW))
			return k_error_set(err, K_EIO, "%s: a symbolic link, which "
			                   "is not followed here", path);
		return k_error_set(err, errno == ENOENT ? K_ENOINPUT : K_EIO,
		                   "%s: %s", path, strerror(errno));
	}
	if (fstat(*fd, sb) < 0 || !S_ISREG(sb->st_mode) ||
	    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(*fd);
		*fd = -1;
		return k_error_set(err, K_EIO, "%s: not a regular file", path);
	}
	return K_OK;
}

enum k_status
k_file_read(const char *path, unsigned char **data, size_t *n, size_t max,
            struct k_error *err)
{
	struct stat sb;
	enum k_status st;
	int fd;

	*data = NULL;
	*n = 0;
	if ((st = k_file_open(path, 0, &fd, &sb, err)) != K_OK)
		return st;
	if ((uint64_t)sb.st_size > max) {
		close(fd);
		return k_error_set(err, K_EDATA, "%s: too large (%lld bytes)",
		                   path, (long long)sb.st_size);
	}
	size_t want = (size_t)sb.st_size, got = 0;
	unsigned char *buf = malloc(want ? want : 1);
	if (buf == NULL) {
		close(fd);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : 0;
			close(fd);
			free(buf);
			return k_error_set(err, K_EIO, "%s: read error: %s", path,
			                   e ? strerror(e) : "file shrank");
		}
		got += (size_t)r;
	}
	close(fd);
	*data = buf;
	*n = want;
	return K_OK;
}

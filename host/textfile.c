// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "textfile.h"

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

static int refuse_kind(const char *path, const char *what, mode_t mode)
{
	log_error("%s %s is %s, not a regular file; give the path of a regular file",
		  what, path, file_kind(mode));
	return -EINVAL;
}

static int refuse_size(const char *path, const char *what, size_t max)
{
	log_error("%s %s is larger than %zu bytes; give the path of the right file or shorten it",
		  what, path, max);
	return -EFBIG;
}

static int refuse_errno(const char *path, const char *what, int err)
{
	log_error("cannot read %s %s: %s", what, path, strerror(err));
	return -err;
}

/*
 * Read at most MAX + 1 bytes: one more than allowed tells a file that grew
 * past the bound (or a /proc file, whose size says 0) from one that did not.
 */
static int read_bounded(int fd, char *buf, size_t max, size_t *len)
{
	*len = 0;
	while (*len <= max) {
		ssize_t n = read(fd, buf + *len, max + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		*len += n;
	}
	return 0;
}

int textfile_read(const char *path, const char *what, size_t max, char **text,
		  size_t *len)
{
	struct stat st;
	char *buf;
	int fd, err;

	*text = NULL;
	*len = 0;
	/* Look before opening: opening a device or FIFO has effects. */
	if (stat(path, &st))
		return refuse_errno(path, what, errno);
	if (!S_ISREG(st.st_mode))
		return refuse_kind(path, what, st.st_mode);
	/* O_NONBLOCK: should it be swapped for a FIFO meanwhile, no hang. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return refuse_errno(path, what, errno);
	if (fstat(fd, &st)) {
		err = refuse_errno(path, what, errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = refuse_kind(path, what, st.st_mode);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		err = refuse_size(path, what, max);
		goto out;
	}
	buf = malloc(max + 2);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	err = read_bounded(fd, buf, max, len);
	if (err)
		err = refuse_errno(path, what, -err);
	else if (*len > max)
		err = refuse_size(path, what, max);
	if (err) {
		free(buf);
		*len = 0;
		goto out;
	}
	buf[*len] = '\0';
	*text = buf;
out:
	close(fd);
	return err;
}

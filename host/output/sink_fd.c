// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sinks that are file descriptors: stdout, stderr, or a file opened for
 * appending.  Messages are batched and written once per event-loop wake-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"
#include "output.h"

/* Past this, write before the next wake-up: bounds memory in a burst. */
#define FD_SINK_BATCH_MAX (256 * 1024)

static bool fd_sink_accepts(const char *target)
{
	return !strcmp(target, "stdout") || !strcmp(target, "stderr") ||
	       (!strncmp(target, "file:", 5) && target[5]);
}

static int open_file(const char *target)
{
	int fd = open(target + 5, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0640);

	return fd < 0 ? -errno : fd;
}

static int fd_sink_open(struct sink *sink, const char *target,
			const struct optset *opts)
{
	(void)opts;
	if (!strcmp(target, "stdout")) {
		sink->fd = STDOUT_FILENO;
	} else if (!strcmp(target, "stderr")) {
		sink->fd = STDERR_FILENO;
	} else {
		sink->fd = open_file(target);
		if (sink->fd < 0)
			return sink->fd;
	}
	sink->target = strdup(target);
	return sink->target ? 0 : -ENOMEM;
}

static int fd_sink_flush(struct sink *sink)
{
	size_t off = 0;

	while (off < sink->batch.len) {
		ssize_t n = write(sink->fd, sink->batch.data + off,
				  sink->batch.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			sb_reset(&sink->batch);
			return err;
		}
		off += n;
	}
	sb_reset(&sink->batch);
	return 0;
}

static int fd_sink_write(struct sink *sink, const char *msg, size_t len)
{
	sb_append(&sink->batch, msg, len);
	if (sink->batch.failed)
		return -ENOMEM;
	if (sink->batch.len >= FD_SINK_BATCH_MAX)
		return fd_sink_flush(sink);
	return 0;
}

/*
 * logrotate renamed the file and sent SIGHUP: what is batched goes to the
 * old file, the records after it to a new file at the path.
 */
static void fd_sink_reopen(struct sink *sink)
{
	int fd;

	if (strncmp(sink->target, "file:", 5))
		return;
	fd = open_file(sink->target);
	if (fd < 0) {
		log_warn("[%s] cannot reopen %s: %s; still writing to the file it had open",
			 sink->name, sink->target + 5, strerror(-fd));
		return;
	}
	fd_sink_flush(sink);
	close(sink->fd);
	sink->fd = fd;
}

static void fd_sink_close(struct sink *sink)
{
	fd_sink_flush(sink);
	if (sink->fd > STDERR_FILENO)
		close(sink->fd);
	sink->fd = -1;
	sb_free(&sink->batch);
	free(sink->target);
	sink->target = NULL;
}

const struct sink_ops fd_sink_ops = {
	.accepts = fd_sink_accepts,
	.open = fd_sink_open,
	.write = fd_sink_write,
	.flush = fd_sink_flush,
	.reopen = fd_sink_reopen,
	.close = fd_sink_close,
};

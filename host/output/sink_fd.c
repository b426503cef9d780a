// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sinks that are file descriptors: stdout, stderr, or a file opened for
 * appending.  Like a network sink, each has a bounded queue of whole
 * messages in front of a descriptor that never blocks the loop: a pipe or
 * terminal nobody reads fills the queue, and what does not fit is dropped
 * and counted.  A message is written whole before the next one starts; a
 * write error (a full disk, EIO) drops what is queued, counted, and takes
 * back from a regular file the part of a message that got in, so the file
 * holds whole lines only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../clock.h"
#include "../log.h"
#include "../stdio_guard.h"
#include "msg_queue.h"
#include "output.h"

/* Messages offered to one writev(). */
#define WRITE_BATCH 256

struct fd_sink {
	struct msg_queue q;
	int stream;		/* STDOUT_FILENO, STDERR_FILENO, or -1: a file */
	bool own_fd;		/* opened here, closed here */
	bool regular;		/* a regular file: never waits, can be cut */
	bool pipe;		/* a pipe or FIFO: PIPE_BUF bytes go whole */
	bool socket;		/* sent with MSG_DONTWAIT, its flags untouched */
	bool failing;		/* a write error was reported */
	bool gone;		/* stdout's reader went away */
	bool stopping;
	uint64_t stop_deadline;
};

static int stream_of(const char *target)
{
	return !strcmp(target, "stdout") ? STDOUT_FILENO :
	       !strcmp(target, "stderr") ? STDERR_FILENO : -1;
}

static bool fd_sink_accepts(const char *target)
{
	return stream_of(target) >= 0 ||
	       (!strncmp(target, "file:", 5) && target[5]);
}

static int fd_sink_configure(struct output *out,
			     const struct config_section *sec)
{
	const char *target = optset_str(&out->opts, "target", 0);
	struct fd_sink *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return -ENOMEM;
	out->sink.priv = fs;
	fs->stream = stream_of(target);
	if (fs->stream >= 0 && stdio_was_closed(fs->stream)) {
		log_error("%s%s[%s] target %s, but bpfhost was started with %s closed (>&-): give it one (>/dev/null to discard) or set target = file:PATH",
			  sec ? output_key_where(out, sec, "target") : "",
			  sec ? ": " : "", out->name, target, target);
		return -EINVAL;
	}
	return msg_queue_init(&fs->q, optset_int(&out->opts, "queue_size", 0),
			      0);
}

/*
 * stdout or stderr, written without blocking yet without changing the
 * file status flags the parent and its other children share: a pipe or a
 * terminal is opened again through /proc (a description of our own, made
 * O_NONBLOCK), a socket gets MSG_DONTWAIT on each send, a regular file
 * never waits anyway.
 */
static int open_stream(struct sink *sink, struct fd_sink *fs)
{
	int flags = fcntl(fs->stream, F_GETFL);
	char path[32];
	struct stat st;

	if (flags < 0 || fstat(fs->stream, &st))
		return -errno;
	/* Opened again, a stream given read-only (1</dev/null) would work. */
	if ((flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	fs->regular = S_ISREG(st.st_mode);
	fs->pipe = S_ISFIFO(st.st_mode);
	fs->socket = S_ISSOCK(st.st_mode);
	if (fs->regular || fs->socket) {
		sink->fd = fs->stream;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fs->stream);
	sink->fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	/* A pipe whose reader is gone already. */
	if (sink->fd < 0 && errno == ENXIO && fs->pipe)
		return -EPIPE;
	if (sink->fd < 0)
		return -errno;
	fs->own_fd = true;
	return 0;
}

/*
 * A file: target's file, opened to append; notes what kind it is.  Returns
 * the fd or -errno.  O_NONBLOCK: a FIFO without a reader is refused, not
 * waited on.
 */
static int open_file(struct fd_sink *fs, const char *target)
{
	struct stat st;
	int fd = open(target + 5, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK |
				  O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	fs->regular = S_ISREG(st.st_mode);
	fs->pipe = S_ISFIFO(st.st_mode);
	return fd;
}

static int fd_sink_open(struct sink *sink, const char *target,
			const struct optset *opts)
{
	struct fd_sink *fs = sink->priv;

	(void)opts;
	sink->target = strdup(target);
	if (!sink->target)
		return -ENOMEM;
	if (fs->stream >= 0)
		return open_stream(sink, fs);
	sink->fd = open_file(fs, target);
	if (sink->fd < 0)
		return sink->fd;
	fs->own_fd = true;
	return 0;
}

static ssize_t write_some(struct sink *sink, const struct iovec *iov, int n)
{
	struct fd_sink *fs = sink->priv;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t ret;

	do
		ret = fs->socket ? sendmsg(sink->fd, &mh,
					   MSG_DONTWAIT | MSG_NOSIGNAL) :
				   writev(sink->fd, iov, n);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

/*
 * Take back the part of the head message a regular file got before the
 * error; the file ends with the last whole message again.  Only while the
 * file still ends where our write did: bytes another writer appended since
 * (our own stderr, `2>&1`) are not ours to cut, and a file truncated under
 * us (logrotate's copytruncate) must not grow a hole.
 */
static void take_back_cut(struct sink *sink)
{
	struct fd_sink *fs = sink->priv;
	struct stat st;
	off_t end;

	if (!fs->regular || !fs->q.head_off)
		return;
	end = lseek(sink->fd, 0, SEEK_CUR);
	if (end < 0 || fstat(sink->fd, &st) || st.st_size != end) {
		log_warn("[%s] %s: a cut message stays in the file: it changed under us",
			 sink->name, sink->target);
		return;
	}
	if (end < (off_t)fs->q.head_off ||
	    ftruncate(sink->fd, end - fs->q.head_off) ||
	    lseek(sink->fd, end - fs->q.head_off, SEEK_SET) < 0)
		log_warn("[%s] %s: cannot take back a cut message: %s",
			 sink->name, sink->target, strerror(errno));
}

/* What is queued is lost to err; said once until writes work again. */
static void write_failed(struct sink *sink, int err)
{
	struct fd_sink *fs = sink->priv;
	size_t n;

	take_back_cut(sink);
	n = msg_queue_clear(&fs->q);
	sink->dropped += n;
	sink->write_errors += n;
	sink->last_error = -err;
	sink_watch(sink, sink->fd, 0);
	if (err == -EPIPE && fs->stream >= 0) {
		log_error("[%s] %s: the reader went away; stopping",
			  sink->name, sink->target);
		fs->gone = true;
	} else if (!fs->failing) {
		log_warn("[%s] %s: write: %s; messages are dropped (counted) until writes work again",
			 sink->name, sink->target, strerror(-err));
		fs->failing = true;
	}
}

static void send_queue(struct sink *sink)
{
	struct fd_sink *fs = sink->priv;
	struct iovec iov[WRITE_BATCH];

	while (fs->q.count) {
		size_t off = fs->q.head_off, bytes = 0;
		int n = 0;
		ssize_t ret;

		for (; n < WRITE_BATCH && (size_t)n < fs->q.count; n++) {
			struct strbuf *slot = msg_queue_slot(&fs->q, n);

			/*
			 * A pipe takes up to PIPE_BUF bytes whole or not at
			 * all: batches of whole messages that size are never
			 * cut, not even by a stop while nobody reads.
			 */
			if (fs->pipe && n && bytes + slot->len > PIPE_BUF)
				break;
			iov[n] = (struct iovec){ .iov_base = slot->data + off,
						 .iov_len = slot->len - off };
			bytes += iov[n].iov_len;
			off = 0;
		}
		ret = write_some(sink, iov, n);
		if (ret == -EAGAIN) {
			sink_watch(sink, sink->fd, EPOLLOUT);
			return;
		}
		if (ret < 0) {
			write_failed(sink, ret);
			return;
		}
		if (fs->failing)
			log_warn("[%s] %s: writing again", sink->name,
				 sink->target);
		fs->failing = false;
		sink->sent += msg_queue_advance(&fs->q, iov, ret);
	}
	sink_watch(sink, sink->fd, 0);
}

static int fd_sink_write(struct sink *sink, const char *msg, size_t len)
{
	struct fd_sink *fs = sink->priv;
	int err;

	if (fs->gone) {
		sink->dropped++;
		sink->write_errors++;
		return -EPIPE;
	}
	/* A burst larger than the queue: make room, unless the fd is full. */
	if (fs->q.count == fs->q.cap && !sink->watched)
		send_queue(sink);
	err = msg_queue_push(&fs->q, msg, len);
	if (err)
		sink->dropped++;
	return err;
}

static int fd_sink_flush(struct sink *sink)
{
	struct fd_sink *fs = sink->priv;

	if (!sink->watched)
		send_queue(sink);
	return fs->gone ? -EPIPE : 0;
}

static void fd_sink_io(struct sink *sink, uint32_t events)
{
	(void)events;
	send_queue(sink);
}

static void fd_sink_tick(struct sink *sink, uint64_t now)
{
	struct fd_sink *fs = sink->priv;

	if (fs->stopping && now >= fs->stop_deadline)
		/* Out of time at stop: what is left is lost, and counted. */
		sink->dropped += msg_queue_clear(&fs->q);
	if (fs->q.count && !sink->watched)
		send_queue(sink);
}

static size_t fd_sink_pending(const struct sink *sink)
{
	const struct fd_sink *fs = sink->priv;

	return fs ? fs->q.count : 0;
}

static void fd_sink_begin_stop(struct sink *sink, uint64_t deadline)
{
	struct fd_sink *fs = sink->priv;

	fs->stopping = true;
	fs->stop_deadline = deadline;
}

/*
 * logrotate renamed the file and sent SIGHUP: what is queued goes to the
 * old file as far as it goes without waiting, the rest and the records
 * after it to a new file at the path.  If that cannot be made, the old
 * file stays, and a line says so.
 */
static void fd_sink_reopen(struct sink *sink)
{
	struct fd_sink *fs = sink->priv;
	struct fd_sink probe = { 0 };
	int fd;

	if (!fs || fs->stream >= 0)
		return;
	fd = open_file(&probe, sink->target);
	if (fd < 0) {
		log_warn("[%s] cannot reopen %s: %s; still writing to the file it had open",
			 sink->name, sink->target + 5, strerror(-fd));
		return;
	}
	fd_sink_flush(sink);
	sink_watch(sink, sink->fd, 0);
	close(sink->fd);
	sink->fd = fd;
	fs->regular = probe.regular;
	fs->pipe = probe.pipe;
	fs->failing = false;
	fd_sink_flush(sink);
}

static void fd_sink_close(struct sink *sink)
{
	struct fd_sink *fs = sink->priv;

	if (!fs)
		return;
	sink_watch(sink, sink->fd, 0);
	sink->dropped += msg_queue_clear(&fs->q);
	msg_queue_free(&fs->q);
	if (fs->own_fd)
		close(sink->fd);
	sink->fd = -1;
	free(fs);
	sink->priv = NULL;
	free(sink->target);
	sink->target = NULL;
}

const struct sink_ops fd_sink_ops = {
	.accepts = fd_sink_accepts,
	.configure = fd_sink_configure,
	.open = fd_sink_open,
	.write = fd_sink_write,
	.flush = fd_sink_flush,
	.reopen = fd_sink_reopen,
	.close = fd_sink_close,
	.io = fd_sink_io,
	.tick = fd_sink_tick,
	.pending = fd_sink_pending,
	.begin_stop = fd_sink_begin_stop,
};

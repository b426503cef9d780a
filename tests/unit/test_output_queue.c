// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bounded queue in front of every output, alone and behind a file
 * output writing into a FIFO the test reads when it likes: messages leave
 * whole and in order, a message cut by a full pipe is finished before the
 * next, what does not fit is dropped and counted, and a write error is
 * counted as one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "output/msg_queue.h"
#include "output/output.h"

static void test_queue_partial_and_full(void)
{
	struct msg_queue q;
	struct iovec iov[3];

	CHECK(!msg_queue_init(&q, 3, 2));
	CHECK(!msg_queue_push(&q, "aaaa", 4));
	CHECK(!msg_queue_push(&q, "bb", 2));
	CHECK(!msg_queue_push(&q, "c", 1));
	CHECK(msg_queue_push(&q, "d", 1) == -ENOBUFS);
	CHECK(q.count == 3);
	/* The room before each message is the sink's. */
	CHECK(msg_queue_slot(&q, 1)->len == 2 + 2);
	CHECK(!memcmp(msg_queue_slot(&q, 1)->data + 2, "bb", 2));

	for (int i = 0; i < 3; i++) {
		struct strbuf *s = msg_queue_slot(&q, i);

		iov[i] = (struct iovec){ s->data + 2, s->len - 2 };
	}
	/* 5 bytes: "aaaa" whole and one byte of "bb". */
	CHECK(msg_queue_advance(&q, iov, 5) == 1);
	CHECK(q.count == 2 && q.head_off == 1);
	iov[0] = (struct iovec){ msg_queue_slot(&q, 0)->data + 2 + 1, 1 };
	iov[1] = (struct iovec){ msg_queue_slot(&q, 1)->data + 2, 1 };
	CHECK(msg_queue_advance(&q, iov, 2) == 2);
	CHECK(q.count == 0 && q.head_off == 0);
	/* Round the ring. */
	CHECK(!msg_queue_push(&q, "e", 1));
	CHECK(!msg_queue_push(&q, "f", 1));
	CHECK(!memcmp(msg_queue_slot(&q, 1)->data + 2, "f", 1));
	CHECK(msg_queue_clear(&q) == 2);
	CHECK(q.count == 0);
	msg_queue_free(&q);
}

struct fifo_output {
	char dir[64], path[96], ini[96];
	struct config cfg;
	struct pipeline pipe;
	struct sink *sink;
	int reader, epfd;
};

/* A file output to a FIFO whose read end the test holds. */
static int fifo_output_open(struct fifo_output *f, const char *queue_size)
{
	FILE *ini;

	snprintf(f->dir, sizeof(f->dir), "/tmp/bpfhost-unit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	snprintf(f->path, sizeof(f->path), "%s/fifo", f->dir);
	snprintf(f->ini, sizeof(f->ini), "%s/x.ini", f->dir);
	if (mkfifo(f->path, 0600))
		return -errno;
	f->reader = open(f->path, O_RDONLY | O_NONBLOCK);
	ini = fopen(f->ini, "w");
	if (f->reader < 0 || !ini)
		return -errno;
	fprintf(ini, "[output]\nformat = json\ntarget = file:%s\nqueue_size = %s\n",
		f->path, queue_size);
	fclose(ini);
	if (config_load(&f->cfg, f->ini) ||
	    pipeline_configure(&f->pipe, &f->cfg, NULL))
		return -EINVAL;
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	f->pipe.epfd = f->epfd;
	if (pipeline_start(&f->pipe, NULL, 0))
		return -EIO;
	f->sink = &f->pipe.outputs[0].sink;
	return 0;
}

static void fifo_output_close(struct fifo_output *f)
{
	pipeline_free(&f->pipe);
	config_free(&f->cfg);
	if (f->epfd >= 0)
		close(f->epfd);
	if (f->reader >= 0)
		close(f->reader);
	unlink(f->path);
	unlink(f->ini);
	rmdir(f->dir);
}

/* One event-loop turn: the sink's fd ready, or a plain flush. */
static int pump(struct fifo_output *f)
{
	struct epoll_event ev;

	if (epoll_wait(f->epfd, &ev, 1, 0) == 1) {
		const struct event_source *src = ev.data.ptr;

		CHECK(src->kind == EVENT_SOURCE_OUTPUT && src->owner == f->sink);
		pipeline_io(src->owner, ev.events);
	}
	return pipeline_flush(&f->pipe);
}

/* Read what the FIFO holds into sb. */
static void drain_fifo(struct fifo_output *f, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(f->reader, buf, sizeof(buf))) > 0)
		sb_append(sb, buf, n);
}

static void test_cut_message_finished_first(void)
{
	struct fifo_output f = { .reader = -1, .epfd = -1 };
	struct strbuf got = { 0 }, want = { 0 };
	size_t big = 200 * 1024;
	char *msg = malloc(big);

	CHECK(msg && !fifo_output_open(&f, "10"));
	if (!msg || !f.sink)
		goto out;
	memset(msg, 'a', big - 1);
	msg[big - 1] = '\n';
	/* Bigger than the pipe: written in part, the rest waits. */
	CHECK(!f.sink->ops->write(f.sink, msg, big));
	CHECK(!f.sink->ops->flush(f.sink));
	CHECK(f.sink->ops->pending(f.sink) == 1);
	for (int i = 0; i < 3; i++)
		CHECK(!f.sink->ops->write(f.sink, "bb\n", 3));
	while (f.sink->ops->pending(f.sink)) {
		size_t before = got.len;

		drain_fifo(&f, &got);
		CHECK(!pump(&f));
		if (got.len == before)
			break;
	}
	drain_fifo(&f, &got);
	sb_append(&want, msg, big);
	sb_puts(&want, "bb\nbb\nbb\n");
	CHECK(got.len == want.len && !memcmp(got.data, want.data, got.len));
	CHECK(f.sink->sent == 4 && f.sink->dropped == 0);
out:
	fifo_output_close(&f);
	sb_free(&got);
	sb_free(&want);
	free(msg);
}

static void test_nobody_reads(void)
{
	struct fifo_output f = { .reader = -1, .epfd = -1 };
	struct strbuf got = { 0 };
	char line[1024];
	int n = 500;

	CHECK(!fifo_output_open(&f, "20"));
	if (!f.sink)
		goto out;
	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%04d %0*d\n", i, 1000, 0);
		f.sink->ops->write(f.sink, line, strlen(line));
		pump(&f);
	}
	/* Writes never blocked; the pipe and the queue are full. */
	CHECK(f.sink->ops->pending(f.sink) == 20);
	CHECK(f.sink->dropped > 0);
	CHECK(f.sink->sent + 20 + f.sink->dropped == (uint64_t)n);
	drain_fifo(&f, &got);
	for (int k = 0; k < 100 && f.sink->ops->pending(f.sink); k++) {
		pump(&f);
		drain_fifo(&f, &got);
	}
	/* Whole lines, in order, as many as were written. */
	CHECK(got.len == (n - f.sink->dropped) * 1006);
	for (size_t off = 0, prev = 0; off + 1006 <= got.len; off += 1006) {
		size_t idx = strtoul(got.data + off, NULL, 10);

		CHECK(got.data[off + 1005] == '\n');
		CHECK(off == 0 || idx > prev);
		prev = idx;
	}
	CHECK(!pipeline_write_failed(&f.pipe));
out:
	fifo_output_close(&f);
	sb_free(&got);
}

static void test_write_error_counted(void)
{
	struct fifo_output f = { .reader = -1, .epfd = -1 };

	CHECK(!fifo_output_open(&f, "10"));
	if (!f.sink)
		goto out;
	close(f.reader);
	f.reader = -1;
	/* No reader: EPIPE, which for a file output is a write error. */
	CHECK(!f.sink->ops->write(f.sink, "x\n", 2));
	CHECK(!f.sink->ops->write(f.sink, "y\n", 2));
	CHECK(!pump(&f));
	CHECK(f.sink->dropped == 2 && f.sink->write_errors == 2);
	CHECK(f.sink->last_error == EPIPE);
	CHECK(pipeline_write_failed(&f.pipe));
out:
	fifo_output_close(&f);
}

int main(void)
{
	/* As the runtime does: a reader gone shows up as EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	RUN(test_queue_partial_and_full);
	RUN(test_cut_message_finished_first);
	RUN(test_nobody_reads);
	RUN(test_write_error_counted);
	return CHECK_EXIT();
}

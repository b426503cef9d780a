/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The bounded queue in front of every sink: a ring of messages, each kept
 * whole until it is written whole.  A sink writes from the head, maybe
 * several messages at once and maybe only part of one; the part already
 * out is remembered, so the next write finishes that message before any
 * other begins.  What does not fit is the caller's to count as dropped.
 */
#ifndef BPFHOST_MSG_QUEUE_H
#define BPFHOST_MSG_QUEUE_H

#include <stddef.h>
#include <sys/uio.h>

#include "../strbuf.h"

struct msg_queue {
	struct strbuf *slots;
	size_t cap, head, count;
	size_t head_off;	/* bytes of the head message already written */
	size_t room;		/* bytes kept free before each message */
};

/* cap messages, each with room bytes before it for a sink's framing. */
int msg_queue_init(struct msg_queue *q, size_t cap, size_t room);
void msg_queue_free(struct msg_queue *q);
/* Copy msg in at the tail: 0, -ENOBUFS when full or -ENOMEM. */
int msg_queue_push(struct msg_queue *q, const char *msg, size_t len);
/*
 * Message i from the head (i < count): its slot, whose first q->room
 * bytes are free for the sink's framing and whose message follows.
 */
struct strbuf *msg_queue_slot(struct msg_queue *q, size_t i);
/*
 * n bytes of iov (the wire form of the messages from the head, iov[0]
 * already short by head_off) were written.  Returns how many messages
 * went out whole; a message written in part stays at the head.
 */
size_t msg_queue_advance(struct msg_queue *q, const struct iovec *iov,
			 size_t n);
/* Empty the queue; returns how many messages were in it. */
size_t msg_queue_clear(struct msg_queue *q);

#endif

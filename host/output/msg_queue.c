// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "msg_queue.h"

int msg_queue_init(struct msg_queue *q, size_t cap, size_t room)
{
	*q = (struct msg_queue){ .cap = cap, .room = room };
	q->slots = calloc(cap, sizeof(*q->slots));
	return q->slots ? 0 : -ENOMEM;
}

void msg_queue_free(struct msg_queue *q)
{
	for (size_t i = 0; q->slots && i < q->cap; i++)
		sb_free(&q->slots[i]);
	free(q->slots);
	*q = (struct msg_queue){ 0 };
}

int msg_queue_push(struct msg_queue *q, const char *msg, size_t len)
{
	struct strbuf *slot;

	if (q->count == q->cap)
		return -ENOBUFS;
	slot = &q->slots[(q->head + q->count) % q->cap];
	sb_reset(slot);
	if (sb_reserve(slot, q->room + len)) {
		slot->len = q->room;
		sb_append(slot, msg, len);
	}
	if (slot->failed)
		return -ENOMEM;
	q->count++;
	return 0;
}

struct strbuf *msg_queue_slot(struct msg_queue *q, size_t i)
{
	return &q->slots[(q->head + i) % q->cap];
}

static void pop(struct msg_queue *q)
{
	q->head = (q->head + 1) % q->cap;
	q->count--;
	q->head_off = 0;
}

size_t msg_queue_advance(struct msg_queue *q, const struct iovec *iov,
			 size_t n)
{
	size_t done = 0;

	for (size_t i = 0; n; i++) {
		if (n < iov[i].iov_len) {
			q->head_off += n;
			break;
		}
		n -= iov[i].iov_len;
		pop(q);
		done++;
	}
	return done;
}

size_t msg_queue_clear(struct msg_queue *q)
{
	size_t n = q->count;

	q->head = q->count = q->head_off = 0;
	return n;
}

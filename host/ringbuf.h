/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A BPF ring buffer read straight from its memory map, a bounded number of
 * records at a time, so one busy ring cannot hold the event loop (libbpf
 * 1.1's ring_buffer__consume() returns only once the ring is empty).
 */
#ifndef BPFHOST_RINGBUF_H
#define BPFHOST_RINGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called for every committed record, in ring order. */
typedef void (*ringbuf_record_fn)(void *ctx, const void *data, size_t size);

struct ringbuf {
	int map_fd;
	uint64_t *consumer;	/* the page we write our position into */
	const uint64_t *producer;
	const uint8_t *data;	/* mapped twice: a record may wrap */
	uint64_t mask;		/* ring size - 1 */
	size_t page_size;
	ringbuf_record_fn fn;
	void *ctx;
};

/*
 * Map the ring behind map_fd (a BPF_MAP_TYPE_RINGBUF, not taken over: the
 * caller keeps it open).  0 or -errno.
 */
int ringbuf_open(struct ringbuf *rb, int map_fd, ringbuf_record_fn fn,
		 void *ctx);
/*
 * Hand at most max committed records to fn, releasing their space to the
 * kernel as it goes.  Stops early at the ring's end or at a record still
 * being written.  Returns how many records were taken (discarded records
 * count too: they cost the same walk).
 */
size_t ringbuf_consume(struct ringbuf *rb, size_t max);
/*
 * Records between the consumer and the producer, committed or still being
 * written, discarded ones left out: what is lost if reading stops now.
 */
size_t ringbuf_unread(const struct ringbuf *rb);
void ringbuf_close(struct ringbuf *rb);

#endif

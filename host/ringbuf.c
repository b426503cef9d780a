// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The layout is the kernel's (include/uapi/linux/bpf.h, kernel/bpf/ringbuf.c):
 * page 0 holds the consumer position, writable by us; page 1 the producer
 * position; the data pages follow, mapped twice in a row.  Each record
 * starts with an 8-byte header whose first 32 bits are its length, with
 * BUSY set while the producer writes it and DISCARD set if it was thrown
 * away; records are 8-byte aligned.  Positions only grow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ringbuf.h"

static size_t data_map_size(const struct ringbuf *rb)
{
	return rb->page_size + 2 * (rb->mask + 1);
}

int ringbuf_open(struct ringbuf *rb, int map_fd, ringbuf_record_fn fn,
		 void *ctx)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	void *p;

	*rb = (struct ringbuf){ .map_fd = map_fd, .fn = fn, .ctx = ctx,
				.page_size = sysconf(_SC_PAGESIZE) };
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	rb->mask = info.max_entries - 1;
	p = mmap(NULL, rb->page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	rb->consumer = p;
	p = mmap(NULL, data_map_size(rb), PROT_READ, MAP_SHARED, map_fd,
		 rb->page_size);
	if (p == MAP_FAILED) {
		int err = -errno;

		munmap(rb->consumer, rb->page_size);
		rb->consumer = NULL;
		return err;
	}
	rb->producer = p;
	rb->data = (const uint8_t *)p + rb->page_size;
	return 0;
}

/* Header and payload, rounded up to the ring's 8-byte alignment. */
static uint64_t record_span(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return ((uint64_t)len + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
}

size_t ringbuf_consume(struct ringbuf *rb, size_t max)
{
	/* Only we write the consumer position; the kernel reads it. */
	uint64_t cons = __atomic_load_n(rb->consumer, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(rb->producer, __ATOMIC_ACQUIRE);
	size_t n = 0;

	while (n < max) {
		const uint32_t *hdr;
		uint32_t len;

		if (cons >= prod) {
			/* Records committed while we read these. */
			prod = __atomic_load_n(rb->producer, __ATOMIC_ACQUIRE);
			if (cons >= prod)
				break;
		}
		hdr = (const uint32_t *)(rb->data + (cons & rb->mask));
		len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;	/* records after it wait for it */
		if (!(len & BPF_RINGBUF_DISCARD_BIT))
			rb->fn(rb->ctx, (const uint8_t *)hdr + BPF_RINGBUF_HDR_SZ,
			       len);
		cons += record_span(len);
		n++;
		/* Release each record at once: the producer may need its room. */
		__atomic_store_n(rb->consumer, cons, __ATOMIC_RELEASE);
	}
	return n;
}

size_t ringbuf_unread(const struct ringbuf *rb)
{
	uint64_t cons = __atomic_load_n(rb->consumer, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(rb->producer, __ATOMIC_ACQUIRE);
	size_t n = 0;

	/* A record is at least a header: the walk ends within the ring. */
	while (cons < prod) {
		uint32_t len = __atomic_load_n(
			(const uint32_t *)(rb->data + (cons & rb->mask)),
			__ATOMIC_ACQUIRE);

		if (!(len & BPF_RINGBUF_DISCARD_BIT))
			n++;
		cons += record_span(len);
	}
	return n;
}

void ringbuf_close(struct ringbuf *rb)
{
	if (rb->producer)
		munmap((void *)rb->producer, data_map_size(rb));
	if (rb->consumer)
		munmap(rb->consumer, rb->page_size);
	*rb = (struct ringbuf){ .map_fd = -1 };
}

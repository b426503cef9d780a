// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <sys/epoll.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "plugin_run.h"

void plugin_run_init(struct plugin_run *run, struct plugin *p,
		     struct pipeline *pipe, int epfd)
{
	*run = (struct plugin_run){
		.plugin = p,
		.pipe = pipe,
		.epfd = epfd,
		.source = { .kind = EVENT_SOURCE_RING, .owner = run },
	};
}

int plugin_run_deliver(struct plugin_run *run, const void *data, size_t size)
{
	const struct bpfhost_event_header *h = data;
	const struct plugin *p = run->plugin;
	struct record rec;

	if (size < sizeof(*h) || h->type >= p->ops.nevents ||
	    size < p->types[h->type].min_size) {
		run->malformed++;
		return -EINVAL;
	}
	rec.type = &p->types[h->type];
	rec.data = data;
	rec.size = size;
	rec.real_ns = clock_boot_to_real(h->ts_boot_ns ? h->ts_boot_ns :
							 clock_boot_ns());
	pipeline_emit(run->pipe, &rec);
	run->events++;
	return 0;
}

static void on_ring_record(void *ctx, const void *data, size_t size)
{
	/* A malformed record is counted there; the ring goes on. */
	plugin_run_deliver(ctx, data, size);
}

int plugin_run_add_ring(struct plugin_run *run, int ringbuf_fd, int lost_fd)
{
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.ptr = &run->source };
	struct ringbuf *rb;
	int err;

	if (run->nrings == PLUGIN_MAX_RINGS)
		return -E2BIG;
	rb = &run->rings[run->nrings];
	err = ringbuf_open(rb, ringbuf_fd, on_ring_record, run);
	if (err)
		return err;
	/* Forced wake-ups land here; the rest is drained on the timer. */
	if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, ringbuf_fd, &ev)) {
		err = -errno;
		ringbuf_close(rb);
		return err;
	}
	run->lost_fds[run->nrings++] = lost_fd;
	return 0;
}

bool plugin_run_drain(struct plugin_run *run, size_t max)
{
	bool more = false;

	for (unsigned int i = 0; i < run->nrings; i++)
		if (ringbuf_consume(&run->rings[i], max) == max)
			more = true;
	return more;
}

bool plugin_run_pending(const struct plugin_run *run)
{
	for (unsigned int i = 0; i < run->nrings; i++)
		if (ringbuf_unread(&run->rings[i]))
			return true;
	return false;
}

uint64_t plugin_run_abandon(struct plugin_run *run)
{
	uint64_t left = 0;

	for (unsigned int i = 0; i < run->nrings; i++)
		left += ringbuf_unread(&run->rings[i]);
	run->unread += left;
	return left;
}

void plugin_run_set_tick(struct plugin_run *run, uint64_t interval_ms)
{
	run->tick_ns = interval_ms * 1000000ull;
	run->next_tick_ns = interval_ms ? clock_mono_ns() + run->tick_ns : 0;
}

uint64_t plugin_run_lost(const struct plugin_run *run)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t total = run->unread;

	if (ncpus <= 0)
		return total;
	for (unsigned int r = 0; r < run->nrings; r++) {
		uint64_t values[ncpus];
		uint32_t zero = 0;

		if (run->lost_fds[r] < 0 ||
		    bpf_map_lookup_elem(run->lost_fds[r], &zero, values))
			continue;
		for (int c = 0; c < ncpus; c++)
			total += values[c];
	}
	return total;
}

void plugin_run_release(struct plugin_run *run)
{
	for (unsigned int i = 0; i < run->nrings; i++) {
		epoll_ctl(run->epfd, EPOLL_CTL_DEL, run->rings[i].map_fd, NULL);
		ringbuf_close(&run->rings[i]);
	}
	run->nrings = 0;
}

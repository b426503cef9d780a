/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The running host: plugins started in order, one epoll set holding every
 * ring buffer and the signal fd, records delivered to the output pipeline,
 * and a clean stop that drains, flushes and sums up.
 */
#ifndef BPFHOST_RUNTIME_H
#define BPFHOST_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "output/output.h"
#include "plugin.h"

/* Rings are drained at least this often; records are submitted without
 * waking us (see sdk/include/bpfhost/bpf_event.h). */
#define RUNTIME_POLL_MS 20

struct ring_buffer;

struct runtime {
	struct plugin *plugins;
	unsigned int nplugins;
	struct pipeline *pipe;
	const struct event_type **types;
	unsigned int ntypes;

	int epfd;
	int sigfd;
	struct ring_buffer *rings;
	uint64_t stop_at_ns;	/* CLOCK_MONOTONIC; 0 = run until a signal */
	bool stop;
	const char *stop_reason;
};

/* Takes the loaded, configured plugins; blocks SIGINT and SIGTERM. */
int runtime_init(struct runtime *rt, struct plugin *plugins, unsigned int n,
		 struct pipeline *pipe);
/* Collect every plugin's event types (for the outputs' headers). */
int runtime_event_types(struct runtime *rt);
/*
 * Start every plugin in order.  A plugin that fails to start is reported,
 * closed again and left out; the others run.  Returns -ENOEXEC when none
 * is left, or -EINVAL (with every plugin closed again, so nothing stays
 * attached) when a plugin's open() refused its options: bad config.
 */
int runtime_start(struct runtime *rt);
/* Run until SIGINT/SIGTERM, duration_ns (0 = none) or a dead stdout. */
int runtime_run(struct runtime *rt, uint64_t duration_ns);
/* Detach, drain what is left, flush, print the summary to stderr. */
void runtime_stop(struct runtime *rt);
void runtime_free(struct runtime *rt);

/* For the host services. */
int runtime_add_ringbuf(struct runtime *rt, struct plugin *p, int map_fd);
int runtime_deliver(struct plugin *p, const void *data, size_t size);
void runtime_set_tick(struct runtime *rt, struct plugin *p,
		      uint64_t interval_ms);

#endif

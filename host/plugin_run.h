/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the runtime keeps for one plugin while it runs: its ring buffers in
 * the event loop, its loss counters, its tick and its event counts.  The
 * host services (host_api.c) hand plugins a pointer to this as their ctx.
 */
#ifndef BPFHOST_PLUGIN_RUN_H
#define BPFHOST_PLUGIN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_source.h"
#include "output/output.h"
#include "plugin.h"
#include "ringbuf.h"

#define PLUGIN_MAX_RINGS 8

struct bpf_object_open_opts;

struct plugin_run {
	struct plugin *plugin;
	struct pipeline *pipe;
	int epfd;		/* the event loop its rings wake */
	struct event_source source;
	/* What host->bpf_open_opts() hands the plugin; NULL: nothing. */
	const struct bpf_object_open_opts *open_opts;

	struct ringbuf rings[PLUGIN_MAX_RINGS];
	int lost_fds[PLUGIN_MAX_RINGS];
	unsigned int nrings;
	uint64_t events;
	uint64_t malformed;	/* records that did not match their schema */
	uint64_t tick_ns;
	uint64_t next_tick_ns;
	int start_err;		/* it failed to start and the others ran */
	uint64_t unread;	/* records left in its rings when reading stopped */
};

void plugin_run_init(struct plugin_run *run, struct plugin *p,
		     struct pipeline *pipe, int epfd);
/* Map the ring and put it in the event loop.  0 or -errno. */
int plugin_run_add_ring(struct plugin_run *run, int ringbuf_fd, int lost_fd);
/* Check one record against its schema and hand it to the pipeline. */
int plugin_run_deliver(struct plugin_run *run, const void *data, size_t size);
/* At most max records from each ring; true when one of them had more. */
bool plugin_run_drain(struct plugin_run *run, size_t max);
/*
 * Does a ring still hold records (one being written holds up those after
 * it, which a drain then leaves)?
 */
bool plugin_run_pending(const struct plugin_run *run);
/* Stop reading: what the rings still hold counts as lost.  Returns it. */
uint64_t plugin_run_abandon(struct plugin_run *run);
void plugin_run_set_tick(struct plugin_run *run, uint64_t interval_ms);
/* Sum of the per-CPU counters of records lost in the rings' BPF side. */
uint64_t plugin_run_lost(const struct plugin_run *run);
/* Out of the event loop, rings unmapped; before the plugin closes them. */
void plugin_run_release(struct plugin_run *run);

#endif

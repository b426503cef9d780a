/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The running host: plugins started in order, one epoll set holding every
 * ring buffer, output socket and the signal fd, records delivered to the
 * output pipeline, and a clean stop that drains, flushes and sums up.
 */
#ifndef BPFHOST_RUNTIME_H
#define BPFHOST_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "event_source.h"
#include "host_events.h"
#include "output/output.h"
#include "plugin.h"
#include "plugin_run.h"

/* Rings are drained at least this often; records are submitted without
 * waking us (see sdk/include/bpfhost/bpf_event.h). */
#define RUNTIME_POLL_MS 20
/*
 * Records taken from one ring in one turn of the loop, before outputs,
 * timers and signals are served: a flood cannot hold the loop.
 */
#define RUNTIME_RING_BATCH 1024
/* At stop, the rings are read for at most this long after the detach. */
#define RUNTIME_STOP_DRAIN_MS 500

struct runtime {
	struct plugin *plugins;
	struct plugin_run *runs;	/* one per plugin, same order */
	unsigned int nplugins;
	struct pipeline *pipe;
	struct host_events host_events;
	const struct event_type **types;
	unsigned int ntypes;

	int epfd;
	int sigfd;
	struct event_source signals;
	unsigned int failed;	/* plugins that did not start (kept going) */
	unsigned int stop_signals;	/* SIGINT and SIGTERM received */
	uint64_t stop_at_ns;	/* CLOCK_MONOTONIC; 0 = run until a signal */
	bool stop;
	const char *stop_reason;
};

/*
 * Takes the loaded, configured plugins; blocks SIGINT, SIGTERM and SIGHUP
 * (read from a signalfd in the loop).
 */
int runtime_init(struct runtime *rt, struct plugin *plugins, unsigned int n,
		 struct pipeline *pipe);
/* Collect every plugin's event types (for the outputs' headers). */
int runtime_event_types(struct runtime *rt);
/*
 * Start every plugin: open, load, attach.  A plugin that fails to start
 * fails the run: every plugin is closed again, so nothing stays attached,
 * and the result is -EINVAL when a plugin's open() refused its options
 * (bad config), else that plugin's -errno.  With keep_going, a plugin
 * that fails is reported, closed and left out, and the others run
 * (-ENOEXEC when none is left).
 */
int runtime_start(struct runtime *rt, bool keep_going);
/* Run until SIGINT/SIGTERM, duration_ns (0 = none) or a dead stdout. */
int runtime_run(struct runtime *rt, uint64_t duration_ns);
/* Detach, drain what is left, flush, print the summary to stderr. */
void runtime_stop(struct runtime *rt);
void runtime_free(struct runtime *rt);

#endif

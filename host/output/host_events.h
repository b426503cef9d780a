/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records the host makes itself (plugin "bpfhost"): output statistics and
 * loss reports.  They are declared with the same schemas plugins use, so
 * every output renders them like any event and they travel in-band.
 */
#ifndef BPFHOST_HOST_EVENTS_H
#define BPFHOST_HOST_EVENTS_H

#include <stdint.h>

#include "output.h"

enum host_loss_kind {
	HOST_LOSS_RING = 0,	/* a plugin's ring buffer was full in BPF */
	HOST_LOSS_OUTPUT,	/* an output dropped messages */
};

/* bpfhost.stats: one output's counters. */
void host_event_stats(struct pipeline *pipe, const struct output *out);
/* bpfhost.loss: lost since the last report, and the total. */
void host_event_loss(struct pipeline *pipe, const char *source,
		     enum host_loss_kind kind, uint64_t lost, uint64_t total);

#endif

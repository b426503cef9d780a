/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records the runtime makes itself (plugin "bpfhost"): output statistics
 * and loss reports, at most one loss record a second per source.  They are
 * declared with the same schemas plugins use and handed to the pipeline
 * like any plugin's records, so every output renders them and they travel
 * in-band.
 */
#ifndef BPFHOST_HOST_EVENTS_H
#define BPFHOST_HOST_EVENTS_H

#include <stdint.h>

#include "output/output.h"

/* Rate limits and what was reported so far, for one output or plugin. */
struct host_report {
	uint64_t reported;	/* lost or dropped, at the last loss record */
	uint64_t next_loss_ns;
	uint64_t next_stats_ns;
};

struct host_events {
	struct pipeline *pipe;
	struct host_report *outputs;	/* one per pipeline output */
	struct host_report *plugins;	/* one per plugin */
};

int host_events_init(struct host_events *he, struct pipeline *pipe,
		     unsigned int nplugins);
void host_events_free(struct host_events *he);
/* bpfhost.stats when an output's interval is up; bpfhost.loss on drops. */
void host_events_outputs(struct host_events *he, uint64_t now_ns);
/* bpfhost.loss for plugin number idx, given its total lost so far. */
void host_events_ring_loss(struct host_events *he, unsigned int idx,
			   const char *plugin, uint64_t total, uint64_t now_ns);

#endif

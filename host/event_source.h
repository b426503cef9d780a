/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a descriptor in the runtime's epoll set stands for.  Every epoll
 * registration carries a pointer to one of these, and the runtime's one
 * dispatch switches on its kind.
 */
#ifndef BPFHOST_EVENT_SOURCE_H
#define BPFHOST_EVENT_SOURCE_H

enum event_source_kind {
	EVENT_SOURCE_SIGNAL,	/* the signalfd; owner: unused */
	EVENT_SOURCE_RING,	/* a plugin's ring buffer; owner: its run state */
	EVENT_SOURCE_OUTPUT,	/* an output's fd; owner: its struct sink */
};

struct event_source {
	enum event_source_kind kind;
	void *owner;
};

#endif

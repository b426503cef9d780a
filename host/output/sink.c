// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What every sink shares: its place in the event loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "../log.h"
#include "output.h"

void sink_watch(struct sink *sink, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events,
				  .data.ptr = &sink->source };
	int op;

	if (events == sink->watched || fd < 0)
		return;
	op = !sink->watched ? EPOLL_CTL_ADD : events ? EPOLL_CTL_MOD :
						       EPOLL_CTL_DEL;
	if (epoll_ctl(sink->epfd, op, fd, &ev) && op != EPOLL_CTL_DEL)
		log_warn("[%s] cannot watch %s: %s", sink->name, sink->target,
			 strerror(errno));
	sink->watched = events;
}

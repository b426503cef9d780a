/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Standard streams the parent left closed (`>&-`).  The first files the
 * host opens would take their numbers, and what it writes to stdout or
 * stderr would land in them (events in the signalfd, log lines in an
 * output file).  Each closed one gets /dev/null instead, and an output to
 * a stream that was closed is refused.
 */
#ifndef BPFHOST_STDIO_GUARD_H
#define BPFHOST_STDIO_GUARD_H

#include <stdbool.h>

/* Call first thing, before anything opens a file. */
void stdio_guard(void);
/* Whether fd (0, 1 or 2) was closed when the host started. */
bool stdio_was_closed(int fd);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef BPFHOST_TRACEFS_H
#define BPFHOST_TRACEFS_H

/*
 * Tracepoint programs attach by the tracepoint's id, read from tracefs.  A
 * fresh machine may not have it mounted: mount it at /sys/kernel/tracing.
 * Returns 0, or -errno after printing what is missing and how to fix it.
 */
int tracefs_ensure(void);

#endif

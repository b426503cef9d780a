/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * xdpdrop: whose programs sit on an interface.  A start changes nothing that
 * another bpfhost runs: it refuses an interface that carries a live
 * xdpdrop, and removes only a clsact filter that is certainly its own (the
 * same program) and that no live process holds.
 */
#ifndef XDPDROP_OWNER_H
#define XDPDROP_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Names of the two programs, as the kernel keeps them (16 bytes max). */
#define XDPDROP_PROG_INGRESS "xdpdrop_ingress"
#define XDPDROP_PROG_EGRESS "xdpdrop_egress"

/* Whether program prog_id is one of xdpdrop's (by name).  Returns 1, 0, or
 * -errno when it cannot be read. */
int xdpdrop_prog_is_xdpdrop(uint32_t prog_id);

/* Whether program prog_id is the very program of our_fd: the same name and
 * the same tag (the hash of its instructions).  Returns 1, 0 or -errno. */
int xdpdrop_prog_same(uint32_t prog_id, int our_fd);

/* A live process, other than this one, holding program prog_id through a
 * program or link descriptor: its pid, or 0 when none does. */
pid_t xdpdrop_prog_holder(uint32_t prog_id);

#endif /* XDPDROP_OWNER_H */

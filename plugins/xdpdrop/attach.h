/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * xdpdrop: attaching the programs to one interface.  Links are file
 * descriptors: when the process dies, however it dies, the kernel closes
 * them and the programs come off the interface.  Only the clsact fallback,
 * for kernels without tcx links, outlives the process; its filter has a
 * fixed handle and priority so the next start can find and remove it.
 */
#ifndef XDPDROP_ATTACH_H
#define XDPDROP_ATTACH_H

#include <stdint.h>

/* tcx links: Linux 6.6.  libbpf 1.1's headers predate them; the value is
 * the kernel's enum bpf_attach_type. */
#ifndef BPF_TCX_EGRESS
#define XDPDROP_TCX_EGRESS 47
#else
#define XDPDROP_TCX_EGRESS BPF_TCX_EGRESS
#endif

/* Our clsact filter: handle and priority no tc user picks by accident. */
#define XDPDROP_TC_HANDLE 0xd809
#define XDPDROP_TC_PRIORITY 0xd8

/* XDP link with XDP_FLAGS_{SKB,DRV}_MODE or 0 (the kernel's choice: native
 * when the driver has it).
 * Returns the link fd or -errno. */
int xdpdrop_link_xdp(int prog_fd, int ifindex, uint32_t xdp_flags);

/* Mode the kernel attached XDP in: "native", "generic" or "offload". */
const char *xdpdrop_xdp_mode(int ifindex);

/* tcx egress link.  Returns the link fd, or -errno (-EINVAL: no tcx). */
int xdpdrop_link_tcx_egress(int prog_fd, int ifindex);

/* clsact egress filter (fallback).  Returns 0 or -errno. */
int xdpdrop_tc_filter_add(int prog_fd, int ifindex);

/* The BPF program of the clsact egress filter at our handle and priority,
 * whoever put it there.  Returns 1 with *prog_id set, 0 if there is none,
 * or -errno. */
int xdpdrop_tc_filter_prog(int ifindex, uint32_t *prog_id);

/* Remove the clsact egress filter at our handle and priority if it runs
 * program prog_id.  Returns 1 if it did, 0 if no such filter, or -errno. */
int xdpdrop_tc_filter_remove(int ifindex, uint32_t prog_id);

/* The XDP program on ifindex in any mode: its id, or 0. */
uint32_t xdpdrop_xdp_prog(int ifindex);

/* The programs of ifindex's tcx egress hook: up to *n ids into ids, the
 * count in *n.  Returns 0 or -errno (-EINVAL: no tcx). */
int xdpdrop_tcx_egress_progs(int ifindex, uint32_t *ids, uint32_t *n);

#endif /* XDPDROP_ATTACH_H */

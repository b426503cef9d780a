// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdpdrop: XDP links, tcx links and the clsact fallback. */
#include <errno.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "attach.h"

int xdpdrop_link_xdp(int prog_fd, int ifindex, uint32_t xdp_flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = xdp_flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

const char *xdpdrop_xdp_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	default:
		return "unknown";
	}
}

int xdpdrop_link_tcx_egress(int prog_fd, int ifindex)
{
	int fd = bpf_link_create(prog_fd, ifindex,
				 (enum bpf_attach_type)XDPDROP_TCX_EGRESS,
				 NULL);

	return fd < 0 ? -errno : fd;
}

static void egress_hook(struct bpf_tc_hook *hook, int ifindex)
{
	*hook = (struct bpf_tc_hook){ .sz = sizeof(*hook), .ifindex = ifindex,
				      .attach_point = BPF_TC_EGRESS };
}

int xdpdrop_tc_filter_add(int prog_fd, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
		    .handle = XDPDROP_TC_HANDLE,
		    .priority = XDPDROP_TC_PRIORITY);
	struct bpf_tc_hook hook;
	int err;

	egress_hook(&hook, ifindex);
	/* The qdisc stays when we go: other filters may hang on it. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int xdpdrop_tc_filter_remove(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPDROP_TC_HANDLE,
		    .priority = XDPDROP_TC_PRIORITY);
	struct bpf_tc_hook hook;
	int err;

	egress_hook(&hook, ifindex);
	err = bpf_tc_query(&hook, &opts);
	/* No clsact qdisc at all reads as EINVAL. */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return err;
	opts.prog_fd = opts.prog_id = opts.flags = 0;
	err = bpf_tc_detach(&hook, &opts);
	return err ? err : 1;
}

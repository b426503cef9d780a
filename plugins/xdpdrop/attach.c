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

int xdpdrop_tc_filter_prog(int ifindex, uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPDROP_TC_HANDLE,
		    .priority = XDPDROP_TC_PRIORITY);
	struct bpf_tc_hook hook;
	int err;

	egress_hook(&hook, ifindex);
	err = bpf_tc_query(&hook, &opts);
	/* No clsact qdisc at all, or a filter of another kind at our
	 * priority, reads as EINVAL. */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return err;
	*prog_id = opts.prog_id;
	return 1;
}

int xdpdrop_tc_filter_remove(int ifindex, uint32_t prog_id)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPDROP_TC_HANDLE,
		    .priority = XDPDROP_TC_PRIORITY);
	struct bpf_tc_hook hook;
	uint32_t id = 0;	/* set when the filter is found (err 1) */
	int err = xdpdrop_tc_filter_prog(ifindex, &id);

	if (err <= 0 || id != prog_id)
		return err < 0 ? err : 0;
	egress_hook(&hook, ifindex);
	err = bpf_tc_detach(&hook, &opts);
	return err ? err : 1;
}

uint32_t xdpdrop_xdp_prog(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id :
			   q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
}

int xdpdrop_tcx_egress_progs(int ifindex, uint32_t *ids, uint32_t *n)
{
	/* libbpf 1.1 has no tcx query: target_fd carries the ifindex. */
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = *n);
	int err = bpf_prog_query_opts(ifindex,
				      (enum bpf_attach_type)XDPDROP_TCX_EGRESS,
				      &q);

	*n = err ? 0 : q.prog_cnt;
	return err ? -errno : 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdpdrop, user side: options, rules into maps, attach, counters, events. */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <bpfhost/plugin.h>

#include "attach.h"
#include "owner.h"
#include "rule.h"
#include "xdpdrop.h"
#include "xdpdrop.skel.h"

#define XDPDROP_MAX_IFACES 32

struct iface {
	const char *name;
	int ifindex;
	int xdp_link;		/* fd, -1 when none */
	int tcx_link;		/* fd, -1 when none */
	bool tc_filter;		/* clsact fallback in place */
};

struct xdpdrop {
	const struct bpfhost_host_api *host;
	struct bpfhost_plugin_ctx *ctx;
	struct xdpdrop_bpf *skel;
	struct xdpdrop_rule rules[XDPDROP_MAX_RULES];
	const char *texts[XDPDROP_MAX_RULES];
	unsigned int nrules;
	struct iface ifaces[XDPDROP_MAX_IFACES];
	unsigned int nifaces;
	bool ingress, egress;
	uint32_t xdp_flags;
	bool xdp_auto;		/* native where it attaches, else generic */
	const char *tc_attach;
	bool attached;
	int ncpus;
};

static const struct bpfhost_option options[] = {
	{ .name = "rule", .type = BPFHOST_OPT_STRING, .flags = BPFHOST_OPT_MULTI,
	  .min = 1, .max = 4096,
	  .help = "drop [ip|ip6] [tcp|udp|icmp|icmp6] [sport P[-Q]] [dport P[-Q]] [src CIDR,..|@FILE] [dst ..]" },
	{ .name = "interface", .type = BPFHOST_OPT_STRING,
	  .flags = BPFHOST_OPT_MULTI, .min = 1, .max = IF_NAMESIZE - 1,
	  .help = "interface to filter on (required)" },
	{ .name = "direction", .type = BPFHOST_OPT_ENUM, .def = "ingress",
	  .choices = "ingress|egress|both",
	  .help = "ingress: XDP; egress: tc; both" },
	{ .name = "xdp_mode", .type = BPFHOST_OPT_ENUM, .def = "auto",
	  .choices = "auto|native|generic",
	  .help = "XDP in the driver (native), in the stack (generic), or native where it attaches, else generic (auto)" },
	{ .name = "tc_attach", .type = BPFHOST_OPT_ENUM, .def = "auto",
	  .choices = "auto|link|qdisc",
	  .help = "egress through a tcx link (Linux 6.6+), a clsact qdisc filter, or a link where possible" },
	{ .name = "mode", .type = BPFHOST_OPT_ENUM, .def = "drop",
	  .choices = "drop|monitor",
	  .help = "drop matching packets, or only count them and let them pass" },
	{ .name = "interval", .type = BPFHOST_OPT_INT, .def = "10",
	  .min = 0, .max = 86400,
	  .help = "seconds between summary events (0: only at exit)" },
	{ .name = "sample_rate", .type = BPFHOST_OPT_INT, .def = "0",
	  .min = 0, .max = 1000000,
	  .help = "at most this many per-packet drop events per second (0: none)" },
};

static const struct bpfhost_value_name direction_names[] = {
	{ ~0ull, XDPDROP_DIR_INGRESS, "ingress" },
	{ ~0ull, XDPDROP_DIR_EGRESS, "egress" },
	{ 0, 0, NULL },
};

static const struct bpfhost_value_name action_names[] = {
	{ ~0ull, XDPDROP_ACT_DROP, "drop" },
	{ ~0ull, XDPDROP_ACT_MONITOR, "monitor" },
	{ 0, 0, NULL },
};

#define SUM_FIELD(m) BPFHOST_FIELD_AT(struct xdpdrop_summary_event, m)
#define DROP_FIELD(m) BPFHOST_FIELD_AT(struct xdpdrop_drop_event, m)

static const struct bpfhost_field summary_fields[] = {
	{ .name = "rule", .header = "RULE", .type = BPFHOST_FIELD_UINT,
	  .width = 4, SUM_FIELD(rule) },
	{ .name = "final", .header = "FINAL", .type = BPFHOST_FIELD_BOOL,
	  .width = -5, SUM_FIELD(final) },
	{ .name = "ingress_packets", .header = "IN_PKTS",
	  .type = BPFHOST_FIELD_UINT, .width = 10, SUM_FIELD(ingress_packets) },
	{ .name = "ingress_bytes", .header = "IN_BYTES",
	  .type = BPFHOST_FIELD_UINT, .width = 12, SUM_FIELD(ingress_bytes) },
	{ .name = "egress_packets", .header = "OUT_PKTS",
	  .type = BPFHOST_FIELD_UINT, .width = 10, SUM_FIELD(egress_packets) },
	{ .name = "egress_bytes", .header = "OUT_BYTES",
	  .type = BPFHOST_FIELD_UINT, .width = 12, SUM_FIELD(egress_bytes) },
	{ .name = "text", .header = "TEXT", .type = BPFHOST_FIELD_STR,
	  SUM_FIELD(text) },
};

static const struct bpfhost_field drop_fields[] = {
	{ .name = "rule", .header = "RULE", .type = BPFHOST_FIELD_UINT,
	  .width = 4, DROP_FIELD(rule) },
	{ .name = "action", .header = "ACTION", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = action_names,
	  .width = -7, DROP_FIELD(action) },
	{ .name = "direction", .header = "DIR", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = direction_names,
	  .width = -7, DROP_FIELD(direction) },
	{ .name = "ifindex", .header = "IF", .type = BPFHOST_FIELD_UINT,
	  .width = 3, DROP_FIELD(ifindex) },
	{ .name = "family", .type = BPFHOST_FIELD_UINT,
	  .flags = BPFHOST_FIELD_NO_TEXT, DROP_FIELD(family) },
	{ .name = "proto", .header = "PROTO", .type = BPFHOST_FIELD_UINT,
	  .width = 5, DROP_FIELD(proto) },
	{ .name = "saddr", .header = "SADDR", .type = BPFHOST_FIELD_BYTES,
	  .display = BPFHOST_DISPLAY_IPV6, .width = -24, DROP_FIELD(saddr) },
	{ .name = "sport", .header = "SPORT", .type = BPFHOST_FIELD_UINT,
	  .width = 5, DROP_FIELD(sport) },
	{ .name = "daddr", .header = "DADDR", .type = BPFHOST_FIELD_BYTES,
	  .display = BPFHOST_DISPLAY_IPV6, .width = -24, DROP_FIELD(daddr) },
	{ .name = "dport", .header = "DPORT", .type = BPFHOST_FIELD_UINT,
	  .width = 5, DROP_FIELD(dport) },
	{ .name = "len", .header = "LEN", .type = BPFHOST_FIELD_UINT,
	  .width = 5, DROP_FIELD(len) },
};

static const struct bpfhost_event_schema events[] = {
	[XDPDROP_EVENT_SUMMARY] = {
		.name = "summary",
		.help = "packets and bytes one rule matched so far, every interval and at exit",
		.size = sizeof(struct xdpdrop_summary_event),
		.nfields = BPFHOST_ARRAY_SIZE(summary_fields),
		.fields = summary_fields,
		.btf_struct = NULL,	/* made in user space */
	},
	[XDPDROP_EVENT_DROP] = {
		.name = "drop",
		.help = "one matched packet (at most sample_rate a second)",
		.size = sizeof(struct xdpdrop_drop_event),
		.nfields = BPFHOST_ARRAY_SIZE(drop_fields),
		.fields = drop_fields,
		.btf_struct = "xdpdrop_drop_event",
	},
};

/*
 * Counters: info.  A packet matched a rule written to keep it out:
 * warning, someone is sending what policy forbids.
 */
static const uint8_t severities[] = {
	[XDPDROP_EVENT_SUMMARY] = BPFHOST_SEVERITY(BPFHOST_SEV_INFO),
	[XDPDROP_EVENT_DROP] = BPFHOST_SEVERITY(BPFHOST_SEV_WARNING),
};

#define LOG(xd, level, ...) (xd)->host->log((xd)->ctx, level, __VA_ARGS__)

/*
 * The interface's link type (ARPHRD_*), or -errno.  The programs parse
 * Ethernet frames: on a device whose packets start at the IP header (a
 * tunnel, WireGuard, TUN) they would read the wrong bytes and pass
 * everything, so such a device is refused.
 */
static int link_type(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	close(fd);
	return err ? err : ifr.ifr_hwaddr.sa_family;
}

static bool frames_have_ethernet(int type)
{
	return type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK;
}

static int read_interfaces(struct xdpdrop *xd)
{
	unsigned int n = xd->host->opt_count(xd->ctx, "interface");

	if (!n) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "no interface given: set interface = NAME under [xdpdrop] or -o xdpdrop.interface=NAME");
		return -EINVAL;
	}
	if (n > XDPDROP_MAX_IFACES) {
		LOG(xd, BPFHOST_LOG_ERROR, "%u interfaces given; at most %d",
		    n, XDPDROP_MAX_IFACES);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct iface *ifc = &xd->ifaces[i];
		int type;

		ifc->name = xd->host->opt_str(xd->ctx, "interface", i);
		ifc->ifindex = if_nametoindex(ifc->name);
		if (!ifc->ifindex) {
			LOG(xd, BPFHOST_LOG_ERROR,
			    "unknown interface '%s' in this network namespace (ip link lists them)",
			    ifc->name);
			return -EINVAL;
		}
		type = link_type(ifc->name);
		if (type < 0 || !frames_have_ethernet(type)) {
			LOG(xd, BPFHOST_LOG_ERROR,
			    "interface '%s' %s: xdpdrop reads Ethernet frames and would let this device's packets through; give an Ethernet interface",
			    ifc->name, type < 0 ? "has no readable link type" :
			    "carries no Ethernet header (a tunnel, WireGuard or TUN device)");
			return -EINVAL;
		}
		for (unsigned int j = 0; j < i; j++) {
			if (xd->ifaces[j].ifindex == ifc->ifindex) {
				LOG(xd, BPFHOST_LOG_ERROR,
				    "interface '%s' is given twice", ifc->name);
				return -EINVAL;
			}
		}
		xd->nifaces++;
	}
	return 0;
}

static int read_rules(struct xdpdrop *xd)
{
	unsigned int n = xd->host->opt_count(xd->ctx, "rule");
	char why[256];

	if (!n) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "no rule given: add e.g. rule = drop tcp dport 8080 under [xdpdrop]");
		return -EINVAL;
	}
	if (n > XDPDROP_MAX_RULES) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "%u rules given; at most %d (one rule takes many prefixes: src A,B,C or src @FILE)",
		    n, XDPDROP_MAX_RULES);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		const char *text = xd->host->opt_str(xd->ctx, "rule", i);
		int err = xdpdrop_rule_parse(text, &xd->rules[i], why,
					     sizeof(why));

		xd->texts[i] = text;
		xd->nrules++;
		if (err == -EINVAL)
			LOG(xd, BPFHOST_LOG_ERROR, "rule %u '%s': %s", i + 1,
			    text, why);
		if (err)
			return err;
	}
	return 0;
}

static void read_modes(struct xdpdrop *xd)
{
	const char *dir = xd->host->opt_str(xd->ctx, "direction", 0);
	const char *xdp = xd->host->opt_str(xd->ctx, "xdp_mode", 0);

	xd->ingress = strcmp(dir, "egress") != 0;
	xd->egress = strcmp(dir, "ingress") != 0;
	xd->xdp_flags = !strcmp(xdp, "native") ? XDP_FLAGS_DRV_MODE :
			!strcmp(xdp, "generic") ? XDP_FLAGS_SKB_MODE : 0;
	xd->xdp_auto = !xd->xdp_flags;
	xd->tc_attach = xd->host->opt_str(xd->ctx, "tc_attach", 0);
}

static void set_rodata(struct xdpdrop *xd)
{
	struct xdpdrop_bpf__rodata *ro = xd->skel->rodata;
	struct xdpdrop_tables t;

	xdpdrop_tables_build(xd->rules, xd->nrules, &t);
	memcpy((void *)ro->proto_rules, t.proto_rules, sizeof(t.proto_rules));
	ro->rules_with_sport = t.rules_with_sport;
	ro->rules_with_dport = t.rules_with_dport;
	ro->rules_with_src = t.rules_with_src;
	ro->rules_with_dst = t.rules_with_dst;
	ro->monitor = !strcmp(xd->host->opt_str(xd->ctx, "mode", 0),
			      "monitor");
	ro->sample_rate = xd->host->opt_int(xd->ctx, "sample_rate", 0);
	bpf_program__set_autoload(xd->skel->progs.xdpdrop_ingress,
				  xd->ingress);
	bpf_program__set_autoload(xd->skel->progs.xdpdrop_egress, xd->egress);
}

static void xdpdrop_free(struct xdpdrop *xd)
{
	for (unsigned int i = 0; i < xd->nrules; i++)
		xdpdrop_rule_free(&xd->rules[i]);
	xdpdrop_bpf__destroy(xd->skel);
	free(xd);
}

static int xdpdrop_open(const struct bpfhost_host_api *host,
			struct bpfhost_plugin_ctx *ctx, void **state)
{
	struct xdpdrop *xd = calloc(1, sizeof(*xd));
	int err;

	if (!xd)
		return -ENOMEM;
	xd->host = host;
	xd->ctx = ctx;
	for (unsigned int i = 0; i < XDPDROP_MAX_IFACES; i++)
		xd->ifaces[i].xdp_link = xd->ifaces[i].tcx_link = -1;
	read_modes(xd);
	err = read_interfaces(xd);
	if (!err)
		err = read_rules(xd);
	if (!err) {
		xd->ncpus = libbpf_num_possible_cpus();
		xd->skel = xdpdrop_bpf__open_opts(
			bpfhost_bpf_open_opts(host, ctx));
		if (!xd->skel || xd->ncpus <= 0) {
			err = xd->ncpus <= 0 ? xd->ncpus : -errno;
			LOG(xd, BPFHOST_LOG_ERROR,
			    "cannot open the BPF object: %s", strerror(-err));
		}
	}
	if (err) {
		xdpdrop_free(xd);
		return err;
	}
	set_rodata(xd);
	*state = xd;
	return 0;
}

/* Write the non-zero slots of one family's first-16-bit table (n > 0). */
static int fill_hi16(struct bpf_map *map, enum xdpdrop_family family,
		     const struct xdpdrop_trie_entry *e, int n)
{
	/* calloc'ed pages stay unmapped until written: little RSS. */
	__u64 *slot = calloc(65536, sizeof(*slot)), *vals = NULL;
	__u32 *keys = NULL, count = 0;
	int err = -ENOMEM;

	if (slot)
		xdpdrop_hi16_fill(e, n, slot);
	for (unsigned int k = 0; slot && k < 65536; k++)
		count += slot[k] != 0;
	if (count) {
		keys = malloc(count * sizeof(*keys));
		vals = malloc(count * sizeof(*vals));
	}
	if (keys && vals) {
		count = 0;
		for (unsigned int k = 0; k < 65536; k++) {
			if (!slot[k])
				continue;
			keys[count] = (__u32)family << 16 | k;
			vals[count++] = slot[k];
		}
		/* One syscall for all the slots. */
		err = bpf_map_update_batch(bpf_map__fd(map), keys, vals,
					   &count, NULL);
	}
	free(keys);
	free(vals);
	free(slot);
	return err;
}

static int fill_trie(struct xdpdrop *xd, struct bpf_map *trie,
		     struct bpf_map *hi16, bool dst,
		     enum xdpdrop_family family)
{
	const char *what = family == XDPDROP_FAM_IP4 ? "IPv4" : "IPv6";
	struct xdpdrop_trie_entry *e;
	int n, err = 0;

	n = xdpdrop_trie_entries(xd->rules, xd->nrules, dst, family, &e);
	if (n < 0)
		return n;
	if (n > XDPDROP_MAX_PREFIXES) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "%d %s %s prefixes given; at most %d", n, what,
		    dst ? "dst" : "src", XDPDROP_MAX_PREFIXES);
		free(e);
		return -E2BIG;
	}
	for (int i = 0; i < n && !err; i++) {
		struct xdpdrop_lpm6_key key = { .prefixlen = e[i].prefix.len };

		memcpy(key.addr, e[i].prefix.addr, sizeof(key.addr));
		/* The IPv4 key is the same layout, 4 address bytes long. */
		if (bpf_map_update_elem(bpf_map__fd(trie), &key, &e[i].rules,
					BPF_ANY))
			err = -errno;
	}
	if (!err && n)
		err = fill_hi16(hi16, family, e, n);
	if (err)
		LOG(xd, BPFHOST_LOG_ERROR, "cannot add %s %s prefixes: %s",
		    what, dst ? "dst" : "src", strerror(-err));
	free(e);
	return err;
}

static int xdpdrop_load(void *state)
{
	struct xdpdrop *xd = state;
	struct xdpdrop_bpf *s = xd->skel;
	int err;

	err = xdpdrop_bpf__load(s);
	if (err) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "the kernel refused the BPF programs: %s (run with -v for the verifier log)",
		    strerror(-err));
		return err;
	}
	/* The .bss is mapped into this process: no syscall per port. */
	xdpdrop_port_rules(xd->rules, xd->nrules, false, s->bss->sport_rules);
	xdpdrop_port_rules(xd->rules, xd->nrules, true, s->bss->dport_rules);
	if ((err = fill_trie(xd, s->maps.src4, s->maps.src_hi16, false,
			     XDPDROP_FAM_IP4)) ||
	    (err = fill_trie(xd, s->maps.dst4, s->maps.dst_hi16, true,
			     XDPDROP_FAM_IP4)) ||
	    (err = fill_trie(xd, s->maps.src6, s->maps.src_hi16, false,
			     XDPDROP_FAM_IP6)) ||
	    (err = fill_trie(xd, s->maps.dst6, s->maps.dst_hi16, true,
			     XDPDROP_FAM_IP6)))
		return err;
	return 0;
}

/* Why native XDP may refuse an interface, from the errors drivers give. */
static const char *native_hint(int err)
{
	if (err == -EOPNOTSUPP)
		return " (its driver has no native XDP)";
	if (err == -ERANGE || err == -EINVAL)
		return " (its MTU, or its veth peer's, may be above what native XDP takes: ip link show)";
	return "";
}

static void log_xdp_error(struct xdpdrop *xd, struct iface *ifc, int err)
{
	if (err == -EEXIST || err == -EBUSY)
		LOG(xd, BPFHOST_LOG_ERROR,
		    "%s already has an XDP program (ip link show %s): remove it first",
		    ifc->name, ifc->name);
	else if (xd->xdp_flags == XDP_FLAGS_DRV_MODE)
		LOG(xd, BPFHOST_LOG_ERROR,
		    "cannot attach native XDP to %s: %s%s; use xdp_mode = auto (falls back to generic) or generic",
		    ifc->name, strerror(-err), native_hint(err));
	else
		LOG(xd, BPFHOST_LOG_ERROR, "cannot attach XDP to %s: %s",
		    ifc->name, strerror(-err));
}

static int attach_xdp(struct xdpdrop *xd, struct iface *ifc)
{
	int prog_fd = bpf_program__fd(xd->skel->progs.xdpdrop_ingress);
	int fd = xdpdrop_link_xdp(prog_fd, ifc->ifindex, xd->xdp_flags);
	int native = fd;

	if (fd < 0 && xd->xdp_auto && fd != -EEXIST && fd != -EBUSY)
		fd = xdpdrop_link_xdp(prog_fd, ifc->ifindex,
				      XDP_FLAGS_SKB_MODE);
	if (fd >= 0) {
		ifc->xdp_link = fd;
		if (native < 0)
			LOG(xd, BPFHOST_LOG_WARN,
			    "%s: native XDP refused (%s%s): XDP attached in generic mode, which runs later in the stack and costs more per packet",
			    ifc->name, strerror(-native), native_hint(native));
		else
			LOG(xd, BPFHOST_LOG_INFO, "%s: XDP attached (%s)",
			    ifc->name, xdpdrop_xdp_mode(ifc->ifindex));
		return 0;
	}
	log_xdp_error(xd, ifc, fd);
	/* Not a config error: keep -EINVAL for bad input (exit 2). */
	return fd == -EINVAL ? -EOPNOTSUPP : fd;
}

static int attach_tc(struct xdpdrop *xd, struct iface *ifc)
{
	int prog_fd = bpf_program__fd(xd->skel->progs.xdpdrop_egress);
	int fd = -EINVAL, err;

	if (strcmp(xd->tc_attach, "qdisc")) {
		fd = xdpdrop_link_tcx_egress(prog_fd, ifc->ifindex);
		if (fd >= 0) {
			ifc->tcx_link = fd;
			return 0;
		}
		if (fd != -EINVAL || !strcmp(xd->tc_attach, "link")) {
			LOG(xd, BPFHOST_LOG_ERROR,
			    "cannot attach a tcx egress link to %s: %s%s",
			    ifc->name, strerror(-fd),
			    fd == -EINVAL ? " (tcx needs Linux 6.6; tc_attach = qdisc works without)" : "");
			return fd == -EINVAL ? -EOPNOTSUPP : fd;
		}
		LOG(xd, BPFHOST_LOG_WARN,
		    "this kernel has no tcx links: egress on %s uses a clsact qdisc filter, which a killed bpfhost leaves behind until the next start removes it",
		    ifc->name);
	}
	err = xdpdrop_tc_filter_add(prog_fd, ifc->ifindex);
	if (err == -EEXIST) {
		/* check_interface() left it: another program's. */
		LOG(xd, BPFHOST_LOG_ERROR,
		    "another program's tc filter holds xdpdrop's egress slot on %s (pref %u handle 0x%x): move it, or use tc_attach = link",
		    ifc->name, XDPDROP_TC_PRIORITY, XDPDROP_TC_HANDLE);
		return -EBUSY;
	}
	if (err) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "cannot attach a clsact egress filter to %s: %s",
		    ifc->name, strerror(-err));
		return err == -EINVAL ? -EOPNOTSUPP : err;
	}
	ifc->tc_filter = true;
	return 0;
}

/* One line: another bpfhost's xdpdrop runs on ifc through prog_id. */
static int refuse_busy(struct xdpdrop *xd, struct iface *ifc,
		       uint32_t prog_id)
{
	pid_t pid = xdpdrop_prog_holder(prog_id);

	LOG(xd, BPFHOST_LOG_ERROR,
	    "%s already runs xdpdrop for another bpfhost (%s %d): one xdpdrop per interface; give that one all the rules, or stop it first",
	    ifc->name, pid ? "pid" : "program id", pid ? pid : (int)prog_id);
	return -EBUSY;
}

/*
 * The clsact filter at our slot, program prog_id: another program's is
 * left alone; an xdpdrop one that a live process holds is another
 * bpfhost's; one that none holds was left by a killed bpfhost, and is
 * removed only when it is certainly ours: this very program.
 */
static int check_filter(struct xdpdrop *xd, struct iface *ifc,
			uint32_t prog_id)
{
	int ours, err;

	if (xdpdrop_prog_is_xdpdrop(prog_id) != 1)
		return 0;
	if (xdpdrop_prog_holder(prog_id))
		return refuse_busy(xd, ifc, prog_id);
	ours = xd->egress ? xdpdrop_prog_same(prog_id,
			bpf_program__fd(xd->skel->progs.xdpdrop_egress)) : 0;
	if (ours != 1) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "%s carries an xdpdrop egress filter left by a killed bpfhost, %s: remove it with 'tc filter del dev %s egress pref %u handle 0x%x bpf'",
		    ifc->name, xd->egress ? "of another xdpdrop build" :
		    "which an ingress-only start cannot tell for its own",
		    ifc->name, XDPDROP_TC_PRIORITY, XDPDROP_TC_HANDLE);
		return -EBUSY;
	}
	err = xdpdrop_tc_filter_remove(ifc->ifindex, prog_id);
	if (err < 0) {
		LOG(xd, BPFHOST_LOG_ERROR,
		    "cannot remove a stale xdpdrop egress filter from %s: %s",
		    ifc->name, strerror(-err));
		return err;
	}
	LOG(xd, BPFHOST_LOG_WARN,
	    "removed a stale xdpdrop egress filter from %s (left by a bpfhost that was killed)",
	    ifc->name);
	return 0;
}

/*
 * Before anything is attached: refuse an interface that runs another
 * bpfhost's xdpdrop, and clear our own stale filter.  Returns 0 or -errno,
 * with one line logged.
 */
static int check_interface(struct xdpdrop *xd, struct iface *ifc)
{
	uint32_t ids[64], n = BPFHOST_ARRAY_SIZE(ids), id;
	int err;

	id = xdpdrop_xdp_prog(ifc->ifindex);
	if (id && xdpdrop_prog_is_xdpdrop(id) == 1)
		return refuse_busy(xd, ifc, id);
	/* No tcx on this kernel: nothing there to check. */
	if (!xdpdrop_tcx_egress_progs(ifc->ifindex, ids, &n)) {
		for (uint32_t i = 0; i < n; i++)
			if (xdpdrop_prog_is_xdpdrop(ids[i]) == 1)
				return refuse_busy(xd, ifc, ids[i]);
	}
	err = xdpdrop_tc_filter_prog(ifc->ifindex, &id);
	if (err < 0)
		LOG(xd, BPFHOST_LOG_ERROR,
		    "cannot read the egress filters of %s: %s", ifc->name,
		    strerror(-err));
	return err == 1 ? check_filter(xd, ifc, id) : err;
}

static int xdpdrop_attach(void *state)
{
	struct xdpdrop *xd = state;
	int err = 0;

	/* Every interface checked before any is touched. */
	for (unsigned int i = 0; i < xd->nifaces && !err; i++)
		err = check_interface(xd, &xd->ifaces[i]);
	for (unsigned int i = 0; i < xd->nifaces && !err; i++) {
		struct iface *ifc = &xd->ifaces[i];

		if (xd->egress)
			err = attach_tc(xd, ifc);
		if (!err && xd->ingress)
			err = attach_xdp(xd, ifc);
	}
	if (!err)
		err = xd->host->add_ringbuf(xd->ctx,
					    bpf_map__fd(xd->skel->maps.events),
					    bpf_map__fd(xd->skel->maps.lost));
	if (!err)
		err = xd->host->set_tick(xd->ctx,
			xd->host->opt_int(xd->ctx, "interval", 0) * 1000);
	xd->attached = !err;
	return err;
}

/* Sum one counter over the CPUs. */
static struct xdpdrop_counter read_counter(struct xdpdrop *xd, uint32_t key)
{
	struct xdpdrop_counter per_cpu[xd->ncpus], sum = { 0 };

	if (bpf_map_lookup_elem(bpf_map__fd(xd->skel->maps.counters), &key,
				per_cpu))
		return sum;
	for (int c = 0; c < xd->ncpus; c++) {
		sum.packets += per_cpu[c].packets;
		sum.bytes += per_cpu[c].bytes;
	}
	return sum;
}

static void emit_summaries(struct xdpdrop *xd, bool final)
{
	for (unsigned int i = 0; i < xd->nrules; i++) {
		struct xdpdrop_summary_event e = {
			.hdr.type = XDPDROP_EVENT_SUMMARY,
			.rule = i + 1,
			.final = final,
		};
		struct xdpdrop_counter in, out;

		in = read_counter(xd, i * XDPDROP_NDIRS + XDPDROP_DIR_INGRESS);
		out = read_counter(xd, i * XDPDROP_NDIRS + XDPDROP_DIR_EGRESS);
		e.ingress_packets = in.packets;
		e.ingress_bytes = in.bytes;
		e.egress_packets = out.packets;
		e.egress_bytes = out.bytes;
		strncpy(e.text, xd->texts[i], sizeof(e.text) - 1);
		xd->host->emit(xd->ctx, &e, sizeof(e));
	}
}

static int xdpdrop_tick(void *state)
{
	emit_summaries(state, false);
	return 0;
}

/* The kernel's id of a loaded program, or 0. */
static uint32_t loaded_prog_id(const struct bpf_program *prog)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) ?
		       0 : info.id;
}

static void xdpdrop_detach(void *state)
{
	struct xdpdrop *xd = state;
	uint32_t egress_id = xd->egress ?
		loaded_prog_id(xd->skel->progs.xdpdrop_egress) : 0;

	for (unsigned int i = 0; i < xd->nifaces; i++) {
		struct iface *ifc = &xd->ifaces[i];

		if (ifc->xdp_link >= 0)
			close(ifc->xdp_link);
		if (ifc->tcx_link >= 0)
			close(ifc->tcx_link);
		/* Ours only: another may have replaced it meanwhile. */
		if (ifc->tc_filter)
			xdpdrop_tc_filter_remove(ifc->ifindex, egress_id);
		ifc->xdp_link = ifc->tcx_link = -1;
		ifc->tc_filter = false;
	}
	/* The counters outlive the links: the last summary is exact. */
	if (xd->attached)
		emit_summaries(xd, true);
	xd->attached = false;
}

static void xdpdrop_close(void *state)
{
	xdpdrop_free(state);
}

static const void *xdpdrop_bpf_object(size_t *size)
{
	return xdpdrop_bpf__elf_bytes(size);
}

static const struct bpfhost_plugin_ops xdpdrop_ops = {
	.abi_version = BPFHOST_ABI_VERSION,
	.size = sizeof(struct bpfhost_plugin_ops),
	.name = "xdpdrop",
	.version = "1.0.0",
	.summary = "drop packets by rule: XDP on ingress, tc on egress",
	.options = options,
	.noptions = BPFHOST_ARRAY_SIZE(options),
	.events = events,
	.nevents = BPFHOST_ARRAY_SIZE(events),
	.open = xdpdrop_open,
	.load = xdpdrop_load,
	.attach = xdpdrop_attach,
	.tick = xdpdrop_tick,
	.detach = xdpdrop_detach,
	.close = xdpdrop_close,
	.bpf_object = xdpdrop_bpf_object,
	.event_severities = severities,
};

BPFHOST_PLUGIN(xdpdrop_ops)

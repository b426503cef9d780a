// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xdpdrop, kernel side: drop (or, in monitor mode, count) packets that match
 * a rule, at XDP on ingress and at tc on egress.
 *
 * Parsing is bounds-checked header by header; a packet that ends early, or
 * that is not IPv4/IPv6 over Ethernet (with up to two VLAN tags), matches no
 * rule and passes.  Later IPv4/IPv6 fragments carry no ports: they are class
 * "other" and only match rules that name no protocol.  IPv6 extension headers
 * are walked up to XDPDROP_MAX_EXT deep; past that the packet is "other" too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpfhost/bpf_event.h>
#include "xdpdrop.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define MAX_VLAN_TAGS 2
#define XDPDROP_MAX_EXT 6
#define IP_OFFSET_MASK 0x1fff
#define IP6_OFFSET_MASK 0xfff8
/* IPv6 next headers: #defines in the UAPI, absent from vmlinux.h. */
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_ICMP 58
#define NEXTHDR_DEST 60
#define TC_ACT_UNSPEC (-1)
#define TC_ACT_SHOT 2
/* Enough linear bytes for the headers we read, on skbs that are paged. */
#define TC_PULL_LEN 256

/* Set by the user side before load (see xdpdrop.h for the masks). */
const volatile bool monitor = false;
const volatile __u32 sample_rate = 0;
const volatile __u64 proto_rules[XDPDROP_NFAMILIES][XDPDROP_NL4] = {};
const volatile __u64 rules_with_sport = 0;
const volatile __u64 rules_with_dport = 0;
const volatile __u64 rules_with_src = 0;
const volatile __u64 rules_with_dst = 0;

/* Rules allowing each port; written through the skeleton after load. */
__u64 sport_rules[65536];
__u64 dport_rules[65536];

/* Per-drop event budget: the current one-second window and its count. */
__u64 rate_window_ns;
__u64 rate_count;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPDROP_MAX_RULES * XDPDROP_NDIRS);
	__type(key, __u32);
	__type(value, struct xdpdrop_counter);
} counters SEC(".maps");

/* Value: the rules whose prefixes contain the key (see rule.c). */
#define XDPDROP_TRIE(name, keytype)                                            \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                           \
		__uint(max_entries, XDPDROP_MAX_PREFIXES);                     \
		__uint(map_flags, BPF_F_NO_PREALLOC);                          \
		__type(key, keytype);                                          \
		__type(value, __u64);                                          \
	} name SEC(".maps")

XDPDROP_TRIE(src4, struct xdpdrop_lpm4_key);
XDPDROP_TRIE(dst4, struct xdpdrop_lpm4_key);
XDPDROP_TRIE(src6, struct xdpdrop_lpm6_key);
XDPDROP_TRIE(dst6, struct xdpdrop_lpm6_key);

/* Where a drop event is built; also puts its type in the object's BTF. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdrop_drop_event);
} event_scratch SEC(".maps");

BPFHOST_RINGBUF(events, 256 * 1024);
BPFHOST_LOST_COUNTER(lost);

struct pkt {
	__u8 family;		/* enum xdpdrop_family */
	__u8 l4;		/* enum xdpdrop_l4 */
	__u8 proto;
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 saddr[16];		/* IPv4 as ::ffff:a.b.c.d */
	__u8 daddr[16];
};

struct ip6_ext {
	__u8 nexthdr;
	__u8 len;
	__be16 frag_off;	/* fragment header only */
};

static __always_inline int parse_l4(void *l4, void *end, __u8 proto,
				    __u8 icmp_proto, struct pkt *p)
{
	p->proto = proto;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return -1;
		p->l4 = XDPDROP_L4_TCP;
		p->sport = bpf_ntohs(th->source);
		p->dport = bpf_ntohs(th->dest);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return -1;
		p->l4 = XDPDROP_L4_UDP;
		p->sport = bpf_ntohs(uh->source);
		p->dport = bpf_ntohs(uh->dest);
	} else if (proto == icmp_proto) {
		/* Type, code and checksum: the part both ICMPs share. */
		if (l4 + 4 > end)
			return -1;
		p->l4 = XDPDROP_L4_ICMP;
	} else {
		p->l4 = XDPDROP_L4_OTHER;
	}
	return 0;
}

static __always_inline int parse_ip4(void *cur, void *end, struct pkt *p)
{
	struct iphdr *ip = cur;
	__u32 hlen;

	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return -1;
	hlen = ip->ihl * 4;
	if (cur + hlen > end)
		return -1;
	p->family = XDPDROP_FAM_IP4;
	p->saddr[10] = p->saddr[11] = 0xff;
	p->daddr[10] = p->daddr[11] = 0xff;
	__builtin_memcpy(&p->saddr[12], &ip->saddr, 4);
	__builtin_memcpy(&p->daddr[12], &ip->daddr, 4);
	if (ip->frag_off & bpf_htons(IP_OFFSET_MASK)) {
		p->proto = ip->protocol;
		p->l4 = XDPDROP_L4_OTHER;
		return 0;
	}
	return parse_l4(cur + hlen, end, ip->protocol, IPPROTO_ICMP, p);
}

static __always_inline int parse_ip6(void *cur, void *end, struct pkt *p)
{
	struct ipv6hdr *ip6 = cur;
	__u8 next;

	if ((void *)(ip6 + 1) > end || ip6->version != 6)
		return -1;
	p->family = XDPDROP_FAM_IP6;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	next = ip6->nexthdr;
	cur = ip6 + 1;
	for (int i = 0; i < XDPDROP_MAX_EXT; i++) {
		struct ip6_ext *ext = cur;

		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING &&
		    next != NEXTHDR_DEST && next != NEXTHDR_FRAGMENT &&
		    next != NEXTHDR_AUTH)
			return parse_l4(cur, end, next, NEXTHDR_ICMP, p);
		if ((void *)(ext + 1) > end)
			return -1;
		if (next == NEXTHDR_FRAGMENT &&
		    (ext->frag_off & bpf_htons(IP6_OFFSET_MASK)))
			break;
		if (next == NEXTHDR_FRAGMENT)
			cur += 8;
		else if (next == NEXTHDR_AUTH)
			cur += (ext->len + 2) * 4;
		else
			cur += (ext->len + 1) * 8;
		next = ext->nexthdr;
	}
	/* A later fragment, or a chain too long to walk: no ports known. */
	p->proto = next;
	p->l4 = XDPDROP_L4_OTHER;
	return 0;
}

static __always_inline int parse(void *data, void *end, struct pkt *p)
{
	struct ethhdr *eth = data;
	void *cur = eth + 1;
	__be16 proto;

	if (cur > end)
		return -1;
	proto = eth->h_proto;
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vh = cur;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return -1;
		proto = vh->h_vlan_encapsulated_proto;
		cur = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ip4(cur, end, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ip6(cur, end, p);
	return -1;
}

/* Rules whose prefixes hold addr; rules without prefixes are not asked. */
static __always_inline __u64 prefix_rules(const struct pkt *p,
					  const __u8 *addr, void *trie4,
					  void *trie6)
{
	struct xdpdrop_lpm6_key k6 = { .prefixlen = 128 };
	struct xdpdrop_lpm4_key k4 = { .prefixlen = 32 };
	__u64 *m;

	if (p->family == XDPDROP_FAM_IP4) {
		__builtin_memcpy(k4.addr, addr + 12, 4);
		m = bpf_map_lookup_elem(trie4, &k4);
	} else {
		__builtin_memcpy(k6.addr, addr, 16);
		m = bpf_map_lookup_elem(trie6, &k6);
	}
	return m ? *m : 0;
}

static __always_inline int lowest_bit(__u64 m)
{
	int i = 0;

	if (!(m & 0xffffffffull)) {
		m >>= 32;
		i += 32;
	}
	if (!(m & 0xffff)) {
		m >>= 16;
		i += 16;
	}
	if (!(m & 0xff)) {
		m >>= 8;
		i += 8;
	}
	if (!(m & 0xf)) {
		m >>= 4;
		i += 4;
	}
	if (!(m & 0x3)) {
		m >>= 2;
		i += 2;
	}
	if (!(m & 0x1))
		i += 1;
	return i;
}

/* The first rule the packet matches, or -1. */
static __always_inline int match(const struct pkt *p)
{
	__u64 m = proto_rules[p->family & 1][p->l4 & 3];

	/* Port masks also hold for packets without ports (port 0): rules
	 * with ports are absent from the masks of those protocols. */
	if (rules_with_sport)
		m &= sport_rules[p->sport] | ~rules_with_sport;
	if (rules_with_dport)
		m &= dport_rules[p->dport] | ~rules_with_dport;
	if (rules_with_src && m)
		m &= prefix_rules(p, p->saddr, &src4, &src6) | ~rules_with_src;
	if (rules_with_dst && m)
		m &= prefix_rules(p, p->daddr, &dst4, &dst6) | ~rules_with_dst;
	return m ? lowest_bit(m) : -1;
}

/*
 * At most sample_rate events in each one-second window, across CPUs.  Racing
 * CPUs can lose an increment when the window turns, so a window may carry a
 * few more events than the rate, never a flood.
 */
static __always_inline bool sample_allowed(void)
{
	__u64 now = bpf_ktime_get_ns(), start = rate_window_ns;

	if (now - start >= 1000000000ull &&
	    __sync_val_compare_and_swap(&rate_window_ns, start, now) == start)
		rate_count = 0;
	return __sync_fetch_and_add(&rate_count, 1) < sample_rate;
}

static __always_inline void report(const struct pkt *p, int rule, __u32 len,
				   __u32 ifindex, __u8 dir)
{
	struct xdpdrop_drop_event *e;
	__u32 zero = 0;

	if (!sample_allowed())
		return;
	e = bpf_map_lookup_elem(&event_scratch, &zero);
	if (!e)
		return;
	bpfhost_header_init(&e->hdr, XDPDROP_EVENT_DROP);
	e->rule = rule + 1;
	e->ifindex = ifindex;
	e->len = len;
	e->sport = p->sport;
	e->dport = p->dport;
	e->direction = dir;
	e->action = monitor ? XDPDROP_ACT_MONITOR : XDPDROP_ACT_DROP;
	e->family = p->family == XDPDROP_FAM_IP4 ? 4 : 6;
	e->proto = p->proto;
	__builtin_memcpy(e->saddr, p->saddr, 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	bpfhost_output(&events, &lost, e, sizeof(*e));
}

/* True when the packet is to be dropped. */
static __always_inline bool handle(void *data, void *end, __u32 len,
				   __u32 ifindex, __u8 dir)
{
	struct xdpdrop_counter *c;
	struct pkt p = {};
	__u32 key;
	int rule;

	if (parse(data, end, &p))
		return false;
	rule = match(&p);
	if (rule < 0)
		return false;
	key = (__u32)rule * XDPDROP_NDIRS + dir;
	c = bpf_map_lookup_elem(&counters, &key);
	if (c) {
		/* Per-CPU slot: no other CPU writes it. */
		c->packets++;
		c->bytes += len;
	}
	if (sample_rate)
		report(&p, rule, len, ifindex, dir);
	return !monitor;
}

SEC("xdp")
int xdpdrop_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	return handle(data, end, end - data, ctx->ingress_ifindex,
		      XDPDROP_DIR_INGRESS) ? XDP_DROP : XDP_PASS;
}

/* Attached as a tcx link (or a clsact filter): UNSPEC lets the next run. */
SEC("tc")
int xdpdrop_egress(struct __sk_buff *skb)
{
	__u32 len = skb->len, ifindex = skb->ifindex;
	void *data, *end;

	if (skb->data_end - skb->data < len &&
	    skb->data_end - skb->data < TC_PULL_LEN)
		bpf_skb_pull_data(skb, len < TC_PULL_LEN ? len : TC_PULL_LEN);
	/* Read after the pull, which moves the packet; the barrier keeps
	 * clang from hoisting ctx + offset, which the verifier refuses. */
	asm volatile("" : "+r"(skb));
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (handle(data, end, len, ifindex, XDPDROP_DIR_EGRESS))
		return TC_ACT_SHOT;
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xdpdrop, kernel side: drop (or, in monitor mode, count) packets that match
 * a rule, at XDP on ingress and at tc on egress.
 *
 * Parsing fails closed.  Each header read narrows the rules a frame can
 * match; a frame the parser cannot read to the end (cut short, malformed,
 * or deeper than it walks) matches every rule that what it did read leaves
 * open.  Ports count as read once the first 4 bytes of TCP/UDP are there,
 * and a first fragment too short for them matches the port rules of its
 * protocol (RFC 1858).  Later IPv4/IPv6 fragments carry no ports: they are
 * class "other" and only match rules that name no protocol.  Frames that
 * are not IP over Ethernet match no rule: every rule names IPv4 or IPv6.
 *
 * Only UAPI headers: the packet headers are fixed ABI, so the object needs
 * no CO-RE relocation and libbpf never reads the kernel's BTF to load it.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpfhost/bpf_event.h>
#include "xdpdrop.h"

/* Linux strips any number of VID 0 tags; deeper stacks match every rule. */
#define MAX_VLAN_TAGS 8
#define IP_OFFSET_MASK 0x1fff
#define IP6_OFFSET_MASK 0xfff8
/* Extension headers are walked up to this offset, near the 64K an IPv6
 * payload length allows and below the verifier's bound on packet offsets;
 * a chain reaching further matches as a cut one.  Each header is at least
 * 8 bytes long, so the walk takes at most MAX_EXT_OFF / 8 steps. */
#define MAX_EXT_OFF 0xff00
/* Linear bytes for the headers of common frames, on skbs that are paged;
 * a frame whose headers lie further is pulled whole. */
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

/* In front of each pair of tries: what the first 16 address bits decide. */
#define XDPDROP_HI16(name)                                                     \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_ARRAY);                              \
		__uint(max_entries, XDPDROP_HI16_ENTRIES);                     \
		__type(key, __u32);                                            \
		__type(value, __u64);                                          \
	} name SEC(".maps")

XDPDROP_HI16(src_hi16);
XDPDROP_HI16(dst_hi16);

/* Where a drop event is built; also puts its type in the object's BTF. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdrop_drop_event);
} event_scratch SEC(".maps");

BPFHOST_RINGBUF(events, 256 * 1024);
BPFHOST_LOST_COUNTER(lost);

/* How far parsing got: each level has read the fields of those before. */
enum known {
	KNOWN_NOTHING,		/* VLAN tags deeper than we walk, or cut */
	KNOWN_FAMILY,		/* IP header cut short or malformed */
	KNOWN_ADDRS,		/* the L4 protocol lies past what we reach */
	KNOWN_PROTO,		/* TCP or UDP without the 4 bytes of ports */
	KNOWN_ALL,
};

struct pkt {
	__u8 saddr[16] __attribute__((aligned(8)));	/* IPv4: bytes 0-3 */
	__u8 daddr[16];
	__u16 sport;		/* host order; 0 without ports */
	__u16 dport;
	__u16 src_hi;		/* the first 16 address bits, host order */
	__u16 dst_hi;
	__u8 family;		/* enum xdpdrop_family */
	__u8 l4;		/* enum xdpdrop_l4 */
	__u8 proto;
	__u8 known;		/* enum known */
};

/* struct ethhdr is packed, which makes clang read h_proto byte by byte. */
struct eth {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__be16 proto;
};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

struct ip6_ext {
	__u8 nexthdr;
	__u8 len;
	__be16 frag_off;	/* fragment header only */
};

/* The L4 header at l4 (NULL for a later fragment): its class and ports. */
static __always_inline void parse_l4(void *l4, void *end, struct pkt *p)
{
	/* The ports lead both headers. */
	struct udphdr *uh = l4;

	p->known = KNOWN_ALL;
	if (!l4) {
		p->l4 = XDPDROP_L4_OTHER;
	} else if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		p->l4 = p->proto == IPPROTO_TCP ? XDPDROP_L4_TCP :
						  XDPDROP_L4_UDP;
		if (l4 + 4 > end) {
			p->known = KNOWN_PROTO;
			return;
		}
		p->sport = bpf_ntohs(uh->source);
		p->dport = bpf_ntohs(uh->dest);
	} else if (p->proto == (p->family == XDPDROP_FAM_IP4 ?
					IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		p->l4 = XDPDROP_L4_ICMP;
	} else {
		p->l4 = XDPDROP_L4_OTHER;
	}
}

static __always_inline void parse_ip4(void *cur, void *end, struct pkt *p)
{
	struct iphdr *ip = cur;

	p->family = XDPDROP_FAM_IP4;
	p->known = KNOWN_FAMILY;
	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return;
	p->proto = ip->protocol;
	*(__be32 *)p->saddr = ip->saddr;
	*(__be32 *)p->daddr = ip->daddr;
	p->src_hi = bpf_ntohl(ip->saddr) >> 16;
	p->dst_hi = bpf_ntohl(ip->daddr) >> 16;
	parse_l4(ip->frag_off & bpf_htons(IP_OFFSET_MASK) ? NULL :
							     cur + ip->ihl * 4,
		 end, p);
}

static __always_inline bool ip6_ext_hdr(__u8 next)
{
	return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	       next == IPPROTO_DSTOPTS || next == IPPROTO_FRAGMENT ||
	       next == IPPROTO_AH;
}

/* One walk of an IPv6 extension chain, shared with its bpf_loop steps. */
struct ext_walk {
	void *data, *end;
	__u32 off;		/* of the header next names, from data */
	__u8 next;
	bool cut;		/* a header lies past end or MAX_EXT_OFF */
	bool later_fragment;
};

/* One header: 0 to go on, 1 when the walk is over. */
static long ext_step(__u32 i, void *arg)
{
	struct ext_walk *w = arg;
	struct ip6_ext *ext;
	__u32 off = w->off;

	if (!ip6_ext_hdr(w->next))
		return 1;
	if (off > MAX_EXT_OFF) {
		w->cut = true;
		return 1;
	}
	ext = w->data + off;
	if ((void *)(ext + 1) > w->end) {
		w->cut = true;
		return 1;
	}
	if (w->next == IPPROTO_FRAGMENT) {
		if (ext->frag_off & bpf_htons(IP6_OFFSET_MASK)) {
			w->later_fragment = true;
			w->next = ext->nexthdr;
			return 1;
		}
		off += 8;
	} else if (w->next == IPPROTO_AH) {
		off += (ext->len + 2) * 4;
	} else {
		off += (ext->len + 1) * 8;
	}
	w->off = off;
	w->next = ext->nexthdr;
	return 0;
}

static __always_inline void parse_ip6(void *data, void *cur, void *end,
				      struct pkt *p)
{
	struct ipv6hdr *ip6 = cur;
	struct ext_walk w;

	p->family = XDPDROP_FAM_IP6;
	p->known = KNOWN_FAMILY;
	if ((void *)(ip6 + 1) > end || ip6->version != 6)
		return;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	p->src_hi = bpf_ntohs(ip6->saddr.in6_u.u6_addr16[0]);
	p->dst_hi = bpf_ntohs(ip6->daddr.in6_u.u6_addr16[0]);
	p->proto = ip6->nexthdr;
	cur = ip6 + 1;
	if (!ip6_ext_hdr(p->proto)) {
		parse_l4(cur, end, p);
		return;
	}
	/* bpf_loop: the verifier checks one step, whatever the chain. */
	w = (struct ext_walk){ .data = data, .end = end, .off = cur - data,
			       .next = p->proto };
	bpf_loop(MAX_EXT_OFF / 8 + 1, ext_step, &w, 0);
	p->proto = w.next;
	p->known = KNOWN_ADDRS;
	if (w.later_fragment)
		parse_l4(NULL, end, p);
	else if (!w.cut && !ip6_ext_hdr(w.next) && w.off <= MAX_EXT_OFF)
		parse_l4(data + w.off, end, p);
}

/* 0 with p->known set, or -1 for a frame no rule can match. */
static __always_inline int parse(void *data, void *end, struct pkt *p)
{
	struct eth *eth = data;
	void *cur = eth + 1;
	__be16 proto;

	if (cur > end)
		return -1;
	/* Fields a short parse leaves unread are defined all the same: clang
	 * would otherwise spill undefined registers, which the verifier
	 * refuses. */
	__builtin_memset(p, 0, sizeof(*p));
	proto = eth->proto;
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_tag *vh = cur;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			break;
		proto = vh->proto;
		cur = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		parse_ip4(cur, end, p);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		parse_ip6(data, cur, end, p);
	} else if (proto == bpf_htons(ETH_P_8021Q) ||
		   proto == bpf_htons(ETH_P_8021AD)) {
		p->known = KNOWN_NOTHING;
	} else {
		return -1;
	}
	return 0;
}

/*
 * The rules whose prefixes hold addr.  The first 16 bits decide alone
 * unless a longer prefix starts under them (see rule.c): most addresses
 * then cost one array read, which the verifier inlines, and no trie walk.
 */
static __always_inline __u64 prefix_rules(const struct pkt *p,
					  const __u8 *addr, __u16 hi,
					  void *hi16, void *trie4, void *trie6)
{
	__u32 k = (__u32)p->family << 16 | hi;
	__u64 *m = bpf_map_lookup_elem(hi16, &k);

	if (!m || *m != XDPDROP_HI16_ASK_TRIE)
		return m ? *m : 0;
	if (p->family == XDPDROP_FAM_IP4) {
		struct xdpdrop_lpm4_key k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, addr, 4);
		m = bpf_map_lookup_elem(trie4, &k4);
	} else {
		struct xdpdrop_lpm6_key k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, addr, 16);
		m = bpf_map_lookup_elem(trie6, &k6);
	}
	return m ? *m : 0;
}

/* The candidates up to the first one that no further lookup can drop. */
static __always_inline __u64 up_to_first_sure(__u64 m, __u64 unsure)
{
	__u64 sure = m & ~unsure;

	return m & (((sure & -sure) << 1) - 1);
}

/* De Bruijn: the lowest set bit times this constant puts a distinct
 * value in the top 6 bits for each of the 64 bits; the table maps back. */
#define DEBRUIJN64 0x03f79d71b4cb0a89ull
static const __u8 debruijn_bit[64] = {
	0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
};

static __always_inline int lowest_bit(__u64 m)
{
	return debruijn_bit[((m & -m) * DEBRUIJN64) >> 58];
}

/* The rules of a family whatever its L4, or of both (family < 0). */
static __always_inline __u64 family_rules(int family)
{
	__u64 m = 0;

	for (int f = 0; f < XDPDROP_NFAMILIES; f++)
		for (int c = 0; c < XDPDROP_NL4; c++)
			if (family < 0 || family == f)
				m |= proto_rules[f][c];
	return m;
}

/*
 * The first rule the packet matches, or -1.  The address tables are asked
 * only while a rule that needs them could still come first.  A field the
 * parser did not reach rules nothing out.
 */
static __always_inline int match(const struct pkt *p)
{
	/* Read once: each read of a const volatile is a load. */
	__u64 with_sport = rules_with_sport, with_dport = rules_with_dport;
	__u64 with_src = rules_with_src, with_dst = rules_with_dst;
	__u64 m;

	if (p->known == KNOWN_ALL) {
		m = proto_rules[p->family & 1][p->l4 & 3];
		/* Port masks also hold for packets without ports (port 0):
		 * rules with ports are absent from the masks of those
		 * protocols. */
		if (with_sport)
			m &= sport_rules[p->sport] | ~with_sport;
		if (with_dport)
			m &= dport_rules[p->dport] | ~with_dport;
	} else if (p->known == KNOWN_PROTO) {
		m = proto_rules[p->family & 1][p->l4 & 3];
	} else {
		m = family_rules(p->known == KNOWN_NOTHING ? -1 : p->family);
		if (p->known != KNOWN_ADDRS)
			return m ? lowest_bit(m) : -1;
	}
	if (with_src) {
		m = up_to_first_sure(m, with_src | with_dst);
		if (m & with_src)
			m &= prefix_rules(p, p->saddr, p->src_hi, &src_hi16,
					  &src4, &src6) | ~with_src;
	}
	if (with_dst) {
		m = up_to_first_sure(m, with_dst);
		if (m & with_dst)
			m &= prefix_rules(p, p->daddr, p->dst_hi, &dst_hi16,
					  &dst4, &dst6) | ~with_dst;
	}
	return m ? lowest_bit(m) : -1;
}

/*
 * At most sample_rate events in each one-second window, across CPUs.  Racing
 * CPUs can lose an increment when the window turns, so a window may carry a
 * few more events than the rate, never a flood.  A spent budget is seen
 * without an atomic operation, so a flood costs no more than the counting.
 */
static __always_inline bool sample_allowed(void)
{
	__u64 now = bpf_ktime_get_ns(), start = rate_window_ns;

	if (now - start >= 1000000000ull &&
	    __sync_val_compare_and_swap(&rate_window_ns, start, now) == start)
		rate_count = 0;
	else if (rate_count >= sample_rate)
		return false;
	return __sync_fetch_and_add(&rate_count, 1) < sample_rate;
}

static __always_inline void map_ip4(__u8 *out, const __u8 *addr)
{
	__builtin_memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	__builtin_memcpy(out + 12, addr, 4);
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
	/* What the parser did not reach reads as unknown (see xdpdrop.h). */
	e->proto = p->known >= KNOWN_PROTO ? p->proto : 255;
	e->family = 0;
	if (p->known >= KNOWN_FAMILY)
		e->family = p->family == XDPDROP_FAM_IP4 ? 4 : 6;
	if (p->known < KNOWN_ADDRS) {
		__builtin_memset(e->saddr, 0, 16);
		__builtin_memset(e->daddr, 0, 16);
	} else if (p->family == XDPDROP_FAM_IP4) {
		map_ip4(e->saddr, p->saddr);
		map_ip4(e->daddr, p->daddr);
	} else {
		__builtin_memcpy(e->saddr, p->saddr, 16);
		__builtin_memcpy(e->daddr, p->daddr, 16);
	}
	bpfhost_output(&events, &lost, e, sizeof(*e));
}

/* The rule the parsed packet matches, counted, or -1. */
static __always_inline int classify(const struct pkt *p, __u32 len, __u8 dir)
{
	struct xdpdrop_counter *c;
	__u32 key;
	int rule;

	rule = match(p);
	if (rule < 0)
		return -1;
	key = (__u32)rule * XDPDROP_NDIRS + dir;
	c = bpf_map_lookup_elem(&counters, &key);
	if (c) {
		/* Per-CPU slot: no other CPU writes it. */
		c->packets++;
		c->bytes += len;
	}
	return rule;
}

SEC("xdp")
int xdpdrop_ingress(struct xdp_md *ctx)
{
	/* Not frags-aware: the kernel hands this program whole frames. */
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 len = end - data;
	struct pkt p;
	int rule;

	if (parse(data, end, &p))
		return XDP_PASS;
	rule = classify(&p, len, XDPDROP_DIR_INGRESS);
	if (rule < 0)
		return XDP_PASS;
	/* Read here only: ingress_ifindex costs two loads through rxq. */
	if (sample_rate)
		report(&p, rule, len, ctx->ingress_ifindex,
		       XDPDROP_DIR_INGRESS);
	return monitor ? XDP_PASS : XDP_DROP;
}

static __always_inline int parse_skb(struct __sk_buff *skb, struct pkt *p)
{
	/* Read after a pull, which moves the packet; the barrier keeps
	 * clang from hoisting ctx + offset, which the verifier refuses. */
	asm volatile("" : "+r"(skb));
	return parse((void *)(long)skb->data, (void *)(long)skb->data_end, p);
}

/* Attached as a tcx link (or a clsact filter): UNSPEC lets the next run. */
SEC("tc")
int xdpdrop_egress(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	struct pkt p;
	int rule;

	if (skb->data_end - skb->data < len &&
	    skb->data_end - skb->data < TC_PULL_LEN)
		bpf_skb_pull_data(skb, len < TC_PULL_LEN ? len : TC_PULL_LEN);
	if (parse_skb(skb, &p))
		return TC_ACT_UNSPEC;
	/* Headers past the linear part are read where they lie; if the
	 * pull fails, what was read stands and fails closed. */
	if (p.known != KNOWN_ALL && skb->data_end - skb->data < len &&
	    !bpf_skb_pull_data(skb, len) && parse_skb(skb, &p))
		return TC_ACT_UNSPEC;
	rule = classify(&p, len, XDPDROP_DIR_EGRESS);
	if (rule < 0)
		return TC_ACT_UNSPEC;
	if (sample_rate)
		report(&p, rule, len, skb->ifindex, XDPDROP_DIR_EGRESS);
	return monitor ? TC_ACT_UNSPEC : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * xdpdrop: the records and map layouts shared by the BPF and the user side.
 *
 * Every rule is one bit of a 64-bit mask.  Each packet field selects the
 * rules it allows (by family and protocol, by port, by address prefix); the
 * packet matches the lowest rule left in the AND of those masks, so the cost
 * per packet does not grow with the number of rules or prefixes.
 */
#ifndef XDPDROP_H
#define XDPDROP_H

#include <bpfhost/event.h>

#define XDPDROP_MAX_RULES 64
#define XDPDROP_MAX_PREFIXES 16384	/* per address trie */
#define XDPDROP_RULE_TEXT_LEN 128

/* Families: index into the per-family tables. */
enum xdpdrop_family {
	XDPDROP_FAM_IP4 = 0,
	XDPDROP_FAM_IP6,
	XDPDROP_NFAMILIES,
};

/* Layer-4 classes: ICMP means ICMPv6 for IPv6 packets. */
enum xdpdrop_l4 {
	XDPDROP_L4_TCP = 0,
	XDPDROP_L4_UDP,
	XDPDROP_L4_ICMP,
	XDPDROP_L4_OTHER,	/* any other protocol, or a later fragment */
	XDPDROP_NL4,
};

enum xdpdrop_direction {
	XDPDROP_DIR_INGRESS = 0,
	XDPDROP_DIR_EGRESS,
	XDPDROP_NDIRS,
};

enum xdpdrop_action {
	XDPDROP_ACT_DROP = 0,
	XDPDROP_ACT_MONITOR,	/* mode = monitor: counted, let through */
};

enum xdpdrop_event_type {
	XDPDROP_EVENT_SUMMARY = 0,
	XDPDROP_EVENT_DROP,
};

/* Per-CPU counter of one rule in one direction: key rule * 2 + direction. */
struct xdpdrop_counter {
	__u64 packets;
	__u64 bytes;
};

struct xdpdrop_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct xdpdrop_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * In front of each address trie, an array indexed by family << 16 | the
 * first 16 address bits: the rules whose prefixes of at most 16 bits hold
 * those bits, or ASK_TRIE when a longer prefix starts under them.  (A value
 * of all 64 rules reads as ASK_TRIE too; the trie then gives the same.)
 */
#define XDPDROP_HI16_ENTRIES (XDPDROP_NFAMILIES << 16)
#define XDPDROP_HI16_ASK_TRIE (~0ull)

/* Sent by the user side, per rule, every interval and once at exit. */
struct xdpdrop_summary_event {
	struct bpfhost_event_header hdr;
	__u32 rule;		/* 1-based, in the order given */
	__u8 final;		/* the summary sent at exit */
	__u8 pad[3];
	__u64 ingress_packets;
	__u64 ingress_bytes;
	__u64 egress_packets;
	__u64 egress_bytes;
	char text[XDPDROP_RULE_TEXT_LEN];
};

/* Sent by BPF for a matched packet, at most sample_rate per second. */
struct xdpdrop_drop_event {
	struct bpfhost_event_header hdr;
	__u32 rule;		/* 1-based */
	__u32 ifindex;
	__u32 len;		/* bytes of the packet */
	__u16 sport;		/* host order; 0 without ports */
	__u16 dport;
	__u8 direction;		/* enum xdpdrop_direction */
	__u8 action;		/* enum xdpdrop_action */
	/* Fail-closed matches of frames the parser could not read to the
	 * end: a field it did not reach is 0 (family, addresses, ports) or
	 * 255 (proto, a reserved number). */
	__u8 family;		/* 4 or 6 */
	__u8 proto;		/* IP protocol number of the L4 header */
	__u8 saddr[16];		/* IPv4 as ::ffff:a.b.c.d */
	__u8 daddr[16];
};

#endif /* XDPDROP_H */

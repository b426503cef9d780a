/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * xdpdrop rules: parse "drop [ip|ip6] [tcp|udp|icmp|icmp6] [sport P[-Q]]
 * [dport P[-Q]] [src LIST] [dst LIST]" and turn a set of rules into the
 * masks the BPF side matches with.  No libbpf here: unit tests link it.
 */
#ifndef XDPDROP_RULE_H
#define XDPDROP_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "xdpdrop.h"

struct xdpdrop_prefix {
	uint8_t family;		/* enum xdpdrop_family */
	uint8_t len;		/* prefix length in bits */
	uint8_t addr[16];	/* IPv4 in the first 4 bytes */
};

struct xdpdrop_prefixes {
	struct xdpdrop_prefix *v;
	size_t n, cap;
};

struct xdpdrop_rule {
	uint8_t families;	/* bit per enum xdpdrop_family */
	uint8_t l4s;		/* bit per enum xdpdrop_l4 */
	bool has_sport, has_dport;
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
	struct xdpdrop_prefixes src, dst;	/* none: any address */
};

/*
 * Parse one rule.  A list is CIDR[,CIDR...] or @FILE (one CIDR per line, #
 * comments).  Returns 0, or -EINVAL with why filled in (one line, naming the
 * word at fault), or -ENOMEM.  Free with xdpdrop_rule_free() either way.
 */
int xdpdrop_rule_parse(const char *text, struct xdpdrop_rule *r, char *why,
		       size_t whylen);
void xdpdrop_rule_free(struct xdpdrop_rule *r);

/* What the BPF side reads: masks of rules, bit i = rule i. */
struct xdpdrop_tables {
	__u64 proto_rules[XDPDROP_NFAMILIES][XDPDROP_NL4];
	__u64 rules_with_sport, rules_with_dport;
	__u64 rules_with_src, rules_with_dst;
};

void xdpdrop_tables_build(const struct xdpdrop_rule *rules, unsigned int n,
			  struct xdpdrop_tables *t);

/* Rules allowing port: fill a 65536-entry array. */
void xdpdrop_port_rules(const struct xdpdrop_rule *rules, unsigned int n,
			bool dport, __u64 *out);

/* One trie entry: the rules whose prefixes contain this prefix. */
struct xdpdrop_trie_entry {
	struct xdpdrop_prefix prefix;
	__u64 rules;
};

/*
 * The entries of the src (dst = false) or dst trie of one family.  A
 * longest-prefix lookup returns one entry only, so each entry carries the
 * rules of every shorter prefix that contains it.  Returns the number of
 * entries (*out malloc'ed, caller frees) or -ENOMEM.
 */
int xdpdrop_trie_entries(const struct xdpdrop_rule *rules, unsigned int n,
			 bool dst, enum xdpdrop_family family,
			 struct xdpdrop_trie_entry **out);

/*
 * The first-16-bit table of one family in front of a trie (see xdpdrop.h),
 * from that trie's entries: out holds 65536 entries, zeroed by the caller.
 */
void xdpdrop_hi16_fill(const struct xdpdrop_trie_entry *e, size_t n,
		       __u64 *out);

#endif /* XDPDROP_RULE_H */

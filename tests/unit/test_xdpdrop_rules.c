// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdpdrop rule parser and the masks and trie entries built from rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "../../plugins/xdpdrop/rule.h"

#define BIT(x) (1u << (x))

static char why[256];

static int parse(const char *text, struct xdpdrop_rule *r)
{
	why[0] = '\0';
	return xdpdrop_rule_parse(text, r, why, sizeof(why));
}

static void test_tcp_dport(void)
{
	struct xdpdrop_rule r;

	CHECK(parse("drop tcp dport 8080", &r) == 0);
	CHECK(r.families == (BIT(XDPDROP_FAM_IP4) | BIT(XDPDROP_FAM_IP6)));
	CHECK(r.l4s == BIT(XDPDROP_L4_TCP));
	CHECK(r.has_dport && !r.has_sport);
	CHECK(r.dport_lo == 8080 && r.dport_hi == 8080);
	CHECK(r.src.n == 0 && r.dst.n == 0);
	xdpdrop_rule_free(&r);
}

static void test_udp_sport_src(void)
{
	struct xdpdrop_rule r;

	CHECK(parse("drop udp sport 53 src 10.0.0.0/8", &r) == 0);
	CHECK(r.l4s == BIT(XDPDROP_L4_UDP));
	CHECK(r.has_sport && r.sport_lo == 53 && r.sport_hi == 53);
	CHECK(r.src.n == 1);
	CHECK(r.src.v[0].family == XDPDROP_FAM_IP4);
	CHECK(r.src.v[0].len == 8 && r.src.v[0].addr[0] == 10);
	xdpdrop_rule_free(&r);
}

static void test_ip6_and_icmp(void)
{
	struct xdpdrop_rule r;

	CHECK(parse("drop ip6 src 2001:db8::/32", &r) == 0);
	CHECK(r.families == BIT(XDPDROP_FAM_IP6));
	CHECK(r.l4s == BIT(XDPDROP_NL4) - 1);
	CHECK(r.src.n == 1 && r.src.v[0].len == 32);
	CHECK(r.src.v[0].addr[0] == 0x20 && r.src.v[0].addr[3] == 0xb8);
	xdpdrop_rule_free(&r);

	CHECK(parse("drop icmp", &r) == 0);
	CHECK(r.families == BIT(XDPDROP_FAM_IP4));
	CHECK(r.l4s == BIT(XDPDROP_L4_ICMP));
	xdpdrop_rule_free(&r);

	CHECK(parse("drop ip6 icmp6", &r) == 0);
	CHECK(r.families == BIT(XDPDROP_FAM_IP6));
	xdpdrop_rule_free(&r);

	CHECK(parse("drop", &r) == 0);
	xdpdrop_rule_free(&r);
}

static void test_ranges_and_lists(void)
{
	struct xdpdrop_rule r;

	CHECK(parse("drop tcp dport 8000-8100 sport 1-65535 dst 192.0.2.1,2001:db8::1", &r) == 0);
	CHECK(r.dport_lo == 8000 && r.dport_hi == 8100);
	CHECK(r.sport_lo == 1 && r.sport_hi == 65535);
	CHECK(r.dst.n == 2);
	CHECK(r.dst.v[0].len == 32 && r.dst.v[1].len == 128);
	xdpdrop_rule_free(&r);
}

static void test_prefix_file(void)
{
	char path[] = "/tmp/xdpdrop-test-XXXXXX", rule[64];
	struct xdpdrop_rule r;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "# blocklist\n10.0.0.0/8\n\n  192.0.2.0/24  # docs\n2001:db8::/48\n");
	fclose(f);
	snprintf(rule, sizeof(rule), "drop src @%s", path);
	CHECK(parse(rule, &r) == 0);
	CHECK(r.src.n == 3);
	xdpdrop_rule_free(&r);

	f = fopen(path, "w");
	fprintf(f, "10.0.0.0/8\nbogus\n");
	fclose(f);
	CHECK(parse(rule, &r) == -EINVAL);
	CHECK(strstr(why, ":2: ") && strstr(why, "'bogus'"));
	xdpdrop_rule_free(&r);
	unlink(path);
}

/* A list that would be empty, or a file that is not one to read whole,
 * stops the start: an empty list would read as "any address". */
static void test_prefix_file_errors(void)
{
	char dir[] = "/tmp/xdpdrop-test-XXXXXX", path[64], rule[96];
	static const struct {
		const char *name, *text, *says;
	} files[] = {
		{ "empty", "", "holds no prefix" },
		{ "comments", "# nothing yet\n\n   # still nothing\n",
		  "holds no prefix" },
	};
	struct xdpdrop_rule r;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		f = fopen(path, "w");
		fputs(files[i].text, f);
		fclose(f);
		snprintf(rule, sizeof(rule), "drop src @%s", path);
		CHECK(parse(rule, &r) == -EINVAL);
		CHECK(strstr(why, files[i].says) && strstr(why, path));
		xdpdrop_rule_free(&r);
		unlink(path);
	}
	/* Opened without blocking: a FIFO with no writer must not hang. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	snprintf(rule, sizeof(rule), "drop dst @%s", path);
	CHECK(parse(rule, &r) == -EINVAL);
	CHECK(strstr(why, "is a FIFO") && strstr(why, path));
	xdpdrop_rule_free(&r);
	unlink(path);
	snprintf(rule, sizeof(rule), "drop src @%s", dir);
	CHECK(parse(rule, &r) == -EINVAL);
	CHECK(strstr(why, "is a directory") && strstr(why, dir));
	xdpdrop_rule_free(&r);
	/* Read with a bound: a 1 TiB sparse file is refused, not read. */
	snprintf(path, sizeof(path), "%s/huge", dir);
	f = fopen(path, "w");
	CHECK(f && ftruncate(fileno(f), 1LL << 40) == 0);
	fclose(f);
	snprintf(rule, sizeof(rule), "drop src @%s", path);
	CHECK(parse(rule, &r) == -EINVAL);
	CHECK(strstr(why, "larger than") && strstr(why, path));
	xdpdrop_rule_free(&r);
	unlink(path);
	rmdir(dir);
}

/* Each bad rule is refused with a reason that names the word at fault. */
static void test_errors(void)
{
	static const struct {
		const char *rule, *says;
	} bad[] = {
		{ "", "starts with 'drop'" },
		{ "pass tcp", "starts with 'drop'" },
		{ "drop tcp dprt 80", "'dprt'" },
		{ "drop tcp dport", "needs a value" },
		{ "drop tcp dport 65536", "'65536'" },
		{ "drop tcp dport 90-80", "90 is above 80" },
		{ "drop tcp dport 8o", "'8o'" },
		{ "drop tcp dport -5", "'-5'" },
		{ "drop tcp dport 80 dport 81", "given twice" },
		{ "drop tcp udp", "one protocol" },
		{ "drop ip ip6", "one family" },
		{ "drop icmp dport 80", "ports need tcp or udp" },
		{ "drop dport 80", "ports need tcp or udp" },
		{ "drop ip icmp6", "icmp6" },
		{ "drop src 10.0.0.0/33", "prefix length" },
		{ "drop src 10.1.0.0/8", "bits set past /8" },
		{ "drop src 300.0.0.1", "'300.0.0.1'" },
		{ "drop ip src 2001:db8::/32", "never match" },
		{ "drop src 10.0.0.0/8 dst 2001:db8::/32", "never match" },
		{ "drop src @/nonexistent/xdpdrop", "cannot open prefix file '/nonexistent/xdpdrop'" },
		{ "drop src @/dev/null", "'/dev/null' is a character device" },
		{ "drop src @", "'@' needs a file name" },
		/* A regular file whose first page reads as EIO. */
		{ "drop src @/proc/self/mem", "cannot read prefix file '/proc/self/mem' whole" },
		{ "drop src ,", "an empty item" },
		{ "drop dst 10.0.0.1,", "an empty item" },
		{ "drop dst 10.0.0.1,,10.0.0.2", "an empty item" },
	};
	struct xdpdrop_rule r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(bad[i].rule, &r);

		CHECK(err == -EINVAL);
		if (!strstr(why, bad[i].says)) {
			fprintf(stderr, "rule '%s': got \"%s\", want \"%s\"\n",
				bad[i].rule, why, bad[i].says);
			check_failures++;
		}
		xdpdrop_rule_free(&r);
	}
}

static void test_tables(void)
{
	const char *texts[] = { "drop tcp dport 8080", "drop icmp",
				"drop ip6 src 2001:db8::/32",
				"drop udp sport 53 src 10.0.0.0/8" };
	struct xdpdrop_rule rules[4];
	struct xdpdrop_tables t;
	static __u64 ports[65536];

	for (int i = 0; i < 4; i++)
		CHECK(parse(texts[i], &rules[i]) == 0);
	xdpdrop_tables_build(rules, 4, &t);
	CHECK(t.proto_rules[XDPDROP_FAM_IP4][XDPDROP_L4_TCP] == 0x1);
	CHECK(t.proto_rules[XDPDROP_FAM_IP6][XDPDROP_L4_TCP] == 0x5);
	CHECK(t.proto_rules[XDPDROP_FAM_IP4][XDPDROP_L4_ICMP] == 0x2);
	CHECK(t.proto_rules[XDPDROP_FAM_IP6][XDPDROP_L4_ICMP] == 0x4);
	CHECK(t.proto_rules[XDPDROP_FAM_IP4][XDPDROP_L4_UDP] == 0x8);
	CHECK(t.proto_rules[XDPDROP_FAM_IP6][XDPDROP_L4_OTHER] == 0x4);
	CHECK(t.rules_with_dport == 0x1 && t.rules_with_sport == 0x8);
	CHECK(t.rules_with_src == 0xc && t.rules_with_dst == 0);
	xdpdrop_port_rules(rules, 4, true, ports);
	CHECK(ports[8080] == 0x1 && ports[8081] == 0 && ports[53] == 0);
	xdpdrop_port_rules(rules, 4, false, ports);
	CHECK(ports[53] == 0x8 && ports[8080] == 0);
	for (int i = 0; i < 4; i++)
		xdpdrop_rule_free(&rules[i]);
}

/* A longer prefix carries the rules of the shorter ones that contain it. */
static void test_trie_entries(void)
{
	struct xdpdrop_rule rules[3];
	struct xdpdrop_trie_entry *e;
	int n;

	CHECK(parse("drop src 10.0.0.0/8", &rules[0]) == 0);
	CHECK(parse("drop src 10.1.0.0/16,192.0.2.0/24", &rules[1]) == 0);
	CHECK(parse("drop src 10.1.2.0/24,10.0.0.0/8,2001:db8::/32", &rules[2]) == 0);
	n = xdpdrop_trie_entries(rules, 3, false, XDPDROP_FAM_IP4, &e);
	CHECK(n == 4);
	/* Sorted by length: /8, /16, /24 (10.1.2), /24 (192.0.2). */
	CHECK(n == 4 && e[0].prefix.len == 8 && e[0].rules == 0x5);
	CHECK(n == 4 && e[1].prefix.len == 16 && e[1].rules == 0x7);
	CHECK(n == 4 && e[2].prefix.addr[0] == 10 && e[2].rules == 0x7);
	CHECK(n == 4 && e[3].prefix.addr[0] == 192 && e[3].rules == 0x2);
	free(e);
	n = xdpdrop_trie_entries(rules, 3, false, XDPDROP_FAM_IP6, &e);
	CHECK(n == 1 && e[0].rules == 0x4);
	free(e);
	n = xdpdrop_trie_entries(rules, 3, true, XDPDROP_FAM_IP4, &e);
	CHECK(n == 0);
	free(e);
	for (int i = 0; i < 3; i++)
		xdpdrop_rule_free(&rules[i]);
}

/*
 * The first-16-bit table: a /16 or shorter prefix fills its slots with its
 * rules (and those of the shorter prefixes holding it); a slot under which
 * a longer prefix starts asks the trie; other slots stay empty.
 */
static void test_hi16(void)
{
	struct xdpdrop_rule rules[3];
	struct xdpdrop_trie_entry *e;
	static __u64 slot[65536];
	int n;

	CHECK(parse("drop src 10.0.0.0/8", &rules[0]) == 0);
	CHECK(parse("drop src 10.1.0.0/16,192.0.2.0/24,128.0.0.0/1", &rules[1]) == 0);
	CHECK(parse("drop src 10.2.3.0/24", &rules[2]) == 0);
	n = xdpdrop_trie_entries(rules, 3, false, XDPDROP_FAM_IP4, &e);
	CHECK(n == 5);
	xdpdrop_hi16_fill(e, n, slot);
	CHECK(slot[10 << 8] == 0x1 && slot[10 << 8 | 255] == 0x1);
	CHECK(slot[10 << 8 | 1] == 0x3);
	CHECK(slot[10 << 8 | 2] == XDPDROP_HI16_ASK_TRIE);
	CHECK(slot[9 << 8 | 255] == 0 && slot[11 << 8] == 0);
	CHECK(slot[192 << 8] == XDPDROP_HI16_ASK_TRIE);
	CHECK(slot[0x8000] == 0x2 && slot[0xffff] == 0x2);
	CHECK(slot[198 << 8 | 18] == 0x2 && slot[0x7fff] == 0);
	free(e);
	for (int i = 0; i < 3; i++)
		xdpdrop_rule_free(&rules[i]);
}

int main(void)
{
	RUN(test_tcp_dport);
	RUN(test_udp_sport_src);
	RUN(test_ip6_and_icmp);
	RUN(test_ranges_and_lists);
	RUN(test_prefix_file);
	RUN(test_prefix_file_errors);
	RUN(test_errors);
	RUN(test_tables);
	RUN(test_trie_entries);
	RUN(test_hi16);
	return CHECK_EXIT();
}

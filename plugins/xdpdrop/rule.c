// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdpdrop rules: parsing, and the masks and trie entries built from them. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rule.h"

#define ALL_FAMILIES ((1u << XDPDROP_NFAMILIES) - 1)
#define ALL_L4 ((1u << XDPDROP_NL4) - 1)
#define PORT_L4 ((1u << XDPDROP_L4_TCP) | (1u << XDPDROP_L4_UDP))

static int fail(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool parse_u16(const char *s, const char *end, uint16_t *out)
{
	unsigned long v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return false;
	}
	*out = v;
	return true;
}

static int parse_ports(const char *word, uint16_t *lo, uint16_t *hi,
		       char *why, size_t len)
{
	const char *dash = strchr(word, '-'), *end = word + strlen(word);

	bool ok = dash ? parse_u16(word, dash, lo) &&
				 parse_u16(dash + 1, end, hi) :
			 parse_u16(word, end, lo);

	if (!ok)
		return fail(why, len,
			    "bad port '%s': expected 0-65535 or LOW-HIGH",
			    word);
	if (!dash)
		*hi = *lo;
	if (*lo > *hi)
		return fail(why, len,
			    "bad port range '%s': %u is above %u", word, *lo,
			    *hi);
	return 0;
}

static int parse_prefix(const char *word, struct xdpdrop_prefix *p,
			char *why, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(word, '/');
	size_t alen = slash ? (size_t)(slash - word) : strlen(word);
	unsigned int max, bits;
	uint16_t plen;

	*p = (struct xdpdrop_prefix){ 0 };
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, word, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = XDPDROP_FAM_IP4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = XDPDROP_FAM_IP6;
		max = 128;
	} else {
		goto bad;
	}
	plen = max;
	if (slash && (!parse_u16(slash + 1, slash + 1 + strlen(slash + 1),
				 &plen) || plen > max))
		return fail(why, len,
			    "bad prefix length in '%s': expected 0 to %u",
			    word, max);
	p->len = plen;
	for (bits = plen; bits < max; bits++) {
		if (p->addr[bits / 8] & (0x80 >> (bits % 8)))
			return fail(why, len,
				    "'%s' has address bits set past /%u",
				    word, plen);
	}
	return 0;
bad:
	return fail(why, len, "bad address '%s': expected an IPv4 or IPv6 address or CIDR",
		    word);
}

static int add_prefix(struct xdpdrop_prefixes *l, const char *word,
		      char *why, size_t len)
{
	struct xdpdrop_prefix p;
	int err = parse_prefix(word, &p, why, len);

	if (err)
		return err;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct xdpdrop_prefix *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return 0;
}

static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" :
	       S_ISCHR(mode) ? "a character device" :
	       S_ISBLK(mode) ? "a block device" :
	       S_ISFIFO(mode) ? "a FIFO" :
	       S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

/* A bound on a prefix file: comments and all, 16384 prefixes fit many times. */
#define PREFIX_FILE_MAX (16 << 20)

/*
 * A regular file, opened without blocking: a FIFO would otherwise hang the
 * start until a writer came.  Returns the stream, or NULL with why filled in.
 */
static FILE *open_prefix_file(const char *path, char *why, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	FILE *f;

	if (fd < 0) {
		fail(why, len, "cannot open prefix file '%s': %s", path,
		     strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fail(why, len, "prefix file '%s' is %s: give a regular file, one CIDR per line",
		     path, fstat(fd, &st) ? strerror(errno) :
					    file_kind(st.st_mode));
		close(fd);
		return NULL;
	}
	if (st.st_size > PREFIX_FILE_MAX) {
		fail(why, len, "prefix file '%s' is larger than %d MiB: no list of %d prefixes needs that much",
		     path, PREFIX_FILE_MAX >> 20, XDPDROP_MAX_PREFIXES);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		fail(why, len, "cannot read prefix file '%s': %s", path,
		     strerror(errno));
		close(fd);
	}
	return f;
}

/* One CIDR per line; blank lines and # comments are skipped. */
static int add_prefix_file(struct xdpdrop_prefixes *l, const char *path,
			   char *why, size_t len)
{
	FILE *f = open_prefix_file(path, why, len);
	char *line = NULL, *word, *save;
	size_t cap = 0, before = l->n, total = 0;
	unsigned int lineno = 0;
	ssize_t got;
	int err = 0;

	if (!f)
		return -EINVAL;
	while (!err && (got = getline(&line, &cap, f)) >= 0) {
		lineno++;
		/* Files in /proc say 0 bytes: the bound holds while reading. */
		total += got;
		if (total > PREFIX_FILE_MAX) {
			err = fail(why, len, "prefix file '%s' is larger than %d MiB: no list of %d prefixes needs that much",
				   path, PREFIX_FILE_MAX >> 20,
				   XDPDROP_MAX_PREFIXES);
			break;
		}
		line[strcspn(line, "#")] = '\0';
		word = strtok_r(line, " \t\r\n", &save);
		if (!word)
			continue;
		err = add_prefix(l, word, why, len);
		if (!err && strtok_r(NULL, " \t\r\n", &save))
			err = fail(why, len, "one prefix per line");
		if (err == -EINVAL) {
			char inner[192];

			snprintf(inner, sizeof(inner), "%s", why);
			fail(why, len, "%s:%u: %s", path, lineno, inner);
		}
	}
	if (!err && ferror(f))
		err = fail(why, len, "cannot read prefix file '%s' whole: %s",
			   path, strerror(errno));
	else if (!err && l->n == before)
		err = fail(why, len, "prefix file '%s' holds no prefix; an empty list would match every address",
			   path);
	free(line);
	fclose(f);
	return err;
}

/* Items are never empty: "src ," must not read as "any address". */
static int add_prefix_list(struct xdpdrop_prefixes *l, char *list,
			   char *why, size_t len)
{
	char *rest = list, *word;
	int err = 0;

	if (list[0] == '@')
		return list[1] ? add_prefix_file(l, list + 1, why, len) :
				 fail(why, len, "'@' needs a file name: @FILE");
	while (!err && (word = strsep(&rest, ","))) {
		if (!*word)
			return fail(why, len, "an empty item in the prefix list; an empty list would match every address");
		err = add_prefix(l, word, why, len);
	}
	return err;
}

static uint8_t prefix_families(const struct xdpdrop_prefixes *l)
{
	uint8_t f = 0;

	for (size_t i = 0; i < l->n; i++)
		f |= 1u << l->v[i].family;
	return l->n ? f : ALL_FAMILIES;
}

/* What the words together say: the checks no single word can make. */
static int check_rule(const struct xdpdrop_rule *r, char *why, size_t len)
{
	if (!r->families || !r->l4s)
		return fail(why, len, "icmp is IPv4 and icmp6 is IPv6: use ip with icmp, ip6 with icmp6");
	if ((r->has_sport || r->has_dport) && (r->l4s & ~PORT_L4))
		return fail(why, len, "ports need tcp or udp");
	if (!(r->families & prefix_families(&r->src) &
	      prefix_families(&r->dst)))
		return fail(why, len, "its prefixes and its family exclude each other: it can never match");
	return 0;
}

static int parse_word(struct xdpdrop_rule *r, const char *word, char **save,
		      unsigned int *seen, char *why, size_t len)
{
	static const struct {
		const char *word;
		uint8_t families, l4s;
	} protos[] = {
		{ "ip", 1u << XDPDROP_FAM_IP4, 0 },
		{ "ip6", 1u << XDPDROP_FAM_IP6, 0 },
		{ "tcp", 0, 1u << XDPDROP_L4_TCP },
		{ "udp", 0, 1u << XDPDROP_L4_UDP },
		{ "icmp", 1u << XDPDROP_FAM_IP4, 1u << XDPDROP_L4_ICMP },
		{ "icmp6", 1u << XDPDROP_FAM_IP6, 1u << XDPDROP_L4_ICMP },
	};
	static const char *const keys[] = { "sport", "dport", "src", "dst" };
	char *arg;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		/* A family and a protocol each: two words, two seen bits. */
		unsigned int bit = protos[i].l4s ? 1u << 4 : 1u << 5;

		if (strcmp(word, protos[i].word))
			continue;
		if (*seen & bit)
			return fail(why, len, "'%s': a rule names one %s", word,
				    protos[i].l4s ? "protocol" : "family");
		*seen |= bit;
		if (protos[i].families)
			r->families &= protos[i].families;
		if (protos[i].l4s)
			r->l4s &= protos[i].l4s;
		return 0;
	}
	for (unsigned int k = 0; k < 4; k++) {
		if (strcmp(word, keys[k]))
			continue;
		if (*seen & (1u << k))
			return fail(why, len, "'%s' given twice", word);
		*seen |= 1u << k;
		arg = strtok_r(NULL, " \t", save);
		if (!arg)
			return fail(why, len, "'%s' needs a value", word);
		switch (k) {
		case 0:
			r->has_sport = true;
			return parse_ports(arg, &r->sport_lo, &r->sport_hi,
					   why, len);
		case 1:
			r->has_dport = true;
			return parse_ports(arg, &r->dport_lo, &r->dport_hi,
					   why, len);
		case 2:
			return add_prefix_list(&r->src, arg, why, len);
		default:
			return add_prefix_list(&r->dst, arg, why, len);
		}
	}
	return fail(why, len, "unknown word '%s': expected ip, ip6, tcp, udp, icmp, icmp6, sport, dport, src or dst",
		    word);
}

int xdpdrop_rule_parse(const char *text, struct xdpdrop_rule *r, char *why,
		       size_t whylen)
{
	char *copy = strdup(text), *save, *word;
	unsigned int seen = 0;
	int err = 0;

	*r = (struct xdpdrop_rule){ .families = ALL_FAMILIES, .l4s = ALL_L4 };
	if (!copy)
		return -ENOMEM;
	word = strtok_r(copy, " \t", &save);
	if (!word || strcmp(word, "drop"))
		err = fail(why, whylen, "a rule starts with 'drop'");
	while (!err && (word = strtok_r(NULL, " \t", &save)))
		err = parse_word(r, word, &save, &seen, why, whylen);
	if (!err)
		err = check_rule(r, why, whylen);
	free(copy);
	return err;
}

void xdpdrop_rule_free(struct xdpdrop_rule *r)
{
	free(r->src.v);
	free(r->dst.v);
	*r = (struct xdpdrop_rule){ 0 };
}

void xdpdrop_tables_build(const struct xdpdrop_rule *rules, unsigned int n,
			  struct xdpdrop_tables *t)
{
	*t = (struct xdpdrop_tables){ 0 };
	for (unsigned int i = 0; i < n && i < XDPDROP_MAX_RULES; i++) {
		const struct xdpdrop_rule *r = &rules[i];
		__u64 bit = 1ull << i;

		for (int f = 0; f < XDPDROP_NFAMILIES; f++)
			for (int c = 0; c < XDPDROP_NL4; c++)
				if ((r->families >> f & 1) && (r->l4s >> c & 1))
					t->proto_rules[f][c] |= bit;
		if (r->has_sport)
			t->rules_with_sport |= bit;
		if (r->has_dport)
			t->rules_with_dport |= bit;
		if (r->src.n)
			t->rules_with_src |= bit;
		if (r->dst.n)
			t->rules_with_dst |= bit;
	}
}

void xdpdrop_port_rules(const struct xdpdrop_rule *rules, unsigned int n,
			bool dport, __u64 *out)
{
	memset(out, 0, 65536 * sizeof(*out));
	for (unsigned int i = 0; i < n && i < XDPDROP_MAX_RULES; i++) {
		const struct xdpdrop_rule *r = &rules[i];
		bool has = dport ? r->has_dport : r->has_sport;
		unsigned int lo = dport ? r->dport_lo : r->sport_lo;
		unsigned int hi = dport ? r->dport_hi : r->sport_hi;

		for (unsigned int p = lo; has && p <= hi; p++)
			out[p] |= 1ull << i;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct xdpdrop_trie_entry *x = a, *y = b;

	if (x->prefix.len != y->prefix.len)
		return x->prefix.len < y->prefix.len ? -1 : 1;
	return memcmp(x->prefix.addr, y->prefix.addr, 16);
}

static void mask_prefix(struct xdpdrop_prefix *p, unsigned int len)
{
	for (unsigned int b = len; b < 128; b++)
		p->addr[b / 8] &= ~(0x80 >> (b % 8));
	p->len = len;
}

int xdpdrop_trie_entries(const struct xdpdrop_rule *rules, unsigned int n,
			 bool dst, enum xdpdrop_family family,
			 struct xdpdrop_trie_entry **out)
{
	struct xdpdrop_trie_entry *e = NULL, *grown;
	size_t count = 0, cap = 0, k = 0;
	bool lens[129] = { false };

	for (unsigned int i = 0; i < n && i < XDPDROP_MAX_RULES; i++) {
		const struct xdpdrop_prefixes *l = dst ? &rules[i].dst :
							 &rules[i].src;

		for (size_t j = 0; j < l->n; j++) {
			if (l->v[j].family != family)
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 16;
				grown = realloc(e, cap * sizeof(*e));
				if (!grown) {
					free(e);
					return -ENOMEM;
				}
				e = grown;
			}
			e[count++] = (struct xdpdrop_trie_entry){
				.prefix = l->v[j], .rules = 1ull << i };
			lens[l->v[j].len] = true;
		}
	}
	if (count)
		qsort(e, count, sizeof(*e), cmp_entry);
	/* One entry per prefix, holding every rule that named it. */
	for (size_t i = 0; i < count; i++) {
		if (k && !cmp_entry(&e[k - 1], &e[i]))
			e[k - 1].rules |= e[i].rules;
		else
			e[k++] = e[i];
	}
	/* Then add the rules of every shorter prefix containing it. */
	for (size_t i = 0; i < k; i++) {
		for (unsigned int len = 0; len < e[i].prefix.len; len++) {
			struct xdpdrop_trie_entry key = e[i], *hit;

			if (!lens[len])
				continue;
			mask_prefix(&key.prefix, len);
			hit = bsearch(&key, e, k, sizeof(*e), cmp_entry);
			if (hit)
				e[i].rules |= hit->rules;
		}
	}
	*out = e;
	return k;
}

void xdpdrop_hi16_fill(const struct xdpdrop_trie_entry *e, size_t n,
		       __u64 *out)
{
	/* Entries carry the rules of the shorter prefixes that hold them, so
	 * OR-ing the short ones in is enough.  Distinct prefixes of one
	 * length cover each slot at most once: at most 17 * 65536 writes. */
	for (size_t i = 0; i < n; i++) {
		const struct xdpdrop_prefix *p = &e[i].prefix;
		unsigned int span, first;

		if (p->len > 16)
			continue;
		/* Parsing refuses host bits; masking keeps out[] safe. */
		span = 1u << (16 - p->len);
		first = (p->addr[0] << 8 | p->addr[1]) & ~(span - 1);
		for (unsigned int k = 0; k < span; k++)
			out[first + k] |= e[i].rules;
	}
	for (size_t i = 0; i < n; i++)
		if (e[i].prefix.len > 16)
			out[e[i].prefix.addr[0] << 8 | e[i].prefix.addr[1]] =
				XDPDROP_HI16_ASK_TRIE;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A strict RFC 8259 checker for unit tests, written apart from the host's
 * escaper so that the two cannot share a mistake: json_valid() accepts one
 * JSON value (optionally followed by whitespace), whose strings are valid
 * UTF-8 with no raw control bytes and whose \u escapes pair their
 * surrogates; json_string_decode() turns one string literal back into the
 * UTF-8 bytes it stands for.
 */
#ifndef BPFHOST_TEST_JSON_CHECK_H
#define BPFHOST_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jcur {
	const unsigned char *p, *end;
	unsigned char *out;	/* decoded string bytes, or NULL */
	size_t outlen, outcap;
	int depth;
};

static void j_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static void j_emit(struct jcur *c, const void *b, size_t n)
{
	if (!c->out)
		return;
	if (c->outlen + n <= c->outcap)
		memcpy(c->out + c->outlen, b, n);
	c->outlen += n;
}

static void j_emit_cp(struct jcur *c, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | cp >> 6, b[1] = 0x80 | (cp & 0x3f), n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | cp >> 12, b[1] = 0x80 | (cp >> 6 & 0x3f);
		b[2] = 0x80 | (cp & 0x3f), n = 3;
	} else {
		b[0] = 0xf0 | cp >> 18, b[1] = 0x80 | (cp >> 12 & 0x3f);
		b[2] = 0x80 | (cp >> 6 & 0x3f), b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	j_emit(c, b, n);
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or 0. */
static size_t j_utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t avail = end - p;
	unsigned char b = p[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4;
	else
		return 0;
	if (avail < len)
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;	/* nothing past U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static bool j_hex4(struct jcur *c, uint32_t *v)
{
	*v = 0;
	if (c->end - c->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		unsigned char h = *c->p++;

		*v <<= 4;
		if (h >= '0' && h <= '9')
			*v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			*v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			*v |= h - 'A' + 10;
		else
			return false;
	}
	return true;
}

static bool j_string(struct jcur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		unsigned char b = *c->p;
		uint32_t cp, lo;
		size_t len;

		if (b == '"') {
			c->p++;
			return true;
		}
		if (b < 0x20)
			return false;	/* raw control byte */
		if (b != '\\') {
			len = j_utf8_len(c->p, c->end);
			if (!len)
				return false;
			j_emit(c, c->p, len);
			c->p += len;
			continue;
		}
		if (++c->p >= c->end)
			return false;
		switch (*c->p++) {
		case '"': j_emit(c, "\"", 1); break;
		case '\\': j_emit(c, "\\", 1); break;
		case '/': j_emit(c, "/", 1); break;
		case 'b': j_emit(c, "\b", 1); break;
		case 'f': j_emit(c, "\f", 1); break;
		case 'n': j_emit(c, "\n", 1); break;
		case 'r': j_emit(c, "\r", 1); break;
		case 't': j_emit(c, "\t", 1); break;
		case 'u':
			if (!j_hex4(c, &cp))
				return false;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return false;	/* lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (c->end - c->p < 6 || c->p[0] != '\\' ||
				    c->p[1] != 'u')
					return false;
				c->p += 2;
				if (!j_hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return false;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			j_emit_cp(c, cp);
			break;
		default:
			return false;
		}
	}
	return false;
}

static bool j_digits(struct jcur *c)
{
	const unsigned char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

static bool j_number(struct jcur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!j_digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!j_digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!j_digits(c))
			return false;
	}
	return true;
}

static bool j_word(struct jcur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

static bool j_value(struct jcur *c);

static bool j_members(struct jcur *c, bool object)
{
	char close = object ? '}' : ']';

	if (++c->depth > 64)
		return false;
	c->p++;
	j_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		j_ws(c);
		if (object) {
			unsigned char *out = c->out;

			c->out = NULL;	/* keys are not decoded */
			if (!j_string(c))
				return false;
			c->out = out;
			j_ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return false;
		}
		if (!j_value(c))
			return false;
		j_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			c->depth--;
			return true;
		}
		if (*c->p++ != ',')
			return false;
	}
}

static bool j_value(struct jcur *c)
{
	j_ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{': return j_members(c, true);
	case '[': return j_members(c, false);
	case '"': return j_string(c);
	case 't': return j_word(c, "true");
	case 'f': return j_word(c, "false");
	case 'n': return j_word(c, "null");
	default: return j_number(c);
	}
}

/* One JSON value, then only whitespace. */
static inline bool json_valid(const char *s, size_t n)
{
	struct jcur c = { (const unsigned char *)s,
			  (const unsigned char *)s + n, NULL, 0, 0, 0 };

	if (!j_value(&c))
		return false;
	j_ws(&c);
	return c.p == c.end;
}

/*
 * Decode the JSON string literal s (quotes included) into out (cap bytes);
 * returns the decoded length, or -1 when s is not exactly one valid string.
 */
static inline long json_string_decode(const char *s, size_t n, char *out,
				      size_t cap)
{
	struct jcur c = { (const unsigned char *)s,
			  (const unsigned char *)s + n, (unsigned char *)out,
			  0, cap, 0 };

	if (!j_string(&c) || c.p != c.end || c.outlen > cap)
		return -1;
	return (long)c.outlen;
}

/* Whether the n bytes at s are well-formed UTF-8 throughout. */
static inline bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		size_t len = j_utf8_len(p, end);

		if (!len)
			return false;
		p += len;
	}
	return true;
}

#endif

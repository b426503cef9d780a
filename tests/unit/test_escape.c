// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Escaping of untrusted strings: whatever bytes a traced process puts in a
 * path, the JSON output must parse (RFC 8259, valid UTF-8) and give back
 * those bytes, and the text output must carry no terminal control, keep
 * each value one column, and read back as those bytes too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "json_check.h"
#include "output/escape.h"

#define FFFD "\xef\xbf\xbd"

static struct strbuf sb;
static char decoded[16384];

/* The JSON string literal for n bytes at s, quotes included. */
static const char *json_literal(const char *s, size_t n)
{
	sb_reset(&sb);
	sb_putc(&sb, '"');
	json_escape(&sb, s, n);
	sb_putc(&sb, '"');
	CHECK(!sb.failed);
	return sb_cstr(&sb);
}

/* Escape, check it is one valid JSON string, and decode it back. */
static long json_roundtrip(const char *s, size_t n)
{
	const char *lit = json_literal(s, n);
	long len = json_string_decode(lit, sb.len, decoded, sizeof(decoded));

	if (len < 0)
		fprintf(stderr, "not a valid JSON string: %s\n", lit);
	return len;
}

static bool has_byte(const char *s, size_t n, unsigned char b)
{
	return memchr(s, b, n) != NULL;
}

static void test_json_plain_and_quotes(void)
{
	CHECK_STR(json_literal("/etc/hosts", 10), "\"/etc/hosts\"");
	CHECK_STR(json_literal("", 0), "\"\"");
	CHECK_STR(json_literal("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(json_literal("\"\"\\\\", 4), "\"\\\"\\\"\\\\\\\\\"");
	/* A quote at the very end must not end the literal early. */
	CHECK(json_roundtrip("x\\\"", 3) == 3 && !memcmp(decoded, "x\\\"", 3));
	/* '/' needs no escape; an escaper that adds one is still valid. */
	CHECK(json_roundtrip("/a/b", 4) == 4);
}

static void test_json_every_control_byte(void)
{
	char all[33];

	for (int c = 0; c < 0x20; c++) {
		char in[3] = { 'a', (char)c, 'b' };
		const char *lit = json_literal(in, 3);

		for (size_t i = 0; i < sb.len; i++)
			CHECK((unsigned char)lit[i] >= 0x20);
		CHECK(json_roundtrip(in, 3) == 3 && !memcmp(decoded, in, 3));
	}
	CHECK_STR(json_literal("\n\t\r\b\f", 5), "\"\\n\\t\\r\\b\\f\"");
	CHECK_STR(json_literal("\x01\x1f", 2), "\"\\u0001\\u001f\"");
	/* NUL inside the bytes is data, not the end of the string. */
	CHECK_STR(json_literal("a\0b", 3), "\"a\\u0000b\"");

	/* DEL is legal raw JSON, but no control byte may reach a reader. */
	CHECK(!has_byte(json_literal("\x7f", 1), sb.len, 0x7f));
	CHECK(json_roundtrip("\x7f", 1) == 1 && decoded[0] == 0x7f);

	for (int c = 0; c < 0x20; c++)
		all[c] = (char)c;
	all[32] = 0x7f;
	CHECK(json_roundtrip(all, sizeof(all)) == sizeof(all) &&
	      !memcmp(decoded, all, sizeof(all)));
}

static void test_json_valid_utf8_kept(void)
{
	static const char *const ok[] = {
		"caf\xc3\xa9",			/* U+00E9 */
		"\xe2\x82\xac",			/* U+20AC */
		"\xf0\x9f\x98\x80",		/* U+1F600 */
		"\xef\xbf\xbd",			/* U+FFFD itself */
		"\xf4\x8f\xbf\xbf",		/* U+10FFFF, the last one */
		"\xed\x9f\xbf\xee\x80\x80",	/* around the surrogates */
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t n = strlen(ok[i]);

		CHECK(json_roundtrip(ok[i], n) == (long)n &&
		      !memcmp(decoded, ok[i], n));
	}
}

/* "<" bad ">" must come back as "<", one U+FFFD per bad byte at most, ">". */
static void check_replaced(const char *bad, size_t badlen)
{
	char in[16];
	long n;
	size_t i = 1, nrepl = 0;

	in[0] = '<';
	memcpy(in + 1, bad, badlen);
	in[badlen + 1] = '>';
	n = json_roundtrip(in, badlen + 2);
	CHECK(n > 0);
	if (n <= 0)
		return;
	CHECK(utf8_valid(decoded, n));
	CHECK(decoded[0] == '<' && decoded[n - 1] == '>');
	while (i + 3 <= (size_t)n - 1 && !memcmp(decoded + i, FFFD, 3))
		i += 3, nrepl++;
	if (i != (size_t)n - 1 || !nrepl || nrepl > badlen) {
		fprintf(stderr, "bad input of %zu bytes came back as %.*s\n",
			badlen, (int)n, decoded);
		CHECK(!"invalid UTF-8 replaced by U+FFFD");
	}
}

static void test_json_invalid_utf8_replaced(void)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "\x80", 1 },			/* lone continuation */
		{ "\xbf", 1 },
		{ "\x80\x80\x80", 3 },
		{ "\xc0\xaf", 2 },		/* overlong '/' */
		{ "\xc1\xbf", 2 },
		{ "\xe0\x80\xaf", 3 },		/* overlong, 3 bytes */
		{ "\xf0\x80\x80\xaf", 4 },	/* overlong, 4 bytes */
		{ "\xed\xa0\x80", 3 },		/* U+D800 */
		{ "\xed\xbf\xbf", 3 },		/* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", 6 },	/* CESU-8 pair */
		{ "\xc3", 1 },			/* truncated 2-byte */
		{ "\xe2\x82", 2 },		/* truncated 3-byte */
		{ "\xf0\x9f\x98", 3 },		/* truncated 4-byte */
		{ "\xf4\x90\x80\x80", 4 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xf8\x88\x80\x80\x80", 5 },	/* old 5-byte form */
		{ "\xfe", 1 },
		{ "\xff", 1 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_replaced(bad[i].bytes, bad[i].len);

	/* Truncated right at the end of the buffer, nothing after it. */
	CHECK(json_roundtrip("a\xe2\x82", 3) > 1 && decoded[0] == 'a' &&
	      utf8_valid(decoded, 4));
	CHECK_STR(json_literal("\xff", 1), "\"" FFFD "\"");
	/* A lead byte followed by ASCII: the ASCII survives. */
	CHECK(json_roundtrip("\xc3(", 2) == 4 && !memcmp(decoded, FFFD "(", 4));
}

static void test_json_line_separators(void)
{
	const char *lit = json_literal("a\xe2\x80\xa8" "b\xe2\x80\xa9", 8);

	/* Raw U+2028/2029 end a line in JavaScript: they must be escaped. */
	CHECK(!strstr(lit, "\xe2\x80\xa8") && !strstr(lit, "\xe2\x80\xa9"));
	CHECK(json_roundtrip("a\xe2\x80\xa8" "b\xe2\x80\xa9", 8) == 8 &&
	      !memcmp(decoded, "a\xe2\x80\xa8" "b\xe2\x80\xa9", 8));
}

static void test_json_path_4096(void)
{
	char path[4096];
	long n;

	/* PATH_MAX bytes, every byte value but NUL, many of them hostile. */
	path[0] = '/';
	for (size_t i = 1; i < sizeof(path); i++)
		path[i] = (char)(1 + (i * 7) % 255);
	n = json_roundtrip(path, sizeof(path));
	CHECK(n >= (long)sizeof(path));
	CHECK(n > 0 && utf8_valid(decoded, n));

	memset(path + 1, 'a', sizeof(path) - 1);
	for (size_t i = 64; i < sizeof(path); i += 64)
		path[i] = '/';
	CHECK(json_roundtrip(path, sizeof(path)) == sizeof(path) &&
	      !memcmp(decoded, path, sizeof(path)));
	CHECK(sb.len == sizeof(path) + 2);
}

/* A tiny fixed-seed generator: the same "random" strings every run. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static void fill_random(char *buf, size_t n)
{
	static const unsigned char interesting[] = {
		0x00, 0x07, 0x1b, 0x22, 0x5c, 0x7f, 0x80, 0x9b, 0xbf, 0xc0,
		0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
	};

	for (size_t i = 0; i < n; i++) {
		uint32_t r = rng();

		buf[i] = r & 1 ? (char)interesting[(r >> 1) % sizeof(interesting)]
			       : (char)(r >> 1);
	}
}

static void test_json_fuzz(void)
{
	char buf[300];

	for (int round = 0; round < 5000; round++) {
		size_t n = rng() % sizeof(buf);
		long out;

		fill_random(buf, n);
		out = json_roundtrip(buf, n);
		CHECK(out >= 0);
		if (out < 0)
			return;
		CHECK(utf8_valid(decoded, out));
		/* What was valid already must come back byte for byte. */
		if (utf8_valid(buf, n))
			CHECK(out == (long)n && !memcmp(decoded, buf, n));
	}
}

static const char *text_of(const char *s, size_t n)
{
	sb_reset(&sb);
	text_escape(&sb, s, n);
	CHECK(!sb.failed);
	return sb_cstr(&sb);
}

/* Valid UTF-8 and no C0, space, DEL or C1 code point anywhere. */
static bool terminal_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] <= 0x20 || p[i] == 0x7f)
			return false;
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return false;
	}
	return true;
}

static void test_text_escape(void)
{
	CHECK_STR(text_of("/etc/hosts", 10), "/etc/hosts");
	CHECK_STR(text_of("caf\xc3\xa9\xe2\x82\xac", 8),
		  "caf\xc3\xa9\xe2\x82\xac");
	CHECK_STR(text_of("a\x1b[2Jb", 6), "a\\x1b[2Jb");
	CHECK_STR(text_of("a\nb\tc", 5), "a\\x0ab\\x09c");
	CHECK_STR(text_of("\x7f", 1), "\\x7f");
	CHECK_STR(text_of("a\0b", 3), "a\\x00b");
	/* CSI as a C1 control, UTF-8 encoded and as a raw 8-bit byte. */
	CHECK_STR(text_of("\xc2\x9b" "31m", 5), "\\xc2\\x9b31m");
	CHECK_STR(text_of("\x9b" "31m", 4), "\\x9b31m");
	CHECK_STR(text_of("\xff\xfe", 2), "\\xff\\xfe");
	/* A literal backslash cannot be mistaken for an escape. */
	CHECK_STR(text_of("\\x1b", 4), "\\\\x1b");
	/* A space would split the value into two columns. */
	CHECK_STR(text_of("web1 no /etc/hosts", 18),
		  "web1\\x20no\\x20/etc/hosts");
	CHECK_STR(text_of("\\x20", 4), "\\\\x20");

	for (int c = 0; c < 256; c++) {
		char in[3] = { 'a', (char)c, 'b' };

		text_of(in, 3);
		CHECK(terminal_safe(sb.data, sb.len));
	}
	for (int c = 0x80; c < 0xa0; c++) {
		char in[2] = { (char)0xc2, (char)c };

		text_of(in, 2);
		CHECK(terminal_safe(sb.data, sb.len));
	}
}

/* UTF-8 for code point cp into buf; returns its length. */
static size_t utf8_encode(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Whether cp between 'a' and 'b' comes out as \xNN of each of its bytes. */
static bool escaped_whole(uint32_t cp)
{
	char in[6] = { 'a' }, want[32] = "a";
	size_t n = utf8_encode(cp, in + 1);

	in[n + 1] = 'b';
	for (size_t i = 1; i <= n; i++)
		snprintf(want + strlen(want), 5, "\\x%02x",
			 (unsigned char)in[i]);
	strcat(want, "b");
	return !strcmp(text_of(in, n + 2), want);
}

/*
 * Code points that look like a space, or like nothing, or turn the text
 * around them: none may reach a reader as itself, or a hostname such as
 * "web1<U+00A0>no<U+00A0>/etc/hosts" would read as three columns.
 */
static void test_text_unseen_code_points(void)
{
	static const uint32_t unseen[] = {
		/* Unicode White_Space past ASCII */
		0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
		0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
		0x2029, 0x202f, 0x205f, 0x3000,
		/* zero width, joiners, bidirectional marks and overrides */
		0xad, 0x61c, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a,
		0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067,
		0x2068, 0x2069, 0xfeff,
		/* fillers, variation selectors, tags */
		0x115f, 0x3164, 0xffa0, 0xfe0f, 0xe0020, 0xe01ef, 0xe0fff,
	};
	/* Their visible neighbours stay as they are. */
	static const uint32_t seen[] = {
		0xa1, 0xae, 0x1681, 0x2010, 0x2027, 0x2030, 0x205e, 0x3001,
		0xfe10, 0xfefe, 0xe1000, 0x1f600,
	};

	for (size_t i = 0; i < sizeof(unseen) / sizeof(unseen[0]); i++)
		if (!escaped_whole(unseen[i])) {
			fprintf(stderr, "U+%04X shown as itself\n", unseen[i]);
			CHECK(!"an unseen code point escaped");
		}
	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++) {
		char in[4];
		size_t n = utf8_encode(seen[i], in);

		text_of(in, n);
		CHECK(sb.len == n && !memcmp(sb.data, in, n));
	}
}

static int hex_value(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p = c ? strchr(digits, c) : NULL;

	return p ? (int)(p - digits) : -1;
}

/* Read text_escape's output back; -1 when it is not such output. */
static long text_unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	int hi, lo;

	for (size_t i = 0; i < n; i++) {
		if (len == cap)
			return -1;
		if (s[i] != '\\') {
			out[len++] = s[i];
		} else if (i + 1 < n && s[i + 1] == '\\') {
			out[len++] = '\\';
			i++;
		} else if (i + 3 < n && s[i + 1] == 'x' &&
			   (hi = hex_value(s[i + 2])) >= 0 &&
			   (lo = hex_value(s[i + 3])) >= 0) {
			out[len++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			return -1;
		}
	}
	return (long)len;
}

static void check_text_roundtrip(const char *in, size_t n)
{
	long len;

	text_of(in, n);
	len = text_unescape(sb.data, sb.len, decoded, sizeof(decoded));
	if (len != (long)n || memcmp(decoded, in, n)) {
		fprintf(stderr, "%zu bytes came back otherwise from %s\n", n,
			sb.data);
		CHECK(!"text reads back as the bytes it was made from");
	}
}

/* No two strings print the same: each reads back as itself. */
static void test_text_reads_back(void)
{
	static const char alphabet[] = "\\x20a \xc2\xa0\x1b\xff";
	char buf[12];

	for (int c = 0; c < 256; c++) {
		char in[1] = { (char)c };

		check_text_roundtrip(in, 1);
	}
	/* Strings made of escapes and what escapes are made of. */
	for (int round = 0; round < 20000; round++) {
		size_t n = rng() % sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
		check_text_roundtrip(buf, n);
	}
}

static void test_text_fuzz(void)
{
	char buf[300];

	for (int round = 0; round < 5000; round++) {
		size_t n = rng() % sizeof(buf);

		fill_random(buf, n);
		text_of(buf, n);
		CHECK(terminal_safe(sb.data, sb.len));
		check_text_roundtrip(buf, n);
	}
}

static void test_utf8_decode(void)
{
	uint32_t cp = 0;

	CHECK(utf8_decode((const unsigned char *)"A", 1, &cp) == 1 && cp == 'A');
	CHECK(utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp) == 2 &&
	      cp == 0xe9);
	CHECK(utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp) ==
		      4 && cp == 0x10ffff);
	CHECK(!utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp));
	CHECK(!utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp));
	CHECK(!utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp));
	CHECK(!utf8_decode((const unsigned char *)"\xe2\x82\xac", 2, &cp));
	CHECK(!utf8_decode((const unsigned char *)"", 0, &cp));
}

static void test_str_field_len(void)
{
	CHECK(str_field_len("abc\0def", 7) == 3);
	CHECK(str_field_len("abcdefgh", 8) == 8);	/* full, no NUL */
	CHECK(str_field_len("abc", 2) == 2);
	CHECK(str_field_len("", 1) == 0);
}

int main(void)
{
	RUN(test_json_plain_and_quotes);
	RUN(test_json_every_control_byte);
	RUN(test_json_valid_utf8_kept);
	RUN(test_json_invalid_utf8_replaced);
	RUN(test_json_line_separators);
	RUN(test_json_path_4096);
	RUN(test_json_fuzz);
	RUN(test_text_escape);
	RUN(test_text_unseen_code_points);
	RUN(test_text_reads_back);
	RUN(test_text_fuzz);
	RUN(test_utf8_decode);
	RUN(test_str_field_len);
	sb_free(&sb);
	return CHECK_EXIT();
}

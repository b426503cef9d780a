// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "escape.h"

static const char hex_digits[] = "0123456789abcdef";

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (!n)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool escape_exact(const char *str, size_t n, bool controls)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t i = 0, len;

	while (i < n) {
		if (s[i] < 0x80)
			len = 1, cp = s[i];
		else if (!(len = utf8_decode(s + i, n - i, &cp)))
			return false;
		if (controls && (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)))
			return false;
		i += len;
	}
	return true;
}

void hex_bytes(struct strbuf *sb, const void *data, size_t n)
{
	const unsigned char *s = data;

	for (size_t i = 0; i < n; i++) {
		char pair[2] = { hex_digits[s[i] >> 4], hex_digits[s[i] & 0xf] };

		sb_append(sb, pair, 2);
	}
}

static void put_u_escape(struct strbuf *sb, uint32_t c)
{
	char esc[6] = { '\\', 'u', hex_digits[c >> 12 & 0xf],
			hex_digits[c >> 8 & 0xf], hex_digits[c >> 4 & 0xf],
			hex_digits[c & 0xf] };

	sb_append(sb, esc, sizeof(esc));
}

static void put_x_escape(struct strbuf *sb, unsigned char b)
{
	char esc[4] = { '\\', 'x', hex_digits[b >> 4], hex_digits[b & 0xf] };

	sb_append(sb, esc, sizeof(esc));
}

/* Escapes of the C0 controls that have a short form in JSON. */
static char json_short_escape(unsigned char c)
{
	switch (c) {
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default: return 0;
	}
}

/* Bytes JSON takes as they are: printable ASCII but the quote and backslash. */
static const bool json_plain[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

/* Bytes text takes as they are: printable ASCII but space and backslash. */
static const bool text_plain[256] = {
	[0x21 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

/*
 * Code points past ASCII that text does not show as they are: the C1
 * controls, and what shows as blank or not at all or reorders the text
 * around it (Unicode 15's White_Space and Default_Ignorable_Code_Point,
 * the bidirectional controls among them).  Shown raw, one would let a
 * value pass for two columns, or for another value.
 */
static const struct {
	uint32_t first, last;
} text_unseen[] = {
	{ 0x0080, 0x00a0 }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f },
	{ 0x061c, 0x061c }, { 0x115f, 0x1160 }, { 0x1680, 0x1680 },
	{ 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x2000, 0x200f },
	{ 0x2028, 0x202f }, { 0x205f, 0x206f }, { 0x3000, 0x3000 },
	{ 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
	{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 },
	{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
};

static bool text_unseen_cp(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(text_unseen) / sizeof(text_unseen[0]);
	     i++)
		if (cp >= text_unseen[i].first && cp <= text_unseen[i].last)
			return true;
	return false;
}

/* Past the run of plain bytes at s[i], copied to sb at once. */
static size_t copy_plain(struct strbuf *sb, const unsigned char *s, size_t i,
			 size_t n, const bool *plain)
{
	size_t start = i;

	while (i < n && plain[s[i]])
		i++;
	sb_append(sb, s + start, i - start);
	return i;
}

void json_escape(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	/* Runs of plain ASCII are the common case for paths and names. */
	while ((i = copy_plain(sb, s, i, n, json_plain)) < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;
		char sc;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			sb_append(sb, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			sc = json_short_escape(c);
			if (sc) {
				char esc[2] = { '\\', sc };

				sb_append(sb, esc, 2);
			} else {
				put_u_escape(sb, c);
			}
			i++;
		} else if ((len = utf8_decode(s + i, n - i, &cp))) {
			if (cp == 0x2028 || cp == 0x2029 ||
			    (cp >= 0x80 && cp < 0xa0))
				put_u_escape(sb, cp);
			else
				sb_append(sb, s + i, len);
			i += len;
		} else {
			sb_append(sb, "\xef\xbf\xbd", 3);	/* U+FFFD */
			i++;
		}
	}
}

void text_escape(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while ((i = copy_plain(sb, s, i, n, text_plain)) < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c == '\\') {
			sb_append(sb, "\\\\", 2);
			i++;
			continue;
		}
		len = utf8_decode(s + i, n - i, &cp);
		if (c >= 0x80 && len && !text_unseen_cp(cp)) {
			sb_append(sb, s + i, len);
			i += len;
			continue;
		}
		/* Space, C0, DEL, unseen code points, bytes not UTF-8. */
		for (len = len ? len : 1; len; len--)
			put_x_escape(sb, s[i++]);
	}
}

size_t str_field_len(const char *s, size_t max)
{
	const char *end = memchr(s, '\0', max);

	return end ? (size_t)(end - s) : max;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static void put_octal(struct strbuf *sb, unsigned char c)
{
	sb_printf(sb, "#%03o", c);
}

void backslash_escape(struct strbuf *sb, const char *str, size_t n,
		      const char esc[128], bool controls)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80 && !esc[c] && !(controls && is_control(c))) {
			i++, run++;
			continue;
		}
		sb_append(sb, s + i - run, run);
		run = 0;
		if (c < 0x80 && esc[c]) {
			char pair[2] = { '\\', esc[c] };

			sb_append(sb, pair, 2);
			i++;
		} else if (c < 0x80) {
			put_octal(sb, c);
			i++;
		} else if ((len = utf8_decode(s + i, n - i, &cp))) {
			if (controls && cp < 0xa0) {
				put_octal(sb, s[i]);
				put_octal(sb, s[i + 1]);
			} else {
				sb_append(sb, s + i, len);
			}
			i += len;
		} else {
			sb_append(sb, "\xef\xbf\xbd", 3);	/* U+FFFD */
			i++;
		}
	}
	sb_append(sb, s + i - run, run);
}

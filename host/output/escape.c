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

/* Bytes text takes as they are: printable ASCII but the backslash. */
static const bool text_plain[256] = {
	[0x20 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

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
		} else if (c >= 0x80 && (len = utf8_decode(s + i, n - i, &cp)) &&
			   !(cp >= 0x80 && cp < 0xa0)) {
			sb_append(sb, s + i, len);
			i += len;
		} else {
			/* C0, DEL, a C1 control (all its bytes), invalid bytes. */
			len = c >= 0x80 && utf8_decode(s + i, n - i, &cp) ? 2 : 1;
			while (len--)
				put_x_escape(sb, s[i++]);
		}
	}
}

size_t str_field_len(const char *s, size_t max)
{
	const char *end = memchr(s, '\0', max);

	return end ? (size_t)(end - s) : max;
}

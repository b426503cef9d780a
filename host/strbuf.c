// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void sb_free(struct strbuf *sb)
{
	free(sb->data);
	*sb = (struct strbuf){ 0 };
}

bool sb_reserve(struct strbuf *sb, size_t n)
{
	size_t cap;
	char *data;

	if (sb->cap - sb->len > n)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap - sb->len <= n)
		cap *= 2;
	data = realloc(sb->data, cap);
	if (!data) {
		sb->failed = true;
		return false;
	}
	sb->data = data;
	sb->cap = cap;
	return true;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->data ? sb->data + sb->len : NULL,
		      sb->data ? sb->cap - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (sb->data && (size_t)n < sb->cap - sb->len) {
		sb->len += n;
		return;
	}
	if (!sb_reserve(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void sb_put_digits(struct strbuf *sb, uint64_t u, unsigned int width)
{
	char buf[20];
	unsigned int i = width;

	if (width > sizeof(buf))
		return;
	while (i) {
		buf[--i] = '0' + u % 10;
		u /= 10;
	}
	sb_append(sb, buf, width);
}

void sb_put_u64(struct strbuf *sb, uint64_t u)
{
	char buf[20];	/* 18446744073709551615 */
	size_t i = sizeof(buf);

	do
		buf[--i] = '0' + u % 10;
	while (u /= 10);
	sb_append(sb, buf + i, sizeof(buf) - i);
}

void sb_put_i64(struct strbuf *sb, int64_t i)
{
	if (i < 0) {
		sb_putc(sb, '-');
		/* Negate as unsigned: -INT64_MIN does not fit an int64_t. */
		sb_put_u64(sb, -(uint64_t)i);
		return;
	}
	sb_put_u64(sb, i);
}

void sb_pad(struct strbuf *sb, size_t mark, size_t width)
{
	size_t n = sb->len - mark;

	if (n >= width || !sb_reserve(sb, width - n))
		return;
	memset(sb->data + sb->len, ' ', width - n);
	sb->len += width - n;
}

const char *sb_cstr(struct strbuf *sb)
{
	if (!sb_reserve(sb, 1))
		return "";
	sb->data[sb->len] = '\0';
	return sb->data;
}

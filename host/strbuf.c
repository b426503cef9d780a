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

void sb_append(struct strbuf *sb, const void *data, size_t n)
{
	if (!sb_reserve(sb, n))
		return;
	memcpy(sb->data + sb->len, data, n);
	sb->len += n;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
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

void sb_pad(struct strbuf *sb, size_t mark, size_t width)
{
	while (sb->len - mark < width && !sb->failed)
		sb_putc(sb, ' ');
}

const char *sb_cstr(struct strbuf *sb)
{
	if (!sb_reserve(sb, 1))
		return "";
	sb->data[sb->len] = '\0';
	return sb->data;
}

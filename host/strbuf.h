/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A growable byte buffer.  Reset keeps the memory, so a buffer reused per
 * event stops allocating once it has seen the largest event.
 */
#ifndef BPFHOST_STRBUF_H
#define BPFHOST_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;	/* an allocation failed; contents are incomplete */
};

void sb_free(struct strbuf *sb);
static inline void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = false;
}
/* Make room for n more bytes; false (and sb->failed) when out of memory. */
bool sb_reserve(struct strbuf *sb, size_t n);
/* Inline: formatters call these several times for every event. */
static inline void sb_append(struct strbuf *sb, const void *data, size_t n)
{
	if (sb->cap - sb->len <= n && !sb_reserve(sb, n))
		return;
	memcpy(sb->data + sb->len, data, n);
	sb->len += n;
}
static inline void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}
static inline void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len < sb->cap || sb_reserve(sb, 1))
		sb->data[sb->len++] = c;
}
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal numbers without printf, which costs ten times as much. */
void sb_put_u64(struct strbuf *sb, uint64_t u);
void sb_put_i64(struct strbuf *sb, int64_t i);
/* Exactly width digits, zero-padded (u must fit). */
void sb_put_digits(struct strbuf *sb, uint64_t u, unsigned int width);
/* Append c until the text since mark is width bytes long. */
void sb_pad(struct strbuf *sb, size_t mark, size_t width);
/* NUL-terminate without counting the NUL; returns data. */
const char *sb_cstr(struct strbuf *sb);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Text: one aligned line per event, columns from the schema's headers and
 * widths.  With several event types running, an EVENT column says which.
 */
#include <stdlib.h>
#include <string.h>

#include "../clock.h"
#include "escape.h"
#include "format_value.h"
#include "output.h"

#define TIME_WIDTH 15		/* 03:48:17.123456 */

static bool text_column(const struct bpfhost_field *f)
{
	return f->header && !(f->flags & BPFHOST_FIELD_NO_TEXT);
}

static size_t event_column_width(const struct pipeline *pipe)
{
	size_t w = 0;

	if (pipe->ntypes < 2)
		return 0;
	for (unsigned int i = 0; i < pipe->ntypes; i++)
		if (strlen(pipe->types[i]->qname) > w)
			w = strlen(pipe->types[i]->qname);
	return w;
}

/* Pad what was appended since mark to |width|, on the left if width > 0. */
static void align(struct strbuf *sb, size_t mark, int width)
{
	size_t used = sb->len - mark, want = abs(width);

	if (used >= want)
		return;
	if (width < 0) {
		sb_pad(sb, mark, want);
		return;
	}
	if (!sb_reserve(sb, want - used))
		return;
	memmove(sb->data + mark + want - used, sb->data + mark, used);
	memset(sb->data + mark, ' ', want - used);
	sb->len += want - used;
}

static void put_column(struct strbuf *sb, const char *text, int width,
		       bool last)
{
	size_t mark = sb->len;

	sb_puts(sb, text);
	if (!last)
		align(sb, mark, width);
}

static void header_line(struct strbuf *sb, const struct event_type *t,
			size_t event_width)
{
	const struct bpfhost_event_schema *s = t->schema;

	put_column(sb, "TIME", -TIME_WIDTH, false);
	if (event_width) {
		sb_putc(sb, ' ');
		put_column(sb, "EVENT", -(int)event_width, false);
	}
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];

		if (!text_column(f))
			continue;
		sb_putc(sb, ' ');
		put_column(sb, f->header, f->width, false);
	}
	/* No trailing blanks after a left-aligned last column. */
	while (sb->len && sb->data[sb->len - 1] == ' ')
		sb->len--;
	sb_putc(sb, '\n');
}

static void text_start(struct output *out, struct strbuf *sb)
{
	size_t event_width = event_column_width(out->pipe);

	for (unsigned int i = 0; i < out->pipe->ntypes; i++)
		header_line(sb, out->pipe->types[i], event_width);
}

static void put_value(struct strbuf *sb, const struct bpfhost_field *f,
		      const struct value *v)
{
	switch (v->kind) {
	case VALUE_NULL:
		sb_putc(sb, '-');
		break;
	case VALUE_UINT:
	case VALUE_INT:
		format_number_for_people(sb, f, v);
		break;
	case VALUE_BOOL:
		sb_puts(sb, v->b ? "yes" : "no");
		break;
	case VALUE_WORD:
		sb_append(sb, v->str, v->len);
		break;
	case VALUE_STR:
		text_escape(sb, v->str, v->len);
		break;
	}
}

static void text_record(struct output *out, struct strbuf *sb,
			const struct record *rec)
{
	const struct bpfhost_event_schema *s = rec->type->schema;
	size_t event_width = event_column_width(out->pipe);
	struct value v;

	clock_format_time_of_day(sb, rec->real_ns);
	if (event_width) {
		sb_putc(sb, ' ');
		put_column(sb, rec->type->qname, -(int)event_width, false);
	}
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];
		size_t mark;

		if (!text_column(f))
			continue;
		sb_putc(sb, ' ');
		mark = sb->len;
		field_value(f, rec->data, rec->size, &out->scratch, &v);
		put_value(sb, f, &v);
		align(sb, mark, f->width);
	}
	while (sb->len && sb->data[sb->len - 1] == ' ')
		sb->len--;
	sb_putc(sb, '\n');
}

const struct formatter text_formatter = {
	.name = "text",
	.start = text_start,
	.record = text_record,
};

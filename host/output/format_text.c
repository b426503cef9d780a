// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Text: one aligned line per event, columns from the schema's headers and
 * widths.  With several event types running, an EVENT column says which.
 * Each value is one column (see put_string).  A type's header line comes
 * before its first event, and again before an event whose header has
 * scrolled a screenful away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../clock.h"
#include "escape.h"
#include "format_value.h"
#include "output.h"

#define TIME_WIDTH 15		/* 03:48:17.123456 */
/*
 * A file or a pipe is read on a terminal we cannot ask: assume the
 * smallest common one, a VT100's 24 rows.
 */
#define DEFAULT_ROWS 24

/* The line from which an event type's header is due again. */
struct header_due {
	const struct event_type *type;
	uint64_t line;
};

struct text_state {
	bool headers;		/* the sink's lines are read on a screen */
	uint64_t lines;		/* lines written so far */
	uint64_t page;		/* lines on one screen above the cursor */
	struct header_due *due;	/* every type seen so far */
	size_t ndue;
};

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

static int text_setup(struct output *out, const struct config_section *sec)
{
	(void)sec;
	out->priv = calloc(1, sizeof(struct text_state));
	return out->priv ? 0 : -ENOMEM;
}

static void text_cleanup(struct output *out)
{
	struct text_state *st = out->priv;

	if (!st)
		return;
	free(st->due);
	free(st);
	out->priv = NULL;
}

/* The sink is open: a terminal says how many rows it has. */
static void text_start(struct output *out)
{
	struct text_state *st = out->priv;
	struct winsize ws;

	/* A collector takes messages, not screens: no header glued to one. */
	st->headers = !out->sink.ops->frames_messages;
	if (ioctl(out->sink.fd, TIOCGWINSZ, &ws) || ws.ws_row < 3)
		ws.ws_row = DEFAULT_ROWS;
	/* The row the cursor waits on shows no line. */
	st->page = ws.ws_row - 1;
}

/* type's entry, added when it is new (due at once); NULL when out of memory. */
static struct header_due *header_due_of(struct text_state *st,
					const struct event_type *type)
{
	struct header_due *due;

	for (size_t i = 0; i < st->ndue; i++)
		if (st->due[i].type == type)
			return &st->due[i];
	due = realloc(st->due, (st->ndue + 1) * sizeof(*due));
	if (!due)
		return NULL;
	st->due = due;
	due[st->ndue] = (struct header_due){ .type = type };
	return &due[st->ndue++];
}

/* Whether type's header goes above the next line; then it is due a page on. */
static bool header_due(struct text_state *st, const struct event_type *type)
{
	struct header_due *due = header_due_of(st, type);

	/* Out of memory for the entry: a header with every such event. */
	if (!due)
		return true;
	if (st->lines < due->line)
		return false;
	due->line = st->lines + st->page;
	return true;
}

/*
 * A string as one column that reads back as exactly its bytes: escaped
 * (no blank inside, see text_escape), "" when empty, and never the "-" that
 * marks no value.  A string that reads as one of those marks has its first
 * byte escaped.
 */
static void put_string(struct strbuf *sb, const char *s, size_t len)
{
	if (!len)
		sb_puts(sb, "\"\"");
	else if (len == 1 && s[0] == '-')
		sb_puts(sb, "\\x2d");
	else if (len == 2 && !memcmp(s, "\"\"", 2))
		sb_puts(sb, "\\x22\"");
	else
		text_escape(sb, s, len);
}

/* A 64-hex-digit id, which text shows by its first 12 digits. */
static bool long_hex_id(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void put_value(struct strbuf *sb, const struct bpfhost_field *f,
		      const struct value *v)
{
	if (f->display == BPFHOST_DISPLAY_SHORT_ID && v->kind == VALUE_STR) {
		if (!v->len)
			sb_putc(sb, '-');
		else if (long_hex_id(v->str, v->len))
			sb_append(sb, v->str, 12);
		else
			put_string(sb, v->str, v->len);
		return;
	}
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
	case VALUE_STR:
		put_string(sb, v->str, v->len);
		break;
	}
}

void text_format_line(struct output *out, struct strbuf *sb,
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

static void text_record(struct output *out, struct strbuf *sb,
			const struct record *rec)
{
	struct text_state *st = out->priv;

	if (st->headers && header_due(st, rec->type)) {
		header_line(sb, rec->type, event_column_width(out->pipe));
		st->lines++;
	}
	text_format_line(out, sb, rec);
	st->lines++;
}

const struct formatter text_formatter = {
	.name = "text",
	.setup = text_setup,
	.cleanup = text_cleanup,
	.start = text_start,
	.record = text_record,
};

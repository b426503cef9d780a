// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON lines: one object per event, numbers as numbers, strings escaped per
 * RFC 8259 and made valid UTF-8 (with a NAME_hex beside a string that was
 * not, format_value.h).  Every object starts with time (RFC 3339,
 * nanoseconds, UTC), plugin, event and severity (a syslog keyword,
 * severity.h).
 */
#include <string.h>

#include "../clock.h"
#include "escape.h"
#include "format_value.h"
#include "output.h"

static void put_string(struct strbuf *sb, const char *s, size_t len)
{
	sb_putc(sb, '"');
	json_escape(sb, s, len);
	sb_putc(sb, '"');
}

static void json_record(struct output *out, struct strbuf *sb,
			const struct record *rec)
{
	const struct bpfhost_event_schema *s = rec->type->schema;
	struct value v;

	sb_puts(sb, "{\"time\":\"");
	clock_format_rfc3339(sb, rec->real_ns);
	/* Plugin and event names are [a-z0-9_]+, checked at load. */
	sb_puts(sb, "\",\"plugin\":\"");
	sb_puts(sb, rec->type->plugin);
	sb_puts(sb, "\",\"event\":\"");
	sb_puts(sb, s->name);
	sb_puts(sb, "\",\"severity\":\"");
	sb_puts(sb, severity_name(record_severity(out, rec)));
	sb_putc(sb, '"');
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];

		if (f->flags & BPFHOST_FIELD_SEVERITY)
			continue;	/* it is "severity" */

		sb_puts(sb, ",\"");
		sb_puts(sb, f->name);	/* [a-z0-9_]+, checked at load */
		sb_puts(sb, "\":");
		field_value(f, rec->data, rec->size, &out->scratch, &v);
		switch (v.kind) {
		case VALUE_NULL:
			sb_puts(sb, "null");
			break;
		case VALUE_UINT:
		case VALUE_INT:
			format_number(sb, &v);
			break;
		case VALUE_BOOL:
			sb_puts(sb, v.b ? "true" : "false");
			break;
		case VALUE_WORD:
		case VALUE_STR:
			put_string(sb, v.str, v.len);
			break;
		}
		if (value_needs_hex(&v, false)) {
			sb_puts(sb, ",\"");
			sb_puts(sb, f->name);
			sb_puts(sb, "_hex\":\"");
			hex_bytes(sb, v.str, v.len);
			sb_putc(sb, '"');
		}
	}
	sb_puts(sb, "}\n");
}

const struct formatter json_formatter = {
	.name = "json",
	.record = json_record,
};

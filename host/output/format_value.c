// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>

#include "escape.h"
#include "format_value.h"

void format_number(struct strbuf *sb, const struct value *v)
{
	if (v->kind == VALUE_INT)
		sb_put_i64(sb, v->i);
	else
		sb_put_u64(sb, v->u);
}

static void format_duration(struct strbuf *sb, uint64_t ns)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = { { 1000000000, "s" }, { 1000000, "ms" }, { 1000, "us" } };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns >= units[i].ns) {
			sb_printf(sb, "%.3g%s", (double)ns / units[i].ns,
				  units[i].unit);
			return;
		}
	}
	sb_printf(sb, "%" PRIu64 "ns", ns);
}

void format_number_for_people(struct strbuf *sb, const struct bpfhost_field *f,
			      const struct value *v)
{
	if (f->display == BPFHOST_DISPLAY_HEX && v->kind == VALUE_UINT)
		sb_printf(sb, "0x%" PRIx64, v->u);
	else if (f->display == BPFHOST_DISPLAY_DURATION_NS &&
		 v->kind == VALUE_UINT)
		format_duration(sb, v->u);
	else
		format_number(sb, v);
}

void format_pair_value(struct strbuf *sb, const struct value *v,
		       void (*escape)(struct strbuf *sb, const char *s,
				      size_t n, bool controls),
		       bool controls)
{
	switch (v->kind) {
	case VALUE_NULL:
		break;
	case VALUE_UINT:
	case VALUE_INT:
		format_number(sb, v);
		break;
	case VALUE_BOOL:
		sb_puts(sb, v->b ? "true" : "false");
		break;
	case VALUE_WORD:
	case VALUE_STR:
		escape(sb, v->str, v->len, controls);
		break;
	}
}

bool value_needs_hex(const struct value *v, bool controls)
{
	return v->kind == VALUE_STR && !escape_exact(v->str, v->len, controls);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "describe.h"
#include "output/escape.h"
#include "output/severity.h"
#include "strbuf.h"

static const char *field_type_name(uint32_t type)
{
	static const char *const names[] = {
		[BPFHOST_FIELD_UINT] = "uint", [BPFHOST_FIELD_INT] = "int",
		[BPFHOST_FIELD_BOOL] = "bool", [BPFHOST_FIELD_STR] = "str",
		[BPFHOST_FIELD_BYTES] = "bytes",
		[BPFHOST_FIELD_STR_SPAN] = "str_span",
	};

	return type < BPFHOST_ARRAY_SIZE(names) ? names[type] : "?";
}

static const char *display_name(uint32_t display)
{
	static const char *const names[] = {
		[BPFHOST_DISPLAY_DEFAULT] = "default",
		[BPFHOST_DISPLAY_HEX] = "hex",
		[BPFHOST_DISPLAY_ERRNO] = "errno",
		[BPFHOST_DISPLAY_FLAGS] = "flags",
		[BPFHOST_DISPLAY_ENUM] = "enum",
		[BPFHOST_DISPLAY_IPV4] = "ipv4",
		[BPFHOST_DISPLAY_IPV6] = "ipv6",
		[BPFHOST_DISPLAY_DURATION_NS] = "duration_ns",
		[BPFHOST_DISPLAY_SHORT_ID] = "short_id",
	};

	return display < BPFHOST_ARRAY_SIZE(names) ? names[display] : "?";
}

/*
 * The JSON type a field renders as (see schema.c field_value()); NULL for
 * a SEVERITY field, which JSON shows as the record's "severity".
 */
static const char *json_type(const struct bpfhost_field *f)
{
	if (f->flags & BPFHOST_FIELD_SEVERITY)
		return NULL;
	if (f->type == BPFHOST_FIELD_BOOL)
		return "boolean";
	if (f->type == BPFHOST_FIELD_STR || f->type == BPFHOST_FIELD_BYTES ||
	    f->type == BPFHOST_FIELD_STR_SPAN)
		return "string";
	switch (f->display) {
	case BPFHOST_DISPLAY_ERRNO:
	case BPFHOST_DISPLAY_FLAGS:
	case BPFHOST_DISPLAY_ENUM:
	case BPFHOST_DISPLAY_IPV4:
		return "string";
	}
	return "number";
}

static bool in_text(const struct bpfhost_field *f)
{
	return f->header && !(f->flags & BPFHOST_FIELD_NO_TEXT);
}

/* ---- text ---------------------------------------------------------------- */

static void text_values(FILE *out, const struct bpfhost_field *f)
{
	if (f->display != BPFHOST_DISPLAY_FLAGS &&
	    f->display != BPFHOST_DISPLAY_ENUM)
		return;
	fputs("      values:", out);
	for (const struct bpfhost_value_name *vn = f->value_names; vn->name;
	     vn++)
		fprintf(out, " %s", vn->name);
	fputc('\n', out);
}

/* An event type's declared severity, or NULL: the output's. */
static const char *declared_severity(const struct event_type *t)
{
	return t->severity & BPFHOST_SEVERITY_DECLARED ?
		       severity_name(t->severity) : NULL;
}

static void text_event(FILE *out, const struct plugin *p,
		       const struct event_type *t)
{
	const struct bpfhost_event_schema *s = t->schema;
	const char *sev = declared_severity(t);

	fprintf(out, "\nEvent %s.%s: %s\n  %u-byte record", p->name, s->name,
		s->help ? s->help : "", s->size);
	if (s->btf_struct)
		fprintf(out, ", struct %s", s->btf_struct);
	fprintf(out, ", severity %s%s", sev ? sev : "from the output",
		t->severity_field ? " unless the record carries its own" : "");
	fprintf(out, "\n  %-16s %-8s %6s %5s %-11s %-8s %s\n", "FIELD", "TYPE",
		"OFFSET", "SIZE", "DISPLAY", "JSON", "TEXT COLUMN");
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];

		fprintf(out, "  %-16s %-8s %6u %5u %-11s %-8s %s\n", f->name,
			field_type_name(f->type), f->offset, f->size,
			display_name(f->display),
			json_type(f) ? json_type(f) : "-",
			f->flags & BPFHOST_FIELD_SEVERITY ?
				"(the record's severity)" :
			in_text(f) ? f->header : "(JSON and syslog only)");
		text_values(out, f);
	}
}

static void text_plugin(FILE *out, const struct plugin *p)
{
	const struct bpfhost_plugin_ops *o = &p->ops;

	fprintf(out, "%s %s (plugin ABI %u): %s\n%s\n\nOptions (-o %s.KEY=VALUE, or KEY = VALUE under [%s]):\n",
		o->name, o->version ? o->version : "?", o->abi_version,
		o->summary ? o->summary : "", p->path, p->name, p->name);
	if (!o->noptions)
		fputs("  (none)\n", out);
	options_print_help(out, o->options, o->noptions);
	for (uint32_t i = 0; i < o->nevents; i++)
		text_event(out, p, &p->types[i]);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_str(struct strbuf *sb, const char *key, const char *s)
{
	sb_printf(sb, "\"%s\":", key);
	if (!s) {
		sb_puts(sb, "null");
		return;
	}
	sb_putc(sb, '"');
	json_escape(sb, s, strlen(s));
	sb_putc(sb, '"');
}

static void json_option(struct strbuf *sb, const struct bpfhost_option *d)
{
	static const char *const types[] = {
		[BPFHOST_OPT_BOOL] = "bool", [BPFHOST_OPT_INT] = "int",
		[BPFHOST_OPT_STRING] = "string", [BPFHOST_OPT_ENUM] = "enum",
	};

	sb_putc(sb, '{');
	json_str(sb, "name", d->name);
	sb_putc(sb, ',');
	json_str(sb, "type", types[d->type]);
	sb_printf(sb, ",\"multi\":%s,",
		  d->flags & BPFHOST_OPT_MULTI ? "true" : "false");
	json_str(sb, "default", d->def);
	sb_putc(sb, ',');
	json_str(sb, "help", d->help);
	if (d->type == BPFHOST_OPT_INT || d->type == BPFHOST_OPT_STRING)
		sb_printf(sb, ",\"min\":%" PRId64 ",\"max\":%" PRId64, d->min,
			  d->max);
	if (d->type == BPFHOST_OPT_ENUM) {
		sb_putc(sb, ',');
		json_str(sb, "choices", d->choices);
	}
	sb_putc(sb, '}');
}

static void json_field(struct strbuf *sb, const struct bpfhost_field *f)
{
	sb_putc(sb, '{');
	json_str(sb, "name", f->name);
	sb_putc(sb, ',');
	json_str(sb, "type", field_type_name(f->type));
	sb_putc(sb, ',');
	json_str(sb, "display", display_name(f->display));
	sb_putc(sb, ',');
	json_str(sb, "json_type", json_type(f));
	sb_printf(sb, ",\"offset\":%u,\"size\":%u,", f->offset, f->size);
	json_str(sb, "text_header", in_text(f) ? f->header : NULL);
	if (f->display == BPFHOST_DISPLAY_FLAGS ||
	    f->display == BPFHOST_DISPLAY_ENUM) {
		sb_puts(sb, ",\"values\":[");
		for (const struct bpfhost_value_name *vn = f->value_names;
		     vn->name; vn++) {
			if (vn != f->value_names)
				sb_putc(sb, ',');
			sb_printf(sb, "{\"mask\":%" PRIu64 ",\"value\":%" PRIu64 ",",
				  (uint64_t)vn->mask, (uint64_t)vn->value);
			json_str(sb, "name", vn->name);
			sb_putc(sb, '}');
		}
		sb_putc(sb, ']');
	}
	sb_putc(sb, '}');
}

static void json_event(struct strbuf *sb, const struct event_type *t)
{
	const struct bpfhost_event_schema *s = t->schema;

	sb_putc(sb, '{');
	json_str(sb, "name", s->name);
	sb_putc(sb, ',');
	json_str(sb, "help", s->help);
	sb_putc(sb, ',');
	json_str(sb, "severity", declared_severity(t));
	sb_printf(sb, ",\"size\":%u,", s->size);
	json_str(sb, "btf_struct", s->btf_struct);
	sb_puts(sb, ",\"fields\":[");
	for (uint32_t i = 0; i < s->nfields; i++) {
		if (i)
			sb_putc(sb, ',');
		json_field(sb, &s->fields[i]);
	}
	sb_puts(sb, "]}");
}

static void json_plugin(struct strbuf *sb, const struct plugin *p)
{
	const struct bpfhost_plugin_ops *o = &p->ops;

	sb_putc(sb, '{');
	json_str(sb, "plugin", o->name);
	sb_putc(sb, ',');
	json_str(sb, "version", o->version);
	sb_putc(sb, ',');
	json_str(sb, "summary", o->summary);
	sb_printf(sb, ",\"abi_version\":%u,", o->abi_version);
	json_str(sb, "path", p->path);
	sb_puts(sb, ",\"options\":[");
	for (uint32_t i = 0; i < o->noptions; i++) {
		if (i)
			sb_putc(sb, ',');
		json_option(sb, &o->options[i]);
	}
	sb_puts(sb, "],\"events\":[");
	for (uint32_t i = 0; i < o->nevents; i++) {
		if (i)
			sb_putc(sb, ',');
		json_event(sb, &p->types[i]);
	}
	sb_puts(sb, "]}\n");
}

int describe_plugin(FILE *out, const struct plugin *p, bool json)
{
	struct strbuf sb = { 0 };
	int err = 0;

	if (!json) {
		text_plugin(out, p);
	} else {
		json_plugin(&sb, p);
		if (sb.failed)
			err = -ENOMEM;
		else
			fwrite(sb.data, 1, sb.len, out);
		sb_free(&sb);
	}
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	return err;
}

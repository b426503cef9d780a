// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "../build_config.h"
#include "escape.h"
#include "format_cef.h"
#include "format_value.h"
#include "severity.h"

/* What follows the backslash for each ASCII byte escaped; 0: as is. */
static const char header_esc[128] = { ['\\'] = '\\', ['|'] = '|' };
static const char cef_esc[128] = { ['\\'] = '\\', ['='] = '=', ['\n'] = 'n',
				   ['\r'] = 'r' };
static const char leef_esc[128] = { ['\\'] = '\\', ['\t'] = 't',
				    ['\n'] = 'n', ['\r'] = 'r' };

/* Field names every plugin shares (the SDK's) and their dictionary keys. */
static const struct known_key {
	const char *field;
	const char *cef, *leef;	/* NULL: bpfhost_NAME */
	const char *label;	/* a CEF custom key's csNLabel */
} known_keys[] = {
	{ "pid", "spid", NULL, NULL },
	{ "uid", "suid", NULL, NULL },
	{ "comm", "sproc", NULL, NULL },
	{ "path", "filePath", NULL, NULL },
	{ "saddr", "src", "src", NULL },
	{ "daddr", "dst", "dst", NULL },
	{ "sport", "spt", "srcPort", NULL },
	{ "dport", "dpt", "dstPort", NULL },
	{ "container_id", "cs1", NULL, "container_id" },
};

void cef_header_escape(struct strbuf *sb, const char *s, size_t n)
{
	backslash_escape(sb, s, n, header_esc, true);
}

void cef_value_escape(struct strbuf *sb, const char *s, size_t n,
		      bool controls)
{
	backslash_escape(sb, s, n, cef_esc, controls);
}

void leef_value_escape(struct strbuf *sb, const char *s, size_t n,
		       bool controls)
{
	backslash_escape(sb, s, n, leef_esc, controls);
}

static void put_header_field(struct strbuf *sb, const char *s)
{
	cef_header_escape(sb, s, strlen(s));
	sb_putc(sb, '|');
}

static const struct known_key *known_key(const char *field)
{
	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(known_keys); i++)
		if (!strcmp(known_keys[i].field, field))
			return &known_keys[i];
	return NULL;
}

/* The pair's separator and key: a dictionary key, or bpfhost_NAME. */
static void put_key(struct strbuf *sb, const char *field, bool leef)
{
	const struct known_key *k = known_key(field);
	const char *key = k ? (leef ? k->leef : k->cef) : NULL;

	sb_putc(sb, leef ? '\t' : ' ');
	if (!leef && k && k->label)
		sb_printf(sb, "%sLabel=%s ", key, k->label);
	if (key)
		sb_puts(sb, key);
	else
		sb_printf(sb, "bpfhost_%s", field);
	sb_putc(sb, '=');
}

/*
 * A value that is not valid UTF-8 (format_value.h) gets the custom key
 * bpfhost_NAME_hex with NAME the field's name, for a dictionary key too
 * (filePath's is bpfhost_path_hex): schema_check_plugin() refuses a field
 * NAME_hex beside a string field NAME, so it is taken by nothing else,
 * where a dictionary key's own name (bpfhost_sproc_hex) could be a field's.
 */
static void put_hex_companion(struct strbuf *sb, const char *field,
			      const struct value *v, bool leef)
{
	sb_printf(sb, "%sbpfhost_%s_hex=", leef ? "\t" : " ", field);
	hex_bytes(sb, v->str, v->len);
}

void cef_format(struct output *out, struct strbuf *sb,
		const struct record *rec, unsigned int sev, bool leef,
		bool controls)
{
	const struct bpfhost_event_schema *s = rec->type->schema;
	struct value v;

	sb_puts(sb, leef ? "LEEF:2.0|" : "CEF:0|");
	put_header_field(sb, "bpfhost");
	put_header_field(sb, "bpfhost");
	put_header_field(sb, BPFHOST_VERSION);
	put_header_field(sb, rec->type->qname);
	if (leef) {
		/* The pair delimiter, a tab, in the hex form LEEF 2.0 allows. */
		sb_printf(sb, "x09|sev=%u", severity_to_cef(sev));
	} else {
		put_header_field(sb, s->help ? s->help : rec->type->qname);
		sb_printf(sb, "%u|rt=%llu", severity_to_cef(sev),
			  (unsigned long long)(rec->real_ns / 1000000));
	}
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];

		if (f->flags & BPFHOST_FIELD_SEVERITY)
			continue;	/* it is the header's severity */
		field_value(f, rec->data, rec->size, &out->scratch, &v);
		if (v.kind == VALUE_NULL)
			continue;
		put_key(sb, f->name, leef);
		format_pair_value(sb, &v,
				  leef ? leef_value_escape : cef_value_escape,
				  controls);
		if (value_needs_hex(&v, controls))
			put_hex_companion(sb, f->name, &v, leef);
	}
}

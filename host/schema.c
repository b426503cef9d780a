// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <bpfhost/str_span.h>

#include "output/escape.h"
#include "schema.h"

bool schema_name_valid(const char *name)
{
	if (!name || !*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return false;
	return true;
}

static bool is_int_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool field_check(const struct bpfhost_event_schema *s,
			const struct bpfhost_field *f, char *why, size_t len)
{
	const char *problem = NULL;

	if (!schema_name_valid(f->name))
		problem = "its name is not [a-z0-9_]+";
	else if (f->offset < sizeof(struct bpfhost_event_header))
		problem = "it overlaps the event header";
	else if (!f->size || f->offset + (uint64_t)f->size > s->size)
		problem = "it lies outside the event struct";
	else if ((f->type == BPFHOST_FIELD_UINT || f->type == BPFHOST_FIELD_INT ||
		  f->type == BPFHOST_FIELD_BOOL) && !is_int_size(f->size))
		problem = "an integer field must be 1, 2, 4 or 8 bytes";
	else if (f->type < BPFHOST_FIELD_UINT ||
		 f->type > BPFHOST_FIELD_STR_SPAN)
		problem = "its type is unknown";
	else if (f->type == BPFHOST_FIELD_STR_SPAN &&
		 f->size != sizeof(struct bpfhost_str_span))
		problem = "a string span is 4 bytes (struct bpfhost_str_span)";
	else if ((f->display == BPFHOST_DISPLAY_FLAGS ||
		  f->display == BPFHOST_DISPLAY_ENUM) && !f->value_names)
		problem = "FLAGS and ENUM need value_names";
	else if (f->display == BPFHOST_DISPLAY_IPV4 && f->size != 4)
		problem = "an IPv4 address is 4 bytes";
	else if (f->display == BPFHOST_DISPLAY_IPV6 && f->size != 16)
		problem = "an IPv6 address is 16 bytes";
	else if (f->display == BPFHOST_DISPLAY_SHORT_ID &&
		 f->type != BPFHOST_FIELD_STR)
		problem = "SHORT_ID is for STR fields";
	else if (f->display > BPFHOST_DISPLAY_SHORT_ID)
		problem = "its display hint is unknown";
	else if (f->flags & ~(BPFHOST_FIELD_NO_TEXT | BPFHOST_FIELD_SEVERITY))
		problem = "its flags are unknown";
	else if ((f->flags & BPFHOST_FIELD_SEVERITY) &&
		 f->type != BPFHOST_FIELD_UINT)
		problem = "a SEVERITY field is a UINT";
	else if ((f->flags & BPFHOST_FIELD_SEVERITY) &&
		 f != schema_severity_field(s))
		problem = "an event has at most one SEVERITY field";
	if (!problem)
		return true;
	snprintf(why, len, "event '%s' field '%s': %s", s->name,
		 f->name ? f->name : "(null)", problem);
	return false;
}

/*
 * A string that is not valid UTF-8 gets a companion NAME_hex in JSON, SD
 * and CEF/LEEF (output/format_value.h); a declared field of that name
 * would make the record ambiguous.
 */
static bool companion_check(const struct bpfhost_event_schema *s, char *why,
			    size_t len)
{
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];
		size_t n = strlen(f->name);

		if (f->type != BPFHOST_FIELD_STR &&
		    f->type != BPFHOST_FIELD_STR_SPAN)
			continue;
		for (uint32_t j = 0; j < s->nfields; j++) {
			const char *g = s->fields[j].name;

			if (strncmp(g, f->name, n) || strcmp(g + n, "_hex"))
				continue;
			snprintf(why, len,
				 "event '%s' field '%s': outputs use that name for the bytes of string field '%s' when they are not UTF-8; rename one of them",
				 s->name, g, f->name);
			return false;
		}
	}
	return true;
}

const struct bpfhost_field *
schema_severity_field(const struct bpfhost_event_schema *s)
{
	for (uint32_t i = 0; i < s->nfields; i++)
		if (s->fields[i].flags & BPFHOST_FIELD_SEVERITY)
			return &s->fields[i];
	return NULL;
}

/* A bare BPFHOST_SEV_* (no DECLARED bit) is a mistake, not "none". */
static bool severity_entry_valid(uint8_t e)
{
	return !e || ((e & BPFHOST_SEVERITY_DECLARED) &&
		      (e & ~BPFHOST_SEVERITY_DECLARED) <= BPFHOST_SEV_DEBUG);
}

bool schema_check_plugin(const struct bpfhost_plugin_ops *ops, char *why,
			 size_t len)
{
	if (!schema_name_valid(ops->name)) {
		snprintf(why, len, "plugin name is not [a-z0-9_]+");
		return false;
	}
	if (!ops->open || !ops->load || !ops->attach || !ops->close) {
		snprintf(why, len, "open, load, attach and close are required");
		return false;
	}
	if ((ops->noptions && !ops->options) || (ops->nevents && !ops->events)) {
		snprintf(why, len, "a declared table is NULL");
		return false;
	}
	for (uint32_t i = 0; i < ops->noptions; i++) {
		const struct bpfhost_option *o = &ops->options[i];

		if (!schema_name_valid(o->name) || o->type < BPFHOST_OPT_BOOL ||
		    o->type > BPFHOST_OPT_ENUM ||
		    (o->type == BPFHOST_OPT_ENUM && !o->choices)) {
			snprintf(why, len, "option %u ('%s') is malformed", i,
				 o->name ? o->name : "(null)");
			return false;
		}
	}
	for (uint32_t i = 0; i < ops->nevents; i++) {
		const struct bpfhost_event_schema *s = &ops->events[i];

		if (!schema_name_valid(s->name) ||
		    s->size < sizeof(struct bpfhost_event_header) ||
		    (s->nfields && !s->fields)) {
			snprintf(why, len, "event %u ('%s') is malformed", i,
				 s->name ? s->name : "(null)");
			return false;
		}
		for (uint32_t j = 0; j < s->nfields; j++)
			if (!field_check(s, &s->fields[j], why, len))
				return false;
		if (!companion_check(s, why, len))
			return false;
		if (ops->event_severities &&
		    !severity_entry_valid(ops->event_severities[i])) {
			snprintf(why, len,
				 "event '%s': its severity is not BPFHOST_SEVERITY(BPFHOST_SEV_*) or 0",
				 s->name);
			return false;
		}
	}
	return true;
}

static bool is_tail_type(uint32_t type)
{
	return type == BPFHOST_FIELD_STR || type == BPFHOST_FIELD_BYTES;
}

uint32_t schema_min_size(const struct bpfhost_event_schema *s)
{
	uint32_t min = sizeof(struct bpfhost_event_header);

	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];
		uint32_t end = f->offset + (is_tail_type(f->type) ? 0 : f->size);

		if (end > min)
			min = end;
	}
	return min;
}

static uint64_t read_uint(const uint8_t *p, uint32_t size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	default: memcpy(&u64, p, 8); return u64;
	}
}

int field_severity(const struct bpfhost_field *f, const void *record,
		   size_t size)
{
	uint64_t u;

	if (size < (size_t)f->offset + f->size)
		return -1;
	u = read_uint((const uint8_t *)record + f->offset, f->size);
	return u <= BPFHOST_SEV_DEBUG ? (int)u : -1;
}

static int64_t read_int(const uint8_t *p, uint32_t size)
{
	uint64_t u = read_uint(p, size);
	unsigned int shift = 64 - size * 8;

	/* Sign-extend from the field's width. */
	return (int64_t)(u << shift) >> shift;
}

static void names_value(const struct bpfhost_field *f, uint64_t u,
			struct strbuf *sb)
{
	const struct bpfhost_value_name *vn;
	uint64_t left = u;
	bool any = false;

	for (vn = f->value_names; vn->name; vn++) {
		if ((u & vn->mask) != vn->value || (vn->value & left) != vn->value)
			continue;
		if (f->display == BPFHOST_DISPLAY_ENUM) {
			sb_puts(sb, vn->name);
			return;
		}
		if (any)
			sb_putc(sb, '|');
		sb_puts(sb, vn->name);
		any = true;
		left &= ~vn->value;
	}
	if (f->display == BPFHOST_DISPLAY_ENUM)
		sb_printf(sb, "%" PRIu64, u);
	else if (left || !any)
		sb_printf(sb, "%s0x%" PRIx64, any ? "|" : "", left);
}

/* A span pointing outside the record is null: never read past the record. */
static void span_value(const uint8_t *p, const void *record, size_t size,
		       struct value *v)
{
	struct bpfhost_str_span span;

	memcpy(&span, p, sizeof(span));
	if ((size_t)span.offset + span.len > size)
		return;
	v->kind = VALUE_STR;
	v->str = (const char *)record + span.offset;
	v->len = str_field_len(v->str, span.len);
}

void field_value(const struct bpfhost_field *f, const void *record,
		 size_t size, struct strbuf *scratch, struct value *v)
{
	const uint8_t *p = (const uint8_t *)record + f->offset;
	size_t avail = size > f->offset ? size - f->offset : 0;
	char addr[INET6_ADDRSTRLEN];
	const char *errname;
	uint64_t errnum;

	if (avail > f->size)
		avail = f->size;
	sb_reset(scratch);
	*v = (struct value){ .kind = VALUE_NULL };

	if (f->type == BPFHOST_FIELD_STR) {
		v->kind = VALUE_STR;
		v->str = (const char *)p;
		v->len = str_field_len((const char *)p, avail);
		return;
	}
	if (avail < f->size)
		return;		/* a cut record: nothing to show */
	if (f->type == BPFHOST_FIELD_STR_SPAN) {
		span_value(p, record, size, v);
		return;
	}
	if (f->type == BPFHOST_FIELD_BYTES) {
		if (f->display == BPFHOST_DISPLAY_IPV4 ||
		    f->display == BPFHOST_DISPLAY_IPV6) {
			inet_ntop(f->size == 4 ? AF_INET : AF_INET6, p, addr,
				  sizeof(addr));
			sb_puts(scratch, addr);
		} else {
			hex_bytes(scratch, p, f->size);
		}
		goto word;
	}
	if (f->type == BPFHOST_FIELD_BOOL) {
		v->kind = VALUE_BOOL;
		v->b = read_uint(p, f->size) != 0;
		return;
	}
	if (f->display == BPFHOST_DISPLAY_IPV4) {
		inet_ntop(AF_INET, p, addr, sizeof(addr));
		sb_puts(scratch, addr);
		goto word;
	}
	if (f->type == BPFHOST_FIELD_INT) {
		v->kind = VALUE_INT;
		v->i = read_int(p, f->size);
	} else {
		v->kind = VALUE_UINT;
		v->u = read_uint(p, f->size);
	}
	switch (f->display) {
	case BPFHOST_DISPLAY_ERRNO:
		if (!v->u) {
			v->kind = VALUE_NULL;
			return;
		}
		/* Accept -ENOENT as well as ENOENT. */
		errnum = v->kind == VALUE_INT && v->i < 0 ? 0 - (uint64_t)v->i :
							     v->u;
		errname = errnum < 4096 ? strerrorname_np((int)errnum) : NULL;
		if (errname)
			sb_puts(scratch, errname);
		else
			sb_printf(scratch, "errno %" PRIu64, errnum);
		goto word;
	case BPFHOST_DISPLAY_FLAGS:
	case BPFHOST_DISPLAY_ENUM:
		names_value(f, v->u, scratch);
		goto word;
	default:
		return;
	}
word:
	v->kind = VALUE_WORD;
	v->str = sb_cstr(scratch);
	v->len = scratch->len;
}

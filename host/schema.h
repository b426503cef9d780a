/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Plugin-declared event schemas: checked once at load, then used to read
 * each field of a raw record as a typed value that every output renders.
 */
#ifndef BPFHOST_SCHEMA_H
#define BPFHOST_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfhost/plugin.h>

#include "strbuf.h"

/*
 * Check a plugin's declared options and event schemas: names are
 * [a-z0-9_]+, fields lie inside their struct with valid sizes, display hints
 * fit their types.  On error writes one sentence to why and returns false.
 */
bool schema_check_plugin(const struct bpfhost_plugin_ops *ops, char *why,
			 size_t whylen);

/* Smallest record that holds every field but a trailing STR/BYTES one. */
uint32_t schema_min_size(const struct bpfhost_event_schema *schema);

/* The event's BPFHOST_FIELD_SEVERITY field, or NULL. */
const struct bpfhost_field *
schema_severity_field(const struct bpfhost_event_schema *schema);

/*
 * The severity (0..7) a record of size bytes carries in its SEVERITY field
 * f, or -1 when the record is cut short of it or the value is out of range.
 */
int field_severity(const struct bpfhost_field *f, const void *record,
		   size_t size);

/* True for [a-z0-9_]+ */
bool schema_name_valid(const char *name);

enum value_kind {
	VALUE_NULL,	/* nothing to show: JSON null, text "-" */
	VALUE_UINT,
	VALUE_INT,
	VALUE_BOOL,
	VALUE_WORD,	/* text made by the host (a name, an address): safe */
	VALUE_STR,	/* bytes from the kernel: untrusted, must be escaped */
};

struct value {
	enum value_kind kind;
	union {
		uint64_t u;
		int64_t i;
		bool b;
	};
	const char *str;	/* WORD, STR */
	size_t len;
};

/*
 * Read field f of a record of size bytes.  WORD values are built in
 * scratch (reset first), which must outlive the value.
 */
void field_value(const struct bpfhost_field *f, const void *record,
		 size_t size, struct strbuf *scratch, struct value *v);

#endif

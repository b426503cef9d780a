/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Values rendered the same way by every formatter. */
#ifndef BPFHOST_FORMAT_VALUE_H
#define BPFHOST_FORMAT_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "../schema.h"
#include "../strbuf.h"

/* A UINT or INT as a plain decimal number. */
void format_number(struct strbuf *sb, const struct value *v);
/* As people read it: 0x1f for HEX, 1.5ms for DURATION_NS, else decimal. */
void format_number_for_people(struct strbuf *sb, const struct bpfhost_field *f,
			      const struct value *v);
/*
 * A value inside a key=value or delimited format (SD-PARAM, CEF, LEEF):
 * nothing for null, a number in decimal, true or false, a string through
 * escape (with controls, as the format's escape takes it).
 */
void format_pair_value(struct strbuf *sb, const struct value *v,
		       void (*escape)(struct strbuf *sb, const char *s,
				      size_t n, bool controls),
		       bool controls);
/*
 * Lossless strings: a STR value that is not valid UTF-8 shows with a
 * U+FFFD for each byte that is not, so two values may show alike; so may
 * a control character's #ooo (with controls) and the text "#ooo".  JSON,
 * SD-PARAM, CEF and LEEF then add a companion NAME_hex right after the
 * value: its exact bytes as hex_bytes() writes them.  (Text's \xNN escapes
 * are exact already.)  True when v needs one.
 */
bool value_needs_hex(const struct value *v, bool controls);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-record syslog severity: the record's own (a BPFHOST_FIELD_SEVERITY
 * field), else its event type's (ops->event_severities), else the output's
 * severity option.  Every format shows the same one.
 */
#ifndef BPFHOST_SEVERITY_H
#define BPFHOST_SEVERITY_H

#include <stddef.h>
#include <stdint.h>

#include <bpfhost/plugin.h>

/* The severity option's words, in code order (RFC 5424 section 6.2.1). */
#define SEVERITY_NAMES "emerg|alert|crit|err|warning|notice|info|debug"

/* The code (0..7) of a word of SEVERITY_NAMES; 6 (info) for any other. */
unsigned int severity_code(const char *name);

/* The word of a code 0..7. */
const char *severity_name(unsigned int sev);

/*
 * The severity (0..7) of a record of size bytes: the one it carries in its
 * SEVERITY field own (NULL: none), else its type's declared one
 * (BPFHOST_SEVERITY(n), 0: none), else def.
 */
unsigned int severity_of(uint8_t declared, const struct bpfhost_field *own,
			 const void *record, size_t size, unsigned int def);

/*
 * CEF's 0..10 scale, also LEEF's sev (1..10): emerg 10, alert 9, crit 8,
 * err 7, warning 6, notice 4, info 3, debug 1.
 */
unsigned int severity_to_cef(unsigned int sev);

#endif

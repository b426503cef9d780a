/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Numbers rendered the same way by every formatter. */
#ifndef BPFHOST_FORMAT_VALUE_H
#define BPFHOST_FORMAT_VALUE_H

#include "../schema.h"
#include "../strbuf.h"

/* A UINT or INT as a plain decimal number. */
void format_number(struct strbuf *sb, const struct value *v);
/* As people read it: 0x1f for HEX, 1.5ms for DURATION_NS, else decimal. */
void format_number_for_people(struct strbuf *sb, const struct bpfhost_field *f,
			      const struct value *v);

#endif

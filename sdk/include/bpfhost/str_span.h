/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a string lies in a record: the member a BPFHOST_FIELD_STR_SPAN field
 * describes.  Shared by the BPF side and the user side, like event.h.
 *
 * A record is its fixed struct followed by the string bytes its spans point
 * at, so it carries several strings of any length and is sent cut to what
 * it uses.  offset counts from the start of the record (header included);
 * the string is len bytes, up to the first NUL among them.  The host shows a
 * span that does not lie inside the record as null, and never reads past
 * the record.
 */
#ifndef BPFHOST_STR_SPAN_H
#define BPFHOST_STR_SPAN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct bpfhost_str_span {
	__u16 offset;
	__u16 len;
};

#endif /* BPFHOST_STR_SPAN_H */

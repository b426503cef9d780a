/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The header every ring buffer record starts with.  Shared by the BPF side
 * (compiled against vmlinux.h) and the user side (compiled against the UAPI
 * headers), so it uses only the kernel's fixed-width types.
 */
#ifndef BPFHOST_EVENT_H
#define BPFHOST_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct bpfhost_event_header {
	__u64 ts_boot_ns;	/* bpf_ktime_get_boot_ns(); 0 = host stamps it */
	__u32 type;		/* index into the plugin's event schema table */
	__u32 reserved;		/* must be zero */
};

/*
 * Syslog severities (RFC 5424 section 6.2.1), most severe first: the value
 * of a BPFHOST_FIELD_SEVERITY field, set on either side.
 */
enum bpfhost_severity {
	BPFHOST_SEV_EMERG = 0,
	BPFHOST_SEV_ALERT,
	BPFHOST_SEV_CRIT,
	BPFHOST_SEV_ERR,
	BPFHOST_SEV_WARNING,
	BPFHOST_SEV_NOTICE,
	BPFHOST_SEV_INFO,
	BPFHOST_SEV_DEBUG,
};

#endif /* BPFHOST_EVENT_H */

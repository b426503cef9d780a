/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* utsname: the event records, shared by the BPF and the user side. */
#ifndef UTSNAME_H
#define UTSNAME_H

#include <bpfhost/event.h>
#include <bpfhost/file_path.h>
#include <bpfhost/task_context.h>

#define UTSNAME_PATH_LEN BPFHOST_PATH_FILTER_LEN
#define UTSNAME_NAME_LEN BPFHOST_TASK_NODENAME_LEN

enum utsname_event_type {
	UTSNAME_EVENT_OPEN = 0,
	UTSNAME_EVENT_SETNAME,
	UTSNAME_EVENT_ENTER,
};

enum utsname_syscall {
	UTSNAME_SYS_SETHOSTNAME = 0,
	UTSNAME_SYS_SETDOMAINNAME,
	UTSNAME_SYS_CLONE,		/* fork, clone, clone3 */
	UTSNAME_SYS_UNSHARE,
	UTSNAME_SYS_SETNS,
};

/*
 * A watched path was opened (or an open of it failed).  Sent with the
 * strings paths points at after it.
 */
struct utsname_open_event {
	struct bpfhost_event_header hdr;
	struct bpfhost_task_context task;
	__s32 err;		/* positive errno, 0 on success */
	__u8 host_uts;		/* the opener is in the host UTS namespace */
	__u8 syscall;		/* enum bpfhost_open_route */
	__u8 compat;		/* through the ia32 syscall entry */
	__u8 pad;
	struct bpfhost_file_paths paths;
};

/* sethostname(2) or setdomainname(2), done or refused. */
struct utsname_setname_event {
	struct bpfhost_event_header hdr;
	struct bpfhost_task_context task;	/* after the call */
	__s32 err;
	__u8 syscall;		/* enum utsname_syscall */
	__u8 host_uts;
	__u8 compat;		/* through the ia32 syscall entry */
	__u8 pad;
	char old_name[UTSNAME_NAME_LEN];
	char new_name[UTSNAME_NAME_LEN];	/* the name asked for */
	__u8 pad2[6];
};

/* A task moved to another UTS namespace, or a child was born in a new one. */
struct utsname_enter_event {
	struct bpfhost_event_header hdr;
	struct bpfhost_task_context task;	/* caller, after the call */
	__u32 child_tid;	/* clone: the new task; else 0 */
	__u32 old_uts_ns;
	__u32 new_uts_ns;
	__u8 syscall;		/* enum utsname_syscall */
	__u8 host_uts;		/* the new namespace is the host's */
	__u8 compat;		/* through the ia32 syscall entry */
	__u8 pad;
	char old_nodename[UTSNAME_NAME_LEN];
	char new_nodename[UTSNAME_NAME_LEN];
	__u8 pad2[6];
};

#endif /* UTSNAME_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* execsnoop: the event record, shared by the BPF and the user side. */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

#include <bpfhost/event.h>

#define EXECSNOOP_COMM_LEN 16
#define EXECSNOOP_FILENAME_LEN 256
#define EXECSNOOP_ARGS_LEN 128		/* the head of argv, NULs as spaces */

enum execsnoop_event_type {
	EXECSNOOP_EVENT_EXEC = 0,
};

/* Fixed-width members only, no pointers: the layout is the same on both
 * sides, and the host checks it against this struct's BTF at load. */
struct execsnoop_exec_event {
	struct bpfhost_event_header hdr;
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 args_truncated;	/* argv was longer than args */
	char comm[EXECSNOOP_COMM_LEN];
	char filename[EXECSNOOP_FILENAME_LEN];
	char args[EXECSNOOP_ARGS_LEN];
};

#endif /* EXECSNOOP_H */

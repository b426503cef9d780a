/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* filesnoop: the event record, shared by the BPF and the user side. */
#ifndef FILESNOOP_H
#define FILESNOOP_H

#include <bpfhost/event.h>
#include <bpfhost/file_path.h>
#include <bpfhost/task_context.h>

#define FILESNOOP_COMM_LEN BPFHOST_TASK_COMM_LEN
#define FILESNOOP_FILTER_LEN BPFHOST_PATH_FILTER_LEN

enum filesnoop_event_type {
	FILESNOOP_EVENT_OPEN = 0,
};

/* Sent with the strings paths points at after it. */
struct filesnoop_open_event {
	struct bpfhost_event_header hdr;
	struct bpfhost_task_context task;	/* the opener's */
	__s32 fd;		/* -1 when the open failed; or a fixed slot */
	__s32 err;		/* positive errno, 0 on success */
	__u32 flags;		/* open(2) flags */
	__u32 mode;
	__u8 syscall;		/* enum bpfhost_open_route */
	__u8 compat;		/* through the ia32 syscall entry */
	__u8 fd_fixed;		/* fd is an io_uring fixed-file slot */
	__u8 severity;		/* enum bpfhost_severity */
	struct bpfhost_file_paths paths;
};

#endif /* FILESNOOP_H */

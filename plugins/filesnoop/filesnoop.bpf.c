// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * filesnoop, kernel side: every open(2), openat(2) and openat2(2).
 *
 * All at sys_exit, with the arguments read from the registers the syscall
 * entry saved (bpf/file_path.bpf.h says why that is sound): the filters
 * that need no path (pid, uid, comm, failed_only), then the cheap test of
 * the file's own name against exact path filters, then the path of the
 * file actually opened, the path filter on it, and one record.  An open
 * that a filter rejects never touches the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpfhost/bpf_event.h>
#include "file_path.bpf.h"
#include "filesnoop.h"

/*
 * Filters, set by the user side before load so the verifier prunes them;
 * the path filter's are file_path.bpf.h's.
 */
const volatile __u32 targ_pid = 0;
const volatile bool filter_uid = false;
const volatile __u32 targ_uid = 0;
const volatile bool filter_comm = false;
const volatile char targ_comm[FILESNOOP_COMM_LEN] = {};
const volatile bool failed_only = false;
/*
 * The host's own process: its opens are its start-up (reading tracefs while
 * other plugins attach) and its outputs, not what anyone asked to see.
 */
const volatile __u32 host_tgid = 0;

_Static_assert(FILESNOOP_SYS_OPEN == FILE_PATH_SYS_OPEN &&
		       FILESNOOP_SYS_OPENAT == FILE_PATH_SYS_OPENAT &&
		       FILESNOOP_SYS_OPENAT2 == FILE_PATH_SYS_OPENAT2,
	       "filesnoop's syscall numbering is file_path.bpf.h's");

FILE_PATH_EVENT_SCRATCH(event_scratch, struct filesnoop_open_event);

/*
 * 1 MiB: records are 100-200 bytes and drained every 20 ms or at a quarter
 * full; 512 KiB already lost nothing at 700k opens/s (bench/
 * event_throughput.sh), and every byte is resident twice in the host.
 */
BPFHOST_RINGBUF(events, 1 << 20);
BPFHOST_LOST_COUNTER(lost);

static __always_inline bool comm_matches(void)
{
	char comm[FILESNOOP_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < FILESNOOP_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * One program for the exits of open, openat and openat2 (the user side
 * attaches it to all three; ctx->nr says which ran): every program costs
 * its own pass of the verifier at start-up.  The filters that need no path
 * come first, so an open they reject costs a few loads.
 */
SEC("tp/syscalls/sys_exit_openat")
int exit_open_any(struct syscall_tp_exit *ctx)
{
	__typeof__(*event_scratch.value) *scratch;
	struct filesnoop_open_event *e;
	struct file_path_open o;
	__u64 id = bpf_get_current_pid_tgid();
	long ret = ctx->ret;
	__u32 zero = 0;
	int len;

	if ((id >> 32) == host_tgid || (targ_pid && (id >> 32) != targ_pid))
		return 0;
	if (filter_uid && (__u32)bpf_get_current_uid_gid() != targ_uid)
		return 0;
	if (filter_comm && !comm_matches())
		return 0;
	if (failed_only && ret >= 0)
		return 0;
	if (!file_path_open_begin(ret, &o))
		return 0;
	file_path_open_args(ctx->nr, &o, true);
	scratch = bpf_map_lookup_elem(&event_scratch, &zero);
	if (!scratch)
		return 0;
	e = &scratch->event;
	len = file_path_resolve(&e->paths, &scratch->strs, sizeof(*e), &o);
	if (len < 0)
		return 0;

	bpfhost_header_init(&e->hdr, FILESNOOP_EVENT_OPEN);
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->fd = ret >= 0 ? ret : -1;
	e->err = ret >= 0 ? 0 : -ret;
	e->flags = o.flags;
	e->mode = o.mode;
	e->syscall = o.syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpfhost_output(&events, &lost, e,
		       sizeof(*e) + (len & FILE_PATH_STR_START_MASK));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execsnoop, kernel side: one record per successful execve(2)/execveat(2),
 * from the sched_process_exec tracepoint, which fires once the new program
 * has replaced the old one (so comm is already the new name).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpfhost/bpf_event.h>
#include "execsnoop.h"

/* Filter, set by the user side before load so the verifier prunes it. */
const volatile bool filter_uid = false;
const volatile __u32 targ_uid = 0;

/* Records are built here, not on the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execsnoop_exec_event);
} scratch SEC(".maps");

BPFHOST_RINGBUF(events, 1 << 20);
BPFHOST_LOST_COUNTER(lost);

/* argv lies in the new program's memory as NUL-separated strings. */
static __always_inline void read_args(struct execsnoop_exec_event *e,
				      struct task_struct *task)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	unsigned long len = end > start ? end - start : 0;

	e->args_truncated = len > EXECSNOOP_ARGS_LEN - 1;
	if (e->args_truncated)
		len = EXECSNOOP_ARGS_LEN - 1;
	if (!len || bpf_probe_read_user(e->args, len, (void *)start)) {
		e->args[0] = '\0';
		return;
	}
	e->args[len] = '\0';
	/* "ls\0-l\0" reads as "ls -l": the last NUL ends the string. */
	for (unsigned int i = 0; i < EXECSNOOP_ARGS_LEN - 1 && i + 1 < len; i++)
		if (!e->args[i])
			e->args[i] = ' ';
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int filename_off = ctx->__data_loc_filename & 0xffff;
	struct execsnoop_exec_event *e;
	__u32 zero = 0, uid;

	uid = (__u32)bpf_get_current_uid_gid();
	if (filter_uid && uid != targ_uid)
		return 0;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	bpfhost_header_init(&e->hdr, EXECSNOOP_EVENT_EXEC);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = uid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* The path as the caller gave it, stored in the tracepoint record. */
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				  (void *)ctx + filename_off);
	read_args(e, task);
	bpfhost_output(&events, &lost, e, sizeof(*e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * filesnoop, kernel side: every open(2), openat(2) and openat2(2).
 *
 * The enter tracepoint applies the filters that do not need the result
 * (pid, uid, comm) and remembers the arguments per thread; the exit
 * tracepoint adds the result, resolves the path of the file actually opened
 * (bpf/file_path.bpf.h), matches the path filter against it, applies
 * failed_only and sends one record.  An open that a filter rejects never
 * touches the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpfhost/bpf_event.h>
#include "path_filter.bpf.h"
#include "file_path.bpf.h"
#include "filesnoop.h"

/* Filters, set by the user side before load so the verifier prunes them. */
const volatile __u32 targ_pid = 0;
const volatile bool filter_uid = false;
const volatile __u32 targ_uid = 0;
const volatile bool filter_comm = false;
const volatile char targ_comm[FILESNOOP_COMM_LEN] = {};
const volatile bool filter_path = false;
/* Every path filter is exact: test the file's own name before any walk. */
const volatile bool filter_names = false;
const volatile bool failed_only = false;

struct open_args {
	const char *filename;
	__s32 dirfd;
	__u32 flags;
	__u32 mode;
	__u8 syscall;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} pending SEC(".maps");

PATH_FILTER(path_filter, struct filesnoop_path_key, 1024);
FILE_PATH_NAMES(path_names, 1024);
FILE_PATH_EVENT_SCRATCH(event_scratch, struct filesnoop_open_event);

BPFHOST_RINGBUF(events, 4 << 20);
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

static __always_inline int trace_enter(int dirfd, const char *filename,
				       __u32 flags, __u32 mode, __u8 syscall)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct open_args args = {};

	if (targ_pid && (id >> 32) != targ_pid)
		return 0;
	if (filter_uid && (__u32)bpf_get_current_uid_gid() != targ_uid)
		return 0;
	if (filter_comm && !comm_matches())
		return 0;

	args.filename = filename;
	args.dirfd = dirfd;
	args.flags = flags;
	args.mode = mode;
	args.syscall = syscall;
	bpf_map_update_elem(&pending, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int trace_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0, len;
	__typeof__(*event_scratch.value) *scratch;
	struct file_path_filter flt = {
		.trie = filter_path ? &path_filter : NULL,
		.trie_key = &path_filter_key,
		.key_size = sizeof(((struct filesnoop_path_key *)0)->path),
		.names = filter_names ? &path_names : NULL,
	};
	struct filesnoop_open_event *e;
	struct open_args *args;

	args = bpf_map_lookup_elem(&pending, &tid);
	if (!args)
		return 0;
	if (failed_only && ret >= 0)
		goto cleanup;
	scratch = bpf_map_lookup_elem(&event_scratch, &zero);
	if (!scratch)
		goto cleanup;
	e = &scratch->event;
	if (!file_path_resolve(&e->paths, scratch->strs, sizeof(*e), &flt,
			       ret, args->dirfd, args->filename, &len))
		goto cleanup;

	bpfhost_header_init(&e->hdr, FILESNOOP_EVENT_OPEN);
	e->pid = id >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->fd = ret >= 0 ? ret : -1;
	e->err = ret >= 0 ? 0 : -ret;
	e->flags = args->flags;
	e->mode = args->mode;
	e->syscall = args->syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpfhost_output(&events, &lost, e, sizeof(*e) + len);
cleanup:
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return trace_enter(AT_FDCWD, (const char *)ctx->args[0], ctx->args[1],
			   ctx->args[2], FILESNOOP_SYS_OPEN);
}

SEC("tp/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return trace_enter(ctx->args[0], (const char *)ctx->args[1],
			   ctx->args[2], ctx->args[3], FILESNOOP_SYS_OPENAT);
}

SEC("tp/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return trace_enter(ctx->args[0], (const char *)ctx->args[1], how.flags,
			   how.mode, FILESNOOP_SYS_OPENAT2);
}

/*
 * One program for the exits of open, openat and openat2 (the user side
 * attaches it to all three): trace_exit() is the large part of this object,
 * and every program costs its own pass of the verifier at start-up.
 */
SEC("tp/syscalls/sys_exit_openat")
int exit_open_any(struct trace_event_raw_sys_exit *ctx)
{
	return trace_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

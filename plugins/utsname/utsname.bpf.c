// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * utsname, kernel side: which UTS namespace (container) opens a watched
 * path, and what happens to UTS namespaces: hostname and domainname changes,
 * tasks entering a new namespace.
 *
 * Opens are traced at sys_exit alone (bpf/file_path.bpf.h).  The name
 * changes and namespace switches need what only their enter can see (the
 * name or the namespace before the call): enter tracepoints filter and
 * remember that per thread; exit tracepoints add the result and send one
 * record.  A child
 * cloned into a new namespace is only reachable in task_newtask, which fires
 * in the parent with the child's task_struct, for fork, clone and clone3.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpfhost/bpf_event.h>
#include <bpfhost/task_context.bpf.h>
#include "file_path.bpf.h"
#include "utsname.h"

#define CLONE_NEWUTS 0x04000000	/* uapi/linux/sched.h: not in BTF */

/* Set by the user side before load. */
const volatile __u32 host_uts_ns = 0;	/* inode of /proc/1/ns/uts */
const volatile bool containers_only = false;

struct setname_args {
	char old_name[UTSNAME_NAME_LEN];
	char new_name[UTSNAME_NAME_LEN];
	__u8 syscall;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct setname_args);
} setname_pending SEC(".maps");

struct enter_args {
	__u32 uts_ns;
	__u8 syscall;
	char nodename[UTSNAME_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct enter_args);
} enter_pending SEC(".maps");

FILE_PATH_EVENT_SCRATCH(open_scratch, struct utsname_open_event);

/* Watched-path opens and namespace changes are few: 256 KiB holds ~1500. */
BPFHOST_RINGBUF(events, 256 << 10);
BPFHOST_LOST_COUNTER(lost);

/*
 * Records are built straight in the ring, so no map or signature names their
 * types: these put them in the object's BTF, where the host checks the
 * schemas against them.
 */
const struct utsname_open_event *const open_event_btf;
const struct utsname_setname_event *const setname_event_btf;
const struct utsname_enter_event *const enter_event_btf;

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline struct uts_namespace *current_uts(void)
{
	return bpfhost_task_uts_ns(bpfhost_current_task());
}

static __always_inline bool in_host_uts(struct uts_namespace *uts)
{
	return bpfhost_uts_ns_inum(uts) == host_uts_ns;
}

static __always_inline void *reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		bpfhost_count_lost(&lost);
	return e;
}

static __always_inline __s32 errno_of(long ret)
{
	return ret < 0 ? -ret : 0;
}

/* ---- opens of watched paths ------------------------------------------- */

/*
 * One program for the exits of open, openat and openat2 (the user side
 * attaches it to all three): every program costs its own pass of the
 * verifier at start-up.  The watched paths (exact, file_path.bpf.h's
 * filter) are matched against the path of the file opened; the arguments
 * come from the registers the syscall entry saved, so no enter program is
 * needed.
 */
SEC("tp/syscalls/sys_exit_openat")
int exit_open_any(struct syscall_tp_exit *ctx)
{
	__typeof__(*open_scratch.value) *scratch;
	struct utsname_open_event *e;
	struct file_path_open o;
	long ret = ctx->ret;
	__u32 zero = 0;
	int len;

	/* With containers_only off, no namespace is read here. */
	if (containers_only && in_host_uts(current_uts()))
		return 0;
	if (!file_path_open_begin(ret, &o))
		return 0;
	file_path_open_args(ctx->nr, &o, false);
	scratch = bpf_map_lookup_elem(&open_scratch, &zero);
	if (!scratch)
		return 0;
	e = &scratch->event;
	len = file_path_resolve(&e->paths, &scratch->strs, sizeof(*e), &o);
	if (len < 0)
		return 0;
	bpfhost_header_init(&e->hdr, UTSNAME_EVENT_OPEN);
	bpfhost_task_context_fill(&e->task);
	e->err = errno_of(ret);
	e->host_uts = e->task.uts_ns == host_uts_ns;
	bpfhost_output(&events, &lost, e,
		       sizeof(*e) + (len & FILE_PATH_STR_START_MASK));
	return 0;
}

/* ---- sethostname, setdomainname ---------------------------------------- */

static __always_inline void read_uts_name(struct uts_namespace *uts,
					  __u8 syscall, char *buf)
{
	if (syscall == UTSNAME_SYS_SETHOSTNAME)
		bpf_core_read_str(buf, UTSNAME_NAME_LEN, &uts->name.nodename);
	else
		bpf_core_read_str(buf, UTSNAME_NAME_LEN, &uts->name.domainname);
}

static __always_inline int setname_enter(const char *name, __u64 len,
					 __u8 syscall)
{
	struct uts_namespace *uts = current_uts();
	struct setname_args args = {};
	__u32 tid = current_tid();

	if (containers_only && in_host_uts(uts))
		return 0;
	args.syscall = syscall;
	read_uts_name(uts, syscall, args.old_name);
	/*
	 * The name asked for is not NUL-terminated; a longer one fails with
	 * EINVAL, and its first bytes still show what was tried.
	 */
	if (len > UTSNAME_NAME_LEN - 1)
		len = UTSNAME_NAME_LEN - 1;
	bpf_probe_read_user(args.new_name, len, name);
	bpf_map_update_elem(&setname_pending, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int setname_exit(long ret)
{
	__u32 tid = current_tid();
	struct utsname_setname_event *e;
	struct setname_args *args;

	args = bpf_map_lookup_elem(&setname_pending, &tid);
	if (!args)
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		goto cleanup;
	bpfhost_header_init(&e->hdr, UTSNAME_EVENT_SETNAME);
	bpfhost_task_context_fill(&e->task);
	e->err = errno_of(ret);
	e->syscall = args->syscall;
	e->host_uts = e->task.uts_ns == host_uts_ns;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	__builtin_memset(e->pad2, 0, sizeof(e->pad2));
	__builtin_memcpy(e->old_name, args->old_name, sizeof(e->old_name));
	/*
	 * After a success the kernel's copy is the truth: another thread may
	 * have rewritten the buffer since the enter read it.
	 */
	if (ret == 0)
		read_uts_name(current_uts(), args->syscall, e->new_name);
	else
		__builtin_memcpy(e->new_name, args->new_name,
				 sizeof(e->new_name));
	bpfhost_submit(&events, e);
cleanup:
	bpf_map_delete_elem(&setname_pending, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_sethostname")
int enter_sethostname(struct syscall_tp_enter *ctx)
{
	return setname_enter((const char *)ctx->args[0], ctx->args[1],
			     UTSNAME_SYS_SETHOSTNAME);
}

SEC("tp/syscalls/sys_enter_setdomainname")
int enter_setdomainname(struct syscall_tp_enter *ctx)
{
	return setname_enter((const char *)ctx->args[0], ctx->args[1],
			     UTSNAME_SYS_SETDOMAINNAME);
}

SEC("tp/syscalls/sys_exit_sethostname")
int exit_sethostname(struct syscall_tp_exit *ctx)
{
	return setname_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_setdomainname")
int exit_setdomainname(struct syscall_tp_exit *ctx)
{
	return setname_exit(ctx->ret);
}

/* ---- entering a UTS namespace ------------------------------------------ */

/*
 * Namespace switches are always reported, containers_only or not: one side
 * of every switch is a namespace other than the host's.
 */
static __always_inline void enter_event_fill(struct utsname_enter_event *e,
					     __u8 syscall)
{
	bpfhost_header_init(&e->hdr, UTSNAME_EVENT_ENTER);
	bpfhost_task_context_fill(&e->task);
	e->child_tid = 0;
	e->syscall = syscall;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	__builtin_memset(e->pad2, 0, sizeof(e->pad2));
}

static __always_inline int switch_enter(__u8 syscall)
{
	struct uts_namespace *uts = current_uts();
	struct enter_args args = {};
	__u32 tid = current_tid();

	args.uts_ns = bpfhost_uts_ns_inum(uts);
	args.syscall = syscall;
	bpfhost_uts_nodename(uts, args.nodename);
	bpf_map_update_elem(&enter_pending, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int switch_exit(long ret)
{
	__u32 tid = current_tid();
	struct utsname_enter_event *e;
	struct enter_args *args;
	__u32 now;

	args = bpf_map_lookup_elem(&enter_pending, &tid);
	if (!args)
		return 0;
	/* setns() may join the namespace the task is in already. */
	now = bpfhost_uts_ns_inum(current_uts());
	if (ret != 0 || now == args->uts_ns)
		goto cleanup;
	e = reserve(sizeof(*e));
	if (!e)
		goto cleanup;
	enter_event_fill(e, args->syscall);
	e->old_uts_ns = args->uts_ns;
	e->new_uts_ns = e->task.uts_ns;
	e->host_uts = e->new_uts_ns == host_uts_ns;
	__builtin_memcpy(e->old_nodename, args->nodename,
			 sizeof(e->old_nodename));
	__builtin_memcpy(e->new_nodename, e->task.nodename,
			 sizeof(e->new_nodename));
	bpfhost_submit(&events, e);
cleanup:
	bpf_map_delete_elem(&enter_pending, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_unshare")
int enter_unshare(struct syscall_tp_enter *ctx)
{
	if (!(ctx->args[0] & CLONE_NEWUTS))
		return 0;
	return switch_enter(UTSNAME_SYS_UNSHARE);
}

/* nstype 0 lets the fd decide; a pidfd may name several namespaces. */
SEC("tp/syscalls/sys_enter_setns")
int enter_setns(struct syscall_tp_enter *ctx)
{
	if (ctx->args[1] && !(ctx->args[1] & CLONE_NEWUTS))
		return 0;
	return switch_enter(UTSNAME_SYS_SETNS);
}

SEC("tp/syscalls/sys_exit_unshare")
int exit_unshare(struct syscall_tp_exit *ctx)
{
	return switch_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_setns")
int exit_setns(struct syscall_tp_exit *ctx)
{
	return switch_exit(ctx->ret);
}

/*
 * Runs in the parent once the child has its namespaces.  A raw tracepoint,
 * attached by name: a tp_btf program would have libbpf parse and search
 * the kernel's BTF at load for the tracepoint's type, and every read here
 * goes through CO-RE helpers anyway.
 */
SEC("raw_tp/task_newtask")
int BPF_PROG(on_newtask, struct task_struct *task, u64 clone_flags)
{
	struct utsname_enter_event *e;
	struct uts_namespace *uts;

	if (!(clone_flags & CLONE_NEWUTS))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	enter_event_fill(e, UTSNAME_SYS_CLONE);
	uts = bpfhost_task_uts_ns(task);
	e->child_tid = BPF_CORE_READ(task, pid);
	e->old_uts_ns = e->task.uts_ns;
	e->new_uts_ns = bpfhost_uts_ns_inum(uts);
	e->host_uts = e->new_uts_ns == host_uts_ns;
	__builtin_memcpy(e->old_nodename, e->task.nodename,
			 sizeof(e->old_nodename));
	bpfhost_uts_nodename(uts, e->new_nodename);
	bpfhost_submit(&events, e);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

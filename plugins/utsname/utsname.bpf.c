// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * utsname, kernel side: which UTS namespace (container) opens a watched
 * path, and what happens to UTS namespaces: hostname and domainname changes,
 * tasks entering a new namespace.
 *
 * Every route is covered as filesnoop covers it: syscalls at their exit
 * (bpf/open_syscall.bpf.h: the syscalls:* tracepoints, or raw_syscalls,
 * which also sees the ia32 entry; the user side loads one of the two
 * programs for each side), io_uring opens at their completion
 * (bpf/open_uring.bpf.h).  The name changes and namespace switches need
 * what only their enter can see (the name or the namespace before the
 * call): the enter remembers that per thread; the exit adds the result and
 * sends one record.  A call whose enter never ran (seccomp refused it, and
 * a refused syscall skips sys_enter) is still reported at its exit.  A
 * child cloned into a new namespace is only reachable in task_newtask,
 * which fires in the parent with the child's task_struct, for fork, clone
 * and clone3.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpfhost/bpf_event.h>
#include <bpfhost/task_context.bpf.h>
#include "file_path.bpf.h"
#include "open_uring.bpf.h"
#include "utsname.h"

#define CLONE_NEWUTS 0x04000000	/* uapi/linux/sched.h: not in BTF */

/* Set by the user side before load. */
/* The host's namespaces: the inodes of /proc/1/ns/{uts,pid,user} */
const volatile __u32 host_uts_ns = 0;
const volatile __u32 host_pid_ns = 0;
const volatile __u32 host_user_ns = 0;
const volatile bool containers_only = false;
/* The native syscall numbers, from the user side. */
const volatile long nr_sethostname = -1;
const volatile long nr_setdomainname = -1;
const volatile long nr_unshare = -1;
const volatile long nr_setns = -1;

struct setname_args {
	char old_name[UTSNAME_NAME_LEN];
	char new_name[UTSNAME_NAME_LEN];
	__u8 syscall;
	__u8 compat;
};

/*
 * Per thread, from enter to exit.  LRU: threads parked inside the call
 * (a FUSE-backed name buffer) push out the oldest, never fill the map; an
 * exit that finds nothing is still reported (setname_exit()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct setname_args);
} setname_pending SEC(".maps");

struct enter_args {
	__u32 uts_ns;
	__u8 syscall;
	__u8 compat;
	char nodename[UTSNAME_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
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

/*
 * containers_only leaves out only what is surely the host's: no container
 * named by the task's cgroups, and the host's UTS, pid and user namespaces
 * (a container whose cgroup path names no runtime still has its own).
 * The mount namespace is not asked: services have their own.
 */
static __always_inline bool surely_host(void)
{
	struct task_struct *task = bpfhost_current_task();

	return bpfhost_uts_ns_inum(bpfhost_task_uts_ns(task)) == host_uts_ns &&
	       bpfhost_task_pid_ns_vpid(task, NULL) == host_pid_ns &&
	       bpfhost_task_user_ns(task) == host_user_ns &&
	       !bpfhost_task_container(task, NULL);
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
 * The watched paths (exact, file_path.bpf.h's filter) are matched against
 * the path of the file opened.  The record is the opener's: the current
 * task's context, named as who (io_uring's submitter).
 */
static __always_inline int report_open(const struct open_opener *who,
				       struct file_path_open *o, bool compat)
{
	__typeof__(*open_scratch.value) *scratch;
	struct utsname_open_event *e;
	__u32 zero = 0;
	int len;

	scratch = bpf_map_lookup_elem(&open_scratch, &zero);
	if (!scratch)
		return 0;
	e = &scratch->event;
	len = file_path_resolve(&e->paths, &scratch->strs, sizeof(*e), o);
	if (len < 0)
		return 0;
	bpfhost_header_init(&e->hdr, UTSNAME_EVENT_OPEN);
	bpfhost_task_context_fill(&e->task);
	e->task.pid = who->pid;
	e->task.tid = who->tid;
	e->task.uid = who->uid;
	__builtin_memcpy(e->task.comm, who->comm, sizeof(e->task.comm));
	e->err = errno_of(o->ret);
	e->host_uts = e->task.uts_ns == host_uts_ns;
	e->syscall = o->syscall;
	e->compat = compat;
	e->pad = 0;
	bpfhost_output(&events, &lost, e,
		       sizeof(*e) + (len & FILE_PATH_STRS_LEN_MASK));
	return 0;
}

/* With containers_only off, no namespace is read here. */
static __always_inline bool opener_wanted(void)
{
	return !containers_only || !surely_host();
}

static __always_inline int open_exit(int route, bool compat, long ret)
{
	struct open_opener who;
	struct file_path_open o;

	if (!opener_wanted() || !file_path_open_begin(ret, &o))
		return 0;
	/* openat2's flags too: a watch on writes needs them */
	file_path_open_args(&o, route, compat, true);
	open_opener_current(&who);
	return report_open(&who, &o, compat);
}

/* An io_uring open: its completion, or its submit when none will come. */
static __always_inline void open_uring_report(struct open_uring_done *d)
{
	if (opener_wanted() && file_path_open_file(d->file, d->ret, &d->o,
						   false))
		report_open(&d->who, &d->o, false);
}

OPEN_URING_PROGRAMS

/* ---- sethostname, setdomainname ---------------------------------------- */

static __always_inline void read_uts_name(struct uts_namespace *uts,
					  __u8 syscall, char *buf)
{
	if (syscall == UTSNAME_SYS_SETHOSTNAME)
		bpf_core_read_str(buf, UTSNAME_NAME_LEN, &uts->name.nodename);
	else
		bpf_core_read_str(buf, UTSNAME_NAME_LEN, &uts->name.domainname);
}

/* The name asked for: not NUL-terminated; len bytes at most. */
static __always_inline void read_asked_name(char *buf, const char *name,
					    __u64 len)
{
	/*
	 * A longer one fails with EINVAL, and its first bytes still show
	 * what was tried.
	 */
	if (len > UTSNAME_NAME_LEN - 1)
		len = UTSNAME_NAME_LEN - 1;
	bpf_probe_read_user(buf, len, name);
}

static __always_inline int setname_enter(__u8 syscall, bool compat)
{
	struct syscall_regs *regs = syscall_user_regs();
	struct uts_namespace *uts = current_uts();
	struct setname_args args = {};
	__u32 tid = current_tid();

	if (containers_only && surely_host())
		return 0;
	args.syscall = syscall;
	args.compat = compat;
	read_uts_name(uts, syscall, args.old_name);
	read_asked_name(args.new_name,
			(const char *)syscall_arg(regs, 0, compat),
			syscall_arg(regs, 1, compat));
	bpf_map_update_elem(&setname_pending, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int setname_exit(__u8 syscall, bool compat, long ret)
{
	struct syscall_regs *regs;
	struct uts_namespace *uts = current_uts();
	__u32 tid = current_tid();
	struct utsname_setname_event *e;
	struct setname_args *args;

	args = bpf_map_lookup_elem(&setname_pending, &tid);
	if (!args && containers_only && surely_host())
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		goto cleanup;
	bpfhost_header_init(&e->hdr, UTSNAME_EVENT_SETNAME);
	bpfhost_task_context_fill(&e->task);
	e->err = errno_of(ret);
	e->syscall = syscall;
	e->compat = compat;
	e->host_uts = e->task.uts_ns == host_uts_ns;
	e->pad = 0;
	__builtin_memset(e->pad2, 0, sizeof(e->pad2));
	__builtin_memset(e->new_name, 0, sizeof(e->new_name));
	if (args) {
		__builtin_memcpy(e->old_name, args->old_name,
				 sizeof(e->old_name));
		__builtin_memcpy(e->new_name, args->new_name,
				 sizeof(e->new_name));
	} else {
		/*
		 * No enter (seccomp refused the call before it): a failed
		 * call changed nothing, so the name now is the name before;
		 * after a success the name before is not known.
		 */
		__builtin_memset(e->old_name, 0, sizeof(e->old_name));
		if (ret != 0)
			read_uts_name(uts, syscall, e->old_name);
		regs = syscall_user_regs();
		read_asked_name(e->new_name,
				(const char *)syscall_arg(regs, 0, compat),
				syscall_arg(regs, 1, compat));
	}
	/*
	 * After a success the kernel's copy is the truth: another thread may
	 * have rewritten the buffer since the enter read it.
	 */
	if (ret == 0)
		read_uts_name(uts, syscall, e->new_name);
	bpfhost_submit(&events, e);
cleanup:
	if (args)
		bpf_map_delete_elem(&setname_pending, &tid);
	return 0;
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
	e->compat = 0;
	e->pad = 0;
	__builtin_memset(e->pad2, 0, sizeof(e->pad2));
}

static __always_inline int switch_enter(__u8 syscall, bool compat)
{
	struct uts_namespace *uts = current_uts();
	struct enter_args args = {};
	__u32 tid = current_tid();

	args.uts_ns = bpfhost_uts_ns_inum(uts);
	args.syscall = syscall;
	args.compat = compat;
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
	e->compat = args->compat;
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

/* ---- the syscalls, one program for each side and each way in ----------- */

/* The native number of the UTS syscall nr of the ABI, or -1 for none. */
static __always_inline long uts_nr(long nr, bool compat)
{
#if SYSCALL_HAS_COMPAT
	if (compat) {
		switch (nr) {
		case SYSCALL32_SETHOSTNAME: return nr_sethostname;
		case SYSCALL32_SETDOMAINNAME: return nr_setdomainname;
		case SYSCALL32_UNSHARE: return nr_unshare;
		case SYSCALL32_SETNS: return nr_setns;
		default: return -1;
		}
	}
#endif
	if (nr == nr_sethostname || nr == nr_setdomainname ||
	    nr == nr_unshare || nr == nr_setns)
		return nr;
	return -1;
}

/* Does syscall nr name something here, in one ABI or the other? */
static __always_inline bool wanted_nr(long nr, bool opens)
{
	return uts_nr(nr, false) >= 0 || uts_nr(nr, true) >= 0 ||
	       (opens && (open_route_of(nr, false) >= 0 ||
			  open_route_of(nr, true) >= 0));
}

static __always_inline int on_sys_enter(long nr, bool compat)
{
	struct syscall_regs *regs;
	__u64 arg;

	nr = uts_nr(nr, compat);
	if (nr < 0)
		return 0;
	if (nr == nr_sethostname)
		return setname_enter(UTSNAME_SYS_SETHOSTNAME, compat);
	if (nr == nr_setdomainname)
		return setname_enter(UTSNAME_SYS_SETDOMAINNAME, compat);
	regs = syscall_user_regs();
	if (nr == nr_unshare) {
		if (!(syscall_arg(regs, 0, compat) & CLONE_NEWUTS))
			return 0;
		return switch_enter(UTSNAME_SYS_UNSHARE, compat);
	}
	/* nstype 0 lets the fd decide; a pidfd may name several namespaces. */
	arg = syscall_arg(regs, 1, compat);
	if (arg && !(arg & CLONE_NEWUTS))
		return 0;
	return switch_enter(UTSNAME_SYS_SETNS, compat);
}

static __always_inline int on_sys_exit(long nr, bool compat, long ret)
{
	int route = open_route_of(nr, compat);

	if (route >= 0)
		return open_exit(route, compat, ret);
	nr = uts_nr(nr, compat);
	if (nr < 0)
		return 0;
	if (nr == nr_sethostname)
		return setname_exit(UTSNAME_SYS_SETHOSTNAME, compat, ret);
	if (nr == nr_setdomainname)
		return setname_exit(UTSNAME_SYS_SETDOMAINNAME, compat, ret);
	return switch_exit(ret);
}

/* Attached to every syscalls:* enter and exit the plugin needs. */
SEC("tp/syscalls/sys_enter_sethostname")
int enter_tp(struct syscall_tp_enter *ctx)
{
	return on_sys_enter(ctx->nr, false);
}

SEC("tp/syscalls/sys_exit_openat")
int exit_tp(struct syscall_tp_exit *ctx)
{
	return on_sys_exit(ctx->nr, false, ctx->ret);
}

/* Every syscall's enter and exit, compat ones too. */
SEC("raw_tp/sys_enter")
int enter_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscall_event ev = syscall_enter_of_raw(ctx);

	if (!wanted_nr(ev.nr, false))
		return 0;
	return on_sys_enter(ev.nr, syscall_in_compat());
}

SEC("raw_tp/sys_exit")
int exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscall_event ev = syscall_exit_of_raw(ctx);

	if (!wanted_nr(ev.nr, true))
		return 0;
	return on_sys_exit(ev.nr, syscall_in_compat(), ev.ret);
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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * filesnoop, kernel side: every open, whichever way it is made: open(2),
 * openat(2), openat2(2), creat(2), open_by_handle_at(2), natively or
 * through the ia32 entry, and io_uring's IORING_OP_OPENAT and OPENAT2.
 *
 * Syscalls are traced at their exit (bpf/open_syscall.bpf.h: the
 * syscalls:* tracepoints, or raw_syscalls:sys_exit, which also sees compat
 * syscalls; the user side loads one of the two programs), io_uring opens at
 * their completion (bpf/open_uring.bpf.h).  Each then goes the same way:
 * the filters that need no path (pid, uid, comm, failed_only), the cheap
 * test of the file's own name against exact path filters, the path of the
 * file actually opened (bpf/file_path.bpf.h), the path filter on it, and
 * one record.  An open that a filter rejects never touches the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpfhost/bpf_event.h>
#include <bpfhost/task_context.bpf.h>
#include "file_path.bpf.h"
#include "open_uring.bpf.h"
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
/*
 * The host's own pid namespace (nsfs dev and inode) when it is not the
 * initial one: then host_tgid and targ_pid are pids of that namespace,
 * and an opener's pid is compared as that namespace sees it.
 */
const volatile __u64 host_pidns_dev = 0;
const volatile __u64 host_pidns_ino = 0;

FILE_PATH_EVENT_SCRATCH(event_scratch, struct filesnoop_open_event);

/*
 * 1 MiB: records are 100-200 bytes and drained every 20 ms or at a quarter
 * full; 512 KiB already lost nothing at 700k opens/s (bench/
 * event_throughput.sh), and every byte is resident twice in the host.
 */
BPFHOST_RINGBUF(events, 1 << 20);
BPFHOST_LOST_COUNTER(lost);

static __always_inline bool comm_matches(const char *comm)
{
	for (int i = 0; i < FILESNOOP_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * The current process's pid as the host's pid namespace sees it; 0 for
 * one it does not see (which no pid filter can name).
 */
static __always_inline __u32 pid_seen_by_host(__u32 global)
{
	struct bpf_pidns_info ns = {};

	if (!host_pidns_ino)
		return global;
	if (bpf_get_ns_current_pid_tgid(host_pidns_dev, host_pidns_ino, &ns,
					sizeof(ns)))
		return 0;
	return ns.tgid;
}

/* The filters that need no path. */
static __always_inline bool opener_wanted(const struct open_opener *who,
					  long ret)
{
	__u32 pid = pid_seen_by_host(who->pid);

	if ((pid && pid == host_tgid) || (targ_pid && pid != targ_pid))
		return false;
	if (filter_uid && who->uid != targ_uid)
		return false;
	if (filter_comm && !comm_matches(who->comm))
		return false;
	return !failed_only || ret < 0;
}

/*
 * A refused open (EPERM 1, EACCES 13, asm-generic/errno-base.h) is what an
 * analyst looks for; opens and other failures (ENOENT on every library
 * search path) are routine.
 */
static __always_inline __u8 open_severity(long ret)
{
	return ret == -1 || ret == -13 ? BPFHOST_SEV_NOTICE : BPFHOST_SEV_INFO;
}

/* The path of o, its path filter, and the record. */
static __always_inline int report(const struct open_opener *who,
				  struct file_path_open *o, __s32 fd,
				  bool compat, bool fixed)
{
	__typeof__(*event_scratch.value) *scratch;
	struct filesnoop_open_event *e;
	__u32 zero = 0;
	int len;

	scratch = bpf_map_lookup_elem(&event_scratch, &zero);
	if (!scratch)
		return 0;
	e = &scratch->event;
	len = file_path_resolve(&e->paths, &scratch->strs, sizeof(*e), o);
	if (len < 0)
		return 0;

	bpfhost_header_init(&e->hdr, FILESNOOP_EVENT_OPEN);
	bpfhost_task_context_fill(&e->task);
	e->task.pid = who->pid;
	e->task.tid = who->tid;
	e->task.uid = who->uid;
	__builtin_memcpy(e->task.comm, who->comm, sizeof(e->task.comm));
	e->fd = o->ret >= 0 ? fd : -1;
	e->err = o->ret >= 0 ? 0 : -o->ret;
	e->flags = o->flags;
	e->mode = o->mode;
	e->syscall = o->syscall;
	e->compat = compat;
	e->fd_fixed = fixed;
	e->severity = open_severity(o->ret);
	bpfhost_output(&events, &lost, e,
		       sizeof(*e) + (len & FILE_PATH_STRS_LEN_MASK));
	return 0;
}

/* The exit of syscall nr, an open or not. */
static __always_inline int on_sys_exit(long nr, bool compat, long ret)
{
	int route = open_route_of(nr, compat);
	struct open_opener who;
	struct file_path_open o;

	if (route < 0)
		return 0;
	/* The comm only when a filter or a record needs it: most opens don't. */
	open_opener_ids(&who);
	if (filter_comm)
		bpf_get_current_comm(who.comm, sizeof(who.comm));
	if (!opener_wanted(&who, ret) || !file_path_open_begin(ret, &o))
		return 0;
	if (!filter_comm)
		bpf_get_current_comm(who.comm, sizeof(who.comm));
	file_path_open_args(&o, route, compat, true);
	return report(&who, &o, ret, compat, false);
}

/*
 * Attached to the exits of every open syscall of the native ABI (ctx->nr
 * says which ran): one program, one verifier pass.
 */
SEC("tp/syscalls/sys_exit_openat")
int exit_tp(struct syscall_tp_exit *ctx)
{
	return on_sys_exit(ctx->nr, false, ctx->ret);
}

/* Every syscall's exit, compat ones too. */
SEC("raw_tp/sys_exit")
int exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscall_event ev = syscall_exit_of_raw(ctx);

	if (open_route_of(ev.nr, false) < 0 && open_route_of(ev.nr, true) < 0)
		return 0;
	return on_sys_exit(ev.nr, syscall_in_compat(), ev.ret);
}

/* An io_uring open: its completion, or its submit when none will come. */
static __always_inline void open_uring_report(struct open_uring_done *d)
{
	if (opener_wanted(&d->who, d->ret) &&
	    file_path_open_file(d->file, d->ret, &d->o, false))
		report(&d->who, &d->o, d->fd, false, d->fixed);
}

OPEN_URING_PROGRAMS

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which syscall is ending, and the arguments it ran with, for the programs
 * that trace syscalls at their exit (and enter): the native ABI's numbers
 * from the user side (BPFHOST_FILE_PATH_SETUP()), and on x86-64 the ia32
 * ABI's, which a 64-bit task reaches with int $0x80 and a 32-bit binary
 * with every call.
 *
 * Two ways in, one handler.  The syscalls:* tracepoints cost nothing to
 * an unrelated syscall but never fire for a compat one (x86's
 * trace_get_syscall_nr() answers -1 for them); the raw_syscalls:sys_enter
 * and sys_exit raw tracepoints fire for every syscall of every ABI,
 * seccomp-denied ones included (at exit), and cost a program run to each.
 * A plugin attaches one or the other (its compat option) and hands both to
 * the same code: syscall_exit_of_raw() gives what a syscalls:* exit record
 * gives; syscall_in_compat() tells the ABI, asked only for a number that
 * names something the plugin wants in either ABI.
 *
 * The arguments are read from the user registers the syscall entry saved:
 * they still hold what the syscall ran with (bpf/file_path.bpf.h says why
 * that is sound).  A compat syscall's are ebx, ecx, edx, esi, edi, zero
 * extended.
 *
 * Include after vmlinux.h, <bpf/bpf_helpers.h>, <bpf/bpf_core_read.h> and
 * <bpf/bpf_tracing.h>.
 */
#ifndef BPFHOST_OPEN_SYSCALL_BPF_H
#define BPFHOST_OPEN_SYSCALL_BPF_H

#include <bpfhost/file_path.h>
#include "syscall_tp.bpf.h"

/* The native syscall numbers of this architecture; -1 for none. */
const volatile long open_nr_open = -1;
const volatile long open_nr_openat = -1;
const volatile long open_nr_openat2 = -1;
const volatile long open_nr_creat = -1;
const volatile long open_nr_open_by_handle_at = -1;

#if defined(__TARGET_ARCH_x86)
/* arch/x86/entry/syscalls/syscall_32.tbl: a fixed ABI. */
#define SYSCALL32_OPEN 5
#define SYSCALL32_CREAT 8
#define SYSCALL32_SETHOSTNAME 74
#define SYSCALL32_SETDOMAINNAME 121
#define SYSCALL32_OPENAT 295
#define SYSCALL32_UNSHARE 310
#define SYSCALL32_OPEN_BY_HANDLE_AT 342
#define SYSCALL32_SETNS 346
#define SYSCALL32_OPENAT2 437
/* arch/x86/include/asm/thread_info.h: set from the ia32 entry to its exit */
#define SYSCALL_TS_COMPAT 0x0002

/*
 * The user register frame of x86-64, read at fixed offsets, with no CO-RE
 * relocation: the kernel's struct pt_regs begins with the layout of the
 * ptrace ABI's struct user_regs_struct (getreg() and putreg() in
 * arch/x86/kernel/ptrace.c index it with that struct's offsets).  The
 * verifier still checks every load against the kernel's own pt_regs.
 */
struct syscall_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	__u64 ax, cx, dx, si, di, orig_ax;
};

static __always_inline __u64 syscall_arg(struct syscall_regs *regs, int i,
					 bool compat)
{
	if (compat) {
		switch (i) {
		case 0: return (__u32)regs->bx;
		case 1: return (__u32)regs->cx;
		case 2: return (__u32)regs->dx;
		default: return (__u32)regs->si;
		}
	}
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	default: return regs->r10;
	}
}

/*
 * Is the syscall the current task is in a compat (ia32) one?  Read only for
 * a number that means something to the caller in either ABI: a compat
 * syscall numbered like a native open is not one.
 */
static __always_inline bool syscall_in_compat(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, thread_info.status) & SYSCALL_TS_COMPAT;
}

#define SYSCALL_HAS_COMPAT 1
#else
/* Elsewhere libbpf's CO-RE macros know each architecture's frame. */
#define syscall_regs pt_regs

static __always_inline __u64 syscall_arg(struct pt_regs *regs, int i,
					 bool compat)
{
	switch (i) {
	case 0: return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 1: return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 2: return PT_REGS_PARM3_CORE_SYSCALL(regs);
	default: return PT_REGS_PARM4_CORE_SYSCALL(regs);
	}
}

static __always_inline bool syscall_in_compat(void)
{
	return false;
}

#define SYSCALL_HAS_COMPAT 0
#endif

/* The registers the current task's syscall entry saved. */
static __always_inline struct syscall_regs *syscall_user_regs(void)
{
	return (struct syscall_regs *)bpf_task_pt_regs(
		bpf_get_current_task_btf());
}

/*
 * What a raw_syscalls:sys_exit (args: regs, ret) or sys_enter (args: regs,
 * nr) raw tracepoint says, as a syscalls:* record would; the ABI is the
 * caller's to ask (syscall_in_compat()) once the number matters.
 */
struct syscall_event {
	long nr;
	long ret;		/* exit only */
};

static __always_inline struct syscall_event
syscall_exit_of_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscall_event ev = { .nr = -1, .ret = ctx->args[1] };
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	bpf_probe_read_kernel(&ev.nr, sizeof(ev.nr),
			      (void *)regs + __builtin_offsetof(struct syscall_regs,
								orig_ax));
	return ev;
}

static __always_inline struct syscall_event
syscall_enter_of_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscall_event ev = { .nr = ctx->args[1] };

	return ev;
}

/*
 * Which open a syscall is (enum bpfhost_open_route), or -1 for none.
 * open_route_of(nr, false) and (nr, true) both -1: no open in either ABI.
 */
static __always_inline int open_route_of(long nr, bool compat)
{
#if SYSCALL_HAS_COMPAT
	if (compat) {
		switch (nr) {
		case SYSCALL32_OPEN: return BPFHOST_OPEN_OPEN;
		case SYSCALL32_OPENAT: return BPFHOST_OPEN_OPENAT;
		case SYSCALL32_OPENAT2: return BPFHOST_OPEN_OPENAT2;
		case SYSCALL32_CREAT: return BPFHOST_OPEN_CREAT;
		case SYSCALL32_OPEN_BY_HANDLE_AT: return BPFHOST_OPEN_BY_HANDLE_AT;
		default: return -1;
		}
	}
#endif
	if (nr == open_nr_openat)
		return BPFHOST_OPEN_OPENAT;
	if (nr == open_nr_open)
		return BPFHOST_OPEN_OPEN;
	if (nr == open_nr_openat2)
		return BPFHOST_OPEN_OPENAT2;
	if (nr == open_nr_creat)
		return BPFHOST_OPEN_CREAT;
	if (nr == open_nr_open_by_handle_at)
		return BPFHOST_OPEN_BY_HANDLE_AT;
	return -1;
}

#endif /* BPFHOST_OPEN_SYSCALL_BPF_H */

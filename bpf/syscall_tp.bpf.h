/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records a program on a syscalls:sys_enter_* or sys_exit_* tracepoint
 * gets as its context.
 *
 * Declared here, not taken from vmlinux.h (struct syscall_trace_exit,
 * trace_event_raw_sys_enter...): vmlinux.h's types carry CO-RE relocations,
 * and libbpf reading the kernel BTF itself (not bpfhost's subset, see
 * host/kernel_types.h) searches all of it (over 100k types) once for every
 * relocated type at every load, about a millisecond each.  These records
 * need no relocation: their layout is the events' format, which tools
 * reading the trace buffer depend on (see
 * /sys/kernel/tracing/events/syscalls/sys_exit_openat/format): the common
 * fields (struct trace_entry, 8 bytes), the syscall number as an int at 8,
 * then from 16 the return value, or each argument as an unsigned long.
 * Both have been so since the syscall events appeared (2.6.33).
 *
 * Include after vmlinux.h.
 */
#ifndef BPFHOST_SYSCALL_TP_BPF_H
#define BPFHOST_SYSCALL_TP_BPF_H

struct syscall_tp_enter {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

struct syscall_tp_exit {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

#endif /* BPFHOST_SYSCALL_TP_BPF_H */

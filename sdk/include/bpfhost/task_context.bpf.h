/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side of the task context: one call fills struct bpfhost_task_context
 * for the current task.
 *
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.  Kernel structures are
 * read only through CO-RE (BPF_CORE_READ, bpf_core_read_str), and only with
 * helpers that exist since 5.8, so one object loads on every kernel with BTF
 * from 5.8 on.  Every field used here (nsproxy, ns_common.inum, thread_pid,
 * pid.numbers, new_utsname) has kept its name since before 5.8; CO-RE moves
 * the offsets.
 *
 * Pointers read from the kernel may be NULL (an exiting task has no
 * nsproxy): a read through them fails, the helper zeroes its destination,
 * and the field reads 0 or "".
 */
#ifndef BPFHOST_TASK_CONTEXT_BPF_H
#define BPFHOST_TASK_CONTEXT_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpfhost/task_context.h>

static __always_inline struct task_struct *bpfhost_current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline struct uts_namespace *
bpfhost_task_uts_ns(struct task_struct *task)
{
	return BPF_CORE_READ(task, nsproxy, uts_ns);
}

/* The inode number /proc/PID/ns/uts shows for this namespace. */
static __always_inline __u32 bpfhost_uts_ns_inum(struct uts_namespace *uts)
{
	return BPF_CORE_READ(uts, ns.inum);
}

/* Copy the namespace's hostname into buf[BPFHOST_TASK_NODENAME_LEN]. */
static __always_inline void bpfhost_uts_nodename(struct uts_namespace *uts,
						 char *buf)
{
	bpf_core_read_str(buf, BPFHOST_TASK_NODENAME_LEN,
			  &uts->name.nodename);
}

/*
 * The pid namespace the task's own pid was allocated in, which is not
 * nsproxy->pid_ns_for_children after an unshare(CLONE_NEWPID): that of
 * pid->numbers[pid->level].  The element's size and its ns's offset come
 * from relocations against struct pid: libbpf reading the kernel's BTF
 * itself (on a host that does not hand it a subset) searches it once per
 * relocated type at every load, and struct upid needs none then.
 */
static __always_inline __u32 bpfhost_task_pid_ns(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct pid_namespace *ns = NULL;

	bpf_probe_read_kernel(&ns, sizeof(ns),
			      (void *)pid +
			      bpf_core_field_offset(struct pid, numbers[0].ns) +
			      level * bpf_core_field_size(struct pid, numbers[0]));
	return BPF_CORE_READ(ns, ns.inum);
}

/* Fill *tc for the task running now. */
static __always_inline void
bpfhost_task_context_fill(struct bpfhost_task_context *tc)
{
	struct task_struct *task = bpfhost_current_task();
	struct nsproxy *nsproxy = BPF_CORE_READ(task, nsproxy);
	struct uts_namespace *uts = BPF_CORE_READ(nsproxy, uts_ns);
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ugid = bpf_get_current_uid_gid();

	tc->pid = id >> 32;
	tc->tid = (__u32)id;
	tc->ppid = BPF_CORE_READ(task, real_parent, tgid);
	tc->uid = (__u32)ugid;
	tc->gid = ugid >> 32;
	tc->mnt_ns = BPF_CORE_READ(nsproxy, mnt_ns, ns.inum);
	tc->pid_ns = bpfhost_task_pid_ns(task);
	tc->net_ns = BPF_CORE_READ(nsproxy, net_ns, ns.inum);
	tc->uts_ns = bpfhost_uts_ns_inum(uts);
	tc->reserved = 0;
	tc->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(tc->comm, sizeof(tc->comm));
	bpfhost_uts_nodename(uts, tc->nodename);
	__builtin_memset(tc->pad, 0, sizeof(tc->pad));
}

#endif /* BPFHOST_TASK_CONTEXT_BPF_H */

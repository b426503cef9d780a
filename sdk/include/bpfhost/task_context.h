/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who did it: the task context a plugin embeds in its event records.  Filled
 * on the BPF side by bpfhost_task_context_fill() (task_context.bpf.h) and
 * described to the host by BPFHOST_TASK_FIELDS() (task_fields.h), so every
 * plugin reports the same fields under the same names.
 *
 * Shared by the BPF side (vmlinux.h) and the user side (UAPI headers): plain
 * fixed-width members, no pointers, no implicit padding.
 */
#ifndef BPFHOST_TASK_CONTEXT_H
#define BPFHOST_TASK_CONTEXT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define BPFHOST_TASK_COMM_LEN 16	/* TASK_COMM_LEN */
#define BPFHOST_TASK_NODENAME_LEN 65	/* __NEW_UTS_LEN + 1 */
#define BPFHOST_CONTAINER_ID_LEN 65	/* 64 characters and a NUL */
#define BPFHOST_POD_UID_LEN 37		/* a UUID and a NUL */

/* The runtime a container's cgroup path names (container_id.h). */
enum bpfhost_container_runtime {
	BPFHOST_RUNTIME_NONE = 0,	/* not in a container the path names */
	BPFHOST_RUNTIME_DOCKER,
	BPFHOST_RUNTIME_PODMAN,
	BPFHOST_RUNTIME_CONTAINERD,
	BPFHOST_RUNTIME_CRIO,
	BPFHOST_RUNTIME_NSPAWN,
	BPFHOST_RUNTIME_LXC,
	BPFHOST_RUNTIME_CRI,	/* a Kubernetes pod's, runtime not named */
};

/*
 * The container a task's cgroup path names: the outermost component that
 * names one, in the cgroup v2 hierarchy first, then the v1 hierarchies of
 * the memory, pids and cpu controllers.  All zero outside any container.
 */
struct bpfhost_container {
	/*
	 * The uid owning that cgroup's directory: 0 when root made it; a
	 * user's uid for a cgroup that user made or was delegated (rootless
	 * runtimes), whose name that user chose freely.
	 */
	__u32 owner;
	__u8 runtime;		/* enum bpfhost_container_runtime */
	char id[BPFHOST_CONTAINER_ID_LEN];
	char pod_uid[BPFHOST_POD_UID_LEN];	/* Kubernetes pod, else "" */
	__u8 pad;		/* zero */
};

/*
 * Ids are as the initial pid and user namespaces see them, whatever
 * namespace the task runs in, but vpid, which is the task's pid in its own
 * pid namespace (what ps shows inside a container).  Namespaces are named
 * by the inode number that /proc/PID/ns/{mnt,pid,net,uts,user} shows; 0
 * means the task had none (it was exiting).  cgroup_id is the cgroup v2 id
 * (the inode number of the cgroup's directory), 0 without cgroup v2.
 */
struct bpfhost_task_context {
	__u32 pid;		/* thread group id */
	__u32 tid;
	__u32 ppid;		/* real parent's thread group id */
	__u32 uid;
	__u32 gid;
	__u32 vpid;		/* pid in pid_ns */
	__u32 mnt_ns;
	__u32 pid_ns;		/* the namespace the task's pid lives in */
	__u32 net_ns;
	__u32 uts_ns;
	__u32 user_ns;
	struct bpfhost_container container;
	__u64 cgroup_id;
	char comm[BPFHOST_TASK_COMM_LEN];
	char nodename[BPFHOST_TASK_NODENAME_LEN];	/* of the uts_ns */
	__u8 pad[7];		/* zero */
};

#endif /* BPFHOST_TASK_CONTEXT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side of the task context: one call fills struct bpfhost_task_context
 * for the current task.
 *
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.  Kernel structures are
 * read through CO-RE: plain loads from the current task, typed by
 * bpf_get_current_task_btf() (5.11), elsewhere BPF_CORE_READ; the matcher
 * runs in bpf_loop() (5.17).  So one object loads on every kernel with BTF
 * from 5.17 on; CO-RE moves the offsets.
 *
 * Pointers read from the kernel may be NULL (an exiting task has no
 * nsproxy): a read through them fails, the load or helper gives 0, and the
 * field reads 0 or "".
 *
 * The container is read from the names of the task's cgroup and its
 * ancestors (container_id.h) through cgroup->ancestors[], which kernels
 * have had since 6.0; on older ones every task reads as in no container.
 * What a cgroup names is kept in an LRU map keyed by the cgroup's serial
 * number: the walk runs once per cgroup, not once per event.
 */
#ifndef BPFHOST_TASK_CONTEXT_BPF_H
#define BPFHOST_TASK_CONTEXT_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpfhost/container_id.h>
#include <bpfhost/task_context.h>

/*
 * The task running now, typed by the kernel's BTF: the verifier lets the
 * fields reached from it be read with plain loads (a fault reads 0), each
 * a few cycles, where bpf_probe_read_kernel() costs a helper call.
 */
static __always_inline struct task_struct *bpfhost_current_task(void)
{
	return bpf_get_current_task_btf();
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
 * The task's process id in its own pid namespace (*vpid), and that
 * namespace, which is not nsproxy->pid_ns_for_children after an
 * unshare(CLONE_NEWPID): both from the leader's pid->numbers[pid->level].
 * Its threads' pids live in the same namespace.  The element's size and
 * offsets come from relocations against struct pid: libbpf reading the
 * kernel's BTF itself (on a host that does not hand it a subset) searches
 * it once per relocated type at every load, and struct upid needs none
 * then.  task is the current one (bpfhost_current_task()).
 */
static __always_inline __u32 bpfhost_task_pid_ns_vpid(struct task_struct *task,
						      __u32 *vpid)
{
	struct pid *pid = task->group_leader->thread_pid;
	unsigned long at = (unsigned long)pid +
		pid->level * bpf_core_field_size(struct pid, numbers[0]);
	struct pid_namespace *ns = NULL;
	int nr = 0;

	bpf_probe_read_kernel(&nr, sizeof(nr), (void *)at +
			      bpf_core_field_offset(struct pid, numbers[0].nr));
	bpf_probe_read_kernel(&ns, sizeof(ns), (void *)at +
			      bpf_core_field_offset(struct pid, numbers[0].ns));
	if (vpid)
		*vpid = nr;
	return BPF_CORE_READ(ns, ns.inum);
}

/* cgroup->ancestors[], under a name that compiles against any vmlinux.h. */
struct cgroup___bpfhost {
	struct cgroup *ancestors[0];
} __attribute__((preserve_access_index));

/*
 * What a cgroup's path names, by the cgroup's serial number, which no other
 * cgroup ever gets (not even after its hierarchy is unmounted).  kn is the
 * kernfs node of the component that named the container (else the
 * cgroup's own), name that node's name when walked: a cgroup v1 rename
 * replaces the name, and the entry is walked again.
 */
struct bpfhost_cgroup_seen {
	__u64 kn;
	__u64 name;
	struct bpfhost_container container;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct bpfhost_cgroup_seen);
} bpfhost_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfhost_cgroup_walk);
} bpfhost_cgroup_walk SEC(".maps");

/* The uid owning a kernfs node: root unless its attributes say otherwise. */
static __always_inline __u32 bpfhost_kernfs_owner(struct kernfs_node *kn)
{
	struct kernfs_iattrs *attrs = BPF_CORE_READ(kn, iattr);

	return attrs ? BPF_CORE_READ(attrs, ia_uid.val) : 0;
}

/*
 * Walk cgrp's path from the root down: the container it names, if any,
 * into w->found (or the pod it lies in), and into *seen the node that
 * named it.  A path deeper than the walk reads, with no container in the
 * part read, names one of unknown id: what lies below may be a container's.
 */
static __always_inline void
bpfhost_cgroup_walk_down(struct cgroup *cgrp, int level,
			 struct bpfhost_cgroup_walk *w,
			 struct bpfhost_cgroup_seen *seen)
{
	struct cgroup___bpfhost *c = (void *)cgrp;
	struct kernfs_node *kn;
	struct cgroup *anc;
	long len;

	__builtin_memset(&w->found, 0, sizeof(w->found));
	w->parent_tags = 0;
	w->ancestor_tags = 0;
	if (!bpf_core_field_exists(c->ancestors))
		return;
	for (int i = 1; i <= BPFHOST_CGROUP_DEPTH_MAX && i <= level; i++) {
		anc = NULL;
		bpf_probe_read_kernel(&anc, sizeof(anc), &c->ancestors[i]);
		kn = BPF_CORE_READ(anc, kn);
		len = bpf_probe_read_kernel_str(w->name, sizeof(w->name),
						BPF_CORE_READ(kn, name));
		if (len <= 0)
			break;
		w->len = len - 1;
		if (bpfhost_cgroup_component(w)) {
			seen->kn = (__u64)kn;
			seen->name = (__u64)BPF_CORE_READ(kn, name);
			return;
		}
	}
	if (level > BPFHOST_CGROUP_DEPTH_MAX)
		w->found.runtime = BPFHOST_RUNTIME_UNKNOWN;
}

/*
 * Does cgrp's path name a container?  Which one into *out when out is not
 * NULL, or only the pod when it names a pod but no container and *out has
 * none yet.  A root cgroup names none: every task of a hierarchy without
 * containers is there.  A global function: it runs for the v2 cgroup and
 * for each v1 hierarchy's, and the verifier checks it once, not once per
 * call (the cgroup passes as a number: a global function's pointers are
 * to memory it may write).
 */
__attribute__((noinline)) int
bpfhost_cgroup_container(__u64 cgroup, struct bpfhost_container *out)
{
	struct cgroup *cgrp = (struct cgroup *)cgroup;
	struct kernfs_node *kn = BPF_CORE_READ(cgrp, kn);
	int level = BPF_CORE_READ(cgrp, level);
	struct bpfhost_cgroup_seen *seen, fresh = {};
	struct bpfhost_cgroup_walk *w;
	struct kernfs_node *named;
	__u32 zero = 0;
	__u64 key;

	if (!kn || level <= 0)
		return false;
	key = BPF_CORE_READ(cgrp, self.serial_nr);
	seen = bpf_map_lookup_elem(&bpfhost_cgroups, &key);
	if (seen) {
		/* the node's pointer as data: not a relocation of seen */
		named = (struct kernfs_node *)seen->kn;
		if ((__u64)BPF_CORE_READ(named, name) != seen->name)
			seen = NULL;
	}
	if (!seen) {
		w = bpf_map_lookup_elem(&bpfhost_cgroup_walk, &zero);
		if (!w)
			return false;
		fresh.kn = (__u64)kn;
		fresh.name = (__u64)BPF_CORE_READ(kn, name);
		bpfhost_cgroup_walk_down(cgrp, level, w, &fresh);
		fresh.container = w->found;
		bpf_map_update_elem(&bpfhost_cgroups, &key, &fresh, BPF_ANY);
		seen = &fresh;
	}
	if (seen->container.runtime == BPFHOST_RUNTIME_NONE) {
		if (out && seen->container.pod_uid[0] && !out->pod_uid[0])
			*out = seen->container;
		return false;
	}
	if (out) {
		*out = seen->container;
		/* read now: a chown after the walk changes it */
		named = (struct kernfs_node *)seen->kn;
		out->owner = bpfhost_kernfs_owner(named);
	}
	return true;
}

/*
 * A pointer the verifier types (from the task's BTF) as the number a
 * global function's argument must be: the verifier refuses the cast.
 */
static __always_inline __u64 bpfhost_pointer_value(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* The controllers vmlinux.h knows; more on a newer kernel go unread. */
#define BPFHOST_CGROUP_SUBSYS                                                  \
	(sizeof(((struct css_set *)0)->subsys) /                               \
	 sizeof(((struct css_set *)0)->subsys[0]))

/*
 * A cgroup v1 hierarchy without controllers (name=systemd): reached only
 * through the task's list of cgroup links, read when nothing else named a
 * container.  At most this many links are read.
 */
#define BPFHOST_CGROUP_LINKS_MAX 16

static __always_inline bool
bpfhost_cgroup_named_v1(struct css_set *cset, struct bpfhost_container *c)
{
	__u64 head = (__u64)cset + bpf_core_field_offset(struct css_set,
							 cgrp_links);
	__u64 at = 0;
	struct cgroup *cgrp;
	struct cgroup_root *root;

	bpf_probe_read_kernel(&at, sizeof(at), (void *)head);
	for (int i = 0; i < BPFHOST_CGROUP_LINKS_MAX && at && at != head;
	     i++) {
		/* a css_set's links are chained through their cgrp_link */
		cgrp = BPF_CORE_READ(
			(struct cgrp_cset_link *)(at - bpf_core_field_offset(
				struct cgrp_cset_link, cgrp_link)), cgrp);
		root = BPF_CORE_READ(cgrp, root);
		if (!BPF_CORE_READ(root, subsys_mask) &&
		    BPF_CORE_READ(root, hierarchy_id) &&
		    bpfhost_cgroup_container((__u64)cgrp, c))
			return true;
		/* cgrp_link.next */
		bpf_probe_read_kernel(&at, sizeof(at), (void *)at);
	}
	return false;
}

/*
 * Does a v1 hierarchy's cgroup name a container?  Controllers on the v2
 * hierarchy (0) are its; controllers mounted together share one cgroup
 * (*last); a root cgroup names nothing.
 */
static __always_inline bool bpfhost_cgroup_v1(struct cgroup *cgrp,
					      struct cgroup **last,
					      struct bpfhost_container *c)
{
	if (!cgrp || cgrp == *last || !cgrp->root->hierarchy_id ||
	    cgrp->level <= 0)
		return false;
	*last = cgrp;
	return bpfhost_cgroup_container(bpfhost_pointer_value(cgrp), c);
}

/*
 * Is the task in a container, by its v2 cgroup first, then by its cgroup in
 * each v1 hierarchy: of every controller, then without one?  Which one into
 * *c, when c is not NULL (all zero if none).
 */
static __always_inline bool
bpfhost_task_container(struct task_struct *task, struct bpfhost_container *c)
{
	struct css_set *cset = task->cgroups;
	__u32 nsubsys = bpf_core_enum_value(enum cgroup_subsys_id,
					    CGROUP_SUBSYS_COUNT);
	struct cgroup *last = NULL;

	if (c)
		__builtin_memset(c, 0, sizeof(*c));
	if (bpfhost_cgroup_container(bpfhost_pointer_value(cset->dfl_cgrp), c))
		return true;
#pragma unroll
	for (__u32 i = 0; i < BPFHOST_CGROUP_SUBSYS; i++)
		if (i < nsubsys &&
		    bpfhost_cgroup_v1(cset->subsys[i]->cgroup, &last, c))
			return true;
	return bpfhost_cgroup_named_v1(cset, c);
}

/* The inode /proc/PID/ns/user shows for the task's user namespace. */
static __always_inline __u32 bpfhost_task_user_ns(struct task_struct *task)
{
	/* real_cred: what /proc/PID/ns/user shows, whatever io_uring or an
	 * override_creds() has put in cred for the moment */
	return task->real_cred->user_ns->ns.inum;
}

/* Fill *tc for the task running now. */
static __always_inline void
bpfhost_task_context_fill(struct bpfhost_task_context *tc)
{
	struct task_struct *task = bpfhost_current_task();
	struct nsproxy *nsproxy = task->nsproxy;
	struct uts_namespace *uts = nsproxy->uts_ns;
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ugid = bpf_get_current_uid_gid();

	tc->pid = id >> 32;
	tc->tid = (__u32)id;
	tc->ppid = task->real_parent->tgid;
	tc->uid = (__u32)ugid;
	tc->gid = ugid >> 32;
	tc->mnt_ns = nsproxy->mnt_ns->ns.inum;
	tc->pid_ns = bpfhost_task_pid_ns_vpid(task, &tc->vpid);
	tc->net_ns = nsproxy->net_ns->ns.inum;
	tc->uts_ns = uts->ns.inum;
	tc->user_ns = bpfhost_task_user_ns(task);
	bpfhost_task_container(task, &tc->container);
	tc->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(tc->comm, sizeof(tc->comm));
	bpfhost_uts_nodename(uts, tc->nodename);
	__builtin_memset(tc->pad, 0, sizeof(tc->pad));
}

#endif /* BPFHOST_TASK_CONTEXT_BPF_H */

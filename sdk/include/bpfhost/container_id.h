/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which container a cgroup path names: the patterns, as data, and the
 * matcher that applies them one path component at a time, from the root
 * down.  The same code runs in the kernel (task_context.bpf.h, on the
 * kernfs names of a task's cgroup and its ancestors) and in the unit tests
 * (on real paths of each runtime), so what is tested is what runs.
 *
 * The outermost component that names a container wins: a container that
 * may create cgroups below its own (a delegated subtree, systemd inside)
 * cannot pass for another by naming one "docker-<other id>.scope".  Only
 * the BPFHOST_CGROUP_DEPTH_MAX components nearest the root are read.
 *
 * Plain C on fixed-size buffers with bounded loops: the verifier checks it
 * once, as a global function (__bpf__), and user space compiles it as is.
 */
#ifndef BPFHOST_CONTAINER_ID_H
#define BPFHOST_CONTAINER_ID_H

#include <bpfhost/task_context.h>

#define BPFHOST_CGROUP_NAME_LEN 256	/* NAME_MAX and a NUL */
#define BPFHOST_CGROUP_DEPTH_MAX 16
#define BPFHOST_CGROUP_PREFIX_LEN 32
#define BPFHOST_CGROUP_SUFFIX_LEN 10

/* What lies between a pattern's prefix and its suffix. */
enum bpfhost_cgroup_part {
	BPFHOST_CGROUP_NOTHING = 0,
	BPFHOST_CGROUP_ANY,	/* any bytes, or none */
	BPFHOST_CGROUP_HEX64,	/* 64 lowercase hex digits: the id */
	/* 1 to 255 bytes: the id, cut at 64, unprintable bytes as '?' */
	BPFHOST_CGROUP_NAME,
	/* 8-4-4-4-12 lowercase hex, '-' or '_'; or 32 (a static pod's) */
	BPFHOST_CGROUP_UUID,
	/*
	 * 64 lowercase hex digits, the id, that end the name with the
	 * suffix, the prefix anywhere before them: what lies before the
	 * prefix is matched again as a component of its own
	 */
	BPFHOST_CGROUP_TAIL_HEX64,
};

/* What a component is, for the patterns of the components below it. */
#define BPFHOST_CGROUP_TAG_DOCKER 0x01	/* "docker": cgroupfs driver */
#define BPFHOST_CGROUP_TAG_LXC 0x02	/* "lxc": LXC before 4.0 */
#define BPFHOST_CGROUP_TAG_KUBEPODS 0x04	/* kubelet's tree */
#define BPFHOST_CGROUP_TAG_POD 0x08	/* one pod's: its uid is known */

struct bpfhost_cgroup_pattern {
	char prefix[BPFHOST_CGROUP_PREFIX_LEN];
	char suffix[BPFHOST_CGROUP_SUFFIX_LEN];
	__u8 prefix_len;
	__u8 suffix_len;
	__u8 part;		/* enum bpfhost_cgroup_part */
	__u8 parent_tag;	/* the parent component must have these */
	__u8 ancestor_tag;	/* some component above must have these */
	__u8 tag;		/* given to a matching component */
	__u8 runtime;		/* a container of this runtime; NONE: not one */
};

#define BPFHOST_CGROUP_PATTERN(pre, part_, suf, parent, ancestor, tag_, rt)    \
	{ .prefix = pre, .suffix = suf, .prefix_len = sizeof(pre) - 1,         \
	  .suffix_len = sizeof(suf) - 1, .part = BPFHOST_CGROUP_##part_,       \
	  .parent_tag = parent, .ancestor_tag = ancestor, .tag = tag_,         \
	  .runtime = BPFHOST_RUNTIME_##rt }

#define BPFHOST_CGROUP_ID(pre, part, suf, rt)                                  \
	BPFHOST_CGROUP_PATTERN(pre, part, suf, 0, 0, 0, rt)
#define BPFHOST_CGROUP_TAG(pre, part, suf, parent, ancestor, tag)              \
	BPFHOST_CGROUP_PATTERN(pre, part, suf, parent, ancestor, tag, NONE)
#define BPFHOST_CGROUP_POD(pre)                                                \
	BPFHOST_CGROUP_TAG(pre, UUID, ".slice", 0, 0,                          \
			   BPFHOST_CGROUP_TAG_KUBEPODS | BPFHOST_CGROUP_TAG_POD)

/*
 * The patterns, tried in order on each component; the first that matches
 * decides what the component is.  README, "Container identity", lists them
 * with the runtimes that make them; tests/unit/cgroup_paths.tsv holds the
 * real paths they are tested on.
 */
static const struct bpfhost_cgroup_pattern bpfhost_cgroup_patterns[] = {
	/*
	 * containerd's cgroupfs names under a systemd-driven kubelet:
	 * kubepods-burstable-pod<uid_>.slice:cri-containerd:<id>
	 */
	BPFHOST_CGROUP_ID(":cri-containerd:", TAIL_HEX64, "", CONTAINERD),
	/*
	 * kubelet, systemd driver: kubepods-burstable-pod<uid_>.slice, or
	 * with --cgroup-root=/kubelet kubelet-kubepods-...
	 */
	BPFHOST_CGROUP_POD("kubepods-pod"),
	BPFHOST_CGROUP_POD("kubepods-burstable-pod"),
	BPFHOST_CGROUP_POD("kubepods-besteffort-pod"),
	BPFHOST_CGROUP_POD("kubelet-kubepods-pod"),
	BPFHOST_CGROUP_POD("kubelet-kubepods-burstable-pod"),
	BPFHOST_CGROUP_POD("kubelet-kubepods-besteffort-pod"),
	/* kubepods, kubepods.slice, kubepods-besteffort.slice */
	BPFHOST_CGROUP_TAG("kubepods", ANY, "", 0, 0,
			   BPFHOST_CGROUP_TAG_KUBEPODS),
	BPFHOST_CGROUP_TAG("kubelet-kubepods", ANY, "", 0, 0,
			   BPFHOST_CGROUP_TAG_KUBEPODS),
	/* kubelet, cgroupfs driver: /kubepods/burstable/pod<uid> */
	BPFHOST_CGROUP_TAG("pod", UUID, "", 0, BPFHOST_CGROUP_TAG_KUBEPODS,
			   BPFHOST_CGROUP_TAG_POD),
	BPFHOST_CGROUP_ID("docker-", HEX64, ".scope", DOCKER),
	BPFHOST_CGROUP_PATTERN("", HEX64, "", BPFHOST_CGROUP_TAG_DOCKER, 0, 0,
			       DOCKER),
	BPFHOST_CGROUP_ID("libpod-", HEX64, ".scope", PODMAN),
	BPFHOST_CGROUP_ID("libpod-", HEX64, "", PODMAN),
	BPFHOST_CGROUP_ID("cri-containerd-", HEX64, ".scope", CONTAINERD),
	BPFHOST_CGROUP_ID("nerdctl-", HEX64, ".scope", CONTAINERD),
	BPFHOST_CGROUP_ID("crio-", HEX64, ".scope", CRIO),
	BPFHOST_CGROUP_ID("crio-", HEX64, "", CRIO),
	/* a pod's container, cgroupfs driver: /kubepods/pod<uid>/<id> */
	BPFHOST_CGROUP_PATTERN("", HEX64, "", BPFHOST_CGROUP_TAG_POD, 0, 0,
			       CRI),
	BPFHOST_CGROUP_ID("systemd-nspawn@", NAME, ".service", NSPAWN),
	/*
	 * Registered with machined: an nspawn container, or one of libvirt's
	 * virtual machines (machine-qemu\x2d...), which a machine's own name
	 * can imitate: both are machines, and everything below is theirs.
	 */
	BPFHOST_CGROUP_ID("machine-", NAME, ".scope", MACHINED),
	BPFHOST_CGROUP_ID("lxc.payload.", NAME, "", LXC),
	BPFHOST_CGROUP_PATTERN("", NAME, "", BPFHOST_CGROUP_TAG_LXC, 0, 0, LXC),
	BPFHOST_CGROUP_TAG("docker", NOTHING, "", 0, 0,
			   BPFHOST_CGROUP_TAG_DOCKER),
	BPFHOST_CGROUP_TAG("lxc", NOTHING, "", 0, 0, BPFHOST_CGROUP_TAG_LXC),
	/*
	 * A container id where no pattern above expects one: docker's
	 * --cgroup-parent, rootless podman on cgroup v1.  Claimed rather than
	 * walked past: what lies below is the container's to name.
	 */
	BPFHOST_CGROUP_ID("", HEX64, "", UNKNOWN),
};

#define BPFHOST_CGROUP_PATTERNS                                                \
	(sizeof(bpfhost_cgroup_patterns) / sizeof(bpfhost_cgroup_patterns[0]))

/* The state of one walk down a cgroup path. */
struct bpfhost_cgroup_walk {
	char name[BPFHOST_CGROUP_NAME_LEN];	/* this component's */
	__u32 len;				/* of name, NUL excluded */
	__u8 parent_tags;
	__u8 ancestor_tags;
	__u8 pad[2];
	struct bpfhost_container found;
};

static __always_inline int bpfhost_cgroup_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * Global functions in the kernel: the verifier checks each once, not at
 * every call (a pattern's part at each step of the pattern loop).
 */
#ifdef __bpf__
#define BPFHOST_CGROUP_MATCHER __attribute__((noinline))
#else
#define BPFHOST_CGROUP_MATCHER static inline
#endif

/* Does the part of w->name from start, len bytes long, fit part? */
BPFHOST_CGROUP_MATCHER int bpfhost_cgroup_part_fits(
	const struct bpfhost_cgroup_walk *w, __u32 start, __u32 len, int part)
{
	if (!w)
		return 0;
	switch (part) {
	case BPFHOST_CGROUP_NOTHING:
		return len == 0;
	case BPFHOST_CGROUP_ANY:
		return 1;
	case BPFHOST_CGROUP_NAME:
		return len >= 1;
	case BPFHOST_CGROUP_HEX64:
	case BPFHOST_CGROUP_TAIL_HEX64:
		if (len != 64)
			return 0;
		for (__u32 i = 0; i < 64; i++)
			if (!bpfhost_cgroup_hex(
				    w->name[(start + i) &
					    (BPFHOST_CGROUP_NAME_LEN - 1)]))
				return 0;
		return 1;
	case BPFHOST_CGROUP_UUID:
		if (len != 36 && len != 32)
			return 0;
		for (__u32 i = 0; i < 36 && i < len; i++) {
			char c = w->name[(start + i) &
					 (BPFHOST_CGROUP_NAME_LEN - 1)];

			if (len == 36 &&
			    (i == 8 || i == 13 || i == 18 || i == 23)) {
				if (c != '-' && c != '_')
					return 0;
			} else if (!bpfhost_cgroup_hex(c)) {
				return 0;
			}
		}
		return 1;
	}
	return 0;
}

/*
 * Does w->name fit pattern k?  *head is where the prefix starts: 0, but
 * for a TAIL_HEX64 pattern, whose prefix ends 64 bytes before the suffix.
 */
BPFHOST_CGROUP_MATCHER int
bpfhost_cgroup_fits(const struct bpfhost_cgroup_walk *w, __u32 k, __u32 *head)
{
	const struct bpfhost_cgroup_pattern *p;
	__u32 plen, slen, start = 0, mid;

	if (!w || !head || k >= BPFHOST_CGROUP_PATTERNS)
		return 0;
	p = &bpfhost_cgroup_patterns[k];
	plen = p->prefix_len;
	slen = p->suffix_len;

	if ((p->parent_tag & w->parent_tags) != p->parent_tag ||
	    (p->ancestor_tag & w->ancestor_tags) != p->ancestor_tag)
		return 0;
	if (w->len < plen + slen || plen > BPFHOST_CGROUP_PREFIX_LEN ||
	    slen > BPFHOST_CGROUP_SUFFIX_LEN)
		return 0;
	if (p->part == BPFHOST_CGROUP_TAIL_HEX64) {
		if (w->len < plen + 64 + slen)
			return 0;
		start = w->len - slen - 64 - plen;
	}
	for (__u32 i = 0; i < BPFHOST_CGROUP_PREFIX_LEN && i < plen; i++)
		if (w->name[(start + i) & (BPFHOST_CGROUP_NAME_LEN - 1)] !=
		    p->prefix[i])
			return 0;
	mid = w->len - start - plen - slen;
	for (__u32 i = 0; i < BPFHOST_CGROUP_SUFFIX_LEN && i < slen; i++)
		if (w->name[(start + plen + mid + i) &
			    (BPFHOST_CGROUP_NAME_LEN - 1)] != p->suffix[i])
			return 0;
	*head = start;
	return bpfhost_cgroup_part_fits(w, start + plen, mid, p->part);
}

struct bpfhost_cgroup_copying {
	struct bpfhost_cgroup_walk *w;
	__u32 start;
	__u32 len;
	int pod;	/* into found.pod_uid, '_' as '-'; else found.id */
	int changed;
};

/* Byte i of the copy (copy below). */
static long bpfhost_cgroup_copy_byte(__u32 i, void *ctx)
{
	struct bpfhost_cgroup_copying *cp = ctx;
	struct bpfhost_cgroup_walk *w = cp->w;
	char c = 0;

	if (i < cp->len) {
		c = w->name[(cp->start + i) & (BPFHOST_CGROUP_NAME_LEN - 1)];
		if (c < '!' || c > '~') {
			c = '?';
			cp->changed = 1;
		} else if (cp->pod && c == '_') {
			c = '-';
		}
	}
	if (cp->pod) {
		if (i < BPFHOST_POD_UID_LEN - 1)
			w->found.pod_uid[i] = c;
	} else if (i < BPFHOST_CONTAINER_ID_LEN - 1) {
		w->found.id[i] = c;
	}
	return 0;
}

/*
 * Copy len bytes of w->name from start into w->found's id (or pod uid),
 * NUL-filled, a byte outside printable ASCII as '?' (so no id holds a
 * blank, a control or invalid UTF-8).  Returns 1 when the copy is not the
 * exact bytes (so changed, or cut).  In the kernel through bpf_loop(): the
 * verifier checks one byte, not every path through 64 of them.
 */
static __always_inline int bpfhost_cgroup_copy(struct bpfhost_cgroup_walk *w,
					       __u32 start, __u32 len, int pod)
{
	struct bpfhost_cgroup_copying cp = {
		.w = w, .start = start, .len = len, .pod = pod, .changed = 0,
	};
	__u32 size = pod ? BPFHOST_POD_UID_LEN : BPFHOST_CONTAINER_ID_LEN;

#ifdef __bpf__
	bpf_loop(size - 1, bpfhost_cgroup_copy_byte, &cp, 0);
#else
	for (__u32 i = 0; i < size - 1; i++)
		bpfhost_cgroup_copy_byte(i, &cp);
#endif
	if (pod)
		w->found.pod_uid[BPFHOST_POD_UID_LEN - 1] = 0;
	else
		w->found.id[BPFHOST_CONTAINER_ID_LEN - 1] = 0;
	return cp.changed || len > size - 1;
}


struct bpfhost_cgroup_fit {
	const struct bpfhost_cgroup_walk *w;
	__u32 head;
	__u32 index;		/* of the first pattern that fits */
};

/* Pattern i: 1 (stop) when it fits. */
static long bpfhost_cgroup_try(__u32 i, void *ctx)
{
	struct bpfhost_cgroup_fit *fit = ctx;

	if (i >= BPFHOST_CGROUP_PATTERNS)
		return 1;
	if (!bpfhost_cgroup_fits(fit->w, i, &fit->head))
		return 0;
	fit->index = i;
	return 1;
}

/*
 * The first pattern w->name fits, or BPFHOST_CGROUP_PATTERNS if none.  In
 * the kernel through bpf_loop(), whose callback the verifier checks once
 * for any pattern, instead of once per pattern and path through the loops
 * before it.
 */
static __always_inline __u32
bpfhost_cgroup_first_fit(const struct bpfhost_cgroup_walk *w, __u32 *head)
{
	struct bpfhost_cgroup_fit fit = {
		.w = w, .head = 0, .index = BPFHOST_CGROUP_PATTERNS,
	};

#ifdef __bpf__
	bpf_loop(BPFHOST_CGROUP_PATTERNS, bpfhost_cgroup_try, &fit, 0);
#else
	for (__u32 i = 0; i < BPFHOST_CGROUP_PATTERNS; i++)
		if (bpfhost_cgroup_try(i, &fit))
			break;
#endif
	*head = fit.head;
	return fit.index;
}

/* Are the n bytes of w->name at at the literal lit? */
static __always_inline int bpfhost_cgroup_has(
	const struct bpfhost_cgroup_walk *w, __u32 at, const char *lit, __u32 n)
{
	for (__u32 i = 0; i < n; i++)
		if (w->name[(at + i) & (BPFHOST_CGROUP_NAME_LEN - 1)] != lit[i])
			return 0;
	return 1;
}

/*
 * The pod of a tail id's component, from what precedes the id:
 * kubepods-burstable-pod<uid_>.slice:cri-containerd:<id>.  Read in place,
 * not by a second pass of the patterns, which would double what the
 * verifier checks.
 */
static __always_inline void
bpfhost_cgroup_tail_pod(struct bpfhost_cgroup_walk *w, __u32 head)
{
	__u32 start;

	if (!bpfhost_cgroup_has(w, 0, "kubepods", 8) &&
	    !bpfhost_cgroup_has(w, 0, "kubelet-kubepods", 16))
		return;
	if (head < 3 + 32 + 6 || !bpfhost_cgroup_has(w, head - 6, ".slice", 6))
		return;
	for (__u32 len = 36; len >= 32; len -= 4) {
		if (head < 3 + len + 6)
			continue;
		start = head - 6 - len;
		if (bpfhost_cgroup_has(w, start - 3, "pod", 3) &&
		    bpfhost_cgroup_part_fits(w, start, len,
					     BPFHOST_CGROUP_UUID)) {
			bpfhost_cgroup_copy(w, start, len, 1);
			return;
		}
	}
}

/*
 * One component, in w->name (w->len bytes), below those already walked.
 * Returns 1 when it names a container: w->found has its runtime and id
 * (and the pod's uid, from this component or one above); the walk ends
 * there.  Else 0, and the walk goes on to the component below.
 */
BPFHOST_CGROUP_MATCHER int bpfhost_cgroup_component(
	struct bpfhost_cgroup_walk *w)
{
	const struct bpfhost_cgroup_pattern *p;
	__u32 i, head = 0, mid;

	if (!w || w->len >= BPFHOST_CGROUP_NAME_LEN)
		return 0;
	i = bpfhost_cgroup_first_fit(w, &head);
	if (i < BPFHOST_CGROUP_PATTERNS &&
	    bpfhost_cgroup_patterns[i].runtime != BPFHOST_RUNTIME_NONE) {
		p = &bpfhost_cgroup_patterns[i];
		mid = w->len - head - p->prefix_len - p->suffix_len;
		w->found.runtime = p->runtime;
		w->found.id_inexact = bpfhost_cgroup_copy(
			w, head + p->prefix_len, mid, 0);
		if (head)
			bpfhost_cgroup_tail_pod(w, head);
		return 1;
	}
	if (i >= BPFHOST_CGROUP_PATTERNS) {
		w->parent_tags = 0;
		return 0;
	}
	p = &bpfhost_cgroup_patterns[i];
	if (p->tag & BPFHOST_CGROUP_TAG_POD)
		bpfhost_cgroup_copy(w, p->prefix_len,
				    w->len - p->prefix_len - p->suffix_len, 1);
	w->parent_tags = p->tag;
	w->ancestor_tags |= p->tag;
	return 0;
}

#endif /* BPFHOST_CONTAINER_ID_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The absolute path of a file the kernel has opened, read from its dentries.
 *
 * Tracepoint programs cannot call bpf_d_path(), so this walks the dcache
 * with CO-RE reads, as the kernel's d_path() does: from the file's dentry up
 * d_parent, and at the root of each mount over to the mount point in the
 * parent mount.  It goes on past the task's root (chroot, pivot_root) up to
 * the root of the mount namespace, so one walk gives both the path as the
 * process sees it and the namespace view.  Since it reads what the kernel
 * resolved, ".", "..", symlinks, and cwd- or dirfd-relative names need no
 * handling here.
 *
 * Bounds: FILE_PATH_MAX_DEPTH names, FILE_PATH_MAX_MOUNTS mount crossings,
 * FILE_PATH_LEN bytes.  A path cut by any of them keeps its last names (the
 * end that names the file) and loses its leading '/', and the builder says
 * so; a caller must put that in its record.
 *
 * The loops are bpf_loop() callbacks, so this needs Linux 5.17 or newer:
 * the verifier checks a callback body once (or a few times, until its state
 * repeats) instead of every iteration of an unrolled or bounded loop, which
 * cost about 270k-460k processed instructions per program and most of the
 * start-up time.  The state a step carries lives in a per-CPU map, so every
 * step looks the same to the verifier.  Verified on 6.18, with clang 14.
 *
 * No locks are taken, so a rename racing with the walk may give a path that
 * never existed; a thread closing and reusing the fd between the open and
 * sys_exit gives the other file's path.  Both need a race the opener runs
 * against itself.
 *
 * The caller's side is file_path_resolve(): it fills the paths of a
 * struct bpfhost_file_paths (sdk/include/bpfhost/file_path.h) and the
 * strings they point at at sys_exit of an open, and applies the plugin's
 * path filter to the resolved path.
 *
 * Include after vmlinux.h, <bpf/bpf_helpers.h> and <bpf/bpf_core_read.h>.
 */
#ifndef BPFHOST_FILE_PATH_BPF_H
#define BPFHOST_FILE_PATH_BPF_H

#include <bpfhost/file_path.h>

#define FILE_PATH_LEN BPFHOST_PATH_LEN
/* Names; a power of two (an index is masked with it). */
#define FILE_PATH_MAX_DEPTH 64
#define FILE_PATH_MAX_MOUNTS 16
#define FILE_PATH_NAME_MAX 255
/*
 * Writable bytes a buffer needs after its FILE_PATH_LEN: the verifier sees
 * offset and size bounds, not that the code keeps their sum in the buffer.
 */
#define FILE_PATH_SLACK FILE_PATH_LEN
/*
 * A record's strings, built after its fixed part: path first, at 0, so
 * path_arg and path_host start below 2 * FILE_PATH_LEN.
 */
#define FILE_PATH_STR_START_MASK (2 * FILE_PATH_LEN - 1)
#define FILE_PATH_STRS_SIZE                                                    \
	(FILE_PATH_STR_START_MASK + 1 + FILE_PATH_LEN + FILE_PATH_SLACK)

#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif

/*
 * Per-CPU scratch of one walk and build.  Everything a loop step reads or
 * changes lives here, not in the callback's context on the stack: the
 * verifier then sees unknown, bounded values and the same state at every
 * step, so it stops after checking a step once.
 */
struct file_path_walk {
	const unsigned char *name[FILE_PATH_MAX_DEPTH];	/* [0]: the file's */
	__u32 len[FILE_PATH_MAX_DEPTH];
	/* file_path_walk()'s: where it is, and what ends it */
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root;
	struct vfsmount *root_mnt;
	struct mount *ns_root;
	__u32 n;		/* names collected */
	__u32 n_root;		/* of those, below the task's root */
	__u32 cut;		/* walk stopped at a bound, not at the root */
	__u32 detached;		/* ended outside the namespace's tree */
	__u32 root_seen;
	/* file_path_build()'s */
	__u32 size;		/* of the buffer, at most FILE_PATH_LEN */
	__u32 total;		/* bytes of the names kept, '/' included */
	__u32 first;		/* names [0, first) are kept */
	__u32 off;		/* written so far */
	__u32 lead;		/* the path starts with '/' */
	__u32 build_cut;	/* a rename since the walk made a name longer */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_path_walk);
} file_path_walks SEC(".maps");

/* What a loop step gets: pointers, which stay the same at every step. */
struct file_path_step_ctx {
	struct file_path_walk *w;
	char *buf;		/* file_path_build()'s */
};

static __always_inline struct file_path_walk *file_path_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&file_path_walks, &zero);
}

/* The open file behind fd in the current task, or NULL. */
static __always_inline struct file *file_path_fd_file(struct task_struct *task,
						      int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct vfsmount *file_path_vfsmount(struct mount *m)
{
	return (void *)m + bpf_core_field_offset(struct mount, mnt);
}

/* One step up: a name, or a mount crossing.  Returns 1 to stop. */
static long file_path_walk_step(__u32 i, void *ctx)
{
	struct file_path_walk *w = ((struct file_path_step_ctx *)ctx)->w;
	struct dentry *dentry = w->dentry, *parent;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt, *up;
	__u32 n = w->n;

	if (dentry == w->root && vfsmnt == w->root_mnt && !w->root_seen) {
		w->root_seen = 1;
		w->n_root = n;
	}
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
		up = BPF_CORE_READ(mnt, mnt_parent);
		/*
		 * A top mount is its own parent: the namespace's root, or a
		 * detached or kernel-internal mount.
		 */
		if (!up || up == mnt) {
			w->cut = 0;
			w->detached = mnt != w->ns_root;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = file_path_vfsmount(up);
		return 0;
	}
	if (n >= FILE_PATH_MAX_DEPTH)
		return 1;
	w->name[n] = BPF_CORE_READ(dentry, d_name.name);
	w->len[n] = BPF_CORE_READ(dentry, d_name.len);
	w->n = n + 1;
	/*
	 * A pseudo file's dentry (memfd, pipe) is its own parent: its name is
	 * all there is.
	 */
	parent = BPF_CORE_READ(dentry, d_parent);
	if (!parent || parent == dentry) {
		w->cut = 0;
		w->detached = 1;
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/*
 * Collect the names from dentry (on vfsmnt) up to the root of the mount
 * namespace into w, noting how many lie below the current task's root.
 */
static __always_inline void file_path_walk(struct file_path_walk *w,
					   struct task_struct *task,
					   struct dentry *dentry,
					   struct vfsmount *vfsmnt)
{
	struct file_path_step_ctx c = { .w = w };

	w->root = BPF_CORE_READ(task, fs, root.dentry);
	w->root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	w->ns_root = BPF_CORE_READ(task, nsproxy, mnt_ns, root);
	w->dentry = dentry;
	w->vfsmnt = vfsmnt;
	w->mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	w->n = 0;
	w->n_root = 0;
	w->root_seen = 0;
	w->cut = 1;
	w->detached = 0;
	bpf_loop(FILE_PATH_MAX_DEPTH + FILE_PATH_MAX_MOUNTS,
		 file_path_walk_step, &c, 0);
	/* Outside the task's root (a magic link escaped it): namespace view. */
	if (!w->root_seen)
		w->n_root = w->n;
}

/*
 * Keep name i if it fits with the names below it: the end that names the
 * file is kept, names are dropped from the top.
 */
static long file_path_fit_step(__u32 i, void *ctx)
{
	struct file_path_walk *w = ((struct file_path_step_ctx *)ctx)->w;
	__u32 add = (w->len[i & (FILE_PATH_MAX_DEPTH - 1)] &
		     FILE_PATH_NAME_MAX) + 1;

	if (w->total + add >= w->size)
		return 1;
	w->total += add;
	w->first = i + 1;
	return 0;
}

/* Write the i-th kept name from the top, after its '/'. */
static long file_path_write_step(__u32 i, void *ctx)
{
	struct file_path_step_ctx *c = ctx;
	struct file_path_walk *w = c->w;
	__u32 off = w->off, idx, room;
	long r;

	if (w->lead || i) {
		if (off + 1 >= w->size) {
			w->build_cut = 1;
			return 1;
		}
		c->buf[off++ & (FILE_PATH_LEN - 1)] = '/';
	}
	/* Never past size, even when a rename made a name longer. */
	room = w->size - off;
	if (room > FILE_PATH_NAME_MAX + 1)
		room = FILE_PATH_NAME_MAX + 1;
	idx = (w->first - 1 - i) & (FILE_PATH_MAX_DEPTH - 1);
	r = bpf_probe_read_kernel_str(c->buf + (off & (FILE_PATH_LEN - 1)),
				      room, w->name[idx]);
	if (r > 0) {
		off += r - 1;
		if (r == room && r - 1 < (w->len[idx] & FILE_PATH_NAME_MAX))
			w->build_cut = 1;
	}
	w->off = off;
	return 0;
}

/*
 * Write names [top - 1] .. [0] of w into buf[size] as "/a/b/c"; size is at
 * most FILE_PATH_LEN, and FILE_PATH_SLACK bytes after buf must be writable.
 * When the path does not fit, or the walk was cut before the root (only
 * when top is w->n), the leading names are dropped, so is the leading '/',
 * and *cut is set.  A file with no path in the namespace (detached: a pipe
 * or memfd reopened through /proc/PID/fd, a detached mount) gets the names
 * its own filesystem knows, without the leading '/', and is not marked cut.
 * Returns the length, NUL not counted.
 */
static __always_inline __u32 file_path_build(char *buf, __u32 size,
					     struct file_path_walk *w,
					     __u32 top, bool *cut)
{
	struct file_path_step_ctx c = { .w = w, .buf = buf };
	bool whole = top != w->n || !w->cut;
	bool lead = top != w->n || (!w->cut && !w->detached);
	__u32 off;

	if (top > FILE_PATH_MAX_DEPTH)
		top = FILE_PATH_MAX_DEPTH;
	w->size = size;
	w->total = 0;
	w->first = 0;
	bpf_loop(top, file_path_fit_step, &c, 0);
	if (w->first < top)
		whole = lead = false;
	w->lead = lead;
	w->off = 0;
	w->build_cut = 0;
	bpf_loop(w->first, file_path_write_step, &c, 0);
	*cut = !whole || w->build_cut;
	off = w->off & (FILE_PATH_LEN - 1);
	if (!off && lead)
		buf[off++] = '/';
	buf[off] = '\0';
	return off;
}

/*
 * An open that failed has no file: its name is made absolute against the
 * cwd or the dirfd's directory, as written ("..", "." and symlinks stay).
 * Sets *dentry and *mnt to that directory; false when there is none to use
 * (an absolute name, a bad dirfd) and the name stands as passed.
 */
static __always_inline bool file_path_dir_of(struct task_struct *task,
					     int dirfd, const char *user_name,
					     struct dentry **dentry,
					     struct vfsmount **mnt)
{
	struct file *dir;
	char c = 0;

	bpf_probe_read_user(&c, 1, user_name);
	if (c == '/')
		return false;
	if (dirfd == AT_FDCWD) {
		*dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		*mnt = BPF_CORE_READ(task, fs, pwd.mnt);
		return true;
	}
	dir = file_path_fd_file(task, dirfd);
	if (!dir)
		return false;
	*dentry = BPF_CORE_READ(dir, f_path.dentry);
	*mnt = BPF_CORE_READ(dir, f_path.mnt);
	return true;
}

/*
 * Append the user's name to the directory path buf[0, off), after a '/';
 * buf as for file_path_build() with FILE_PATH_LEN.  Returns the length.
 */
static __always_inline __u32 file_path_append(char *buf, __u32 off,
					      const char *user_name, bool *cut)
{
	__u32 size;
	long r;

	if (off != 1 || buf[0] != '/')
		buf[off++ & (FILE_PATH_LEN - 1)] = '/';
	if (off >= FILE_PATH_LEN - 1) {
		*cut = true;
		buf[FILE_PATH_LEN - 1] = '\0';
		return FILE_PATH_LEN - 1;
	}
	size = FILE_PATH_LEN - off;
	r = bpf_probe_read_user_str(buf + (off & (FILE_PATH_LEN - 1)),
				    size & (FILE_PATH_LEN - 1), user_name);
	if (r <= 0)
		r = 1;
	if (r == size)
		*cut = true;
	off += r - 1;
	buf[off & (FILE_PATH_LEN - 1)] = '\0';
	return off;
}

/*
 * Per-CPU room for a record of one event struct type: the struct, then its
 * strings (strs), as the record carries them.
 */
#define FILE_PATH_EVENT_SCRATCH(name, ev_type)                                 \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__uint(max_entries, 1);                                        \
		__type(key, __u32);                                            \
		__type(value, struct {                                         \
			ev_type event;                                         \
			char strs[FILE_PATH_STRS_SIZE];                        \
		});                                                            \
	} name SEC(".maps")

/* The basenames of exact path filters, keyed by struct bpfhost_name_key. */
#define FILE_PATH_NAMES(name, max_names)                                       \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_HASH);                               \
		__uint(max_entries, max_names);                                \
		__type(key, struct bpfhost_name_key);                          \
		__type(value, __u8);                                           \
	} name SEC(".maps")

/*
 * A plugin's path filter: an LPM trie made by PATH_FILTER()
 * (bpf/path_filter.bpf.h), exact paths with their NUL, prefixes without;
 * and, when every filter is exact, the set of their basenames.
 */
struct file_path_filter {
	void *trie;		/* NULL: no filter */
	void *trie_key;		/* per-CPU array: the trie's key scratch */
	__u32 key_size;		/* bytes of path in a trie key */
	void *names;		/* NULL: some filter is a prefix */
};

/* Is the file's own name one an exact filter ends with? */
static __always_inline bool file_path_name_known(void *names, struct file *f)
{
	struct qstr q = BPF_CORE_READ(f, f_path.dentry, d_name);
	struct bpfhost_name_key key = {};

	key.len = q.len;
	bpf_probe_read_kernel_str(key.head, sizeof(key.head), q.name);
	return bpf_map_lookup_elem(names, &key) != NULL;
}

/*
 * Look the path in buf (length len, kernel memory) up in the filter's trie.
 * A path longer than a key can match a prefix, never an exact path.
 */
static __always_inline bool file_path_in_trie(struct file_path_filter *flt,
					      const char *buf, __u32 len)
{
	__u32 n = len + 1, zero = 0;
	__u32 *key = bpf_map_lookup_elem(flt->trie_key, &zero);

	if (!key)
		return false;
	if (n >= flt->key_size)
		n = flt->key_size - 1;
	if (bpf_probe_read_kernel(key + 1, flt->key_size, buf))
		return false;
	*key = n * 8;
	return bpf_map_lookup_elem(flt->trie, key) != NULL;
}

/*
 * Fill p for an open, openat or openat2 that returned ret, given the dirfd
 * and name pointer its enter saw.  The strings go to strs, which must follow
 * the fixed part of base bytes in the record (FILE_PATH_EVENT_SCRATCH() lays
 * them out so); *len gets the bytes of strs the record must carry.  With a
 * filter (flt->trie), returns false as soon as the open is known not to
 * match, before the work only a record needs.  A path cut at a bound cannot
 * be decided: it is kept, and marked.
 */
static __always_inline bool file_path_resolve(struct bpfhost_file_paths *p,
					      char *strs, __u32 base,
					      struct file_path_filter *flt,
					      long ret, int dirfd,
					      const char *user_name, __u32 *len)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file_path_walk *w = file_path_scratch();
	bool cut = false, cut_host = false;
	struct vfsmount *mnt = NULL;
	struct dentry *dentry = NULL;
	__u32 plen, alen, hlen = 0, at;
	struct file *f = NULL;
	long r;

	if (!w)
		return false;
	if (ret >= 0)
		f = file_path_fd_file(task, ret);
	if (f) {
		if (flt->names && !file_path_name_known(flt->names, f))
			return false;
		dentry = BPF_CORE_READ(f, f_path.dentry);
		mnt = BPF_CORE_READ(f, f_path.mnt);
	} else if (!file_path_dir_of(task, dirfd, user_name, &dentry, &mnt)) {
		r = bpf_probe_read_user_str(strs, FILE_PATH_LEN, user_name);
		if (r <= 0)
			r = 1;
		cut = r == FILE_PATH_LEN;
		plen = r - 1;
		strs[plen & (FILE_PATH_LEN - 1)] = '\0';
		goto filter;
	}
	/* One walk and one build, whichever way: it halves verification. */
	file_path_walk(w, task, dentry, mnt);
	plen = file_path_build(strs, FILE_PATH_LEN, w, w->n_root, &cut);
	if (!f)
		plen = file_path_append(strs, plen, user_name, &cut);
filter:
	plen &= FILE_PATH_LEN - 1;
	if (flt->trie && !cut && !file_path_in_trie(flt, strs, plen))
		return false;
	p->path.offset = base;
	p->path.len = plen;

	at = plen + 1;
	r = bpf_probe_read_user_str(strs + (at & FILE_PATH_STR_START_MASK),
				    BPFHOST_PATH_ARG_LEN, user_name);
	alen = r > 0 ? r - 1 : 0;
	strs[(at + alen) & FILE_PATH_STR_START_MASK] = '\0';
	p->path_arg.offset = base + at;
	p->path_arg.len = alen;

	at += alen + 1;
	if (f && w->n_root < w->n)
		hlen = file_path_build(strs + (at & FILE_PATH_STR_START_MASK),
				       BPFHOST_PATH_HOST_LEN, w, w->n,
				       &cut_host);
	p->path_host.offset = base + at;
	p->path_host.len = hlen;
	p->truncated = cut || cut_host || r == BPFHOST_PATH_ARG_LEN;
	/* Below the mask already: it tells the verifier so. */
	*len = (at + hlen) & FILE_PATH_STR_START_MASK;
	return true;
}

#endif /* BPFHOST_FILE_PATH_BPF_H */

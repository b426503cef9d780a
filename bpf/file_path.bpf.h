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
 * so; a caller must put that in its record.  Plain bounded loops, not
 * bpf_loop() (5.17+): they need nothing newer than the ring buffer (5.8);
 * verified on 6.18 only, with clang 14.
 *
 * No locks are taken, so a rename racing with the walk may give a path that
 * never existed; a thread closing and reusing the fd between the open and
 * sys_exit gives the other file's path.  Both need a race the opener runs
 * against itself.
 *
 * The caller's side is file_path_resolve(): it fills the paths of a
 * struct bpfhost_file_paths (sdk/include/bpfhost/file_path.h) at sys_exit
 * of an open and applies the plugin's path filter to the resolved path.
 *
 * Include after vmlinux.h, <bpf/bpf_helpers.h> and <bpf/bpf_core_read.h>.
 */
#ifndef BPFHOST_FILE_PATH_BPF_H
#define BPFHOST_FILE_PATH_BPF_H

#include <bpfhost/file_path.h>

#define FILE_PATH_LEN BPFHOST_PATH_LEN
/*
 * Names; a power of two.  The verifier walks every iteration of every loop
 * once: start-up grows with this bound (filesnoop, measured here: 35 ms
 * without resolution, 150 ms at 64 names, 265 ms at 128).
 */
#define FILE_PATH_MAX_DEPTH 64
#define FILE_PATH_MAX_MOUNTS 16
#define FILE_PATH_NAME_MAX 255
/*
 * Writable bytes a buffer needs after its FILE_PATH_LEN: the verifier sees
 * offset and size bounds, not that the code keeps their sum in the buffer.
 */
#define FILE_PATH_SLACK FILE_PATH_LEN

#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif

/*
 * Per-CPU scratch of one walk.  The counters a loop carries live here, not
 * in registers: the verifier then sees unknown, masked values and keeps one
 * state per iteration, instead of one per distinct count in every later
 * iteration (which exceeds its budget of 1M instructions).
 */
struct file_path_walk {
	const unsigned char *name[FILE_PATH_MAX_DEPTH];	/* [0]: the file's */
	__u32 len[FILE_PATH_MAX_DEPTH];
	__u32 n;		/* names collected */
	__u32 n_root;		/* of those, below the task's root */
	__u32 cut;		/* walk stopped at a bound, not at the root */
	__u32 detached;		/* ended outside the namespace's tree */
	__u32 root_seen;
	__u32 off, first, total;	/* file_path_build()'s */
};

/* An access the compiler must not keep in a register across iterations. */
#define FILE_PATH_MEM(x) (*(volatile __u32 *)&(x))

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_path_walk);
} file_path_walks SEC(".maps");

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

/*
 * Collect the names from dentry (on vfsmnt) up to the root of the mount
 * namespace into w, noting how many lie below the current task's root.
 */
static __always_inline void file_path_walk(struct file_path_walk *w,
					   struct task_struct *task,
					   struct dentry *dentry,
					   struct vfsmount *vfsmnt)
{
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	struct mount *ns_root = BPF_CORE_READ(task, nsproxy, mnt_ns, root);
	struct mount *mnt = (void *)vfsmnt -
			    bpf_core_field_offset(struct mount, mnt);
	__u32 n;

	FILE_PATH_MEM(w->n) = 0;
	FILE_PATH_MEM(w->n_root) = 0;
	FILE_PATH_MEM(w->root_seen) = 0;
	FILE_PATH_MEM(w->cut) = 1;
	FILE_PATH_MEM(w->detached) = 0;
	for (int i = 0; i < FILE_PATH_MAX_DEPTH + FILE_PATH_MAX_MOUNTS; i++) {
		struct dentry *parent;
		struct mount *up;

		n = FILE_PATH_MEM(w->n);
		if (dentry == root && vfsmnt == root_mnt &&
		    !FILE_PATH_MEM(w->root_seen)) {
			FILE_PATH_MEM(w->root_seen) = 1;
			FILE_PATH_MEM(w->n_root) = n;
		}
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
			up = BPF_CORE_READ(mnt, mnt_parent);
			/*
			 * A top mount is its own parent: the namespace's
			 * root, or a detached or kernel-internal mount.
			 */
			if (!up || up == mnt) {
				FILE_PATH_MEM(w->cut) = 0;
				FILE_PATH_MEM(w->detached) = mnt != ns_root;
				break;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = file_path_vfsmount(mnt);
			continue;
		}
		if (n >= FILE_PATH_MAX_DEPTH)
			break;
		w->name[n] = BPF_CORE_READ(dentry, d_name.name);
		w->len[n] = BPF_CORE_READ(dentry, d_name.len);
		FILE_PATH_MEM(w->n) = n + 1;
		/*
		 * A pseudo file's dentry (memfd, pipe) is its own parent: its
		 * name is all there is.
		 */
		parent = BPF_CORE_READ(dentry, d_parent);
		if (!parent || parent == dentry) {
			FILE_PATH_MEM(w->cut) = 0;
			FILE_PATH_MEM(w->detached) = 1;
			break;
		}
		dentry = parent;
	}
	/* Outside the task's root (a magic link escaped it): namespace view. */
	if (!FILE_PATH_MEM(w->root_seen))
		FILE_PATH_MEM(w->n_root) = FILE_PATH_MEM(w->n);
}

/*
 * Write names [top - 1] .. [0] of w into buf[size] as "/a/b/c"; size is a
 * power of two, and FILE_PATH_SLACK bytes after buf must be writable.  When
 * the path does not fit, or the walk was cut before the root (only when top
 * is w->n), the leading names are dropped, so is the leading '/', and *cut
 * is set.  A file with no path in the namespace (detached: a pipe or memfd
 * reopened through /proc/PID/fd, a detached mount) gets the names its own
 * filesystem knows, without the leading '/', and is not marked cut.
 * Returns the length, NUL not counted.
 */
static __always_inline __u32 file_path_build(char *buf, __u32 size,
					     struct file_path_walk *w,
					     __u32 top, bool *cut)
{
	bool whole = top != w->n || !w->cut;
	bool lead = top != w->n || (!w->cut && !w->detached);
	__u32 off, first;

	if (top > FILE_PATH_MAX_DEPTH)
		top = FILE_PATH_MAX_DEPTH;
	FILE_PATH_MEM(w->total) = 0;
	for (__u32 i = 0; i < FILE_PATH_MAX_DEPTH; i++) {
		if (i >= top)
			break;
		FILE_PATH_MEM(w->total) += (w->len[i] & FILE_PATH_NAME_MAX) + 1;
	}
	/* Keep the end that names the file: drop names from the top. */
	FILE_PATH_MEM(w->first) = top;
	for (__u32 i = 0; i < FILE_PATH_MAX_DEPTH; i++) {
		first = FILE_PATH_MEM(w->first);
		if (FILE_PATH_MEM(w->total) < size || !first)
			break;
		first--;
		FILE_PATH_MEM(w->total) -=
			(w->len[first & (FILE_PATH_MAX_DEPTH - 1)] &
			 FILE_PATH_NAME_MAX) + 1;
		FILE_PATH_MEM(w->first) = first;
		whole = lead = false;
	}
	*cut = !whole;
	first = FILE_PATH_MEM(w->first);
	FILE_PATH_MEM(w->off) = 0;
	for (__u32 i = 0; i < FILE_PATH_MAX_DEPTH; i++) {
		__u32 idx;
		long r;

		if (i >= first)
			break;
		off = FILE_PATH_MEM(w->off);
		if (lead || i)
			buf[off++ & (size - 1)] = '/';
		idx = (first - 1 - i) & (FILE_PATH_MAX_DEPTH - 1);
		r = bpf_probe_read_kernel_str(buf + (off & (size - 1)),
					      FILE_PATH_NAME_MAX + 1,
					      w->name[idx]);
		if (r > 0)
			off += r - 1;
		FILE_PATH_MEM(w->off) = off;
		/* A rename since the walk made a name longer. */
		if (off > size - 1) {
			FILE_PATH_MEM(w->off) = size - 1;
			*cut = true;
			break;
		}
	}
	off = FILE_PATH_MEM(w->off);
	if (!off && lead)
		buf[off++] = '/';
	off &= size - 1;
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

/* Per-CPU room for one event struct type whose paths are built in place. */
#define FILE_PATH_EVENT_SCRATCH(name, ev_type)                                 \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__uint(max_entries, 1);                                        \
		__type(key, __u32);                                            \
		__type(value, struct {                                         \
			ev_type event;                                         \
			char slack[FILE_PATH_SLACK];                           \
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
 * and name pointer its enter saw; *len gets strlen(p->path).  With a filter
 * (flt->trie), returns false as soon as the open is known not to match,
 * before the work only a record needs.  A path cut at a bound cannot be
 * decided: it is kept, and marked.  p must come from a map made with
 * FILE_PATH_EVENT_SCRATCH().
 */
static __always_inline bool file_path_resolve(struct bpfhost_file_paths *p,
					      struct file_path_filter *flt,
					      long ret, int dirfd,
					      const char *user_name, __u32 *len)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file_path_walk *w = file_path_scratch();
	bool cut = false, cut_host = false;
	struct vfsmount *mnt = NULL;
	struct dentry *dentry = NULL;
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
		r = bpf_probe_read_user_str(p->path, sizeof(p->path),
					    user_name);
		if (r <= 0)
			r = 1;
		cut = r == sizeof(p->path);
		*len = r - 1;
		p->path[*len & (FILE_PATH_LEN - 1)] = '\0';
		goto filter;
	}
	/* One walk and one build, whichever way: it halves verification. */
	file_path_walk(w, task, dentry, mnt);
	*len = file_path_build(p->path, sizeof(p->path), w, w->n_root, &cut);
	if (!f)
		*len = file_path_append(p->path, *len, user_name, &cut);
filter:
	*len &= FILE_PATH_LEN - 1;
	if (flt->trie && !cut && !file_path_in_trie(flt, p->path, *len))
		return false;
	p->path_host[0] = '\0';
	if (f && w->n_root < w->n)
		file_path_build(p->path_host, sizeof(p->path_host), w, w->n,
				&cut_host);
	r = bpf_probe_read_user_str(p->path_arg, sizeof(p->path_arg),
				    user_name);
	if (r <= 0)
		p->path_arg[0] = '\0';
	p->truncated = cut || cut_host || r == sizeof(p->path_arg);
	return true;
}

#endif /* BPFHOST_FILE_PATH_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The absolute path of a file the kernel has opened, read from its dentries,
 * at the exit of an open syscall (bpf/open_syscall.bpf.h) or the completion
 * of an io_uring open (bpf/open_uring.bpf.h).
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
 * so; a caller must put that in its record.  A failed open's name, joined
 * to its directory, keeps its own end the same way, the directory cut
 * first.  A cut path cannot be decided by a filter: it is reported.
 *
 * Everything happens at the exit: no enter program, no per-thread map.  The
 * arguments come from the user registers the task saved at syscall entry
 * (bpf_get_current_task_btf() and bpf_task_pt_regs(), 5.11 and 5.15; both
 * are in the helper set of every tracing program type, tracepoints
 * included).  They still hold the arguments the syscall ran with: the
 * kernel reads them from there and writes only the return register (which
 * is also the first argument on arm64 and s390: libbpf's
 * PT_REGS_PARM1_SYSCALL reads orig_x0 / orig_gpr2 there); a ptracer or
 * seccomp that rewrites them does so before the syscall runs (and before
 * sys_enter), and the ptrace stop at exit, and signal delivery with its
 * restart rewrite, come after sys_exit.  Which registers hold which
 * argument depends on the ABI the syscall came in by (open_syscall.bpf.h).
 *
 * Verification cost: the loops are bpf_loop() callbacks (Linux 5.17 or
 * newer): the verifier checks a callback body once (or a few times, until
 * its state repeats) instead of every iteration.  The state a step carries
 * lives in a per-CPU map, so every step looks the same to the verifier.
 * The walk, the build and the resolver are global functions: the verifier
 * checks each once, on its own, however many ways a caller reaches it, and
 * a plugin's program is only its filters and its record.
 *
 * No locks are taken, so a rename racing with the walk may give a path that
 * never existed; a thread closing and reusing the fd between the open and
 * sys_exit gives the other file's path, and one rewriting the name or the
 * struct open_how after the syscall read them gives what it wrote.  All
 * need a race the opener runs against itself.
 *
 * Load cost: libbpf reading the kernel's BTF itself searches it once for
 * every distinct type a CO-RE relocation names, at every load (about a
 * millisecond each).  bpfhost gives it a small subset instead
 * (host/kernel_types.h), but an object must stay cheap where that is not
 * so (another host, an object it does not serve), so only kernel-internal
 * structs are relocated, each through the struct that holds the field (a
 * struct path or qstr inside another is reached from the outer one), and
 * fixed ABIs are declared locally: the tracepoint
 * record (syscall_tp.bpf.h) and, on x86-64, the user register frame
 * (open_syscall.bpf.h).
 * Kernel structs are read with CO-RE helper reads, not through typed (BTF)
 * pointers: since 6.5 the verifier looks a name up in the kernel's BTF,
 * linearly, for every pointer it loads through a typed pointer, on every
 * path it explores, which cost milliseconds of verification for a few
 * loads; the helper calls cost a few ns each at run time.
 *
 * A caller's exit program calls file_path_open_begin() or, with the file in
 * hand, file_path_open_file() (the file, and the quick test of its name
 * against exact filters), file_path_open_args() (an io_uring open fills
 * those fields from the request), then file_path_resolve(), which fills a struct bpfhost_file_paths
 * (sdk/include/bpfhost/file_path.h) and the strings it points at, and
 * applies the path filter to the resolved path.  The user side sets the
 * rodata below with BPFHOST_FILE_PATH_SETUP() and fills the filter maps
 * with bpfhost_path_filter_add().
 *
 * Include after vmlinux.h, <bpf/bpf_helpers.h> and <bpf/bpf_core_read.h>,
 * with __TARGET_ARCH_<arch> defined (bpf/meson.build does).
 */
#ifndef BPFHOST_FILE_PATH_BPF_H
#define BPFHOST_FILE_PATH_BPF_H

#include <bpf/bpf_tracing.h>
#include <bpfhost/file_path.h>
#include "path_filter.bpf.h"
#include "open_syscall.bpf.h"

#define FILE_PATH_LEN BPFHOST_PATH_LEN
/* Names; a power of two (an index is masked with it). */
#define FILE_PATH_MAX_DEPTH 64
/*
 * Mount crossings: bind mounts stacked on one directory (any user can stack
 * them in a user namespace) are one crossing each.
 */
#define FILE_PATH_MAX_MOUNTS 1024
/* A failed name's NUL is looked for this many PATH_MAX windows far. */
#define FILE_PATH_NAME_WINDOWS 64
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
/* The bytes of strings a record carries: below FILE_PATH_STRS_SIZE. */
#define FILE_PATH_STRS_LEN_MASK (FILE_PATH_STRS_SIZE - 1)

#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif
/* creat(2) is open(2) with O_CREAT|O_WRONLY|O_TRUNC (uapi asm-generic). */
#define FILE_PATH_O_CREAT_FLAGS (00000100 | 00000001 | 00001000)

/* Set by the user side before load, with BPFHOST_FILE_PATH_SETUP(). */
const volatile bool file_path_filter = false;	/* match the trie */
const volatile bool file_path_exact = false;	/* every filter exact */
/*
 * The path filter: an LPM trie of exact paths (with their NUL) and prefixes
 * (without), and, when every filter is exact, the set of their basenames.
 */
#define FILE_PATH_FILTERS 1024
PATH_FILTER(file_path_trie, struct bpfhost_path_filter_key, FILE_PATH_FILTERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILE_PATH_FILTERS);
	__type(key, struct bpfhost_name_key);
	__type(value, __u8);
} file_path_names SEC(".maps");

/*
 * The strings of a record (see FILE_PATH_STR_START_MASK): a struct, so a
 * global function's argument carries its size.
 */
struct file_path_strs {
	char s[FILE_PATH_STRS_SIZE];
};

/*
 * Per-CPU room for a record of one event struct type: the struct, then its
 * strings, as the record carries them.
 */
#define FILE_PATH_EVENT_SCRATCH(name, ev_type)                                 \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__uint(max_entries, 1);                                        \
		__type(key, __u32);                                            \
		__type(value, struct {                                         \
			ev_type event;                                         \
			struct file_path_strs strs;                            \
		});                                                            \
	} name SEC(".maps")

/*
 * What the sys_exit of an open knows, for file_path_resolve().  Pointers as
 * integers: the verifier checks a global function's pointer argument as
 * plain memory of its struct's size.
 */
struct file_path_open {
	__u64 dentry;		/* of the file opened; 0: none (failed) */
	__u64 mnt;		/* struct vfsmount * of the file */
	__u64 name;		/* the name as passed, in user memory */
	__s64 ret;
	/* flags and mode in the order of struct open_how's first two */
	__u64 flags;		/* open(2) flags */
	__u64 mode;
	__s32 dirfd;
	__u32 syscall;		/* enum bpfhost_open_route */
	__u32 name_in_kernel;	/* name is a kernel copy (io_uring's) */
	__u32 name_lost;	/* there was a name, no longer known */
	__u32 undecided;	/* the result is unknown: no filter decides */
	/*
	 * The file was found after the open, not by it (io_uring: in the fd
	 * table when the completion is posted): it is the open's only if its
	 * path is the name it was opened by; else no filter decides.
	 */
	__u32 verify_name;
};

_Static_assert(__builtin_offsetof(struct open_how, mode) ==
		       __builtin_offsetof(struct open_how, flags) + 8,
	       "struct open_how starts with flags, mode");

/*
 * Per-CPU scratch of one walk and build.  Everything a loop step reads or
 * changes lives here, not in the callback's context on the stack: the
 * verifier then sees unknown, bounded values and the same state at every
 * step, so it stops after checking a step once.
 */
struct file_path_walk {
	const unsigned char *name[FILE_PATH_MAX_DEPTH];	/* [0]: the file's */
	__u32 len[FILE_PATH_MAX_DEPTH];
	/* file_path_collect()'s: where it is, and what ends it */
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
	__u32 pseudo;		/* on a kernel-internal mount (pipe, memfd) */
	__u32 root_seen;
	/* file_path_build()'s */
	__u32 size;		/* of the buffer, at most FILE_PATH_LEN */
	__u32 total;		/* bytes of the names kept, '/' included */
	__u32 first;		/* names [0, first) are kept */
	__u32 off;		/* written so far */
	__u32 lead;		/* the path starts with '/' */
	__u32 build_cut;	/* a rename since the walk made a name longer */
	/* file_path_name_len()'s */
	__u64 scan_name;	/* the name being measured */
	__u32 scan_kernel;	/* it is in kernel memory */
	__u32 scan_len;		/* bytes before its NUL, so far */
	__u32 scan_done;	/* its NUL was found */
	/* file_path_is_name()'s */
	__u32 same;		/* the bytes so far are the same */
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


static __always_inline struct task_struct *file_path_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * The open file behind fd in the current task, or NULL.  A NULL on the way
 * reads as 0.
 */
static __always_inline struct file *file_path_fd_file(int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(file_path_task(), files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Is the dentry's name one an exact filter ends with? */
static __always_inline bool file_path_name_known(struct dentry *dentry)
{
	struct bpfhost_name_key key = {};

	key.len = BPF_CORE_READ(dentry, d_name.len);
	bpf_probe_read_kernel_str(key.head, sizeof(key.head),
				  BPF_CORE_READ(dentry, d_name.name));
	return bpf_map_lookup_elem(&file_path_names, &key) != NULL;
}

/*
 * Fill the file part of *o for an open that gave file f (NULL: it failed)
 * and returned ret.  Returns false when the file's own name rules out
 * every exact filter, the cheap test that rejects most opens before any
 * path work.  The test is exact only for a dentry that is not the root of
 * its mount: a mount root (a bind-mounted file, "/", anything mounted on)
 * is named by the mount point it was reached through, so it takes the walk;
 * so does a dentry that is its own parent (a disconnected one, as
 * open_by_handle_at(2) may give), whose path the walk cannot find, and a
 * file found after the open rather than given by it (by_the_open false:
 * io_uring's, which may have been swapped).
 */
static __always_inline bool file_path_open_file(struct file *f, long ret,
						struct file_path_open *o,
						bool by_the_open)
{
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;

	if (f) {
		dentry = BPF_CORE_READ(f, f_path.dentry);
		mnt = BPF_CORE_READ(f, f_path.mnt);
	}
	if (dentry && file_path_exact && by_the_open &&
	    dentry != BPF_CORE_READ(mnt, mnt_root) &&
	    dentry != BPF_CORE_READ(dentry, d_parent) &&
	    !file_path_name_known(dentry))
		return false;
	o->ret = ret;
	o->dentry = (__u64)dentry;
	o->mnt = dentry ? (__u64)mnt : 0;
	return true;
}

/* file_path_open_file() for an open syscall's exit, given its return. */
static __always_inline bool file_path_open_begin(long ret,
						 struct file_path_open *o)
{
	return file_path_open_file(ret >= 0 ? file_path_fd_file(ret) : NULL,
				   ret, o, true);
}

/*
 * The arguments of the open syscall route (enum bpfhost_open_route) from
 * the registers saved at its entry (open_syscall.bpf.h).  The flags and the
 * mode of openat2(2) are in user memory: read only with want_flags.
 * open_by_handle_at(2) names no file: its name stays 0.
 */
static __always_inline void file_path_open_args(struct file_path_open *o,
						int route, bool compat,
						bool want_flags)
{
	struct syscall_regs *regs = syscall_user_regs();
	__u64 a0 = syscall_arg(regs, 0, compat);
	__u64 a1 = syscall_arg(regs, 1, compat);
	__u64 a2 = syscall_arg(regs, 2, compat);

	o->syscall = route;
	o->name_in_kernel = 0;
	o->name_lost = 0;
	o->undecided = 0;
	o->verify_name = 0;
	o->dirfd = AT_FDCWD;
	o->mode = 0;
	switch (route) {
	case BPFHOST_OPEN_OPEN:
		o->name = a0;
		o->flags = a1;
		o->mode = a2;
		return;
	case BPFHOST_OPEN_CREAT:
		o->name = a0;
		o->flags = FILE_PATH_O_CREAT_FLAGS;
		o->mode = a1;
		return;
	case BPFHOST_OPEN_BY_HANDLE_AT:
		o->dirfd = a0;
		o->name = 0;
		o->flags = a2;
		return;
	case BPFHOST_OPEN_OPENAT:
		o->dirfd = a0;
		o->name = a1;
		o->flags = a2;
		o->mode = syscall_arg(regs, 3, compat);
		return;
	}
	o->dirfd = a0;
	o->name = a1;
	o->flags = 0;
	/* Straight into o, which begins as struct open_how does. */
	if (want_flags)
		bpf_probe_read_user(&o->flags, sizeof(o->flags) + sizeof(o->mode),
				    (void *)a2);
}

static __always_inline struct vfsmount *file_path_vfsmount(struct mount *m)
{
	return (void *)m + bpf_core_field_offset(struct mount, mnt);
}

/* include/linux/mount.h: a kernel-internal mount (pipefs, nsfs, shmem's) */
#define FILE_PATH_MNT_INTERNAL 0x4000

static __always_inline bool file_path_internal(struct mount *m)
{
	return BPF_CORE_READ(m, mnt.mnt_flags) & FILE_PATH_MNT_INTERNAL;
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
	/* mnt->mnt is vfsmnt: struct vfsmount needs no relocation of its own */
	if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
		up = BPF_CORE_READ(mnt, mnt_parent);
		/*
		 * A top mount is its own parent: the namespace's root, or a
		 * detached or kernel-internal mount.
		 */
		if (!up || up == mnt) {
			w->cut = 0;
			w->detached = mnt != w->ns_root;
			w->pseudo = file_path_internal(mnt);
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
		w->pseudo = file_path_internal(mnt);
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/*
 * Collect the names from dentry (on vfsmnt) up to the root of the mount
 * namespace into the per-CPU walk, noting how many lie below the current
 * task's root.
 */
__noinline int file_path_collect(__u64 dentry, __u64 vfsmnt)
{
	struct task_struct *task = file_path_task();
	struct file_path_walk *w = file_path_scratch();
	struct file_path_step_ctx c = { .w = w };
	struct fs_struct *fs = BPF_CORE_READ(task, fs);

	if (!w)
		return -1;
	w->root = BPF_CORE_READ(fs, root.dentry);
	w->root_mnt = BPF_CORE_READ(fs, root.mnt);
	w->ns_root = BPF_CORE_READ(task, nsproxy, mnt_ns, root);
	w->dentry = (struct dentry *)dentry;
	w->vfsmnt = (struct vfsmount *)vfsmnt;
	w->mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	w->n = 0;
	w->n_root = 0;
	w->root_seen = 0;
	w->cut = 1;
	w->detached = 0;
	w->pseudo = 0;
	bpf_loop(FILE_PATH_MAX_DEPTH + FILE_PATH_MAX_MOUNTS,
		 file_path_walk_step, &c, 0);
	/* Outside the task's root (a magic link escaped it): namespace view. */
	if (!w->root_seen)
		w->n_root = w->n;
	return 0;
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

/* In file_path_build()'s result: the path was cut. */
#define FILE_PATH_BUILD_CUT (1 << 16)

/*
 * Write names [top - 1] .. [0] of the walk as "/a/b/c" into strs at offset
 * at (below 2 * FILE_PATH_LEN), at most size (at most FILE_PATH_LEN) bytes.
 * When the path does not fit, or the walk was cut before the root (only
 * when top is the walk's n), the leading names are dropped, so is the
 * leading '/', and FILE_PATH_BUILD_CUT is set.  A file with no path in the
 * namespace (detached: a pipe or memfd reopened through /proc/PID/fd, a
 * detached mount) gets the names its own filesystem knows, without the
 * leading '/', and is not marked cut.  Returns the length, NUL not counted.
 */
__noinline int file_path_build(struct file_path_strs *strs, __u32 at,
			       __u32 size, __u32 top)
{
	struct file_path_walk *w = file_path_scratch();
	struct file_path_step_ctx c = { .w = w };
	bool whole, lead, cut;
	__u32 off;

	if (!w || !strs)
		return 0;
	c.buf = strs->s + (at & FILE_PATH_STR_START_MASK);
	whole = top != w->n || !w->cut;
	lead = top != w->n || (!w->cut && !w->detached);
	if (top > FILE_PATH_MAX_DEPTH)
		top = FILE_PATH_MAX_DEPTH;
	w->size = size < FILE_PATH_LEN ? size : FILE_PATH_LEN;
	w->total = 0;
	w->first = 0;
	bpf_loop(top, file_path_fit_step, &c, 0);
	if (w->first < top)
		whole = lead = false;
	w->lead = lead;
	w->off = 0;
	w->build_cut = 0;
	bpf_loop(w->first, file_path_write_step, &c, 0);
	cut = !whole || w->build_cut;
	off = w->off & (FILE_PATH_LEN - 1);
	if (!off && lead)
		c.buf[off++] = '/';
	c.buf[off] = '\0';
	return off | (cut ? FILE_PATH_BUILD_CUT : 0);
}

/*
 * Copy the name o passed, from byte skip on, as a string of at most size
 * bytes (NUL included) to dst.  Returns bpf_probe_read_*_str()'s result.
 */
static __always_inline long file_path_read_name(char *dst, __u32 size,
						const struct file_path_open *o,
						__u32 skip)
{
	const char *src = (const char *)o->name + skip;

	if (o->name_in_kernel)
		return bpf_probe_read_kernel_str(dst, size, src);
	return bpf_probe_read_user_str(dst, size, src);
}

/* Byte i of the name o passed; 0 when it cannot be read. */
static __always_inline char file_path_name_byte(const struct file_path_open *o,
						__u32 i)
{
	const char *src = (const char *)o->name + i;
	char c = 0;

	if (o->name_in_kernel)
		bpf_probe_read_kernel(&c, 1, src);
	else
		bpf_probe_read_user(&c, 1, src);
	return c;
}

/* One PATH_MAX window of the name: its NUL, or the next window. */
static long file_path_scan_step(__u32 i, void *ctx)
{
	struct file_path_step_ctx *c = ctx;
	struct file_path_walk *w = c->w;
	const char *src = (const char *)w->scan_name + w->scan_len;
	long r;

	if (w->scan_kernel)
		r = bpf_probe_read_kernel_str(c->buf, FILE_PATH_LEN, src);
	else
		r = bpf_probe_read_user_str(c->buf, FILE_PATH_LEN, src);
	if (r <= 0) {
		w->scan_done = 1;	/* unreadable: it ends here */
		return 1;
	}
	if (r < FILE_PATH_LEN) {
		w->scan_len += r - 1;
		w->scan_done = 1;
		return 1;
	}
	/* r - 1 bytes before the window's last, which may be the NUL */
	w->scan_len += r - 1;
	return 0;
}

/*
 * The length of the name o passed (a failed open's), up to
 * FILE_PATH_NAME_WINDOWS windows of PATH_MAX; *whole is false when its end
 * lies further.  buf is scratch of FILE_PATH_LEN bytes.
 */
__noinline int file_path_name_len(const struct file_path_open *o,
				  struct file_path_strs *strs)
{
	struct file_path_walk *w = file_path_scratch();
	struct file_path_step_ctx c = { .w = w };

	if (!w || !o || !strs)
		return -1;
	c.buf = strs->s;
	w->scan_name = o->name;
	w->scan_kernel = o->name_in_kernel;
	w->scan_len = 0;
	w->scan_done = 0;
	bpf_loop(FILE_PATH_NAME_WINDOWS, file_path_scan_step, &c, 0);
	return w->scan_done;
}

/* 8 bytes of the path and of the name at step i: the same, up to len? */
static long file_path_is_name_step(__u32 i, void *ctx)
{
	struct file_path_step_ctx *c = ctx;
	struct file_path_walk *w = c->w;
	__u32 off = (i * 8) & (FILE_PATH_LEN - 1);
	__u64 a = 0, b = 0, mask = ~0ULL;
	__u32 left = w->scan_len - off;

	bpf_probe_read_kernel(&a, sizeof(a), c->buf + off);
	bpf_probe_read_kernel(&b, sizeof(b), (void *)w->scan_name + off);
	if (left < 8)
		mask = (1ULL << (left * 8)) - 1;	/* little-endian */
	if ((a ^ b) & mask) {
		w->same = 0;
		return 1;
	}
	return 0;
}

/*
 * Is the path buf[0, len) (and its NUL) the name o passed, byte for byte?
 * Only a kernel copy of the name is compared (io_uring's); a relative name
 * never is.  On a little-endian machine; elsewhere it answers no.
 */
__noinline int file_path_is_name(struct file_path_strs *strs, __u32 len,
				 const struct file_path_open *o)
{
	struct file_path_walk *w = file_path_scratch();
	struct file_path_step_ctx c = { .w = w };

	if (!w || !strs || !o || !o->name_in_kernel || !o->name ||
	    len >= FILE_PATH_LEN || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		return 0;
	c.buf = strs->s;
	w->scan_name = o->name;
	w->scan_len = len + 1;
	w->same = 1;
	bpf_loop((len + 1 + 7) / 8, file_path_is_name_step, &c, 0);
	return w->same;
}

/*
 * An open that failed has no file: its name is made absolute against the
 * cwd or the dirfd's directory, as written ("..", "." and symlinks stay).
 * Sets *dentry and *mnt to that directory; false when there is none to use
 * (an absolute name, a bad dirfd) and the name stands as passed.
 */
static __always_inline bool file_path_dir_of(const struct file_path_open *o,
					     __u64 *dentry, __u64 *mnt)
{
	struct fs_struct *fs;
	struct file *f;

	if (file_path_name_byte(o, 0) == '/')
		return false;
	/* Each field read from the struct holding the path: see the top. */
	if (o->dirfd == AT_FDCWD) {
		fs = BPF_CORE_READ(file_path_task(), fs);
		*dentry = (__u64)BPF_CORE_READ(fs, pwd.dentry);
		*mnt = (__u64)BPF_CORE_READ(fs, pwd.mnt);
		return true;
	}
	f = file_path_fd_file(o->dirfd);
	if (!f)
		return false;
	*dentry = (__u64)BPF_CORE_READ(f, f_path.dentry);
	*mnt = (__u64)BPF_CORE_READ(f, f_path.mnt);
	return true;
}

/*
 * Append the last bytes of the name o passed, nlen long, to the path
 * buf[0, off) (after a '/' when off is not 0 and the path is not "/"), as
 * many as fit in FILE_PATH_LEN: a name cut so keeps its end, never starts
 * with '/', and sets *cut.  buf as for file_path_build() with
 * FILE_PATH_LEN.  Returns the length.
 */
static __always_inline __u32 file_path_append(char *buf, __u32 off,
					      const struct file_path_open *o,
					      __u32 nlen, bool *cut)
{
	__u32 room, skip = 0;
	long r;

	if (off && (off != 1 || buf[0] != '/'))
		buf[off++ & (FILE_PATH_LEN - 1)] = '/';
	if (off >= FILE_PATH_LEN - 1) {
		*cut = true;
		off = FILE_PATH_LEN - 1;
		buf[off] = '\0';
		return off;
	}
	room = FILE_PATH_LEN - 1 - off;
	if (nlen > room) {
		*cut = true;
		skip = nlen - room;
		if (file_path_name_byte(o, skip) == '/')
			skip++;
	}
	r = file_path_read_name(buf + (off & (FILE_PATH_LEN - 1)),
				(room + 1) & (2 * FILE_PATH_LEN - 1), o, skip);
	if (r <= 0)
		r = 1;
	off += r - 1;
	buf[off & (FILE_PATH_LEN - 1)] = '\0';
	return off;
}

/*
 * Look the path in buf (length len, kernel memory) up in the filter's trie:
 * does a filter match this open (BPFHOST_PATH_FILTER_WRITES: only one that
 * may write)?  A path longer than a key can match a prefix, never an exact
 * path.
 */
static __always_inline bool file_path_in_trie(const char *buf, __u32 len,
					      __u64 flags)
{
	__u32 n = len + 1, zero = 0;
	struct bpfhost_path_filter_key *key;
	__u8 *what;

	key = bpf_map_lookup_elem(&file_path_trie_key, &zero);
	if (!key)
		return false;
	if (n >= sizeof(key->path))
		n = sizeof(key->path) - 1;
	if (bpf_probe_read_kernel(key->path, sizeof(key->path), buf))
		return false;
	key->prefixlen = n * 8;
	what = bpf_map_lookup_elem(&file_path_trie, key);
	if (!what)
		return false;
	/* O_ACCMODE: 0 reads (O_PATH too); 1, 2 and 3 may write */
	return *what != BPFHOST_PATH_FILTER_WRITES || (flags & 3);
}

/*
 * Fill p and the strings after it (strs, which must follow the fixed part
 * of base bytes in the record: FILE_PATH_EVENT_SCRATCH() lays them out so)
 * for the open o.  Returns the bytes of strs the record must carry, or -1
 * as soon as the path filter (file_path_filter) is known not to match,
 * before the work only a record needs.  A path cut at a bound cannot be
 * decided: it is kept, and marked.
 */
__noinline int file_path_resolve(struct bpfhost_file_paths *p,
				 struct file_path_strs *strs, __u32 base,
				 const struct file_path_open *o)
{
	struct file_path_walk *w = file_path_scratch();
	__u64 dentry, mnt;
	bool cut = false, cut_host = false, undecided = false, arg_cut, opened;
	__u32 plen, alen, hlen = 0, at, nlen = 0, size, asize;
	char *buf;
	long r;

	if (!w || !p || !strs || !o)
		return -1;
	buf = strs->s;
	dentry = o->dentry;
	mnt = o->mnt;
	opened = dentry != 0;
	if (!opened) {
		/*
		 * open_by_handle_at(2) names nothing, an io_uring open may
		 * have lost its name: no path to decide on.
		 */
		if (!o->name) {
			plen = 0;
			buf[0] = '\0';
			undecided = true;
			goto filter;
		}
		if (file_path_name_len(o, strs) <= 0)
			cut = true;	/* its end lies beyond what is read */
		nlen = w->scan_len;
		if (!file_path_dir_of(o, &dentry, &mnt)) {
			plen = file_path_append(buf, 0, o, nlen, &cut);
			goto filter;
		}
	}
	/* One walk and one build, whichever way: it halves verification. */
	file_path_collect(dentry, mnt);
	/*
	 * A walk that ends outside the task's mount namespace (a file reached
	 * through /proc/PID/root, a cloned or lazily unmounted tree, a
	 * disconnected dentry) gives a path no filter can be matched against;
	 * a pseudo file (pipe, memfd, namespace file) has no path to match.
	 */
	if (w->detached && !w->pseudo)
		undecided = true;
	/* A failed name keeps its room: the directory is cut first. */
	size = FILE_PATH_LEN;
	if (!opened)
		size = nlen + 2 < FILE_PATH_LEN ? FILE_PATH_LEN - nlen - 1 : 1;
	r = file_path_build(strs, 0, size, w->n_root);
	cut |= (bool)(r & FILE_PATH_BUILD_CUT);
	plen = r & (FILE_PATH_LEN - 1);
	if (!opened)
		plen = file_path_append(buf, plen, o, nlen, &cut);
filter:
	plen &= FILE_PATH_LEN - 1;
	if (o->undecided ||
	    (o->verify_name && !cut && !file_path_is_name(strs, plen, o)))
		undecided = true;
	if (file_path_filter && !cut && !undecided &&
	    !file_path_in_trie(buf, plen, o->flags))
		return -1;
	p->path.offset = base;
	p->path.len = plen;

	/*
	 * A failed open's name is all there is of it, and it has no path_host:
	 * its room holds the whole name.
	 */
	at = plen + 1;
	asize = opened ? BPFHOST_PATH_ARG_LEN : FILE_PATH_LEN;
	r = 0;
	if (o->name)
		r = file_path_read_name(buf + (at & FILE_PATH_STR_START_MASK),
					asize, o, 0);
	alen = r > 0 ? r - 1 : 0;
	/* A full read is cut unless the name's NUL is the byte after it. */
	arg_cut = r == asize && file_path_name_byte(o, asize - 1);
	buf[(at + alen) & FILE_PATH_STR_START_MASK] = '\0';
	p->path_arg.offset = base + at;
	p->path_arg.len = alen;

	at += alen + 1;
	if (opened && w->n_root < w->n) {
		hlen = file_path_build(strs, at, BPFHOST_PATH_HOST_LEN, w->n);
		cut_host = hlen & FILE_PATH_BUILD_CUT;
		hlen &= FILE_PATH_LEN - 1;
	}
	p->path_host.offset = base + at;
	p->path_host.len = hlen;
	p->truncated = cut || cut_host || arg_cut || o->name_lost;

	/* Below the mask already: it tells the verifier so. */
	return (at + hlen) & FILE_PATH_STRS_LEN_MASK;
}

#endif /* BPFHOST_FILE_PATH_BPF_H */

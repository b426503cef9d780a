/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Opens made by io_uring (IORING_OP_OPENAT, IORING_OP_OPENAT2): no syscall
 * per open, so no syscall tracepoint sees them.
 *
 * Two raw tracepoints carry one open.  io_uring:io_uring_submit_req fires
 * in the submitting task once the request is prepared: the kernel's copy of
 * the name (struct io_open's filename) exists only until the open runs, so
 * it is kept here, with who submitted, keyed by the request.
 * io_uring:io_uring_complete fires when the completion is posted, with the
 * result: the fd installed, or the fixed-file slot's file, or the error.
 * A completion that finds the completion ring full (a submitter that never
 * reaps) goes to the overflow list instead, and io_uring_complete never
 * fires for it: io_uring:io_uring_cqe_overflow does, with the ring and the
 * request's user_data but not the request, so the submit also indexes the
 * request by those two.  The request's own open data (dfd, flags, mode,
 * slot) is still readable at either.  All read io_uring's internal structs
 * through CO-RE.
 *
 * Attribution: the submitter; with SQPOLL the submitting thread is the
 * ring's kernel thread, a thread of the ring owner's process, so the record
 * names that process (its pid, and its leader's tid and comm).  The fd is
 * looked up in the completing task's table, which is the ring owner's
 * (io_uring installs it there).
 *
 * The pending requests live in an LRU map: a request that never completes
 * (an open of a FIFO nobody writes) is pushed out by newer ones, never
 * fills the map.  A completion whose request was pushed out is still
 * reported, from what the completion knows: its name then is unknown, and
 * the record says truncated.
 *
 * Include after file_path.bpf.h.
 */
#ifndef BPFHOST_OPEN_URING_BPF_H
#define BPFHOST_OPEN_URING_BPF_H

/* uapi enum io_uring_op: a fixed ABI */
#define OPEN_URING_OP_OPENAT 18
#define OPEN_URING_OP_OPENAT2 28
/* uapi IORING_FILE_INDEX_ALLOC: the kernel picks the slot, res names it */
#define OPEN_URING_INDEX_ALLOC (~0U)
/* include/linux/sched.h */
#define OPEN_URING_PF_IO_WORKER 0x00000010
/* io_uring/filetable.h: flag bits below a fixed file's pointer */
#define OPEN_URING_FFS_MASK 3UL

#define OPEN_URING_PENDING 256
#define OPEN_URING_UDATA 4096

/* Who an open is reported as made by. */
struct open_opener {
	__u32 pid;
	__u32 tid;
	__u32 uid;
	char comm[16];
};

static __always_inline void open_opener_current(struct open_opener *who)
{
	__u64 id = bpf_get_current_pid_tgid();

	who->pid = id >> 32;
	who->tid = (__u32)id;
	who->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(who->comm, sizeof(who->comm));
}

struct open_uring_pending {
	struct open_opener who;
	char name[FILE_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OPEN_URING_PENDING);
	__type(key, __u64);
	__type(value, struct open_uring_pending);
} open_uring_pending SEC(".maps");

/* (ring, user_data) -> request, for io_uring_cqe_overflow */
struct open_uring_udata_key {
	__u64 ring;
	__u64 user_data;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OPEN_URING_UDATA);
	__type(key, struct open_uring_udata_key);
	__type(value, __u64);
} open_uring_udata SEC(".maps");

/* Too big for the stack: built here, then copied into the map. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct open_uring_pending);
} open_uring_scratch SEC(".maps");

/* The request's struct io_open: its command data, at the top of it. */
static __always_inline struct io_open *open_uring_cmd(struct io_kiocb *req)
{
	return (void *)req + bpf_core_field_offset(struct io_kiocb, cmd);
}

static __always_inline bool open_uring_is_open(struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);

	return op == OPEN_URING_OP_OPENAT || op == OPEN_URING_OP_OPENAT2;
}

/* Index req by its ring and user_data (BPF_ANY), or drop that index (-1). */
static __always_inline void open_uring_index(struct io_kiocb *req, int how)
{
	struct open_uring_udata_key k = {
		.ring = (__u64)BPF_CORE_READ(req, ctx),
		.user_data = BPF_CORE_READ(req, cqe.user_data),
	};
	__u64 v = (__u64)req;

	if (how < 0)
		bpf_map_delete_elem(&open_uring_udata, &k);
	else
		bpf_map_update_elem(&open_uring_udata, &k, &v, how);
}

/* At io_uring_submit_req: keep the name and the submitter of an open. */
static __always_inline void open_uring_submit(struct io_kiocb *req)
{
	struct open_uring_pending *p;
	struct task_struct *task, *leader;
	struct filename *fn;
	__u64 key = (__u64)req;
	__u32 zero = 0;

	if (!req || !open_uring_is_open(req))
		return;
	p = bpf_map_lookup_elem(&open_uring_scratch, &zero);
	if (!p)
		return;
	open_opener_current(&p->who);
	task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, flags) & OPEN_URING_PF_IO_WORKER) {
		leader = BPF_CORE_READ(task, group_leader);
		p->who.tid = BPF_CORE_READ(leader, pid);
		bpf_core_read_str(p->who.comm, sizeof(p->who.comm),
				  &leader->comm);
	}
	fn = BPF_CORE_READ(open_uring_cmd(req), filename);
	p->name[0] = '\0';
	bpf_probe_read_kernel_str(p->name, sizeof(p->name),
				  BPF_CORE_READ(fn, name));
	bpf_map_update_elem(&open_uring_pending, &key, p, BPF_ANY);
	open_uring_index(req, BPF_ANY);
}

/* The file in the ring's fixed-file slot, or NULL. */
static __always_inline struct file *open_uring_fixed_file(struct io_ring_ctx *ring,
							  __u32 slot)
{
	struct io_rsrc_node **nodes, *node = NULL;

	if (!bpf_core_field_exists(struct io_rsrc_node, file_ptr) ||
	    slot >= BPF_CORE_READ(ring, file_table.data.nr))
		return NULL;
	nodes = BPF_CORE_READ(ring, file_table.data.nodes);
	bpf_probe_read_kernel(&node, sizeof(node), &nodes[slot]);
	if (!node)
		return NULL;
	return (struct file *)(BPF_CORE_READ(node, file_ptr) &
			       ~OPEN_URING_FFS_MASK);
}

/* An io_uring open's completion, as the plugins' report code takes it. */
struct open_uring_done {
	struct open_opener who;
	struct file_path_open o;	/* all but the file part */
	struct file *file;		/* opened; NULL when it failed */
	long ret;			/* the completion's result */
	__s32 fd;			/* the fd, or the fixed-file slot */
	bool fixed;			/* into a fixed-file slot */
	struct io_kiocb *req;
};

/* Fill *d for the open req of ring, completed with res. */
static __always_inline void open_uring_done_fill(struct io_ring_ctx *ring,
						 struct io_kiocb *req, long res,
						 struct open_uring_done *d)
{
	struct io_open *op = open_uring_cmd(req);
	struct open_uring_pending *p;
	__u64 key = (__u64)req;
	__u32 slot;

	d->ret = res;
	slot = BPF_CORE_READ(op, file_slot);
	d->fixed = slot != 0;
	d->fd = -1;
	d->file = NULL;
	if (d->ret >= 0) {
		d->fd = !d->fixed ? d->ret :
			slot == OPEN_URING_INDEX_ALLOC ? d->ret : slot - 1;
		d->file = d->fixed ? open_uring_fixed_file(ring, d->fd) :
				     file_path_fd_file(d->fd);
	}
	d->o.syscall = BPF_CORE_READ(req, opcode) == OPEN_URING_OP_OPENAT ?
			       BPFHOST_OPEN_IO_URING_OPENAT :
			       BPFHOST_OPEN_IO_URING_OPENAT2;
	d->o.dirfd = BPF_CORE_READ(op, dfd);
	d->o.flags = BPF_CORE_READ(op, how.flags);
	d->o.mode = BPF_CORE_READ(op, how.mode);
	d->o.name_in_kernel = 1;
	p = bpf_map_lookup_elem(&open_uring_pending, &key);
	if (p) {
		d->who = p->who;
		d->o.name = (__u64)p->name;
		d->o.name_lost = 0;
	} else {
		open_opener_current(&d->who);
		d->o.name = 0;
		d->o.name_lost = 1;
	}
	d->req = req;
}

/*
 * At io_uring_complete (args: ring, req, cqe): fill *d when the request is
 * an open.  o.name then points into the pending entry: call
 * open_uring_forget() once the record is made.
 */
static __always_inline bool open_uring_complete(struct bpf_raw_tracepoint_args *ctx,
						struct open_uring_done *d)
{
	struct io_kiocb *req = (void *)ctx->args[1];
	struct io_uring_cqe *cqe = (void *)ctx->args[2];

	if (!req || !open_uring_is_open(req))
		return false;
	open_uring_done_fill((void *)ctx->args[0], req, BPF_CORE_READ(cqe, res),
			     d);
	return true;
}

/*
 * At io_uring_cqe_overflow (args: ring, user_data, res, cflags, ocqe): the
 * same for an open whose completion found the ring full.
 */
static __always_inline bool open_uring_overflow(struct bpf_raw_tracepoint_args *ctx,
						struct open_uring_done *d)
{
	struct open_uring_udata_key k = {
		.ring = ctx->args[0],
		.user_data = ctx->args[1],
	};
	struct io_kiocb *req;
	__u64 *v;

	v = bpf_map_lookup_elem(&open_uring_udata, &k);
	if (!v)
		return false;
	req = (struct io_kiocb *)*v;
	/* The request being completed: still this open, same user_data. */
	if (!open_uring_is_open(req) ||
	    BPF_CORE_READ(req, cqe.user_data) != k.user_data ||
	    (__u64)BPF_CORE_READ(req, ctx) != k.ring)
		return false;
	open_uring_done_fill((void *)ctx->args[0], req, (__s32)ctx->args[2], d);
	return true;
}

static __always_inline void open_uring_forget(struct open_uring_done *d)
{
	__u64 key = (__u64)d->req;

	open_uring_index(d->req, -1);
	bpf_map_delete_elem(&open_uring_pending, &key);
}

#endif /* BPFHOST_OPEN_URING_BPF_H */

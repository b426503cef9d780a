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
 * A request submitted with IOSQE_CQE_SKIP_SUCCESS posts no completion when
 * it succeeds, so neither tracepoint fires for it: such an open is reported
 * at its submit, its result unknown (error EINPROGRESS, fd -1) and its path
 * the name joined to its directory, which no filter decides on; a failure
 * is still posted, and reported again at its completion.
 *
 * The result is read from the request (req->cqe), never from the
 * completion ring, which the submitter can write.  What tracepoints cannot
 * close: the fd is looked up when the completion is posted, and with
 * completions deferred to the submitter (IORING_SETUP_DEFER_TASKRUN) a
 * submitter can swap the fd (dup2) or the fixed slot before it reaps.  So
 * the file found is taken for the open's only when its path is the name
 * the open was given, byte for byte; else (a swap, but also a relative
 * name, a symlink, "..") the record shows both and no filter decides on it.
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
/*
 * io_uring/io_uring_types.h's REQ_F_*_BIT, an anonymous enum that CO-RE
 * cannot relocate (6.18's values)
 */
#define OPEN_URING_REQ_F_CQE_SKIP (1ULL << 6)
#define OPEN_URING_REQ_F_NEED_CLEANUP (1ULL << 13)
/* include/linux/sched.h */
#define OPEN_URING_PF_IO_WORKER 0x00000010
/* io_uring/filetable.h: flag bits below a fixed file's pointer */
#define OPEN_URING_FFS_MASK 3UL

#define OPEN_URING_EINPROGRESS 115
#define OPEN_URING_PENDING 256
#define OPEN_URING_UDATA 4096

/* Who an open is reported as made by. */
struct open_opener {
	__u32 pid;
	__u32 tid;
	__u32 uid;
	char comm[16];
};

/* The current task's ids, without its comm (a helper call of its own). */
static __always_inline void open_opener_ids(struct open_opener *who)
{
	__u64 id = bpf_get_current_pid_tgid();

	who->pid = id >> 32;
	who->tid = (__u32)id;
	who->uid = (__u32)bpf_get_current_uid_gid();
}

static __always_inline void open_opener_current(struct open_opener *who)
{
	open_opener_ids(who);
	bpf_get_current_comm(who->comm, sizeof(who->comm));
}

/*
 * The current task as an io_uring opener: an io_uring kernel thread
 * (SQPOLL, io-wq) stands for its process, named by the leader.
 */
static __always_inline void open_opener_uring(struct open_opener *who)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader;

	open_opener_current(who);
	if (!(BPF_CORE_READ(task, flags) & OPEN_URING_PF_IO_WORKER))
		return;
	leader = BPF_CORE_READ(task, group_leader);
	who->tid = BPF_CORE_READ(leader, pid);
	bpf_core_read_str(who->comm, sizeof(who->comm), &leader->comm);
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

/*
 * Index req by its ring and user_data, or (drop) remove that index when it
 * still names req: another request may have taken the same user_data.
 */
static __always_inline void open_uring_index(struct io_kiocb *req, bool drop)
{
	struct open_uring_udata_key k = {
		.ring = (__u64)BPF_CORE_READ(req, ctx),
		.user_data = BPF_CORE_READ(req, cqe.user_data),
	};
	__u64 v = (__u64)req, *cur;

	if (!drop) {
		bpf_map_update_elem(&open_uring_udata, &k, &v, BPF_ANY);
		return;
	}
	cur = bpf_map_lookup_elem(&open_uring_udata, &k);
	if (cur && *cur == v)
		bpf_map_delete_elem(&open_uring_udata, &k);
}

/*
 * At io_uring_submit_req: keep the name and the submitter of an open.
 * Returns the kept entry (per-CPU scratch) when the open will post no
 * completion if it succeeds (IOSQE_CQE_SKIP_SUCCESS), else NULL.
 */
static __always_inline struct open_uring_pending *
open_uring_submit(struct io_kiocb *req)
{
	struct open_uring_pending *p;
	struct filename *fn;
	__u64 key = (__u64)req;
	__u32 zero = 0;

	if (!req || !open_uring_is_open(req))
		return NULL;
	p = bpf_map_lookup_elem(&open_uring_scratch, &zero);
	if (!p)
		return NULL;
	open_opener_uring(&p->who);
	fn = BPF_CORE_READ(open_uring_cmd(req), filename);
	p->name[0] = '\0';
	bpf_probe_read_kernel_str(p->name, sizeof(p->name),
				  BPF_CORE_READ(fn, name));
	bpf_map_update_elem(&open_uring_pending, &key, p, BPF_ANY);
	open_uring_index(req, false);
	if (BPF_CORE_READ(req, flags) & OPEN_URING_REQ_F_CQE_SKIP)
		return p;
	return NULL;
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

/* Fill the request part of *d for the open req of ring. */
static __always_inline void open_uring_req_fill(struct io_kiocb *req,
						struct open_uring_done *d)
{
	struct io_open *op = open_uring_cmd(req);

	d->o.syscall = BPF_CORE_READ(req, opcode) == OPEN_URING_OP_OPENAT ?
			       BPFHOST_OPEN_IO_URING_OPENAT :
			       BPFHOST_OPEN_IO_URING_OPENAT2;
	d->o.dirfd = BPF_CORE_READ(op, dfd);
	d->o.flags = BPF_CORE_READ(op, how.flags);
	d->o.mode = BPF_CORE_READ(op, how.mode);
	d->o.name_in_kernel = 1;
	d->o.name_lost = 0;
	d->o.undecided = 0;
	d->o.verify_name = 0;
	d->req = req;
}

/*
 * At submit, for an open that will post nothing if it succeeds (p: its
 * pending entry): *d reports the attempt, its result unknown.
 */
static __always_inline void open_uring_skip_fill(struct io_kiocb *req,
						 struct open_uring_pending *p,
						 struct open_uring_done *d)
{
	open_uring_req_fill(req, d);
	d->who = p->who;
	d->o.name = (__u64)p->name;
	d->o.undecided = 1;
	d->ret = -OPEN_URING_EINPROGRESS;
	d->fd = -1;
	d->fixed = false;
	d->file = NULL;
}

/*
 * Fill *d for the open req of ring, completed with its own result.  The
 * name is copied out of the pending entry into per-CPU scratch: another
 * CPU may recycle the entry while the record is built.
 */
static __always_inline void open_uring_done_fill(struct io_ring_ctx *ring,
						 struct io_kiocb *req,
						 struct open_uring_done *d)
{
	struct io_open *op = open_uring_cmd(req);
	struct open_uring_pending *p, *copy;
	__u64 key = (__u64)req;
	__u32 slot, zero = 0;

	open_uring_req_fill(req, d);
	d->ret = BPF_CORE_READ(req, cqe.res);
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
	p = bpf_map_lookup_elem(&open_uring_pending, &key);
	copy = bpf_map_lookup_elem(&open_uring_scratch, &zero);
	if (p && copy) {
		d->who = p->who;
		copy->name[0] = '\0';
		bpf_probe_read_kernel_str(copy->name, sizeof(copy->name),
					  p->name);
		d->o.name = (__u64)copy->name;
		d->o.verify_name = d->file != NULL;
	} else {
		/* Nothing to check the file found against: no filter decides. */
		open_opener_uring(&d->who);
		d->o.name = 0;
		d->o.name_lost = 1;
		d->o.undecided = 1;
	}
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

	/* cqe lies in the ring the submitter maps: its res is not read */
	if (!req || !open_uring_is_open(req))
		return false;
	open_uring_done_fill((void *)ctx->args[0], req, d);
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
	/*
	 * Another completion may carry the same user_data (a NOP, a message
	 * from another ring): this is the open's only if the open has run
	 * (its cleanup done) and this result is the one it set.  Any other
	 * completion with this result reports the same file.
	 */
	if (!open_uring_is_open(req) ||
	    BPF_CORE_READ(req, cqe.user_data) != k.user_data ||
	    (__u64)BPF_CORE_READ(req, ctx) != k.ring ||
	    (BPF_CORE_READ(req, flags) & OPEN_URING_REQ_F_NEED_CLEANUP) ||
	    BPF_CORE_READ(req, cqe.res) != (__s32)ctx->args[2])
		return false;
	open_uring_done_fill((void *)ctx->args[0], req, d);
	return true;
}

static __always_inline void open_uring_forget(struct open_uring_done *d)
{
	__u64 key = (__u64)d->req;

	open_uring_index(d->req, true);
	bpf_map_delete_elem(&open_uring_pending, &key);
}

/*
 * The three io_uring programs, for a plugin that defines
 *	static __always_inline void open_uring_report(struct open_uring_done *d)
 * (its filters and its record, for an open's result or, at submit, an open
 * whose result will not be seen).
 */
#define OPEN_URING_PROGRAMS                                                    \
	SEC("raw_tp/io_uring_submit_req")                                      \
	int uring_submit(struct bpf_raw_tracepoint_args *ctx)                  \
	{                                                                      \
		struct io_kiocb *req = (struct io_kiocb *)ctx->args[0];        \
		struct open_uring_pending *p = open_uring_submit(req);         \
		struct open_uring_done d;                                      \
									       \
		if (p) {                                                       \
			open_uring_skip_fill(req, p, &d);                      \
			open_uring_report(&d);                                 \
		}                                                              \
		return 0;                                                      \
	}                                                                      \
									       \
	SEC("raw_tp/io_uring_complete")                                        \
	int uring_complete(struct bpf_raw_tracepoint_args *ctx)                \
	{                                                                      \
		struct open_uring_done d;                                      \
									       \
		if (open_uring_complete(ctx, &d)) {                            \
			open_uring_report(&d);                                 \
			open_uring_forget(&d);                                 \
		}                                                              \
		return 0;                                                      \
	}                                                                      \
									       \
	SEC("raw_tp/io_uring_cqe_overflow")                                    \
	int uring_overflow(struct bpf_raw_tracepoint_args *ctx)                \
	{                                                                      \
		struct open_uring_done d;                                      \
									       \
		if (open_uring_overflow(ctx, &d)) {                            \
			open_uring_report(&d);                                 \
			open_uring_forget(&d);                                 \
		}                                                              \
		return 0;                                                      \
	}

#endif /* BPFHOST_OPEN_URING_BPF_H */

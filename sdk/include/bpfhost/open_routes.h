/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User side of the open routes (bpf/open_syscall.bpf.h,
 * bpf/open_uring.bpf.h): attaching one program to many syscall
 * tracepoints, choosing between the syscalls:* exits and raw_syscalls, and
 * io_uring's two tracepoints, with one line for a route the kernel lacks.
 * Needs <bpf/libbpf.h> and <bpfhost/plugin.h>.
 */
#ifndef BPFHOST_OPEN_ROUTES_H
#define BPFHOST_OPEN_ROUTES_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The links a plugin made beyond its skeleton's own. */
#define BPFHOST_LINKS_MAX 24
struct bpfhost_links {
	struct bpf_link *link[BPFHOST_LINKS_MAX];
	unsigned int n;
};

static inline void bpfhost_links_destroy(struct bpfhost_links *l)
{
	while (l->n)
		bpf_link__destroy(l->link[--l->n]);
}

/*
 * Attach prog to syscalls:NAME for each of names[0..n), or, with names
 * NULL, to its own section.  A tracepoint the kernel lacks (open(2) and
 * creat(2) on newer architectures) is skipped, but names[0] must exist.
 * Returns 0 or a negative errno, with errno set.
 */
static inline int bpfhost_links_attach(struct bpfhost_links *l,
				       struct bpf_program *prog,
				       const char *const *names, size_t n)
{
	struct bpf_link *link;

	for (size_t i = 0; i < (names ? n : 1); i++) {
		if (l->n == BPFHOST_LINKS_MAX)
			return -(errno = ENOSPC);
		link = names ? bpf_program__attach_tracepoint(prog, "syscalls",
							      names[i]) :
			       bpf_program__attach(prog);
		if (link) {
			l->link[l->n++] = link;
			continue;
		}
		if (names && i > 0 && errno == ENOENT)
			continue;
		return -errno;
	}
	return 0;
}

/* The native exits of every open syscall; sys_exit_openat first. */
static const char *const bpfhost_open_exits[] = {
	"sys_exit_openat", "sys_exit_open", "sys_exit_openat2",
	"sys_exit_creat", "sys_exit_open_by_handle_at",
};

/*
 * A plugin's programs for the open routes.  exit_tp takes syscalls:*
 * exits, exit_raw raw_syscalls:sys_exit; with compat only exit_raw loads.
 */
struct bpfhost_open_progs {
	struct bpf_program *exit_tp;
	struct bpf_program *exit_raw;
	struct bpf_program *uring_submit;
	struct bpf_program *uring_complete;
	struct bpf_program *uring_overflow;
};

/*
 * The programs of a skeleton that names them exit_tp, exit_raw,
 * uring_submit, uring_complete and uring_overflow (bpf/open_uring.bpf.h's
 * OPEN_URING_PROGRAMS defines the last three).
 */
#define BPFHOST_OPEN_PROGS(skel)                                               \
	((struct bpfhost_open_progs){                                          \
		.exit_tp = (skel)->progs.exit_tp,                              \
		.exit_raw = (skel)->progs.exit_raw,                            \
		.uring_submit = (skel)->progs.uring_submit,                    \
		.uring_complete = (skel)->progs.uring_complete,                \
		.uring_overflow = (skel)->progs.uring_overflow,                \
	})

/* Before load: load only the exit program that will be attached. */
static inline void bpfhost_open_routes_select(const struct bpfhost_open_progs *p,
					      bool compat)
{
	bpf_program__set_autoload(p->exit_tp, !compat);
	bpf_program__set_autoload(p->exit_raw, compat);
}

/*
 * Attach io_uring's programs (submit first: a completion finds its
 * request's name; then completions, posted and overflowed), then the exits: exit_raw once, or exit_tp to the open
 * exits and to the more syscalls:* exits in extra[0..n_extra).  A kernel
 * without io_uring's tracepoints gets one line and the rest runs.  Returns
 * 0 or a negative errno, after a line naming what failed.
 */
static inline int bpfhost_open_routes_attach(const struct bpfhost_open_progs *p,
					     bool compat, struct bpfhost_links *l,
					     const char *const *extra,
					     size_t n_extra,
					     const struct bpfhost_host_api *host,
					     struct bpfhost_plugin_ctx *ctx)
{
	const char *what = "io_uring_submit_req";
	unsigned int before = l->n;
	int err;

	err = bpfhost_links_attach(l, p->uring_submit, NULL, 0);
	if (!err) {
		what = "io_uring_complete";
		err = bpfhost_links_attach(l, p->uring_complete, NULL, 0);
	}
	if (!err) {
		what = "io_uring_cqe_overflow";
		err = bpfhost_links_attach(l, p->uring_overflow, NULL, 0);
	}
	if (err == -ENOENT) {
		while (l->n > before)
			bpf_link__destroy(l->link[--l->n]);
		host->log(ctx, BPFHOST_LOG_WARN,
			  "io_uring opens are not covered: this kernel has no %s tracepoint",
			  what);
	} else if (err) {
		goto fail;
	}
	what = "raw_syscalls:sys_exit";
	if (compat) {
		err = bpfhost_links_attach(l, p->exit_raw, NULL, 0);
		if (err)
			goto fail;
		return 0;
	}
	what = "syscalls:sys_exit_openat";
	err = bpfhost_links_attach(l, p->exit_tp, bpfhost_open_exits,
				   sizeof(bpfhost_open_exits) /
					   sizeof(bpfhost_open_exits[0]));
	if (!err && n_extra) {
		what = extra[0];
		err = bpfhost_links_attach(l, p->exit_tp, extra, n_extra);
	}
	if (!err)
		return 0;
fail:
	host->log(ctx, BPFHOST_LOG_ERROR, "cannot attach %s: %s", what,
		  strerror(-err));
	return err;
}

#endif /* BPFHOST_OPEN_ROUTES_H */

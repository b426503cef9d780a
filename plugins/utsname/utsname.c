// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* utsname, user side: options, event schemas and lifecycle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpfhost/plugin.h>
#include <bpfhost/open_routes.h>
#include <bpfhost/task_fields.h>

#include "utsname.h"
#include "utsname.skel.h"

/*
 * The host's UTS namespace is the one init runs in.  Where init's namespace
 * links are closed to us (a non-dumpable init, as in some sandboxes), take
 * the kernel's initial UTS namespace, whose inode number is fixed
 * (UTS_NS_INIT_INO, uapi/linux/nsfs.h, the same value since 3.8).
 */
/* include/linux/proc_ns.h */
#define INITIAL_UTS_NS_INO 0xEFFFFFFEU
#define INITIAL_USER_NS_INO 0xEFFFFFFDU
#define INITIAL_PID_NS_INO 0xEFFFFFFCU

struct utsname {
	const struct bpfhost_host_api *host;
	struct bpfhost_plugin_ctx *ctx;
	struct utsname_bpf *skel;
	struct bpfhost_open_progs progs;
	bool compat;
	struct bpfhost_links links;
};

static const struct bpfhost_option options[] = {
	{ .name = "path", .type = BPFHOST_OPT_STRING, .flags = BPFHOST_OPT_MULTI,
	  .def = "/etc/hosts", .min = 1, .max = UTSNAME_PATH_LEN - 2,
	  .help = "report opens of this exact absolute path, as resolved" },
	{ .name = "containers_only", .type = BPFHOST_OPT_BOOL, .def = "no",
	  .help = "leave out opens and name changes of tasks that are surely the host's: no container id, and the host's UTS, pid and user namespaces" },
	{ .name = "compat", .type = BPFHOST_OPT_BOOL, .def = "yes",
	  .help = "also see 32-bit (ia32) syscalls: traces every syscall's enter and exit, which costs each syscall two program runs (README, Performance)" },
};

static const struct bpfhost_value_name syscall_names[] = {
	{ ~0ull, UTSNAME_SYS_SETHOSTNAME, "sethostname" },
	{ ~0ull, UTSNAME_SYS_SETDOMAINNAME, "setdomainname" },
	{ ~0ull, UTSNAME_SYS_CLONE, "clone" },
	{ ~0ull, UTSNAME_SYS_UNSHARE, "unshare" },
	{ ~0ull, UTSNAME_SYS_SETNS, "setns" },
	{ 0, 0, NULL },
};

static const struct bpfhost_value_name open_route_names[] =
	BPFHOST_OPEN_ROUTE_NAMES;

#define OPEN_FIELD(m) BPFHOST_FIELD_AT(struct utsname_open_event, m)
#define SETNAME_FIELD(m) BPFHOST_FIELD_AT(struct utsname_setname_event, m)
#define ENTER_FIELD(m) BPFHOST_FIELD_AT(struct utsname_enter_event, m)

static const struct bpfhost_field open_fields[] = {
	BPFHOST_TASK_FIELDS(struct utsname_open_event, task),
	{ .name = "host_uts", .header = "HOSTNS", .type = BPFHOST_FIELD_BOOL,
	  .width = -6, OPEN_FIELD(host_uts) },
	{ .name = "error", .type = BPFHOST_FIELD_INT,
	  .display = BPFHOST_DISPLAY_ERRNO, OPEN_FIELD(err) },
	{ .name = "syscall", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = open_route_names,
	  .flags = BPFHOST_FIELD_NO_TEXT, OPEN_FIELD(syscall) },
	{ .name = "compat", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, OPEN_FIELD(compat) },
	BPFHOST_FILE_PATH_FIELDS(struct utsname_open_event, paths),
};

static const struct bpfhost_field setname_fields[] = {
	BPFHOST_TASK_FIELDS(struct utsname_setname_event, task),
	{ .name = "host_uts", .header = "HOSTNS", .type = BPFHOST_FIELD_BOOL,
	  .width = -6, SETNAME_FIELD(host_uts) },
	{ .name = "syscall", .header = "SYSCALL", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = syscall_names,
	  .width = -13, SETNAME_FIELD(syscall) },
	{ .name = "error", .header = "ERR", .type = BPFHOST_FIELD_INT,
	  .display = BPFHOST_DISPLAY_ERRNO, .width = -6, SETNAME_FIELD(err) },
	{ .name = "compat", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, SETNAME_FIELD(compat) },
	{ .name = "old_name", .header = "OLD", .type = BPFHOST_FIELD_STR,
	  .width = -16, SETNAME_FIELD(old_name) },
	{ .name = "new_name", .header = "NEW", .type = BPFHOST_FIELD_STR,
	  SETNAME_FIELD(new_name) },
};

static const struct bpfhost_field enter_fields[] = {
	BPFHOST_TASK_FIELDS(struct utsname_enter_event, task),
	{ .name = "syscall", .header = "SYSCALL", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = syscall_names,
	  .width = -7, ENTER_FIELD(syscall) },
	{ .name = "compat", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, ENTER_FIELD(compat) },
	{ .name = "child_tid", .header = "CHILD", .type = BPFHOST_FIELD_UINT,
	  .width = 7, ENTER_FIELD(child_tid) },
	{ .name = "old_uts_ns", .header = "OLD_UTS", .type = BPFHOST_FIELD_UINT,
	  .width = 10, ENTER_FIELD(old_uts_ns) },
	{ .name = "new_uts_ns", .header = "NEW_UTS", .type = BPFHOST_FIELD_UINT,
	  .width = 10, ENTER_FIELD(new_uts_ns) },
	{ .name = "new_host_uts", .type = BPFHOST_FIELD_BOOL,
	  ENTER_FIELD(host_uts) },
	{ .name = "old_nodename", .header = "OLD", .type = BPFHOST_FIELD_STR,
	  .width = -16, ENTER_FIELD(old_nodename) },
	{ .name = "new_nodename", .header = "NEW", .type = BPFHOST_FIELD_STR,
	  ENTER_FIELD(new_nodename) },
};

static const struct bpfhost_event_schema events[] = {
	[UTSNAME_EVENT_OPEN] = {
		.name = "open",
		.help = "a watched path was opened, or an open of it failed",
		.size = sizeof(struct utsname_open_event),
		.nfields = BPFHOST_ARRAY_SIZE(open_fields),
		.fields = open_fields,
		.btf_struct = "utsname_open_event",
	},
	[UTSNAME_EVENT_SETNAME] = {
		.name = "sethostname",
		.help = "sethostname(2) or setdomainname(2): old and new name",
		.size = sizeof(struct utsname_setname_event),
		.nfields = BPFHOST_ARRAY_SIZE(setname_fields),
		.fields = setname_fields,
		.btf_struct = "utsname_setname_event",
	},
	[UTSNAME_EVENT_ENTER] = {
		.name = "enter_uts",
		.help = "a task entered, or a child was cloned into, another UTS namespace",
		.size = sizeof(struct utsname_enter_event),
		.nfields = BPFHOST_ARRAY_SIZE(enter_fields),
		.fields = enter_fields,
		.btf_struct = "utsname_enter_event",
	},
};

/*
 * A watched file read: info, routine.  A host or domain name changed:
 * notice, a configuration change every SIEM should see.  A task entered
 * another UTS namespace: info, what every container start does.
 */
static const uint8_t severities[] = {
	[UTSNAME_EVENT_OPEN] = BPFHOST_SEVERITY(BPFHOST_SEV_INFO),
	[UTSNAME_EVENT_SETNAME] = BPFHOST_SEVERITY(BPFHOST_SEV_NOTICE),
	[UTSNAME_EVENT_ENTER] = BPFHOST_SEVERITY(BPFHOST_SEV_INFO),
};

/*
 * The host's namespace of a kind: init's, or the initial one's (whose
 * inode numbers are fixed) when /proc/1 cannot be read.
 */
static __u32 host_ns(struct utsname *u, const char *kind, __u32 initial)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/1/ns/%s", kind);
	if (!stat(path, &st))
		return st.st_ino;
	u->host->log(u->ctx, BPFHOST_LOG_INFO,
		     "cannot read %s (%s): taking the initial namespace %u as the host's",
		     path, strerror(errno), initial);
	return initial;
}

static int utsname_open(const struct bpfhost_host_api *host,
			struct bpfhost_plugin_ctx *ctx, void **state)
{
	struct utsname *u;
	int err;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->host = host;
	u->ctx = ctx;
	u->skel = utsname_bpf__open_opts(bpfhost_bpf_open_opts(host, ctx));
	if (!u->skel) {
		err = -errno;
		host->log(ctx, BPFHOST_LOG_ERROR,
			  "cannot open the BPF object: %s", strerror(-err));
		free(u);
		return err;
	}
	u->skel->rodata->host_uts_ns = host_ns(u, "uts", INITIAL_UTS_NS_INO);
	u->skel->rodata->host_pid_ns = host_ns(u, "pid", INITIAL_PID_NS_INO);
	u->skel->rodata->host_user_ns = host_ns(u, "user", INITIAL_USER_NS_INO);
	/* Every watched path is exact: the basename set goes first. */
	BPFHOST_FILE_PATH_SETUP(u->skel->rodata, true, true);
	u->skel->rodata->containers_only = host->opt_bool(ctx,
							  "containers_only");
	u->skel->rodata->nr_sethostname = SYS_sethostname;
	u->skel->rodata->nr_setdomainname = SYS_setdomainname;
	u->skel->rodata->nr_unshare = SYS_unshare;
	u->skel->rodata->nr_setns = SYS_setns;
	u->progs = BPFHOST_OPEN_PROGS(u->skel);
	u->compat = host->opt_bool(ctx, "compat");
	bpfhost_open_routes_select(&u->progs, u->compat);
	bpf_program__set_autoload(u->skel->progs.enter_tp, !u->compat);
	bpf_program__set_autoload(u->skel->progs.enter_raw, u->compat);
	*state = u;
	return 0;
}

/*
 * Exact paths: the trie key keeps the NUL, so no longer path matches.  The
 * kernel matches them against the resolved path of the file opened.
 */
/*
 * The other way to rename a host: writing the sysctl files, which no
 * tracepoint sees as a rename.  Opens of them that may write are reported
 * as opens, always.
 */
static const char *const uts_sysctl_files[] = {
	"/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname",
};

static int watch_path(struct utsname *u, const char *path, __u8 what)
{
	int err = bpfhost_path_filter_add_as(
		bpf_map__fd(u->skel->maps.file_path_trie),
		bpf_map__fd(u->skel->maps.file_path_names), path, 1, what);

	if (err)
		u->host->log(u->ctx, BPFHOST_LOG_ERROR,
			     "cannot watch path '%s': %s", path,
			     strerror(-err));
	return err;
}

static int add_watched_paths(struct utsname *u)
{
	unsigned int i, n = u->host->opt_count(u->ctx, "path");
	int err = 0;

	for (i = 0; i < BPFHOST_ARRAY_SIZE(uts_sysctl_files) && !err; i++)
		err = watch_path(u, uts_sysctl_files[i],
				 BPFHOST_PATH_FILTER_WRITES);
	/* A path given as a watched path is watched for every open. */
	for (i = 0; i < n && !err; i++)
		err = watch_path(u, u->host->opt_str(u->ctx, "path", i),
				 BPFHOST_PATH_FILTER_ANY);
	return err;
}

static int utsname_load(void *state)
{
	struct utsname *u = state;
	int err;

	err = utsname_bpf__load(u->skel);
	if (err) {
		u->host->log(u->ctx, BPFHOST_LOG_ERROR,
			     "the kernel refused the BPF programs: %s (run with -v for the verifier log)",
			     strerror(-err));
		return err;
	}
	return add_watched_paths(u);
}

/* The syscalls:* tracepoints beyond the opens'. */
static const char *const setname_exits[] = {
	"sys_exit_sethostname", "sys_exit_setdomainname",
	"sys_exit_unshare", "sys_exit_setns",
};
static const char *const setname_enters[] = {
	"sys_enter_sethostname", "sys_enter_setdomainname",
	"sys_enter_unshare", "sys_enter_setns",
};

/* Exits first, so no enter is left pending without its exit. */
static int utsname_attach(void *state)
{
	struct utsname *u = state;
	struct bpf_program *enter = u->compat ? u->skel->progs.enter_raw :
						u->skel->progs.enter_tp;
	int err;

	err = bpfhost_open_routes_attach(&u->progs, u->compat, &u->links,
					 setname_exits,
					 BPFHOST_ARRAY_SIZE(setname_exits),
					 u->host, u->ctx);
	if (err)
		return err;
	if ((err = bpfhost_links_attach(&u->links, enter,
					u->compat ? NULL : setname_enters,
					BPFHOST_ARRAY_SIZE(setname_enters))) ||
	    (err = bpfhost_links_attach(&u->links, u->skel->progs.on_newtask,
					NULL, 0))) {
		u->host->log(u->ctx, BPFHOST_LOG_ERROR,
			     "cannot attach the UTS namespace tracepoints: %s",
			     strerror(-err));
		return err;
	}
	return u->host->add_ringbuf(u->ctx, bpf_map__fd(u->skel->maps.events),
				    bpf_map__fd(u->skel->maps.lost));
}

static void utsname_detach(void *state)
{
	struct utsname *u = state;

	bpfhost_links_destroy(&u->links);
}

static void utsname_close(void *state)
{
	struct utsname *u = state;

	utsname_detach(u);
	utsname_bpf__destroy(u->skel);
	free(u);
}

static const void *utsname_bpf_object(size_t *size)
{
	return utsname_bpf__elf_bytes(size);
}

static const struct bpfhost_plugin_ops utsname_ops = {
	.abi_version = BPFHOST_ABI_VERSION,
	.size = sizeof(struct bpfhost_plugin_ops),
	.name = "utsname",
	.version = "1.0.0",
	.summary = "which container (UTS namespace) opens a watched path; hostname changes, namespace switches",
	.options = options,
	.noptions = BPFHOST_ARRAY_SIZE(options),
	.events = events,
	.nevents = BPFHOST_ARRAY_SIZE(events),
	.open = utsname_open,
	.load = utsname_load,
	.attach = utsname_attach,
	.detach = utsname_detach,
	.close = utsname_close,
	.bpf_object = utsname_bpf_object,
	.event_severities = severities,
};

BPFHOST_PLUGIN(utsname_ops)

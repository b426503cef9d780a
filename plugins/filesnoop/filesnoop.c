// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* filesnoop, user side: options, event schema and lifecycle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel's own flag values: glibc's differ (O_LARGEFILE is 0 on 64-bit). */
#include <asm/fcntl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpfhost/plugin.h>
#include <bpfhost/open_routes.h>
#include <bpfhost/task_fields.h>

#include "filesnoop.h"
#include "filesnoop.skel.h"

struct filesnoop {
	const struct bpfhost_host_api *host;
	struct bpfhost_plugin_ctx *ctx;
	struct filesnoop_bpf *skel;
	struct bpfhost_open_progs progs;
	bool compat;
	struct bpfhost_links links;
};

static const struct bpfhost_option options[] = {
	{ .name = "path", .type = BPFHOST_OPT_STRING, .flags = BPFHOST_OPT_MULTI,
	  .min = 1, .max = FILESNOOP_FILTER_LEN - 2,
	  .help = "report only opens of this exact absolute path, as resolved" },
	{ .name = "prefix", .type = BPFHOST_OPT_STRING, .flags = BPFHOST_OPT_MULTI,
	  .min = 1, .max = FILESNOOP_FILTER_LEN - 1,
	  .help = "report only opens whose resolved path starts with this" },
	{ .name = "pid", .type = BPFHOST_OPT_INT, .min = 1, .max = 4194304,
	  .help = "report only this process id" },
	{ .name = "uid", .type = BPFHOST_OPT_INT, .min = 0, .max = 4294967294,
	  .help = "report only this user id" },
	{ .name = "comm", .type = BPFHOST_OPT_STRING, .min = 1,
	  .max = FILESNOOP_COMM_LEN - 1,
	  .help = "report only this command name (exact, as in /proc/PID/comm)" },
	{ .name = "failed_only", .type = BPFHOST_OPT_BOOL, .def = "no",
	  .help = "report only opens that failed" },
	{ .name = "compat", .type = BPFHOST_OPT_BOOL, .def = "yes",
	  .help = "also see 32-bit (ia32) opens: traces every syscall's exit, which costs each syscall a program run (README, Performance)" },
};

/*
 * Order matters: O_SYNC and O_TMPFILE claim their bits before their parts
 * (O_DSYNC, O_DIRECTORY) can.
 */
static const struct bpfhost_value_name open_flag_names[] = {
	{ O_ACCMODE, O_RDONLY, "O_RDONLY" },
	{ O_ACCMODE, O_WRONLY, "O_WRONLY" },
	{ O_ACCMODE, O_RDWR, "O_RDWR" },
	{ O_CREAT, O_CREAT, "O_CREAT" },
	{ O_EXCL, O_EXCL, "O_EXCL" },
	{ O_NOCTTY, O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, O_TRUNC, "O_TRUNC" },
	{ O_APPEND, O_APPEND, "O_APPEND" },
	{ O_NONBLOCK, O_NONBLOCK, "O_NONBLOCK" },
	{ __O_SYNC | O_DSYNC, __O_SYNC | O_DSYNC, "O_SYNC" },
	{ O_DSYNC, O_DSYNC, "O_DSYNC" },
	{ FASYNC, FASYNC, "O_ASYNC" },
	{ O_DIRECT, O_DIRECT, "O_DIRECT" },
	{ O_LARGEFILE, O_LARGEFILE, "O_LARGEFILE" },
	{ __O_TMPFILE | O_DIRECTORY, __O_TMPFILE | O_DIRECTORY, "O_TMPFILE" },
	{ O_DIRECTORY, O_DIRECTORY, "O_DIRECTORY" },
	{ O_NOFOLLOW, O_NOFOLLOW, "O_NOFOLLOW" },
	{ O_NOATIME, O_NOATIME, "O_NOATIME" },
	{ O_CLOEXEC, O_CLOEXEC, "O_CLOEXEC" },
	{ O_PATH, O_PATH, "O_PATH" },
	{ 0, 0, NULL },
};

static const struct bpfhost_value_name syscall_names[] =
	BPFHOST_OPEN_ROUTE_NAMES;

#define OPEN_FIELD(member) BPFHOST_FIELD_AT(struct filesnoop_open_event, member)

static const struct bpfhost_field open_fields[] = {
	BPFHOST_TASK_FIELDS(struct filesnoop_open_event, task),
	{ .name = "fd", .header = "FD", .type = BPFHOST_FIELD_INT,
	  .width = 4, OPEN_FIELD(fd) },
	{ .name = "fd_fixed", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, OPEN_FIELD(fd_fixed) },
	{ .name = "error", .header = "ERR", .type = BPFHOST_FIELD_INT,
	  .display = BPFHOST_DISPLAY_ERRNO, .width = -7, OPEN_FIELD(err) },
	{ .name = "flags", .header = "FLAGS", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_FLAGS, .value_names = open_flag_names,
	  .width = -26, OPEN_FIELD(flags) },
	{ .name = "mode", .type = BPFHOST_FIELD_UINT,
	  .flags = BPFHOST_FIELD_NO_TEXT, OPEN_FIELD(mode) },
	{ .name = "syscall", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = syscall_names,
	  .flags = BPFHOST_FIELD_NO_TEXT, OPEN_FIELD(syscall) },
	{ .name = "compat", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, OPEN_FIELD(compat) },
	{ .name = "severity", .type = BPFHOST_FIELD_UINT,
	  .flags = BPFHOST_FIELD_NO_TEXT | BPFHOST_FIELD_SEVERITY,
	  OPEN_FIELD(severity) },
	BPFHOST_FILE_PATH_FIELDS(struct filesnoop_open_event, paths),
};

static const struct bpfhost_event_schema events[] = {
	[FILESNOOP_EVENT_OPEN] = {
		.name = "open",
		.help = "a file was opened, or an open failed",
		.size = sizeof(struct filesnoop_open_event),
		.nfields = BPFHOST_ARRAY_SIZE(open_fields),
		.fields = open_fields,
		.btf_struct = "filesnoop_open_event",
	},
};

/* Each record carries its own, open_severity() in filesnoop.bpf.c. */
static const uint8_t severities[] = {
	[FILESNOOP_EVENT_OPEN] = BPFHOST_SEVERITY(BPFHOST_SEV_INFO),
};

static void set_comm_filter(struct filesnoop *fs)
{
	const char *comm = fs->host->opt_str(fs->ctx, "comm", 0);
	struct filesnoop_bpf__rodata *ro = fs->skel->rodata;

	if (!comm)
		return;
	ro->filter_comm = true;
	/* Length validated by the host against options[]. */
	memcpy((char *)ro->targ_comm, comm, strlen(comm));
}

/*
 * getpid() and the pid option are pids of the host's pid namespace; the
 * kernel side compares in that namespace unless it is the initial one
 * (PROC_PID_INIT_INO, uapi/linux/nsfs.h), where pids are global.
 */
#define INITIAL_PID_NS_INO 0xEFFFFFFCU

static void set_host_pidns(struct filesnoop_bpf__rodata *ro)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) || st.st_ino == INITIAL_PID_NS_INO)
		return;
	ro->host_pidns_dev = st.st_dev;
	ro->host_pidns_ino = st.st_ino;
}

static int filesnoop_open(const struct bpfhost_host_api *host,
			  struct bpfhost_plugin_ctx *ctx, void **state)
{
	struct filesnoop *fs;
	struct filesnoop_bpf__rodata *ro;

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->host = host;
	fs->ctx = ctx;
	fs->skel = filesnoop_bpf__open_opts(bpfhost_bpf_open_opts(host, ctx));
	if (!fs->skel) {
		int err = -errno;

		host->log(ctx, BPFHOST_LOG_ERROR,
			  "cannot open the BPF object: %s", strerror(-err));
		free(fs);
		return err;
	}
	ro = fs->skel->rodata;
	ro->host_tgid = getpid();	/* plugins run in the host's process */
	set_host_pidns(ro);
	if (host->opt_count(ctx, "pid"))
		ro->targ_pid = host->opt_int(ctx, "pid", 0);
	if (host->opt_count(ctx, "uid")) {
		ro->filter_uid = true;
		ro->targ_uid = host->opt_int(ctx, "uid", 0);
	}
	set_comm_filter(fs);
	BPFHOST_FILE_PATH_SETUP(ro, host->opt_count(ctx, "path") ||
					    host->opt_count(ctx, "prefix"),
				!host->opt_count(ctx, "prefix"));
	ro->failed_only = host->opt_bool(ctx, "failed_only");
	fs->progs = BPFHOST_OPEN_PROGS(fs->skel);
	fs->compat = host->opt_bool(ctx, "compat");
	bpfhost_open_routes_select(&fs->progs, fs->compat);
	*state = fs;
	return 0;
}

/*
 * An exact path keeps its NUL in the key; a prefix does not.  An exact
 * path's last name also goes in the set the kernel tests first.
 */
static int add_path_filters(struct filesnoop *fs, const char *opt, bool exact)
{
	int trie_fd = bpf_map__fd(fs->skel->maps.file_path_trie);
	int names_fd = bpf_map__fd(fs->skel->maps.file_path_names);
	unsigned int i, n = fs->host->opt_count(fs->ctx, opt);

	for (i = 0; i < n; i++) {
		const char *path = fs->host->opt_str(fs->ctx, opt, i);
		int err = bpfhost_path_filter_add(trie_fd, names_fd, path, exact);

		if (err) {
			fs->host->log(fs->ctx, BPFHOST_LOG_ERROR,
				      "cannot add %s filter '%s': %s", opt,
				      path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int filesnoop_load(void *state)
{
	struct filesnoop *fs = state;
	int err;

	err = filesnoop_bpf__load(fs->skel);
	if (err) {
		fs->host->log(fs->ctx, BPFHOST_LOG_ERROR,
			      "the kernel refused the BPF programs: %s (run with -v for the verifier log)",
			      strerror(-err));
		return err;
	}
	err = add_path_filters(fs, "path", true);
	if (!err)
		err = add_path_filters(fs, "prefix", false);
	return err;
}

static int filesnoop_attach(void *state)
{
	struct filesnoop *fs = state;
	int err;

	err = bpfhost_open_routes_attach(&fs->progs, fs->compat, &fs->links,
					 NULL, 0, fs->host, fs->ctx);
	if (err)
		return err;
	return fs->host->add_ringbuf(fs->ctx,
				     bpf_map__fd(fs->skel->maps.events),
				     bpf_map__fd(fs->skel->maps.lost));
}

static void filesnoop_detach(void *state)
{
	struct filesnoop *fs = state;

	bpfhost_links_destroy(&fs->links);
}

static void filesnoop_close(void *state)
{
	struct filesnoop *fs = state;

	filesnoop_detach(fs);
	filesnoop_bpf__destroy(fs->skel);
	free(fs);
}

static const void *filesnoop_bpf_object(size_t *size)
{
	return filesnoop_bpf__elf_bytes(size);
}

static const struct bpfhost_plugin_ops filesnoop_ops = {
	.abi_version = BPFHOST_ABI_VERSION,
	.size = sizeof(struct bpfhost_plugin_ops),
	.name = "filesnoop",
	.version = "1.0.0",
	.summary = "who opens which file: every open, by any syscall, ABI or io_uring",
	.options = options,
	.noptions = BPFHOST_ARRAY_SIZE(options),
	.events = events,
	.nevents = BPFHOST_ARRAY_SIZE(events),
	.open = filesnoop_open,
	.load = filesnoop_load,
	.attach = filesnoop_attach,
	.detach = filesnoop_detach,
	.close = filesnoop_close,
	.bpf_object = filesnoop_bpf_object,
	.event_severities = severities,
};

BPFHOST_PLUGIN(filesnoop_ops)

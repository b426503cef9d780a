// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execsnoop, user side: the options, the event schema and the lifecycle.
 * There is no formatting here: the host renders every record as text, JSON
 * or syslog from the schema below.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <bpfhost/plugin.h>

#include "execsnoop.h"
#include "execsnoop.skel.h"

/* Per-instance state: no globals, so the host may run the plugin twice. */
struct execsnoop {
	const struct bpfhost_host_api *host;
	struct bpfhost_plugin_ctx *ctx;
	struct execsnoop_bpf *skel;
};

static const struct bpfhost_option options[] = {
	{ .name = "uid", .type = BPFHOST_OPT_INT, .min = 0, .max = 4294967294,
	  .help = "report only programs started by this user id" },
};

#define EXEC_FIELD(member) BPFHOST_FIELD_AT(struct execsnoop_exec_event, member)

static const struct bpfhost_field exec_fields[] = {
	{ .name = "pid", .header = "PID", .type = BPFHOST_FIELD_UINT,
	  .width = 7, EXEC_FIELD(pid) },
	{ .name = "ppid", .header = "PPID", .type = BPFHOST_FIELD_UINT,
	  .width = 7, EXEC_FIELD(ppid) },
	{ .name = "uid", .header = "UID", .type = BPFHOST_FIELD_UINT,
	  .width = 6, EXEC_FIELD(uid) },
	{ .name = "comm", .header = "COMM", .type = BPFHOST_FIELD_STR,
	  .width = -16, EXEC_FIELD(comm) },
	{ .name = "filename", .header = "FILENAME", .type = BPFHOST_FIELD_STR,
	  .width = -24, EXEC_FIELD(filename) },
	{ .name = "args_truncated", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, EXEC_FIELD(args_truncated) },
	{ .name = "args", .header = "ARGS", .type = BPFHOST_FIELD_STR,
	  EXEC_FIELD(args) },
};

static const struct bpfhost_event_schema events[] = {
	[EXECSNOOP_EVENT_EXEC] = {
		.name = "exec",
		.help = "a process started a new program",
		.size = sizeof(struct execsnoop_exec_event),
		.nfields = BPFHOST_ARRAY_SIZE(exec_fields),
		.fields = exec_fields,
		.btf_struct = "execsnoop_exec_event",
	},
};

static int execsnoop_open(const struct bpfhost_host_api *host,
			  struct bpfhost_plugin_ctx *ctx, void **state)
{
	struct execsnoop *es;

	es = calloc(1, sizeof(*es));
	if (!es)
		return -ENOMEM;
	es->host = host;
	es->ctx = ctx;
	es->skel = execsnoop_bpf__open_opts(bpfhost_bpf_open_opts(host, ctx));
	if (!es->skel) {
		int err = -errno;

		host->log(ctx, BPFHOST_LOG_ERROR,
			  "cannot open the BPF object: %s", strerror(-err));
		free(es);
		return err;
	}
	/* The host validated the value against options[] already. */
	if (host->opt_count(ctx, "uid")) {
		es->skel->rodata->filter_uid = true;
		es->skel->rodata->targ_uid = host->opt_int(ctx, "uid", 0);
	}
	*state = es;
	return 0;
}

static int execsnoop_load(void *state)
{
	struct execsnoop *es = state;
	int err = execsnoop_bpf__load(es->skel);

	if (err)
		es->host->log(es->ctx, BPFHOST_LOG_ERROR,
			      "the kernel refused the BPF program: %s (run with -v for the verifier log)",
			      strerror(-err));
	return err;
}

static int execsnoop_attach(void *state)
{
	struct execsnoop *es = state;
	int err = execsnoop_bpf__attach(es->skel);

	if (err) {
		es->host->log(es->ctx, BPFHOST_LOG_ERROR,
			      "cannot attach to sched/sched_process_exec: %s",
			      strerror(-err));
		return err;
	}
	return es->host->add_ringbuf(es->ctx,
				     bpf_map__fd(es->skel->maps.events),
				     bpf_map__fd(es->skel->maps.lost));
}

static void execsnoop_detach(void *state)
{
	struct execsnoop *es = state;

	execsnoop_bpf__detach(es->skel);
}

static void execsnoop_close(void *state)
{
	struct execsnoop *es = state;

	execsnoop_bpf__destroy(es->skel);
	free(es);
}

/* Lets the host check the schema above against the BPF object's BTF. */
static const void *execsnoop_bpf_object(size_t *size)
{
	return execsnoop_bpf__elf_bytes(size);
}

static const struct bpfhost_plugin_ops execsnoop_ops = {
	.abi_version = BPFHOST_ABI_VERSION,
	.size = sizeof(struct bpfhost_plugin_ops),
	.name = "execsnoop",
	.version = "1.0.0",
	.summary = "which programs start: every successful exec, with its arguments",
	.options = options,
	.noptions = BPFHOST_ARRAY_SIZE(options),
	.events = events,
	.nevents = BPFHOST_ARRAY_SIZE(events),
	.open = execsnoop_open,
	.load = execsnoop_load,
	.attach = execsnoop_attach,
	.detach = execsnoop_detach,
	.close = execsnoop_close,
	.bpf_object = execsnoop_bpf_object,
};

BPFHOST_PLUGIN(execsnoop_ops)

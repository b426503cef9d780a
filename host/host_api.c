// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>

#include "host_api.h"
#include "log.h"

/*
 * Plugins load, attach and detach on threads of their own, at the same
 * time (see runtime.c); every service that touches state shared between
 * plugins (the log, the output pipeline) takes this.
 */
static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;

static struct plugin_run *ctx_run(struct bpfhost_plugin_ctx *ctx)
{
	return (struct plugin_run *)ctx;
}

static void api_log(struct bpfhost_plugin_ctx *ctx, enum bpfhost_log_level level,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&api_lock);
	log_vmsg_from(ctx_run(ctx)->plugin->name, level, fmt, ap);
	pthread_mutex_unlock(&api_lock);
	va_end(ap);
}

static unsigned int api_opt_count(struct bpfhost_plugin_ctx *ctx,
				  const char *name)
{
	return optset_count(&ctx_run(ctx)->plugin->opts, name);
}

static const char *api_opt_str(struct bpfhost_plugin_ctx *ctx,
			       const char *name, unsigned int idx)
{
	return optset_str(&ctx_run(ctx)->plugin->opts, name, idx);
}

static int64_t api_opt_int(struct bpfhost_plugin_ctx *ctx, const char *name,
			   unsigned int idx)
{
	return optset_int(&ctx_run(ctx)->plugin->opts, name, idx);
}

static bool api_opt_bool(struct bpfhost_plugin_ctx *ctx, const char *name)
{
	return optset_bool(&ctx_run(ctx)->plugin->opts, name);
}

/* Only this plugin's run state and the (thread-safe) epoll set: no lock. */
static int api_add_ringbuf(struct bpfhost_plugin_ctx *ctx, int ringbuf_fd,
			   int lost_fd)
{
	return plugin_run_add_ring(ctx_run(ctx), ringbuf_fd, lost_fd);
}

static int api_emit(struct bpfhost_plugin_ctx *ctx, const void *record,
		    size_t size)
{
	int err;

	pthread_mutex_lock(&api_lock);
	err = plugin_run_deliver(ctx_run(ctx), record, size);
	pthread_mutex_unlock(&api_lock);
	return err;
}

static int api_set_tick(struct bpfhost_plugin_ctx *ctx, uint64_t interval_ms)
{
	struct plugin_run *run = ctx_run(ctx);

	if (interval_ms && !run->plugin->ops.tick)
		return -EINVAL;
	plugin_run_set_tick(run, interval_ms);
	return 0;
}

static const struct bpf_object_open_opts *
api_bpf_open_opts(struct bpfhost_plugin_ctx *ctx)
{
	return ctx_run(ctx)->open_opts;
}

const struct bpfhost_host_api host_api = {
	.abi_version = BPFHOST_ABI_VERSION,
	.size = sizeof(struct bpfhost_host_api),
	.log = api_log,
	.opt_count = api_opt_count,
	.opt_str = api_opt_str,
	.opt_int = api_opt_int,
	.opt_bool = api_opt_bool,
	.add_ringbuf = api_add_ringbuf,
	.emit = api_emit,
	.set_tick = api_set_tick,
	.bpf_open_opts = api_bpf_open_opts,
};

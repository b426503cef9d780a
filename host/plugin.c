// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "btf_check.h"
#include "log.h"
#include "plugin.h"
#include "plugin_file.h"
#include "runtime.h"
#include "schema.h"

/* Callbacks every version-1 table has; a smaller table is malformed. */
#define OPS_V1_MIN_SIZE offsetof(struct bpfhost_plugin_ops, bpf_object)

bool plugin_name_valid(const char *name)
{
	return schema_name_valid(name) && strlen(name) < 64;
}

static int check_ops(struct plugin *p, const struct bpfhost_plugin_ops *ops)
{
	char why[256];

	if (!ops) {
		log_error("plugin %s (%s): its entry returned no ops table",
			  p->name, p->path);
		return -EINVAL;
	}
	if (ops->abi_version != BPFHOST_ABI_VERSION) {
		log_error("plugin %s (%s) was built for plugin ABI version %u, this bpfhost speaks version %u: rebuild it against this bpfhost's SDK",
			  p->name, p->path, ops->abi_version,
			  BPFHOST_ABI_VERSION);
		return -EINVAL;
	}
	if (ops->size < OPS_V1_MIN_SIZE) {
		log_error("plugin %s (%s): its ops table is %u bytes, ABI version %u needs at least %zu",
			  p->name, p->path, ops->size, BPFHOST_ABI_VERSION,
			  OPS_V1_MIN_SIZE);
		return -EINVAL;
	}
	/* A newer minor table may be bigger: take the part we know. */
	memcpy(&p->ops, ops,
	       ops->size < sizeof(p->ops) ? ops->size : sizeof(p->ops));
	if (!schema_check_plugin(&p->ops, why, sizeof(why))) {
		log_error("plugin %s (%s) is malformed: %s", p->name, p->path,
			  why);
		return -EINVAL;
	}
	if (strcmp(p->ops.name, p->name)) {
		log_error("plugin file %s calls itself '%s'; rename the file to %s.so",
			  p->path, p->ops.name, p->ops.name);
		return -EINVAL;
	}
	if (btf_check_schemas(&p->ops, why, sizeof(why))) {
		log_error("plugin %s (%s) does not match its own BPF object: %s; rebuild it, or fix its schema",
			  p->name, p->path, why);
		return -EINVAL;
	}
	return 0;
}

static int make_event_types(struct plugin *p)
{
	p->types = calloc(p->ops.nevents ? p->ops.nevents : 1,
			  sizeof(*p->types));
	if (!p->types)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->ops.nevents; i++) {
		struct event_type *t = &p->types[i];

		t->plugin = p->name;
		t->schema = &p->ops.events[i];
		t->min_size = schema_min_size(t->schema);
		snprintf(t->qname, sizeof(t->qname), "%s.%s", p->name,
			 t->schema->name);
	}
	return 0;
}

/*
 * glibc finds a loaded library by its name before it looks at the file, so
 * "/proc/self/fd/N" must never name two files: the descriptor stays open
 * while its library is loaded.
 */
static void fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* A library that did not unmap at dlclose() still answers to its name. */
static bool still_loaded(int fd)
{
	char path[32];
	void *dl;

	fd_path(path, sizeof(path), fd);
	dl = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
	if (dl)
		dlclose(dl);
	return dl != NULL;
}

int plugin_load(struct plugin *p, const char *dir, const char *name)
{
	bpfhost_plugin_entry_fn entry;
	int err;

	*p = (struct plugin){ .stage = PLUGIN_LOADED, .fd = -1 };
	if (!plugin_name_valid(name)) {
		log_error("unknown plugin '%s': plugin names are lower-case letters, digits and _",
			  name);
		return -ENOENT;
	}
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	p->fd = plugin_file_open(dir, name, &p->path);
	if (p->fd == -ENOENT)
		log_error("unknown plugin '%s': there is no %s (bpfhost --list-plugins shows what %s holds)",
			  name, p->path, dir);
	if (p->fd < 0) {
		err = p->fd;
		goto fail;
	}
	/* The checked file itself, not whatever the path names by now. */
	p->dl = plugin_file_dlopen(p->fd);
	if (!p->dl) {
		err = -EINVAL;
		log_error("cannot load plugin %s (%s): %s", name, p->path,
			  dlerror());
		goto fail;
	}
	entry = (bpfhost_plugin_entry_fn)dlsym(p->dl,
					       BPFHOST_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		err = -EINVAL;
		log_error("%s is not a bpfhost plugin: it does not export %s()",
			  p->path, BPFHOST_PLUGIN_ENTRY_SYMBOL);
		goto fail;
	}
	err = check_ops(p, entry());
	if (!err)
		err = make_event_types(p);
	if (!err)
		err = optset_init(&p->opts, name, p->ops.options,
				  p->ops.noptions);
	if (!err)
		return 0;
fail:
	plugin_unload(p);
	return err;
}

void plugin_unload(struct plugin *p)
{
	optset_free(&p->opts);
	free(p->types);
	if (p->dl)
		dlclose(p->dl);
	/* Keep N taken while a stale library answers to /proc/self/fd/N. */
	if (p->fd >= 0 && !still_loaded(p->fd))
		close(p->fd);
	free(p->path);
	free(p->name);
	*p = (struct plugin){ .fd = -1 };
}

int plugin_configure(struct plugin *p, const struct config_section *sec)
{
	for (size_t i = 0; i < sec->n; i++) {
		int err = optset_set(&p->opts, sec->entries[i].key,
				     sec->entries[i].value,
				     sec->entries[i].where, false);
		if (err)
			return err;
	}
	return 0;
}

int plugin_step(struct plugin *p)
{
	int err;

	switch (p->stage) {
	case PLUGIN_LOADED:
		err = p->ops.open(&plugin_host_api,
				  (struct bpfhost_plugin_ctx *)p, &p->state);
		break;
	case PLUGIN_OPENED:
		err = p->ops.load(p->state);
		break;
	case PLUGIN_BPF_LOADED:
		err = p->ops.attach(p->state);
		break;
	default:
		return -EALREADY;
	}
	if (!err)
		p->stage++;
	return err;
}

void plugin_detach(struct plugin *p)
{
	if (p->stage < PLUGIN_OPENED || p->stage == PLUGIN_DETACHED)
		return;
	if (p->ops.detach)
		p->ops.detach(p->state);
	p->stage = PLUGIN_DETACHED;
}

void plugin_close(struct plugin *p)
{
	if (p->stage < PLUGIN_OPENED)
		return;
	plugin_detach(p);
	p->ops.close(p->state);
	p->state = NULL;
	p->stage = PLUGIN_LOADED;
}

uint64_t plugin_lost(const struct plugin *p)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t total = 0;

	if (ncpus <= 0)
		return 0;
	for (unsigned int r = 0; r < p->nrings; r++) {
		uint64_t values[ncpus];
		uint32_t zero = 0;

		if (p->lost_fds[r] < 0 ||
		    bpf_map_lookup_elem(p->lost_fds[r], &zero, values))
			continue;
		for (int c = 0; c < ncpus; c++)
			total += values[c];
	}
	return total;
}

/* ---- host services --------------------------------------------------- */

/*
 * Plugins attach and detach on threads of their own, at the same time (see
 * runtime.c); every service that touches shared host state takes this.
 */
static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;

static struct plugin *ctx_plugin(struct bpfhost_plugin_ctx *ctx)
{
	return (struct plugin *)ctx;
}

static void api_log(struct bpfhost_plugin_ctx *ctx, enum bpfhost_log_level level,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&api_lock);
	log_vmsg_from(ctx_plugin(ctx)->name, level, fmt, ap);
	pthread_mutex_unlock(&api_lock);
	va_end(ap);
}

static unsigned int api_opt_count(struct bpfhost_plugin_ctx *ctx,
				  const char *name)
{
	return optset_count(&ctx_plugin(ctx)->opts, name);
}

static const char *api_opt_str(struct bpfhost_plugin_ctx *ctx,
			       const char *name, unsigned int idx)
{
	return optset_str(&ctx_plugin(ctx)->opts, name, idx);
}

static int64_t api_opt_int(struct bpfhost_plugin_ctx *ctx, const char *name,
			   unsigned int idx)
{
	return optset_int(&ctx_plugin(ctx)->opts, name, idx);
}

static bool api_opt_bool(struct bpfhost_plugin_ctx *ctx, const char *name)
{
	return optset_bool(&ctx_plugin(ctx)->opts, name);
}

static int api_add_ringbuf(struct bpfhost_plugin_ctx *ctx, int ringbuf_fd,
			   int lost_fd)
{
	struct plugin *p = ctx_plugin(ctx);
	int err;

	if (p->nrings == PLUGIN_MAX_RINGS)
		return -E2BIG;
	pthread_mutex_lock(&api_lock);
	err = runtime_add_ringbuf(p->rt, p, ringbuf_fd);
	pthread_mutex_unlock(&api_lock);
	if (err)
		return err;
	p->lost_fds[p->nrings++] = lost_fd;
	return 0;
}

static int api_emit(struct bpfhost_plugin_ctx *ctx, const void *record,
		    size_t size)
{
	int err;

	pthread_mutex_lock(&api_lock);
	err = runtime_deliver(ctx_plugin(ctx), record, size);
	pthread_mutex_unlock(&api_lock);
	return err;
}

static int api_set_tick(struct bpfhost_plugin_ctx *ctx, uint64_t interval_ms)
{
	struct plugin *p = ctx_plugin(ctx);

	if (interval_ms && !p->ops.tick)
		return -EINVAL;
	runtime_set_tick(p->rt, p, interval_ms);
	return 0;
}

static const struct bpf_object_open_opts *
api_bpf_open_opts(struct bpfhost_plugin_ctx *ctx)
{
	return ctx_plugin(ctx)->open_opts;
}

const struct bpfhost_host_api plugin_host_api = {
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

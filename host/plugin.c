// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf_check.h"
#include "log.h"
#include "plugin.h"
#include "plugin_file.h"
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
		t->severity_field = schema_severity_field(t->schema);
		/* NULL in a table made before severities were appended. */
		if (p->ops.event_severities)
			t->severity = p->ops.event_severities[i];
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

int plugin_open(struct plugin *p, const struct bpfhost_host_api *host,
		struct bpfhost_plugin_ctx *ctx)
{
	int err;

	if (p->stage != PLUGIN_LOADED)
		return -EALREADY;
	err = p->ops.open(host, ctx, &p->state);
	if (!err)
		p->stage = PLUGIN_OPENED;
	return err;
}

int plugin_step(struct plugin *p)
{
	int err;

	switch (p->stage) {
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

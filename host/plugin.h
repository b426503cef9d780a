/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One plugin instance: the loaded .so, its checked ops table, its option
 * values, its event types and its lifecycle stage.
 */
#ifndef BPFHOST_PLUGIN_LOADER_H
#define BPFHOST_PLUGIN_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include <bpfhost/plugin.h>

#include "options.h"
#include "output/output.h"

enum plugin_stage {
	PLUGIN_LOADED,		/* dlopen()ed and checked */
	PLUGIN_OPENED,		/* ops->open succeeded: state exists */
	PLUGIN_BPF_LOADED,	/* ops->load succeeded */
	PLUGIN_ATTACHED,	/* ops->attach succeeded */
	PLUGIN_DETACHED,
};

struct plugin {
	char *name;
	char *path;
	int fd;		/* the checked file, dlopen()ed as /proc/self/fd/N */
	void *dl;
	/* The plugin's table, copied into a zeroed struct of the host's size. */
	struct bpfhost_plugin_ops ops;
	struct optset opts;
	struct event_type *types;
	void *state;
	enum plugin_stage stage;
};

/* True for a plugin name a user may give: [a-z0-9_]+ */
bool plugin_name_valid(const char *name);

/*
 * Open DIR/NAME.so safely (see plugin_file.h), dlopen it from that same
 * descriptor and check its ABI version, size, name and schemas, the schemas
 * also against its BPF object's BTF.  Prints one line and returns -ENOENT
 * (no such plugin), -EPERM (unsafe file) or -EINVAL (a bad DIR, or not a
 * usable plugin) on failure; nothing stays loaded.
 */
int plugin_load(struct plugin *p, const char *dir, const char *name);
void plugin_unload(struct plugin *p);

/* Apply a config section's entries to the plugin's options. */
int plugin_configure(struct plugin *p, const struct config_section *sec);

/*
 * ops->open with the host's services and the ctx they know the plugin by;
 * then plugin_step: load, then attach.  0 (the stage moved on) or the op's
 * -errno (the stage stays; -EALREADY: not the stage for this step).
 */
int plugin_open(struct plugin *p, const struct bpfhost_host_api *host,
		struct bpfhost_plugin_ctx *ctx);
int plugin_step(struct plugin *p);
/* Undo whatever the steps reached: detach, then close. */
void plugin_detach(struct plugin *p);
void plugin_close(struct plugin *p);

#endif

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

#define PLUGIN_MAX_RINGS 8

struct runtime;

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
	/* What host->bpf_open_opts() hands the plugin; NULL: nothing. */
	const struct bpf_object_open_opts *open_opts;

	struct runtime *rt;
	int lost_fds[PLUGIN_MAX_RINGS];
	unsigned int nrings;
	uint64_t events;
	uint64_t malformed;	/* records that did not match their schema */
	uint64_t tick_ns;
	uint64_t next_tick_ns;
};

/* Host services handed to every plugin. */
extern const struct bpfhost_host_api plugin_host_api;

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
 * The next step of the lifecycle: open, load or attach, by the stage it is
 * at.  0 (the stage moved on) or the op's -errno (the stage stays).
 */
int plugin_step(struct plugin *p);
/* Undo whatever plugin_start reached: detach, then close. */
void plugin_detach(struct plugin *p);
void plugin_close(struct plugin *p);

/* Sum of the plugin's per-CPU lost counters. */
uint64_t plugin_lost(const struct plugin *p);

#endif

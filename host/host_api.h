/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The host services every plugin gets in open(): log, options, ring
 * buffers, emit, tick, BPF open options.  The ctx handed with them is the
 * plugin's struct plugin_run.
 */
#ifndef BPFHOST_HOST_API_H
#define BPFHOST_HOST_API_H

#include <bpfhost/plugin.h>

#include "plugin_run.h"

extern const struct bpfhost_host_api host_api;

static inline struct bpfhost_plugin_ctx *host_api_ctx(struct plugin_run *run)
{
	return (struct bpfhost_plugin_ctx *)run;
}

#endif

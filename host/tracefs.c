// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "log.h"
#include "tracefs.h"

#define TRACEFS_DIR "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

int tracefs_ensure(void)
{
	if (!access(TRACEFS_DIR "/events", F_OK) ||
	    !access(DEBUGFS_TRACING "/events", F_OK))
		return 0;
	if (mount("tracefs", TRACEFS_DIR, "tracefs", 0, NULL)) {
		int err = -errno;

		log_error("tracefs is not mounted and mounting it on %s failed: %s; mount it with 'mount -t tracefs tracefs %s' (needs root and a kernel with CONFIG_TRACING)",
			  TRACEFS_DIR, strerror(-err), TRACEFS_DIR);
		return err;
	}
	log_info("mounted tracefs on %s", TRACEFS_DIR);
	return 0;
}

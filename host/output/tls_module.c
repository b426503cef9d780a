// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "../log.h"
#include "../plugin_file.h"
#include "build_config.h"
#include "tls_module.h"

static const char *module_dir = BPFHOST_TLS_MODULE_DIR;
static bool tried;
static const struct tls_ops *ops;

void tls_module_set_dir(const char *dir)
{
	module_dir = dir;
}

/* Check the opened module's table; 0 or -EINVAL after one error line. */
static int check_ops(const struct tls_ops *t, const char *path)
{
	if (!t) {
		log_error("refusing the TLS module %s: it does not export %s; reinstall bpfhost",
			  path, TLS_OPS_SYMBOL);
		return -EINVAL;
	}
	if (t->size != sizeof(*t) || t->version != TLS_OPS_VERSION) {
		log_error("refusing the TLS module %s: it is from another bpfhost build (table version %u, %u bytes; this bpfhost needs version %u, %zu bytes); reinstall bpfhost",
			  path, t->version, t->size, TLS_OPS_VERSION,
			  sizeof(*t));
		return -EINVAL;
	}
	return 0;
}

const struct tls_ops *tls_module_get(void)
{
	const struct tls_ops *t;
	char *path = NULL;
	void *dl;
	int fd;

	if (tried)
		return ops;
	tried = true;
	fd = plugin_file_open(module_dir, BPFHOST_TLS_MODULE_NAME, &path);
	if (fd == -ENOMEM)
		log_error("cannot load the TLS module: out of memory");
	else if (fd == -ENOENT)
		log_error("tls:// outputs need the TLS module %s, which is missing; reinstall bpfhost",
			  path);
	if (fd < 0)
		goto out;
	/*
	 * fd stays open for the life of the process, even after a failure:
	 * a library that does not unmap at dlclose() would still answer to
	 * /proc/self/fd/N.
	 */
	dl = plugin_file_dlopen(fd);
	if (!dl) {
		log_error("cannot load the TLS module %s: %s; reinstall bpfhost",
			  path, dlerror());
		goto out;
	}
	t = dlsym(dl, TLS_OPS_SYMBOL);
	if (check_ops(t, path)) {
		dlclose(dl);
		goto out;
	}
	ops = t;
out:
	free(path);
	return ops;
}

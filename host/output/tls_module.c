// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"
#include "../plugin_file.h"
#include "build_config.h"
#include "output.h"
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

/*
 * A missing file is the common mistake: say so, not "system lib", and
 * before loading OpenSSL for nothing.
 */
static bool files_readable(const struct optset *o, char *why, size_t whylen)
{
	static const char *const keys[] = { "tls_ca", "tls_cert", "tls_key" };

	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(keys); i++) {
		const char *file = optset_str(o, keys[i], 0);

		if (file && access(file, R_OK)) {
			snprintf(why, whylen, "cannot read %s %s: %s", keys[i],
				 file, strerror(errno));
			return false;
		}
	}
	return true;
}

const struct tls_ops *tls_module_configure(struct output *out,
					   const struct config_section *sec,
					   const char *host,
					   struct tls_config **tc)
{
	const struct optset *o = &out->opts;
	const struct tls_ops *t;
	char why[512];

	if (!optset_count(o, "tls_cert") != !optset_count(o, "tls_key")) {
		log_error("%s: [%s] tls_cert and tls_key go together; give both or neither",
			  output_key_where(out, sec, optset_count(o, "tls_cert") ?
						     "tls_cert" : "tls_key"),
			  out->name);
		return NULL;
	}
	if (!files_readable(o, why, sizeof(why)))
		goto fail;
	t = tls_module_get();
	if (!t)
		return NULL;	/* it said why */
	*tc = t->config_new(optset_str(o, "tls_ca", 0),
			    optset_str(o, "tls_cert", 0),
			    optset_str(o, "tls_key", 0),
			    optset_count(o, "tls_server_name") ?
				    optset_str(o, "tls_server_name", 0) : host,
			    why, sizeof(why));
	if (*tc)
		return t;
fail:
	log_error("%s: [%s] %s", sec ? sec->where : out->name, out->name, why);
	return NULL;
}

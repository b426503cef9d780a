/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TLS module (OpenSSL behind a struct tls_ops, see tls.h), loaded the
 * first time a tls:// output is set up and kept for the life of the
 * process: runs without such an output never map libssl or libcrypto.
 */
#ifndef BPFHOST_TLS_MODULE_H
#define BPFHOST_TLS_MODULE_H

#include "tls.h"

/* Look for the module in dir instead of the installed one (build tree). */
void tls_module_set_dir(const char *dir);

/*
 * The module's table, loading it on the first call with the same checks
 * as plugins (plugin_file.h) and refusing one built for another version.
 * NULL after one error line (and on every later call: it is tried once).
 */
const struct tls_ops *tls_module_get(void);

struct config_section;
struct output;
struct tls_config;

/*
 * A TLS output's (tls://, relps://) tls_* keys checked, the module loaded
 * and the output's context made in *tc: the collector's certificate must
 * carry tls_server_name, or else host.  The module's table, or NULL after
 * one error line.
 */
const struct tls_ops *tls_module_configure(struct output *out,
					   const struct config_section *sec,
					   const char *host,
					   struct tls_config **tc);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Opening a plugin file safely, before any of its code can run: the host is
 * root, so whoever can write the file, or any directory above it, owns the
 * machine.  The file is opened once, checked through that descriptor, and
 * later loaded from the same descriptor, so nothing can be swapped in
 * between the check and dlopen().  Plugins and the TLS module (tls_module.c)
 * both come through here.
 */
#ifndef BPFHOST_PLUGIN_FILE_H
#define BPFHOST_PLUGIN_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Development override: accept files and directories not owned by root
 * (they must still not be group- or world-writable).  Says so on stderr.
 */
void plugin_file_allow_any_owner(void);

/* True for an absolute directory with no ".." component; else why. */
bool plugin_dir_valid(const char *dir, char *why, size_t whylen);

/*
 * Open DIR/NAME.so: DIR must be absolute without "..", the file a regular
 * file (not a symbolic link), and it and every directory above it owned by
 * root and not writable by group or others.  *path gets "DIR/NAME.so"
 * (malloc'd, for messages) whenever the return is not -ENOMEM.  Returns an
 * O_CLOEXEC descriptor, -ENOENT when there is no such file, -EINVAL for a
 * bad DIR, -EPERM for a file that is unsafe to run; prints one line on every
 * error but -ENOENT, which the caller words.
 */
int plugin_file_open(const char *dir, const char *name, char **path);

/*
 * dlopen(RTLD_NOW | RTLD_LOCAL) the file checked behind fd, through
 * /proc/self/fd/N rather than its path.  glibc finds a loaded library by
 * name first, so N must never name two files: keep fd open while the
 * library is loaded.  NULL on failure, with dlerror() saying why.
 */
void *plugin_file_dlopen(int fd);

#endif

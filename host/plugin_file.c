// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugin_file.h"

static bool any_owner;

void plugin_file_allow_any_owner(void)
{
	any_owner = true;
	log_warn("--allow-unsafe-plugins: plugin files and their directories need not be owned by root; whoever owns them can run code as root through bpfhost. Use this for development only.");
}

bool plugin_dir_valid(const char *dir, char *why, size_t len)
{
	const char *c;

	if (dir[0] != '/') {
		snprintf(why, len, "plugin directory '%s' is relative: give an absolute path",
			 dir);
		return false;
	}
	for (c = dir; (c = strstr(c, "..")); c += 2) {
		if ((c[-1] == '/') && (c[2] == '/' || c[2] == '\0')) {
			snprintf(why, len, "plugin directory '%s' contains '..': give it without",
				 dir);
			return false;
		}
	}
	return true;
}

/* Owned by root (unless overridden) and not writable by group or others. */
static int check_node(const struct stat *st, const char *what)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		log_error("refusing code from %s: it is writable by group or others (mode %04o); chmod go-w it",
			  what, (unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	if (st->st_uid == 0)
		return 0;
	if (!any_owner) {
		log_error("refusing code from %s: it is owned by uid %u, not root; chown root it (or use --allow-unsafe-plugins while developing)",
			  what, (unsigned int)st->st_uid);
		return -EPERM;
	}
	log_warn("UNSAFE: %s is owned by uid %u, not root; accepted only because of --allow-unsafe-plugins",
		 what, (unsigned int)st->st_uid);
	return 0;
}

static int check_fd(int fd, const char *what, bool regular_file)
{
	struct stat st;

	if (fstat(fd, &st)) {
		int err = -errno;

		log_error("cannot check %s: %s", what, strerror(-err));
		return err;
	}
	if (regular_file && !S_ISREG(st.st_mode)) {
		log_error("refusing to load %s: it is not a regular file", what);
		return -EPERM;
	}
	return check_node(&st, what);
}

/*
 * Walk the resolved directory from "/" one component at a time, never
 * following a link, checking each directory through the descriptor that
 * the next step opens from.  Returns an O_PATH descriptor of the last one.
 */
static int open_dir_checked(const char *dir)
{
	char real[PATH_MAX], comp[NAME_MAX + 1], sofar[PATH_MAX];
	const char *start, *end;
	int fd, next, err;

	if (!realpath(dir, real)) {
		err = -errno;
		if (err != -ENOENT)
			log_error("cannot resolve plugin directory %s: %s",
				  dir, strerror(-err));
		return err;
	}
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = check_fd(fd, "/", false);
	for (start = real + 1; !err && *start; start = end + (*end == '/')) {
		end = strchrnul(start, '/');
		snprintf(comp, sizeof(comp), "%.*s", (int)(end - start), start);
		snprintf(sofar, sizeof(sofar), "%.*s", (int)(end - real), real);
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
		if (next < 0) {
			err = -errno;
			/* It changed since realpath(): someone is racing us. */
			log_error("cannot open plugin directory %s: %s", sofar,
				  strerror(-err));
			break;
		}
		close(fd);
		fd = next;
		err = check_fd(fd, sofar, false);
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int plugin_file_open(const char *dir, const char *name, char **path)
{
	char why[PATH_MAX + 64], file[NAME_MAX + 1];
	int dfd, fd, err;

	if (asprintf(path, "%s/%s.so", dir, name) < 0) {
		*path = NULL;
		return -ENOMEM;
	}
	if (!plugin_dir_valid(dir, why, sizeof(why))) {
		log_error("%s", why);
		return -EINVAL;
	}
	dfd = open_dir_checked(dir);
	if (dfd < 0)
		return dfd;
	snprintf(file, sizeof(file), "%s.so", name);
	/* O_NONBLOCK: a FIFO planted here must not hang us before fstat. */
	fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(dfd);
	if (err == -ENOENT)
		return err;
	if (err == -ELOOP) {
		log_error("refusing to load %s: it is a symbolic link; install the file itself",
			  *path);
		return -EPERM;
	}
	if (err) {
		log_error("cannot open plugin %s: %s", *path, strerror(-err));
		return err;
	}
	err = check_fd(fd, *path, true);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void *plugin_file_dlopen(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

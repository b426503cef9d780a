// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdpdrop: telling our programs, a stale one and another bpfhost's apart. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "owner.h"

static int prog_info(uint32_t prog_id, struct bpf_prog_info *info)
{
	uint32_t len = sizeof(*info);
	int fd = bpf_prog_get_fd_by_id(prog_id), err = 0;

	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

int xdpdrop_prog_is_xdpdrop(uint32_t prog_id)
{
	struct bpf_prog_info info;
	int err = prog_info(prog_id, &info);

	if (err)
		return err;
	return !strcmp(info.name, XDPDROP_PROG_INGRESS) ||
	       !strcmp(info.name, XDPDROP_PROG_EGRESS);
}

int xdpdrop_prog_same(uint32_t prog_id, int our_fd)
{
	struct bpf_prog_info theirs, ours;
	uint32_t len = sizeof(ours);
	int err = prog_info(prog_id, &theirs);

	if (err)
		return err;
	memset(&ours, 0, sizeof(ours));
	if (bpf_obj_get_info_by_fd(our_fd, &ours, &len))
		return -errno;
	return !strcmp(theirs.name, ours.name) &&
	       !memcmp(theirs.tag, ours.tag, sizeof(ours.tag));
}

/* Whether fdinfo file name (of a program or a link fd) names prog_id. */
static bool fdinfo_holds(int dirfd, const char *name, uint32_t prog_id)
{
	char want[32], line[128];
	bool found = false;
	FILE *f;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	snprintf(want, sizeof(want), "prog_id:\t%u\n", prog_id);
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	fclose(f);
	return found;
}

static bool pid_holds(const char *pid, uint32_t prog_id)
{
	char path[300];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return false;	/* gone, or a kernel thread */
	while (!found && (d = readdir(dir)))
		found = d->d_name[0] != '.' &&
			fdinfo_holds(dirfd(dir), d->d_name, prog_id);
	closedir(dir);
	return found;
}

pid_t xdpdrop_prog_holder(uint32_t prog_id)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	pid_t self = getpid(), found = 0;

	if (!proc)
		return 0;
	while (!found && (d = readdir(proc))) {
		pid_t pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = atoi(d->d_name);
		if (pid != self && pid_holds(d->d_name, prog_id))
			found = pid;
	}
	closedir(proc);
	return found;
}

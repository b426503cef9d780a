// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "stdio_guard.h"

static bool was_closed[3];

void stdio_guard(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		was_closed[fd] = true;
		/* The lowest free number: fd itself, the lower ones being open. */
		open("/dev/null", fd ? O_WRONLY : O_RDONLY);
	}
}

bool stdio_was_closed(int fd)
{
	return fd >= 0 && fd < 3 && was_closed[fd];
}

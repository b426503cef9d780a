/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a small text file whole, as root, from a path a person gave: only
 * a regular file, and only up to a size bound.  A device, FIFO or socket is
 * refused before it is opened (opening one can block, as a FIFO with no
 * writer does, or act, as /dev/watchdog does), and /dev/zero or a
 * multi-gigabyte file cannot make the host spin or fill its memory.
 */
#ifndef BPFHOST_TEXTFILE_H
#define BPFHOST_TEXTFILE_H

#include <stddef.h>

/*
 * Read PATH whole into *text (malloc'd, NUL-terminated after its *len
 * bytes; it may hold NUL bytes of its own).  WHAT names the file in
 * messages ("config file").  Returns 0, or -errno after printing one line:
 * -ENOENT and other open or read errors, -EINVAL for what is not a regular
 * file, -EFBIG for more than MAX bytes; or -ENOMEM, not printed.
 */
int textfile_read(const char *path, const char *what, size_t max, char **text,
		  size_t *len);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Catch what the code under test writes to stderr (its one-line error
 * messages), so a test can check what a person would read.
 */
#ifndef BPFHOST_TEST_CAPTURE_H
#define BPFHOST_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int capture_saved_fd = -1;
static FILE *capture_file;
static char capture_text[8192];

static inline void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	if (!capture_file) {
		perror("tmpfile");
		exit(99);
	}
	capture_saved_fd = dup(STDERR_FILENO);
	dup2(fileno(capture_file), STDERR_FILENO);
}

/* Stop catching; returns everything written since capture_begin(). */
static inline const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(capture_saved_fd, STDERR_FILENO);
	close(capture_saved_fd);
	rewind(capture_file);
	n = fread(capture_text, 1, sizeof(capture_text) - 1, capture_file);
	capture_text[n] = '\0';
	fclose(capture_file);
	return capture_text;
}

/* Number of '\n'-terminated lines in s. */
static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#endif

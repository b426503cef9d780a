// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"

int log_verbosity;

static bool level_shown(enum bpfhost_log_level level)
{
	return (int)level <= (int)BPFHOST_LOG_WARN + log_verbosity;
}

void log_vmsg_from(const char *who, enum bpfhost_log_level level,
		   const char *fmt, va_list ap)
{
	char line[1024];
	size_t len;

	if (!level_shown(level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	fprintf(stderr, "bpfhost: %s%s%s%s\n", who ? who : "", who ? ": " : "",
		level == BPFHOST_LOG_WARN ? "warning: " : "", line);
}

void log_msg(enum bpfhost_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg_from(NULL, level, fmt, ap);
	va_end(ap);
}

/* libbpf is chatty and multi-line (verifier logs): detail for -v only. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	int shown = level == LIBBPF_DEBUG ? 2 : 1;

	if (log_verbosity < shown)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Messages for people, on stderr: one line each, prefixed "bpfhost: ". */
#ifndef BPFHOST_LOG_H
#define BPFHOST_LOG_H

#include <stdarg.h>

#include <bpfhost/plugin.h>

/* 0 = errors and warnings, 1 = -v (info, libbpf warnings), 2 = -vv (all). */
extern int log_verbosity;

void log_msg(enum bpfhost_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, with a "who: " prefix (a plugin name). */
void log_vmsg_from(const char *who, enum bpfhost_log_level level,
		   const char *fmt, va_list ap);

#define log_error(...) log_msg(BPFHOST_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(BPFHOST_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(BPFHOST_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(BPFHOST_LOG_DEBUG, __VA_ARGS__)

/* Route libbpf's messages through log_msg, shown only with -v. */
void log_route_libbpf(void);

#endif

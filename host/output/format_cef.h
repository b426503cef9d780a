/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syslog MSG as ArcSight CEF or QRadar LEEF 2.0, for syslog_payload =
 * cef or leef:
 *
 *   CEF:0|bpfhost|bpfhost|VERSION|PLUGIN.EVENT|HELP|SEV|rt=MS key=value ...
 *   LEEF:2.0|bpfhost|bpfhost|VERSION|PLUGIN.EVENT|x09|sev=SEV<TAB>key=value...
 *
 * SEV is the record's syslog severity on the 0..10 scale.  Fields keep
 * their schema order; the shared field names of the SDK map to the CEF
 * dictionary (pid spid, uid suid, comm sproc, path filePath, saddr src,
 * daddr dst, sport spt, dport dpt, container_id cs1 with
 * cs1Label=container_id) and LEEF's (saddr src, daddr dst, sport srcPort,
 * dport dstPort); the rest are bpfhost_NAME.  Null values are left out.
 */
#ifndef BPFHOST_FORMAT_CEF_H
#define BPFHOST_FORMAT_CEF_H

#include <stdbool.h>

#include "output.h"

/*
 * Append rec as CEF (leef false) or LEEF, without a newline, at severity
 * sev (0..7).  controls: the message is a line that may reach a terminal
 * (stdout, a file), so control characters become #ooo as in SD values.
 */
void cef_format(struct output *out, struct strbuf *sb,
		const struct record *rec, unsigned int sev, bool leef,
		bool controls);

/*
 * The escapes, exposed for tests.  All write valid UTF-8 (U+FFFD for each
 * byte that is not).  Header field: '\' and '|' take a backslash (CEF
 * spec); control characters are #ooo, never raw.  CEF extension value:
 * '\', '=' take a backslash, newline and CR are \n and \r (CEF spec).
 * LEEF value (LEEF defines no escapes; these keep a value inside its
 * pair): '\' takes a backslash, tab, newline and CR are \t, \n, \r.
 */
void cef_header_escape(struct strbuf *sb, const char *s, size_t n);
void cef_value_escape(struct strbuf *sb, const char *s, size_t n,
		      bool controls);
void leef_value_escape(struct strbuf *sb, const char *s, size_t n,
		       bool controls);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "relp_frame.h"

int relp_header(char *buf, uint32_t txnr, const char *cmd, size_t len)
{
	/* No SP before an empty DATA: "3 close 0" LF. */
	return snprintf(buf, RELP_HEADER_ROOM, len ? "%u %s %zu " : "%u %s %zu",
			txnr, cmd, len);
}

/*
 * Digits from *p up to the byte after them: 1 with *p there, 0 when buf
 * ends first, -EPROTO when there are none or too many.
 */
static int number(const char **p, const char *end, uint64_t max,
		  uint64_t *v)
{
	const char *s = *p;

	for (*v = 0; s < end && *s >= '0' && *s <= '9'; s++) {
		*v = *v * 10 + (*s - '0');
		if (*v > max)
			return -EPROTO;
	}
	if (s == end)
		return 0;
	if (s == *p)
		return -EPROTO;
	*p = s;
	return 1;
}

ssize_t relp_parse(const char *buf, size_t n, struct relp_frame *f)
{
	const char *p = buf, *end = buf + n, *cmd;
	uint64_t txnr, len;
	size_t cmdlen;
	int ret;

	ret = number(&p, end, RELP_TXNR_MAX, &txnr);
	if (ret <= 0)
		return ret;
	if (*p++ != ' ')
		return -EPROTO;
	for (cmd = p; p < end && *p != ' '; p++)
		if (*p < 'a' || *p > 'z' || p - cmd >= (int)sizeof(f->cmd) - 1)
			return -EPROTO;
	if (p == end)
		return 0;
	cmdlen = p++ - cmd;
	if (!cmdlen)
		return -EPROTO;
	ret = number(&p, end, RELP_MAX_RX_DATA, &len);
	if (ret <= 0)
		return ret;
	f->txnr = txnr;
	memcpy(f->cmd, cmd, cmdlen);
	f->cmd[cmdlen] = '\0';
	/* As librelp: no DATA, no SP; then the LF at once. */
	if (*p != (len ? ' ' : '\n'))
		return -EPROTO;
	p += !!len;
	if ((size_t)(end - p) < len + 1)
		return 0;
	if (p[len] != '\n')
		return -EPROTO;
	f->data = p;
	f->len = len;
	return p + len + 1 - buf;
}

int relp_rsp_status(const struct relp_frame *f)
{
	int code = 0;

	if (f->len < 3 || (f->len > 3 && f->data[3] != ' ' &&
			   f->data[3] != '\n'))
		return -1;
	for (int i = 0; i < 3; i++) {
		if (f->data[i] < '0' || f->data[i] > '9')
			return -1;
		code = code * 10 + f->data[i] - '0';
	}
	return code;
}

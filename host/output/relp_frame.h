/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * RELP frames, as librelp and rsyslog's imrelp speak them:
 * TXNR SP COMMAND SP DATALEN [SP DATA] LF, TXNR from 1 to 999999999 and
 * then 1 again.  The collector answers every command with an "rsp" frame
 * of the same TXNR whose DATA starts with a status code (200 = taken).
 */
#ifndef BPFHOST_RELP_FRAME_H
#define BPFHOST_RELP_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RELP_TXNR_MAX 999999999u
/* The longest header we write: "999999999 syslog 999999999 " */
#define RELP_HEADER_ROOM 28
/* The longest frame we accept from a collector: its answers are short. */
#define RELP_MAX_RX_DATA 65536

struct relp_frame {
	uint32_t txnr;
	char cmd[33];
	const char *data;	/* into the parsed buffer; not terminated */
	size_t len;
};

/* The transaction number after txnr. */
static inline uint32_t relp_txnr_next(uint32_t txnr)
{
	return txnr >= RELP_TXNR_MAX ? 1 : txnr + 1;
}

/*
 * The header of a frame with len bytes of DATA, into buf (room for
 * RELP_HEADER_ROOM bytes; cmd at most 6 bytes): its length.  The trailer
 * LF follows the data.
 */
int relp_header(char *buf, uint32_t txnr, const char *cmd, size_t len);

/*
 * One frame from the start of buf: the bytes it took, with *f filled;
 * 0 when buf holds only part of one; -EPROTO when it is not a frame.
 */
ssize_t relp_parse(const char *buf, size_t n, struct relp_frame *f);

/* The status code an rsp frame's DATA starts with, or -1. */
int relp_rsp_status(const struct relp_frame *f);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A non-blocking socket to a network target: each address its host
 * resolved to (IPv4, IPv6) tried in turn, never waited on.
 */
#ifndef BPFHOST_NET_CONN_H
#define BPFHOST_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net_target.h"

struct addrinfo;

struct net_conn {
	int fd;
	bool stream;		/* octet-counted stream, else datagrams */
	struct addrinfo *addrs;	/* what the name resolved to */
	struct addrinfo *next;	/* next address to try */
	char why[384];		/* the last failure, for people */
};

/*
 * Start connecting to addrs (what t's host resolved to, taken over; NULL
 * for a unix: target).  0: connected; -EINPROGRESS: wait for the fd to become
 * writable, then call net_conn_finish; else -errno (nothing left open)
 * with the reason in c->why.
 */
int net_conn_start(struct net_conn *c, const struct net_target *t,
		   struct addrinfo *addrs);
/* After EPOLLOUT: 0 connected, -EINPROGRESS (next address), or -errno. */
int net_conn_finish(struct net_conn *c);
struct iovec;
/*
 * Send without blocking, n pieces in one call (one datagram on a datagram
 * socket): bytes sent, or -errno (-EAGAIN: try later).
 */
ssize_t net_conn_sendv(struct net_conn *c, const struct iovec *iov, int n);
/* A stream peer that has closed its side (read would return 0). */
bool net_conn_peer_closed(struct net_conn *c);
void net_conn_close(struct net_conn *c);

#endif

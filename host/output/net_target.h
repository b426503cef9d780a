/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Network targets by URL: unix:PATH, udp://HOST:PORT, tcp://HOST:PORT,
 * tls://HOST:PORT, relp://HOST:PORT, relps://HOST:PORT.  HOST is a name, an IPv4 address or [IPv6].
 */
#ifndef BPFHOST_NET_TARGET_H
#define BPFHOST_NET_TARGET_H

#include <stdbool.h>
#include <sys/un.h>

enum net_scheme {
	NET_UNIX,	/* datagram, or stream where the socket is one */
	NET_UDP,	/* RFC 5426: one message per datagram */
	NET_TCP,	/* RFC 6587: octet counting */
	NET_TLS,	/* RFC 5425: octet counting over TLS */
	NET_RELP,	/* RELP frames, acknowledged (sink_relp.c) */
	NET_RELPS,	/* the same over TLS */
};

struct net_target {
	enum net_scheme scheme;
	char host[256];		/* an IPv6 address without brackets */
	char port[6];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Whether target names a network scheme at all (it may still be wrong). */
bool net_target_is_network(const char *target);

/*
 * Parse target into t.  A missing port is 514 (udp, tcp) or 6514 (tls);
 * relp and relps need one.
 * Returns false with why (a phrase for people) when target is malformed.
 */
bool net_target_parse(const char *target, struct net_target *t,
		      const char **why);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Host names resolved off the event loop.  An address is answered at once;
 * a name goes to glibc's getaddrinfo_a(), whose helper thread waits on DNS
 * while the loop polls each turn.  The caller keeps its own deadline: a
 * lookup it gave up on is left to finish, one lookup per resolver at a
 * time, and the next resolver_start() takes its answer.
 */
#ifndef BPFHOST_RESOLVER_H
#define BPFHOST_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>

struct addrinfo;
struct resolver_req;

struct resolver {
	struct resolver_req *req;	/* the lookup in flight; NULL = none */
};

/*
 * Start resolving host:port for sockets of socktype, unless a lookup is
 * still in flight (then that one's answer is the one awaited).  0 or
 * -ENOMEM.
 */
int resolver_start(struct resolver *r, const char *host, const char *port,
		   int socktype);
/*
 * -EINPROGRESS while waiting; 0 with the addresses in *res (the caller's to
 * freeaddrinfo()); or -EHOSTUNREACH with why (for people) filled in.
 */
int resolver_poll(struct resolver *r, struct addrinfo **res, char *why,
		  size_t whylen);
/* Give up a lookup in flight (at close). */
void resolver_cancel(struct resolver *r);

#endif

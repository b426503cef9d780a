// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_conn.h"

#define SOCK_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)

/* A datagram socket first; a stream socket refuses it with EPROTOTYPE. */
static int connect_unix(struct net_conn *c, const struct net_target *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int types[] = { SOCK_DGRAM, SOCK_STREAM }, err = -EPROTOTYPE;

	memcpy(sun.sun_path, t->path, sizeof(sun.sun_path));
	for (size_t i = 0; i < 2 && err == -EPROTOTYPE; i++) {
		c->fd = socket(AF_UNIX, types[i] | SOCK_FLAGS, 0);
		if (c->fd < 0)
			return -errno;
		c->stream = types[i] == SOCK_STREAM;
		if (!connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)))
			return 0;
		err = -errno;
		close(c->fd);
		c->fd = -1;
	}
	return err;
}

/* Try addresses from c->next on until one connects or is in progress. */
static int connect_failed(struct net_conn *c, int err)
{
	snprintf(c->why, sizeof(c->why), "connect: %s", strerror(-err));
	return err;
}

static int connect_next(struct net_conn *c)
{
	int err = -EHOSTUNREACH;

	for (; c->next; c->next = c->next->ai_next) {
		struct addrinfo *ai = c->next;

		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_FLAGS,
			       ai->ai_protocol);
		if (c->fd < 0) {
			err = -errno;
			continue;
		}
		err = connect(c->fd, ai->ai_addr, ai->ai_addrlen) ? -errno : 0;
		if (!err || err == -EINPROGRESS) {
			c->next = ai->ai_next;
			return err;
		}
		close(c->fd);
		c->fd = -1;
	}
	return connect_failed(c, err);
}

int net_conn_start(struct net_conn *c, const struct net_target *t,
		   struct addrinfo *addrs)
{
	int rc;

	net_conn_close(c);
	if (t->scheme == NET_UNIX) {
		rc = connect_unix(c, t);
		return rc ? connect_failed(c, rc) : 0;
	}
	c->stream = t->scheme != NET_UDP;
	c->addrs = c->next = addrs;
	return connect_next(c);
}

int net_conn_finish(struct net_conn *c)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
		soerr = errno;
	if (!soerr)
		return 0;
	close(c->fd);
	c->fd = -1;
	if (!c->next)
		return connect_failed(c, -soerr);
	return connect_next(c);
}

ssize_t net_conn_sendv(struct net_conn *c, const struct iovec *iov, int n)
{
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t ret;

	do
		ret = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

bool net_conn_peer_closed(struct net_conn *c)
{
	char buf[512];
	ssize_t n;

	/* Collectors send nothing; whatever comes is read and ignored. */
	while ((n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

void net_conn_close(struct net_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->addrs)
		freeaddrinfo(c->addrs);
	c->addrs = c->next = NULL;
}

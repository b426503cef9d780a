// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "../clock.h"
#include "../log.h"
#include "msg_queue.h"
#include "net_session.h"
#include "output.h"

/* Resolving, connecting and greeting, together. */
#define CONNECT_TIMEOUT_S 5
#define CONNECT_TIMEOUT_NS (CONNECT_TIMEOUT_S * 1000000000ull)
#define NS_PER_MS 1000000ull

int net_session_init(struct net_session *s, struct output *out,
		     const struct config_section *sec,
		     const struct net_session_ops *ops,
		     const struct msg_queue *q)
{
	const char *target = optset_str(&out->opts, "target", 0), *why;

	s->sink = &out->sink;
	s->ops = ops;
	s->q = q;
	s->conn.fd = -1;
	if (!net_target_parse(target, &s->target, &why)) {
		log_error("%s: [%s] target '%s': %s",
			  output_key_where(out, sec, "target"), out->name,
			  target, why);
		return -EINVAL;
	}
	return 0;
}

int net_session_configure_backoff(struct net_session *s, struct output *out,
				  const struct config_section *sec)
{
	const struct optset *o = &out->opts;

	s->backoff_min = optset_int(o, "reconnect_min_ms", 0) * NS_PER_MS;
	s->backoff_max = optset_int(o, "reconnect_max_ms", 0) * NS_PER_MS;
	if (s->backoff_max < s->backoff_min) {
		log_error("%s: [%s] reconnect_max_ms is below reconnect_min_ms",
			  output_key_where(out, sec, "reconnect_max_ms"),
			  out->name);
		return -EINVAL;
	}
	s->backoff = s->backoff_min;
	return 0;
}

void net_session_arm(struct net_session *s, uint32_t events)
{
	sink_watch(s->sink, s->conn.fd, events);
}

void net_session_drop(struct net_session *s)
{
	net_session_arm(s, 0);
	s->ops->dropping(s->sink);
	net_conn_close(&s->conn);
	s->state = NET_SESSION_DOWN;
}

void net_session_fail_because(struct net_session *s, const char *why)
{
	if (!s->failing)
		log_warn("[%s] %s: %s; retrying with backoff up to %llu ms, %s up to %zu %s",
			 s->sink->name, s->sink->target, why,
			 (unsigned long long)(s->backoff_max / NS_PER_MS),
			 s->ops->keeping, s->q->cap, s->ops->kept);
	net_session_drop(s);
	s->failing = true;
	s->retry_at = clock_mono_ns() + s->backoff;
	s->backoff = s->backoff * 2 > s->backoff_max ? s->backoff_max :
						       s->backoff * 2;
}

void net_session_fail(struct net_session *s, const char *what, int err)
{
	char why[256];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(-err));
	net_session_fail_because(s, why);
}

void net_session_greeting(struct net_session *s)
{
	s->state = NET_SESSION_GREETING;
}

void net_session_up(struct net_session *s)
{
	s->state = NET_SESSION_UP;
	s->backoff = s->backoff_min;
	if (s->connected_once)
		s->sink->reconnects++;
	if (s->failing)
		log_warn("[%s] %s: connected again", s->sink->name,
			 s->sink->target);
	s->connected_once = true;
	s->failing = false;
}

/* The result of net_conn_start or net_conn_finish. */
static void connect_result(struct net_session *s, int err)
{
	if (!err) {
		s->ops->connected(s->sink);
	} else if (err == -EINPROGRESS) {
		s->state = NET_SESSION_CONNECTING;
		net_session_arm(s, EPOLLOUT);
	} else {
		net_session_fail_because(s, s->conn.why);
	}
}

/* Connect once the name is resolved; on a timeout, fail the attempt. */
static void resolving(struct net_session *s, uint64_t now)
{
	struct addrinfo *addrs = NULL;
	char why[384];
	int err = resolver_poll(&s->resolver, &addrs, why, sizeof(why));

	if (!err) {
		connect_result(s, net_conn_start(&s->conn, &s->target, addrs));
	} else if (err != -EINPROGRESS) {
		net_session_fail_because(s, why);
	} else if (now > s->attempt_deadline) {
		/* The lookup goes on; the next attempt takes its answer. */
		snprintf(why, sizeof(why), "cannot resolve %s: no answer in %d s",
			 s->target.host, CONNECT_TIMEOUT_S);
		net_session_fail_because(s, why);
	}
}

static void attempt(struct net_session *s, uint64_t now)
{
	int err;

	s->attempt_deadline = now + CONNECT_TIMEOUT_NS;
	if (s->target.scheme == NET_UNIX) {
		connect_result(s, net_conn_start(&s->conn, &s->target, NULL));
		return;
	}
	err = resolver_start(&s->resolver, s->target.host, s->target.port,
			     s->target.scheme == NET_UDP ? SOCK_DGRAM :
							   SOCK_STREAM);
	if (err) {
		net_session_fail(s, "resolve", err);
		return;
	}
	s->state = NET_SESSION_RESOLVING;
	resolving(s, now);
}

int net_session_open(struct net_session *s, const char *target)
{
	s->sink->target = strdup(target);
	if (!s->sink->target)
		return -ENOMEM;
	/* A collector that is away now is retried; the host starts anyway. */
	attempt(s, clock_mono_ns());
	return 0;
}

bool net_session_io(struct net_session *s)
{
	switch (s->state) {
	case NET_SESSION_DOWN:
	case NET_SESSION_RESOLVING:
		return true;
	case NET_SESSION_CONNECTING:
		net_session_arm(s, 0);
		connect_result(s, net_conn_finish(&s->conn));
		return true;
	case NET_SESSION_GREETING:
	case NET_SESSION_UP:
		break;
	}
	return false;
}

void net_session_tick(struct net_session *s, uint64_t now)
{
	if (s->state == NET_SESSION_DOWN && now >= s->retry_at &&
	    !(s->stopping && !s->q->count)) {
		attempt(s, now);
	} else if (s->state == NET_SESSION_RESOLVING) {
		resolving(s, now);
	} else if ((s->state == NET_SESSION_CONNECTING ||
		    s->state == NET_SESSION_GREETING) &&
		   now > s->attempt_deadline) {
		net_session_fail(s, s->state == NET_SESSION_CONNECTING ?
					    "connect" : s->ops->greeting,
				 -ETIMEDOUT);
	}
}

void net_session_begin_stop(struct net_session *s, uint64_t deadline)
{
	s->stopping = true;
	s->stop_deadline = deadline;
}

bool net_session_out_of_time(const struct net_session *s, uint64_t now)
{
	return s->stopping && now >= s->stop_deadline;
}

void net_session_close(struct net_session *s)
{
	net_session_drop(s);
	resolver_cancel(&s->resolver);
	free(s->sink->target);
	s->sink->target = NULL;
}

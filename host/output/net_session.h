/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The life of a network sink's connection (sink_net.c, sink_relp.c): the
 * host name resolved off the loop (resolver.h) at every attempt, a
 * non-blocking connect (net_conn.h), the sink's own greeting (a TLS
 * handshake, a RELP open) within the same deadline, and after any failure
 * the socket closed and tried again with capped exponential backoff, with
 * one warning per outage.  At stop, no new attempt is made once the sink's
 * queue is empty.  What goes over the connection is the sink's own.
 */
#ifndef BPFHOST_NET_SESSION_H
#define BPFHOST_NET_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "net_conn.h"
#include "net_target.h"
#include "resolver.h"

struct config_section;
struct msg_queue;
struct output;
struct sink;

enum net_session_state {
	NET_SESSION_DOWN,	/* waiting for retry_at */
	NET_SESSION_RESOLVING,	/* the host name is being looked up */
	NET_SESSION_CONNECTING,	/* non-blocking connect in progress */
	NET_SESSION_GREETING,	/* the sink's handshake in progress */
	NET_SESSION_UP,
};

struct net_session_ops {
	/*
	 * The socket is connected: start the greeting (net_session_greeting)
	 * or go up at once (net_session_up).
	 */
	void (*connected)(struct sink *sink);
	/* The connection is going: forget what was written on it. */
	void (*dropping)(struct sink *sink);
	/* The greeting, as its timeout names it: "TLS handshake". */
	const char *greeting;
	/* What an outage keeps, in its warning: "queueing", "messages". */
	const char *keeping, *kept;
};

struct net_session {
	struct sink *sink;
	const struct net_session_ops *ops;
	const struct msg_queue *q;	/* the sink's */
	struct net_target target;
	struct resolver resolver;
	struct net_conn conn;
	enum net_session_state state;

	uint64_t backoff_min, backoff_max, backoff;
	uint64_t retry_at, attempt_deadline;
	bool connected_once;
	bool failing;		/* the outage was reported already */
	bool stopping;
	uint64_t stop_deadline;
};

/*
 * At configure: bind s to out's sink, its ops and its queue q, and parse
 * the target.  0, or -EINVAL when the target is wrong (said why).
 */
int net_session_init(struct net_session *s, struct output *out,
		     const struct config_section *sec,
		     const struct net_session_ops *ops,
		     const struct msg_queue *q);
/* reconnect_min_ms and reconnect_max_ms: 0, or -EINVAL (said why). */
int net_session_configure_backoff(struct net_session *s, struct output *out,
				  const struct config_section *sec);
/* Keep target and make the first attempt: 0 or -ENOMEM. */
int net_session_open(struct net_session *s, const char *target);
/* Watch the socket for events (0: stop watching). */
void net_session_arm(struct net_session *s, uint32_t events);
/* Close the connection; the next attempt waits for the tick. */
void net_session_drop(struct net_session *s);
/* Close, and try again after the backoff. */
void net_session_fail_because(struct net_session *s, const char *why);
/* The same, why being "what: strerror(-err)". */
void net_session_fail(struct net_session *s, const char *what, int err);
/* The sink's greeting has begun; it times out with the connect. */
void net_session_greeting(struct net_session *s);
/* The connection is ready for messages: counted, the outage over. */
void net_session_up(struct net_session *s);
/*
 * The socket became ready.  Returns false when the event is the sink's
 * (greeting or up), true when the session took it.
 */
bool net_session_io(struct net_session *s);
/* Each loop turn: retries, lookups and the attempt's deadline. */
void net_session_tick(struct net_session *s, uint64_t now);
void net_session_begin_stop(struct net_session *s, uint64_t deadline);
/* Stopping, and the deadline to flush by has passed. */
bool net_session_out_of_time(const struct net_session *s, uint64_t now);
/* Drop the connection, give up any lookup, free the target. */
void net_session_close(struct net_session *s);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network sinks: unix:PATH, udp://, tcp://, tls:// collectors.
 *
 * A slow or dead collector must never stall event intake or the other
 * outputs.  Each sink keeps a bounded queue of messages; its socket is
 * non-blocking and lives in the runtime's epoll set; what does not fit in
 * the queue is dropped and counted.  A host name is resolved off the loop
 * (resolver.h), at every connect.  A lost connection is retried with
 * capped exponential backoff.  Streams (tcp, tls, a unix stream socket)
 * carry octet-counted frames (RFC 6587 §3.4.1, RFC 5425 §4.3); datagrams
 * carry one message each (RFC 5426).  A message cut by a lost connection
 * is sent again whole on the next one, so framing always holds.  A unix
 * datagram longer than the daemon reads is cut here, marked and counted,
 * rather than cut unseen at the other end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../clock.h"
#include "../log.h"
#include "msg_queue.h"
#include "net_conn.h"
#include "net_target.h"
#include "output.h"
#include "resolver.h"
#include "tls_module.h"

/* Room before each queued message for its octet count: "4294967295 " */
#define FRAME_ROOM 12
/* Resolving and connecting, together. */
#define CONNECT_TIMEOUT_S 5
#define CONNECT_TIMEOUT_NS (CONNECT_TIMEOUT_S * 1000000000ull)
#define NS_PER_MS 1000000ull
/* Frames written by one sendmsg() on a plain stream. */
#define SEND_BATCH 64
/* What rsyslog's imuxsock reads of a datagram (its maxMessageSize). */
#define UNIX_DGRAM_MAX_DEFAULT 8096
/* af_unix refuses a datagram longer than the send buffer less this. */
#define UNIX_DGRAM_OVERHEAD 32

enum net_state {
	NET_DOWN,		/* waiting for retry_at */
	NET_RESOLVING,		/* the host name is being looked up */
	NET_CONNECTING,		/* non-blocking connect in progress */
	NET_HANDSHAKE,		/* TLS handshake in progress */
	NET_UP,
};

struct net_sink {
	struct net_target target;
	const struct tls_ops *tls_ops;	/* the TLS module; NULL unless tls:// */
	struct tls_config *tls;
	struct resolver resolver;
	struct net_conn conn;
	struct tls_session *session;
	enum net_state state;

	struct msg_queue q;

	uint64_t backoff_min, backoff_max, backoff;
	uint64_t retry_at, attempt_deadline;
	bool connected_once;
	bool failing;		/* the outage was reported already */
	bool told_too_long;
	bool told_truncated;
	size_t max_message;	/* unix: datagram targets */
	size_t dgram_max;	/* longest datagram sent; 0 = no limit */
	char cut_mark[48];	/* ends a cut datagram */
	bool stopping;
	uint64_t stop_deadline;
};

static bool net_sink_accepts(const char *target)
{
	return net_target_is_network(target);
}

/*
 * A missing file is the common mistake: say so, not "system lib", and
 * before loading OpenSSL for nothing.
 */
static bool tls_files_readable(const struct optset *o, char *why,
			       size_t whylen)
{
	static const char *const keys[] = { "tls_ca", "tls_cert", "tls_key" };

	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(keys); i++) {
		const char *file = optset_str(o, keys[i], 0);

		if (file && access(file, R_OK)) {
			snprintf(why, whylen, "cannot read %s %s: %s", keys[i],
				 file, strerror(errno));
			return false;
		}
	}
	return true;
}

/* Load the TLS module (the first time) and make the sink's context. */
static int configure_tls(struct output *out, const struct config_section *sec,
			 struct net_sink *ns)
{
	const struct optset *o = &out->opts;
	char why[512];

	if (!tls_files_readable(o, why, sizeof(why)))
		goto fail;
	ns->tls_ops = tls_module_get();
	if (!ns->tls_ops)
		return -EINVAL;	/* it said why */
	ns->tls = ns->tls_ops->config_new(optset_str(o, "tls_ca", 0),
					  optset_str(o, "tls_cert", 0),
					  optset_str(o, "tls_key", 0),
					  optset_count(o, "tls_server_name") ?
					  optset_str(o, "tls_server_name", 0) :
					  ns->target.host,
					  why, sizeof(why));
	if (ns->tls)
		return 0;
fail:
	log_error("%s: [%s] %s", sec ? sec->where : out->name, out->name, why);
	return -EINVAL;
}

static int net_sink_configure(struct output *out,
			      const struct config_section *sec)
{
	static const char *const tls_keys[] = { "tls_ca", "tls_cert",
						"tls_key", "tls_server_name" };
	const struct optset *o = &out->opts;
	const char *target = optset_str(o, "target", 0), *why;
	struct net_sink *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	out->sink.priv = ns;
	ns->conn.fd = -1;
	if (!net_target_parse(target, &ns->target, &why)) {
		log_error("%s: [%s] target '%s': %s",
			  output_key_where(out, sec, "target"), out->name,
			  target, why);
		return -EINVAL;
	}
	for (size_t i = 0; ns->target.scheme != NET_TLS &&
			   i < BPFHOST_ARRAY_SIZE(tls_keys); i++) {
		if (optset_count(o, tls_keys[i])) {
			log_error("%s: [%s] %s applies only to a tls:// target",
				  output_key_where(out, sec, tls_keys[i]),
				  out->name, tls_keys[i]);
			return -EINVAL;
		}
	}
	if (!optset_count(o, "tls_cert") != !optset_count(o, "tls_key")) {
		log_error("%s: [%s] tls_cert and tls_key go together; give both or neither",
			  output_key_where(out, sec, optset_count(o, "tls_cert") ?
						     "tls_cert" : "tls_key"),
			  out->name);
		return -EINVAL;
	}
	if (optset_count(o, "max_message_size") &&
	    ns->target.scheme != NET_UNIX) {
		log_error("%s: [%s] max_message_size applies only to a unix: target",
			  output_key_where(out, sec, "max_message_size"),
			  out->name);
		return -EINVAL;
	}
	ns->max_message = optset_count(o, "max_message_size") ?
				  optset_int(o, "max_message_size", 0) :
				  UNIX_DGRAM_MAX_DEFAULT;
	ns->backoff_min = optset_int(o, "reconnect_min_ms", 0) * NS_PER_MS;
	ns->backoff_max = optset_int(o, "reconnect_max_ms", 0) * NS_PER_MS;
	if (ns->backoff_max < ns->backoff_min) {
		log_error("%s: [%s] reconnect_max_ms is below reconnect_min_ms",
			  output_key_where(out, sec, "reconnect_max_ms"),
			  out->name);
		return -EINVAL;
	}
	ns->backoff = ns->backoff_min;
	if (msg_queue_init(&ns->q, optset_int(o, "queue_size", 0), FRAME_ROOM))
		return -ENOMEM;
	return ns->target.scheme == NET_TLS ? configure_tls(out, sec, ns) : 0;
}

/* Watch the socket for events (0: stop watching). */
static void arm(struct sink *sink, uint32_t events)
{
	struct net_sink *ns = sink->priv;

	sink_watch(sink, ns->conn.fd, events);
}

static void drop_connection(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	arm(sink, 0);
	if (ns->session)
		ns->tls_ops->session_free(ns->session);
	ns->session = NULL;
	net_conn_close(&ns->conn);
	ns->q.head_off = 0;
	ns->state = NET_DOWN;
}

/* Close, and try again after the backoff; one message per outage. */
static void fail_because(struct sink *sink, const char *why)
{
	struct net_sink *ns = sink->priv;

	if (!ns->failing)
		log_warn("[%s] %s: %s; retrying with backoff up to %llu ms, queueing up to %zu messages",
			 sink->name, sink->target, why,
			 (unsigned long long)(ns->backoff_max / NS_PER_MS),
			 ns->q.cap);
	drop_connection(sink);
	ns->failing = true;
	ns->retry_at = clock_mono_ns() + ns->backoff;
	ns->backoff = ns->backoff * 2 > ns->backoff_max ? ns->backoff_max :
							  ns->backoff * 2;
}

static void fail(struct sink *sink, const char *what, int err)
{
	char why[256];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(-err));
	fail_because(sink, why);
}

static uint32_t up_events(const struct net_sink *ns)
{
	/*
	 * A stream peer's close shows up as readable.  A datagram socket is
	 * never read: only its errors (ICMP port unreachable, a unix peer
	 * gone) matter.
	 */
	return ns->conn.stream ? EPOLLIN | EPOLLRDHUP : EPOLLERR;
}

static void send_queue(struct sink *sink);

/*
 * A unix datagram socket: the daemon reads max_message bytes and drops the
 * rest unseen, and the kernel refuses what exceeds the send buffer.
 */
static size_t unix_dgram_max(const struct net_sink *ns)
{
	int sndbuf = 0;
	socklen_t len = sizeof(sndbuf);
	size_t max = ns->max_message;

	if (!getsockopt(ns->conn.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) &&
	    sndbuf > UNIX_DGRAM_OVERHEAD &&
	    (size_t)sndbuf - UNIX_DGRAM_OVERHEAD < max)
		max = sndbuf - UNIX_DGRAM_OVERHEAD;
	return max;
}

static void connection_up(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	ns->state = NET_UP;
	ns->dgram_max = ns->target.scheme == NET_UNIX && !ns->conn.stream ?
				unix_dgram_max(ns) : 0;
	ns->backoff = ns->backoff_min;
	if (ns->connected_once)
		sink->reconnects++;
	if (ns->failing)
		log_warn("[%s] %s: connected again", sink->name, sink->target);
	ns->connected_once = true;
	ns->failing = false;
	arm(sink, up_events(ns));
	send_queue(sink);
}

static void handshake(struct sink *sink)
{
	struct net_sink *ns = sink->priv;
	uint32_t events = 0;
	char why[512];
	int err = ns->tls_ops->handshake(ns->session, &events, why,
					 sizeof(why));

	if (!err) {
		connection_up(sink);
	} else if (err == -EAGAIN) {
		arm(sink, events);
	} else {
		fail_because(sink, why);
	}
}

static void connected(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	if (!ns->tls) {
		connection_up(sink);
		return;
	}
	ns->session = ns->tls_ops->session_new(ns->tls, ns->conn.fd);
	if (!ns->session) {
		fail(sink, "TLS setup", -ENOMEM);
		return;
	}
	ns->state = NET_HANDSHAKE;
	handshake(sink);
}

/* The result of net_conn_start or net_conn_finish. */
static void connect_result(struct sink *sink, int err)
{
	struct net_sink *ns = sink->priv;

	if (!err) {
		connected(sink);
	} else if (err == -EINPROGRESS) {
		ns->state = NET_CONNECTING;
		arm(sink, EPOLLOUT);
	} else {
		fail_because(sink, ns->conn.why);
	}
}

/* Connect once the name is resolved; on a timeout, fail the attempt. */
static void resolving(struct sink *sink, uint64_t now)
{
	struct net_sink *ns = sink->priv;
	struct addrinfo *addrs = NULL;
	char why[384];
	int err = resolver_poll(&ns->resolver, &addrs, why, sizeof(why));

	if (!err) {
		connect_result(sink, net_conn_start(&ns->conn, &ns->target,
						    addrs));
	} else if (err != -EINPROGRESS) {
		fail_because(sink, why);
	} else if (now > ns->attempt_deadline) {
		/* The lookup goes on; the next attempt takes its answer. */
		snprintf(why, sizeof(why), "cannot resolve %s: no answer in %d s",
			 ns->target.host, CONNECT_TIMEOUT_S);
		fail_because(sink, why);
	}
}

static void attempt(struct sink *sink, uint64_t now)
{
	struct net_sink *ns = sink->priv;
	int err;

	ns->attempt_deadline = now + CONNECT_TIMEOUT_NS;
	if (ns->target.scheme == NET_UNIX) {
		connect_result(sink, net_conn_start(&ns->conn, &ns->target,
						    NULL));
		return;
	}
	err = resolver_start(&ns->resolver, ns->target.host, ns->target.port,
			     ns->target.scheme == NET_UDP ? SOCK_DGRAM :
							    SOCK_STREAM);
	if (err) {
		fail(sink, "resolve", err);
		return;
	}
	ns->state = NET_RESOLVING;
	resolving(sink, now);
}

static int net_sink_open(struct sink *sink, const char *target,
			 const struct optset *opts)
{
	(void)opts;
	sink->target = strdup(target);
	if (!sink->target)
		return -ENOMEM;
	/* A collector that is away now is retried; the host starts anyway. */
	attempt(sink, clock_mono_ns());
	return 0;
}

/*
 * Slot idx as it goes on the wire: for a stream, its octet count is written
 * into the room left before the message.
 */
static struct iovec frame(struct net_sink *ns, size_t i)
{
	struct strbuf *slot = msg_queue_slot(&ns->q, i);
	size_t len = slot->len - FRAME_ROOM;
	char *buf = slot->data + FRAME_ROOM, prefix[FRAME_ROOM];
	int plen;

	if (ns->conn.stream) {
		plen = snprintf(prefix, sizeof(prefix), "%zu ", len);
		buf -= plen;
		memcpy(buf, prefix, plen);
		len += plen;
	}
	return (struct iovec){ .iov_base = buf, .iov_len = len };
}

/*
 * Cut the datagram in iov[0] to dgram_max bytes, the marker (iov[1]) with
 * them, at a UTF-8 character boundary: the head of a message says whose
 * event it was and what happened, which the rest only details.  Returns
 * the pieces in iov: 2.
 */
static int cut_datagram(struct net_sink *ns, struct iovec *iov)
{
	const unsigned char *p = iov[0].iov_base;
	size_t keep = ns->dgram_max - sizeof(ns->cut_mark);
	int mlen;

	while (keep && (p[keep] & 0xc0) == 0x80)
		keep--;
	mlen = snprintf(ns->cut_mark, sizeof(ns->cut_mark),
			"...[bpfhost: %zu bytes cut]", iov[0].iov_len - keep);
	iov[0].iov_len = keep;
	iov[1] = (struct iovec){ .iov_base = ns->cut_mark, .iov_len = mlen };
	return 2;
}

static void count_truncated(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	if (!ns->told_truncated)
		log_warn("[%s] messages longer than %zu bytes are cut to fit the socket (max_message_size); counted",
			 sink->name, ns->dgram_max);
	ns->told_truncated = true;
	sink->truncated++;
}

/*
 * Write what the queue holds from its head: several frames in one call on
 * a plain stream, one datagram or one TLS write otherwise.  iov: room for
 * SEND_BATCH frames, filled with what was offered.  Returns bytes written
 * or -errno; *events says what to wait for on -EAGAIN.
 */
static ssize_t transmit(struct net_sink *ns, struct iovec *iov,
			uint32_t *events)
{
	int n = 0;
	ssize_t ret;

	do {
		iov[n] = frame(ns, n);
		n++;
	} while (ns->conn.stream && !ns->session && n < SEND_BATCH &&
		 (size_t)n < ns->q.count);
	iov[0].iov_base = (char *)iov[0].iov_base + ns->q.head_off;
	iov[0].iov_len -= ns->q.head_off;
	if (ns->dgram_max && iov[0].iov_len > ns->dgram_max)
		n = cut_datagram(ns, iov);
	*events = EPOLLOUT;
	if (ns->session)
		return ns->tls_ops->send(ns->session, iov[0].iov_base,
					 iov[0].iov_len, events);
	ret = net_conn_sendv(&ns->conn, iov, n);
	/* UDP: an ICMP error for an earlier datagram; this one was not sent. */
	if (ret == -ECONNREFUSED && ns->target.scheme == NET_UDP)
		ret = net_conn_sendv(&ns->conn, iov, n);
	return ret;
}

static bool peer_closed(struct net_sink *ns)
{
	return ns->session ? ns->tls_ops->peer_closed(ns->session) :
			     net_conn_peer_closed(&ns->conn);
}

static void send_queue(struct sink *sink)
{
	struct net_sink *ns = sink->priv;
	struct iovec iov[SEND_BATCH];
	uint32_t events;

	if (ns->state != NET_UP || !ns->q.count)
		return;
	/* Writes to a closed stream would be lost yet look sent. */
	if (ns->conn.stream && peer_closed(ns)) {
		fail_because(sink, "connection closed by the collector");
		return;
	}
	while (ns->q.count) {
		ssize_t n = transmit(ns, iov, &events);

		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -ENOBUFS) {
			arm(sink, up_events(ns) | events);
			return;
		}
		if (n == -EMSGSIZE) {
			if (!ns->told_too_long)
				log_warn("[%s] a %zu-byte message is too long for one datagram; dropped (counted)",
					 sink->name, iov[0].iov_len);
			ns->told_too_long = true;
			sink->dropped += msg_queue_advance(&ns->q, iov,
							   iov[0].iov_len);
			continue;
		}
		if (n < 0) {
			fail(sink, "send", n);
			return;
		}
		/* A datagram goes whole or not at all. */
		sink->sent += msg_queue_advance(&ns->q, iov,
						ns->conn.stream ? (size_t)n :
								  iov[0].iov_len);
		/* More than iov[0]: a cut datagram went with its marker. */
		if (!ns->conn.stream && (size_t)n > iov[0].iov_len)
			count_truncated(sink);
	}
	arm(sink, up_events(ns));
}

static int net_sink_write(struct sink *sink, const char *msg, size_t len)
{
	struct net_sink *ns = sink->priv;
	int err = msg_queue_push(&ns->q, msg, len);

	if (err)
		sink->dropped++;
	return err;
}

static int net_sink_flush(struct sink *sink)
{
	send_queue(sink);
	return 0;
}

static void net_sink_io(struct sink *sink, uint32_t events)
{
	struct net_sink *ns = sink->priv;
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	switch (ns->state) {
	case NET_DOWN:
	case NET_RESOLVING:
		break;
	case NET_CONNECTING:
		arm(sink, 0);
		connect_result(sink, net_conn_finish(&ns->conn));
		break;
	case NET_HANDSHAKE:
		handshake(sink);
		break;
	case NET_UP:
		if (ns->conn.stream &&
		    (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
		    peer_closed(ns)) {
			fail_because(sink, "connection closed by the collector");
			break;
		}
		if (!ns->conn.stream && (events & EPOLLERR)) {
			/* Reading SO_ERROR clears it; a unix peer that went
			 * away needs a new socket, a UDP one does not. */
			getsockopt(ns->conn.fd, SOL_SOCKET, SO_ERROR, &soerr,
				   &len);
			if (ns->target.scheme == NET_UNIX && soerr) {
				fail(sink, "send", -soerr);
				break;
			}
		}
		send_queue(sink);
		break;
	}
}

static void net_sink_tick(struct sink *sink, uint64_t now)
{
	struct net_sink *ns = sink->priv;

	if (ns->stopping && now >= ns->stop_deadline)
		/* Out of time at stop: what is left is lost, and counted. */
		sink->dropped += msg_queue_clear(&ns->q);
	if (ns->state == NET_DOWN && now >= ns->retry_at &&
	    !(ns->stopping && !ns->q.count)) {
		attempt(sink, now);
	} else if (ns->state == NET_RESOLVING) {
		resolving(sink, now);
	} else if ((ns->state == NET_CONNECTING ||
		    ns->state == NET_HANDSHAKE) && now > ns->attempt_deadline) {
		fail(sink, ns->state == NET_CONNECTING ? "connect" :
							 "TLS handshake",
		     -ETIMEDOUT);
	}
}

static size_t net_sink_pending(const struct sink *sink)
{
	const struct net_sink *ns = sink->priv;

	return ns ? ns->q.count : 0;
}

static void net_sink_begin_stop(struct sink *sink, uint64_t deadline)
{
	struct net_sink *ns = sink->priv;

	ns->stopping = true;
	ns->stop_deadline = deadline;
}

static void net_sink_close(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	if (!ns)
		return;
	drop_connection(sink);
	resolver_cancel(&ns->resolver);
	sink->dropped += msg_queue_clear(&ns->q);
	msg_queue_free(&ns->q);
	if (ns->tls)
		ns->tls_ops->config_free(ns->tls);
	free(ns);
	sink->priv = NULL;
	free(sink->target);
	sink->target = NULL;
}

const struct sink_ops net_sink_ops = {
	.accepts = net_sink_accepts,
	.configure = net_sink_configure,
	.open = net_sink_open,
	.write = net_sink_write,
	.flush = net_sink_flush,
	.close = net_sink_close,
	.frames_messages = true,
	.network = true,
	.io = net_sink_io,
	.tick = net_sink_tick,
	.pending = net_sink_pending,
	.begin_stop = net_sink_begin_stop,
};

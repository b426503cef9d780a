// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network sinks: unix:PATH, udp://, tcp://, tls:// collectors.
 *
 * A slow or dead collector must never stall event intake or the other
 * outputs.  Each sink keeps a bounded queue of messages; its socket is
 * non-blocking and lives in the runtime's epoll set; what does not fit in
 * the queue is dropped and counted.  Connecting and reconnecting are
 * net_session.h's.  Streams (tcp, tls, a unix stream socket) carry
 * octet-counted frames (RFC 6587 §3.4.1, RFC 5425 §4.3); datagrams carry
 * one message each (RFC 5426).  A message cut by a lost connection
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
#include <sys/socket.h>
#include <sys/uio.h>

#include "../log.h"
#include "msg_queue.h"
#include "net_conn.h"
#include "net_session.h"
#include "net_target.h"
#include "output.h"
#include "tls_module.h"

/* Room before each queued message for its octet count: "4294967295 " */
#define FRAME_ROOM 12
/* Frames written by one sendmsg() on a plain stream. */
#define SEND_BATCH 64
/* What rsyslog's imuxsock reads of a datagram (its maxMessageSize). */
#define UNIX_DGRAM_MAX_DEFAULT 8096
/* af_unix refuses a datagram longer than the send buffer less this. */
#define UNIX_DGRAM_OVERHEAD 32

struct net_sink {
	struct net_session link;	/* its greeting: the TLS handshake */
	const struct tls_ops *tls_ops;	/* the TLS module; NULL unless tls:// */
	struct tls_config *tls;
	struct tls_session *session;

	struct msg_queue q;

	bool told_too_long;
	bool told_truncated;
	size_t max_message;	/* unix: datagram targets */
	size_t dgram_max;	/* longest datagram sent; 0 = no limit */
	char cut_mark[48];	/* ends a cut datagram */
};

static const struct net_session_ops link_ops;

static bool net_sink_accepts(const char *target)
{
	return net_target_is_network(target);
}

static int net_sink_configure(struct output *out,
			      const struct config_section *sec)
{
	static const char *const tls_keys[] = { "tls_ca", "tls_cert",
						"tls_key", "tls_server_name" };
	const struct optset *o = &out->opts;
	struct net_sink *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	out->sink.priv = ns;
	if (net_session_init(&ns->link, out, sec, &link_ops, &ns->q))
		return -EINVAL;
	for (size_t i = 0; ns->link.target.scheme != NET_TLS &&
			   i < BPFHOST_ARRAY_SIZE(tls_keys); i++) {
		if (optset_count(o, tls_keys[i])) {
			log_error("%s: [%s] %s applies only to a tls:// target",
				  output_key_where(out, sec, tls_keys[i]),
				  out->name, tls_keys[i]);
			return -EINVAL;
		}
	}
	if (optset_count(o, "max_message_size") &&
	    ns->link.target.scheme != NET_UNIX) {
		log_error("%s: [%s] max_message_size applies only to a unix: target",
			  output_key_where(out, sec, "max_message_size"),
			  out->name);
		return -EINVAL;
	}
	ns->max_message = optset_count(o, "max_message_size") ?
				  optset_int(o, "max_message_size", 0) :
				  UNIX_DGRAM_MAX_DEFAULT;
	if (net_session_configure_backoff(&ns->link, out, sec))
		return -EINVAL;
	if (msg_queue_init(&ns->q, optset_int(o, "queue_size", 0), FRAME_ROOM))
		return -ENOMEM;
	if (ns->link.target.scheme != NET_TLS)
		return 0;
	ns->tls_ops = tls_module_configure(out, sec, ns->link.target.host,
					   &ns->tls);
	return ns->tls_ops ? 0 : -EINVAL;
}

/* A frame cut by the lost connection goes again whole on the next one. */
static void dropping(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	if (ns->session)
		ns->tls_ops->session_free(ns->session);
	ns->session = NULL;
	ns->q.head_off = 0;
}

static uint32_t up_events(const struct net_sink *ns)
{
	/*
	 * A stream peer's close shows up as readable.  A datagram socket is
	 * never read: only its errors (ICMP port unreachable, a unix peer
	 * gone) matter.
	 */
	return ns->link.conn.stream ? EPOLLIN | EPOLLRDHUP : EPOLLERR;
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

	if (!getsockopt(ns->link.conn.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			&len) &&
	    sndbuf > UNIX_DGRAM_OVERHEAD &&
	    (size_t)sndbuf - UNIX_DGRAM_OVERHEAD < max)
		max = sndbuf - UNIX_DGRAM_OVERHEAD;
	return max;
}

static void connection_up(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	ns->dgram_max = ns->link.target.scheme == NET_UNIX &&
					!ns->link.conn.stream ?
				unix_dgram_max(ns) : 0;
	net_session_up(&ns->link);
	net_session_arm(&ns->link, up_events(ns));
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
		net_session_arm(&ns->link, events);
	} else {
		net_session_fail_because(&ns->link, why);
	}
}

static void connected(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	if (!ns->tls) {
		connection_up(sink);
		return;
	}
	ns->session = ns->tls_ops->session_new(ns->tls, ns->link.conn.fd);
	if (!ns->session) {
		net_session_fail(&ns->link, "TLS setup", -ENOMEM);
		return;
	}
	net_session_greeting(&ns->link);
	handshake(sink);
}

static const struct net_session_ops link_ops = {
	.connected = connected,
	.dropping = dropping,
	.greeting = "TLS handshake",
	.keeping = "queueing",
	.kept = "messages",
};

static int net_sink_open(struct sink *sink, const char *target,
			 const struct optset *opts)
{
	struct net_sink *ns = sink->priv;

	(void)opts;
	return net_session_open(&ns->link, target);
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

	if (ns->link.conn.stream) {
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
	} while (ns->link.conn.stream && !ns->session && n < SEND_BATCH &&
		 (size_t)n < ns->q.count);
	iov[0].iov_base = (char *)iov[0].iov_base + ns->q.head_off;
	iov[0].iov_len -= ns->q.head_off;
	if (ns->dgram_max && iov[0].iov_len > ns->dgram_max)
		n = cut_datagram(ns, iov);
	*events = EPOLLOUT;
	if (ns->session)
		return ns->tls_ops->send(ns->session, iov[0].iov_base,
					 iov[0].iov_len, events);
	ret = net_conn_sendv(&ns->link.conn, iov, n);
	/* UDP: an ICMP error for an earlier datagram; this one was not sent. */
	if (ret == -ECONNREFUSED && ns->link.target.scheme == NET_UDP)
		ret = net_conn_sendv(&ns->link.conn, iov, n);
	return ret;
}

static bool peer_closed(struct net_sink *ns)
{
	return ns->session ? ns->tls_ops->peer_closed(ns->session) :
			     net_conn_peer_closed(&ns->link.conn);
}

static void send_queue(struct sink *sink)
{
	struct net_sink *ns = sink->priv;
	struct iovec iov[SEND_BATCH];
	uint32_t events;

	if (ns->link.state != NET_SESSION_UP || !ns->q.count)
		return;
	/* Writes to a closed stream would be lost yet look sent. */
	if (ns->link.conn.stream && peer_closed(ns)) {
		net_session_fail_because(&ns->link,
						 "connection closed by the collector");
		return;
	}
	while (ns->q.count) {
		ssize_t n = transmit(ns, iov, &events);

		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -ENOBUFS) {
			net_session_arm(&ns->link, up_events(ns) | events);
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
			net_session_fail(&ns->link, "send", n);
			return;
		}
		/* A datagram goes whole or not at all. */
		sink->sent += msg_queue_advance(&ns->q, iov,
						ns->link.conn.stream ?
							(size_t)n :
							iov[0].iov_len);
		/* More than iov[0]: a cut datagram went with its marker. */
		if (!ns->link.conn.stream && (size_t)n > iov[0].iov_len)
			count_truncated(sink);
	}
	net_session_arm(&ns->link, up_events(ns));
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

	if (net_session_io(&ns->link))
		return;
	if (ns->link.state == NET_SESSION_GREETING) {
		handshake(sink);
		return;
	}
	if (ns->link.conn.stream &&
	    (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    peer_closed(ns)) {
		net_session_fail_because(&ns->link,
						 "connection closed by the collector");
		return;
	}
	if (!ns->link.conn.stream && (events & EPOLLERR)) {
		/* Reading SO_ERROR clears it; a unix peer that went away
		 * needs a new socket, a UDP one does not. */
		getsockopt(ns->link.conn.fd, SOL_SOCKET, SO_ERROR, &soerr,
			   &len);
		if (ns->link.target.scheme == NET_UNIX && soerr) {
			net_session_fail(&ns->link, "send", -soerr);
			return;
		}
	}
	send_queue(sink);
}

static void net_sink_tick(struct sink *sink, uint64_t now)
{
	struct net_sink *ns = sink->priv;

	if (net_session_out_of_time(&ns->link, now))
		/* Out of time at stop: what is left is lost, and counted. */
		sink->dropped += msg_queue_clear(&ns->q);
	net_session_tick(&ns->link, now);
}

static size_t net_sink_pending(const struct sink *sink)
{
	const struct net_sink *ns = sink->priv;

	return ns ? ns->q.count : 0;
}

static void net_sink_begin_stop(struct sink *sink, uint64_t deadline)
{
	struct net_sink *ns = sink->priv;

	net_session_begin_stop(&ns->link, deadline);
}

static void net_sink_close(struct sink *sink)
{
	struct net_sink *ns = sink->priv;

	if (!ns)
		return;
	net_session_close(&ns->link);
	sink->dropped += msg_queue_clear(&ns->q);
	msg_queue_free(&ns->q);
	if (ns->tls)
		ns->tls_ops->config_free(ns->tls);
	free(ns);
	sink->priv = NULL;
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

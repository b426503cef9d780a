// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * relp://HOST:PORT: syslog messages over RELP, each kept until the
 * collector acknowledged it.
 *
 * The client side of RELP is spoken here, in the event loop, rather than
 * through librelp: librelp's client tells its caller when a message went
 * into its window, never when the collector acknowledged it, and it waits
 * in poll() (up to its 90 s timeout) when the window is full or a
 * connection is being made.  Here a message stays in the output's queue
 * until its "rsp 200" arrives; only then is it counted sent.  A lost
 * connection sends every unacknowledged message again, in order, under new
 * transaction numbers, on the next one: a message the collector took but
 * could not acknowledge before it died arrives twice, with the same bytes
 * (so the same sequenceId).  What does not fit in the queue, and what is
 * still queued when the flush deadline passes at stop, is counted dropped.
 *
 * relps://HOST:PORT is the same inside TLS, through the TLS module and the
 * tls_* keys as for tls:// (tls_module.h): the handshake, then the RELP
 * open, are the session's greeting, and nothing is written before the
 * collector's certificate passed.
 *
 * Connecting and reconnecting are net_session.h's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "build_config.h"
#include "../log.h"
#include "msg_queue.h"
#include "net_conn.h"
#include "net_session.h"
#include "output.h"
#include "relp_frame.h"
#include "tls_module.h"

/* Messages sent and not yet acknowledged, at most (librelp's default). */
#define RELP_WINDOW 128
/* Frames written by one sendmsg(): two pieces each (header+message, LF). */
#define SEND_BATCH 64
#define OPEN_TXNR 1
/* Answers are 15 bytes each: 16 reads of 4 KiB take thousands. */
#define RX_CHUNK 4096
#define RX_READS_PER_TURN 16
/*
 * At most this much of the frames is copied for one TLS write, which sends
 * a record (16 KiB) or so: more would be copied again at the next write.
 */
#define TLS_STAGE_MAX 16384

struct relp_sink {
	struct net_session link;	/* its greeting: [TLS handshake,] open */
	const struct tls_ops *tls_ops;	/* the TLS module; NULL unless relps */
	struct tls_config *tls;
	struct tls_session *session;
	bool handshake_done;
	struct strbuf stage;	/* what one TLS write offers */

	/*
	 * The queue's first `inflight` messages were written on this
	 * connection and await their rsp; `out_off` bytes of the next one's
	 * frame are written.  The head's TXNR on this connection is head_txnr.
	 */
	struct msg_queue q;
	size_t inflight, out_off;
	uint32_t head_txnr;
	struct strbuf rx;	/* bytes read, not yet a whole frame */

	bool told_refused;
};

static const struct net_session_ops link_ops;

static bool relp_sink_accepts(const char *target)
{
	return !strncmp(target, "relp://", 7) ||
	       !strncmp(target, "relps://", 8);
}

static int relp_sink_configure(struct output *out,
			       const struct config_section *sec)
{
	static const char *const tls_keys[] = { "tls_ca", "tls_cert",
						"tls_key", "tls_server_name" };
	const struct optset *o = &out->opts;
	struct relp_sink *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return -ENOMEM;
	out->sink.priv = rs;
	if (net_session_init(&rs->link, out, sec, &link_ops, &rs->q))
		return -EINVAL;
	for (size_t i = 0; rs->link.target.scheme != NET_RELPS &&
			   i < BPFHOST_ARRAY_SIZE(tls_keys); i++) {
		if (optset_count(o, tls_keys[i])) {
			log_error("%s: [%s] %s applies only to a relps:// target (RELP over TLS)",
				  output_key_where(out, sec, tls_keys[i]),
				  out->name, tls_keys[i]);
			return -EINVAL;
		}
	}
	if (net_session_configure_backoff(&rs->link, out, sec))
		return -EINVAL;
	if (msg_queue_init(&rs->q, optset_int(o, "queue_size", 0),
			   RELP_HEADER_ROOM))
		return -ENOMEM;
	if (rs->link.target.scheme != NET_RELPS)
		return 0;
	rs->tls_ops = tls_module_configure(out, sec, rs->link.target.host,
					   &rs->tls);
	return rs->tls_ops ? 0 : -EINVAL;
}

/* Everything not acknowledged goes again, whole, on the next connection. */
static void dropping(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;

	rs->inflight = rs->out_off = 0;
	sb_reset(&rs->rx);
	if (rs->session)
		rs->tls_ops->session_free(rs->session);
	rs->session = NULL;
	rs->handshake_done = false;
}

/*
 * Write iov[0..n): bytes written, or -EAGAIN with *events, or -errno.  In
 * TLS, a copy of their first TLS_STAGE_MAX bytes is written: a retry after
 * -EAGAIN then offers at least what OpenSSL has pending, as it requires.
 */
static ssize_t transmit(struct relp_sink *rs, const struct iovec *iov,
			size_t n, uint32_t *events)
{
	*events = EPOLLOUT;
	if (!rs->session)
		return net_conn_sendv(&rs->link.conn, iov, n);
	sb_reset(&rs->stage);
	for (size_t k = 0; k < n && rs->stage.len < TLS_STAGE_MAX; k++) {
		size_t room = TLS_STAGE_MAX - rs->stage.len;

		sb_append(&rs->stage, iov[k].iov_base,
			  iov[k].iov_len < room ? iov[k].iov_len : room);
	}
	if (rs->stage.failed)
		return -ENOMEM;
	return rs->tls_ops->send(rs->session, rs->stage.data, rs->stage.len,
				 events);
}

/*
 * Bytes read, 0 when the collector closed, or -errno.  A TLS read that
 * must write first (-EAGAIN, EPOLLOUT) goes on at the next event: the
 * socket is watched for EPOLLIN, and for EPOLLOUT while frames wait.
 */
static ssize_t receive(struct relp_sink *rs, void *buf, size_t len)
{
	uint32_t events;
	ssize_t n;

	if (rs->session)
		return rs->tls_ops->recv(rs->session, buf, len, &events);
	n = recv(rs->link.conn.fd, buf, len, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* The offers librelp's server needs: a version and the syslog command. */
static void send_open(struct sink *sink)
{
	static const char offers[] = "relp_version=0\n"
				     "relp_software=bpfhost," BPFHOST_VERSION "\n"
				     "commands=syslog";
	struct relp_sink *rs = sink->priv;
	char hdr[RELP_HEADER_ROOM];
	struct iovec iov[3] = {
		{ hdr, relp_header(hdr, OPEN_TXNR, "open", sizeof(offers) - 1) },
		{ (void *)offers, sizeof(offers) - 1 },
		{ "\n", 1 },
	};
	uint32_t events;
	ssize_t n = transmit(rs, iov, 3, &events);

	/* A new socket's buffer takes 100 bytes whole. */
	if (n != (ssize_t)(iov[0].iov_len + iov[1].iov_len + 1)) {
		net_session_fail(&rs->link, "send open", n < 0 ? (int)n : -EIO);
		return;
	}
	net_session_greeting(&rs->link);
	net_session_arm(&rs->link, EPOLLIN | EPOLLRDHUP);
}

static void handshake(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;
	uint32_t events = 0;
	char why[512];
	int err = rs->tls_ops->handshake(rs->session, &events, why,
					 sizeof(why));

	if (!err) {
		rs->handshake_done = true;
		send_open(sink);
	} else if (err == -EAGAIN) {
		net_session_arm(&rs->link, events);
	} else {
		net_session_fail_because(&rs->link, why);
	}
}

static void connected(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;

	if (!rs->tls) {
		send_open(sink);
		return;
	}
	rs->session = rs->tls_ops->session_new(rs->tls, rs->link.conn.fd);
	if (!rs->session) {
		net_session_fail(&rs->link, "TLS setup", -ENOMEM);
		return;
	}
	net_session_greeting(&rs->link);
	handshake(sink);
}

static const struct net_session_ops link_ops = {
	.connected = connected,
	.dropping = dropping,
	.greeting = "TLS handshake or RELP open",
	.keeping = "keeping",
	.kept = "unacknowledged messages",
};

static int relp_sink_open(struct sink *sink, const char *target,
			  const struct optset *opts)
{
	struct relp_sink *rs = sink->priv;

	(void)opts;
	return net_session_open(&rs->link, target);
}

static uint32_t txnr_of(const struct relp_sink *rs, size_t i)
{
	return (rs->head_txnr - 1 + i) % RELP_TXNR_MAX + 1;
}

/* Message i's frame as two pieces: header and message, then the LF. */
static void frame(struct relp_sink *rs, size_t i, struct iovec *iov)
{
	struct strbuf *slot = msg_queue_slot(&rs->q, i);
	size_t len = slot->len - RELP_HEADER_ROOM;
	char hdr[RELP_HEADER_ROOM];
	int hlen = relp_header(hdr, txnr_of(rs, i), "syslog", len);
	char *start = slot->data + RELP_HEADER_ROOM - hlen;

	memcpy(start, hdr, hlen);
	iov[0] = (struct iovec){ start, hlen + len };
	iov[1] = (struct iovec){ "\n", 1 };
}

/* Write frames from the first unsent one, within the window. */
static void send_queue(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;
	struct iovec iov[2 * SEND_BATCH];
	uint32_t events;

	while (rs->link.state == NET_SESSION_UP &&
	       rs->inflight < rs->q.count && rs->inflight < RELP_WINDOW) {
		size_t n = 0, skip = rs->out_off;
		ssize_t ret;

		while (n < 2 * SEND_BATCH && rs->inflight + n / 2 < rs->q.count &&
		       rs->inflight + n / 2 < RELP_WINDOW) {
			frame(rs, rs->inflight + n / 2, &iov[n]);
			n += 2;
		}
		/* Past what an earlier write took of the first frame. */
		for (size_t k = 0; skip; k++) {
			size_t cut = skip < iov[k].iov_len ? skip : iov[k].iov_len;

			iov[k].iov_base = (char *)iov[k].iov_base + cut;
			iov[k].iov_len -= cut;
			skip -= cut;
		}
		ret = transmit(rs, iov, n, &events);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
			net_session_arm(&rs->link,
					EPOLLIN | EPOLLRDHUP | events);
			return;
		}
		if (ret < 0) {
			net_session_fail(&rs->link, "send", ret);
			return;
		}
		/* Whole frames written move into the window. */
		for (size_t k = 0; k < n; k += 2) {
			size_t flen = iov[k].iov_len + iov[k + 1].iov_len;

			if ((size_t)ret < flen) {
				rs->out_off += ret;
				break;
			}
			ret -= flen;
			rs->inflight++;
			rs->out_off = 0;
		}
	}
	if (rs->link.state == NET_SESSION_UP)
		net_session_arm(&rs->link, EPOLLIN | EPOLLRDHUP);
}

/* Whether the open rsp's offers list syslog among the commands. */
static bool offers_syslog(const struct relp_frame *f)
{
	const char *end = f->data + f->len, *p, *eol;

	p = memmem(f->data, f->len, "\ncommands=", 10);
	if (!p)
		return false;
	p += 10;
	eol = memchr(p, '\n', end - p);
	end = eol ? eol : end;
	while (p < end) {
		const char *comma = memchr(p, ',', end - p);
		const char *stop = comma ? comma : end;

		if (stop - p == 6 && !memcmp(p, "syslog", 6))
			return true;
		p = stop + 1;
	}
	return false;
}

static void opened(struct sink *sink, const struct relp_frame *f)
{
	struct relp_sink *rs = sink->priv;
	char why[160];

	if (relp_rsp_status(f) != 200 || !offers_syslog(f)) {
		snprintf(why, sizeof(why), "the collector refused the RELP session: %.*s",
			 (int)(f->len > 80 ? 80 : f->len), f->data);
		net_session_fail_because(&rs->link, why);
		return;
	}
	rs->head_txnr = relp_txnr_next(OPEN_TXNR);
	net_session_up(&rs->link);
	send_queue(sink);
}

/* The head message's answer: taken (sent) or refused (dropped). */
static void acknowledged(struct sink *sink, const struct relp_frame *f)
{
	struct relp_sink *rs = sink->priv;
	int status = relp_rsp_status(f);

	if (status == 200) {
		sink->sent++;
	} else {
		if (!rs->told_refused)
			log_warn("[%s] %s: the collector refused a message (%.*s); dropped (counted)",
				 sink->name, sink->target,
				 (int)(f->len > 80 ? 80 : f->len), f->data);
		rs->told_refused = true;
		sink->dropped++;
	}
	/* The head leaves the queue: one byte "written" of a one-byte iov. */
	msg_queue_advance(&rs->q, &(struct iovec){ .iov_len = 1 }, 1);
	rs->inflight--;
	rs->head_txnr = relp_txnr_next(rs->head_txnr);
}

/* One frame from the collector; false when the connection was dropped. */
static bool received(struct sink *sink, const struct relp_frame *f)
{
	struct relp_sink *rs = sink->priv;
	char why[128];

	if (!strcmp(f->cmd, "serverclose")) {
		net_session_fail_because(&rs->link,
						 "the collector is closing the session");
		return false;
	}
	if (strcmp(f->cmd, "rsp")) {
		snprintf(why, sizeof(why), "unexpected RELP command '%s'", f->cmd);
	} else if (rs->link.state == NET_SESSION_GREETING &&
		   f->txnr == OPEN_TXNR) {
		opened(sink, f);
		return rs->link.state == NET_SESSION_UP;
	} else if (rs->link.state == NET_SESSION_UP && rs->inflight &&
		   f->txnr == rs->head_txnr) {
		acknowledged(sink, f);
		return true;
	} else {
		snprintf(why, sizeof(why), "an answer for transaction %u, not %u",
			 f->txnr, rs->link.state == NET_SESSION_UP ?
					  rs->head_txnr : OPEN_TXNR);
	}
	net_session_fail_because(&rs->link, why);
	return false;
}

/* Act on every whole frame read; false when the connection was dropped. */
static bool parse_answers(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;
	struct relp_frame f;
	size_t used = 0;
	ssize_t n;

	while ((n = relp_parse(rs->rx.data + used, rs->rx.len - used, &f)) > 0) {
		used += n;
		if (!received(sink, &f))
			return false;
	}
	if (n < 0 || rs->rx.len - used > RELP_MAX_RX_DATA + RELP_HEADER_ROOM) {
		net_session_fail_because(&rs->link,
						 "the collector does not speak RELP");
		return false;
	}
	memmove(rs->rx.data, rs->rx.data + used, rs->rx.len - used);
	rs->rx.len -= used;
	return true;
}

/*
 * Read what the collector sent, a bounded amount per loop turn (the socket
 * stays readable for the next: OpenSSL reads a record at a time, and
 * librelp writes each answer, far shorter than RX_CHUNK, in its own), and
 * act on it: the answers that came before a close still count.
 */
static void read_answers(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;
	ssize_t n = -1;

	for (int i = 0; i < RX_READS_PER_TURN; i++) {
		if (!sb_reserve(&rs->rx, rs->rx.len + RX_CHUNK)) {
			net_session_fail(&rs->link, "read", -ENOMEM);
			return;
		}
		n = receive(rs, rs->rx.data + rs->rx.len, RX_CHUNK);
		if (n <= 0)
			break;
		rs->rx.len += n;
	}
	if (!parse_answers(sink))
		return;
	if (!n)
		net_session_fail_because(&rs->link,
						 "connection closed by the collector");
	else if (n < 0 && n != -EAGAIN && n != -EWOULDBLOCK)
		net_session_fail(&rs->link, "read", n);
}

static int relp_sink_write(struct sink *sink, const char *msg, size_t len)
{
	struct relp_sink *rs = sink->priv;
	int err = msg_queue_push(&rs->q, msg, len);

	if (err)
		sink->dropped++;
	return err;
}

static int relp_sink_flush(struct sink *sink)
{
	send_queue(sink);
	return 0;
}

static void relp_sink_io(struct sink *sink, uint32_t events)
{
	struct relp_sink *rs = sink->priv;

	if (net_session_io(&rs->link))
		return;
	if (rs->session && !rs->handshake_done) {
		handshake(sink);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		read_answers(sink);
	send_queue(sink);
}

static void relp_sink_tick(struct sink *sink, uint64_t now)
{
	struct relp_sink *rs = sink->priv;

	if (net_session_out_of_time(&rs->link, now) && rs->q.count) {
		/* Out of time at stop: what is left is lost, and counted. */
		net_session_drop(&rs->link);
		sink->dropped += msg_queue_clear(&rs->q);
	}
	net_session_tick(&rs->link, now);
}

static size_t relp_sink_pending(const struct sink *sink)
{
	const struct relp_sink *rs = sink->priv;

	return rs ? rs->q.count : 0;
}

static void relp_sink_begin_stop(struct sink *sink, uint64_t deadline)
{
	struct relp_sink *rs = sink->priv;

	net_session_begin_stop(&rs->link, deadline);
}

/* Say goodbye when nothing is owed: imrelp then logs no broken session. */
static void send_close(struct relp_sink *rs)
{
	char hdr[RELP_HEADER_ROOM];
	struct iovec iov[2] = { { hdr, 0 }, { "\n", 1 } };
	uint32_t events;

	if (rs->link.state != NET_SESSION_UP || rs->q.count || rs->out_off)
		return;
	iov[0].iov_len = relp_header(hdr, rs->head_txnr, "close", 0);
	transmit(rs, iov, 2, &events);
}

static void relp_sink_close(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;

	if (!rs)
		return;
	send_close(rs);
	net_session_close(&rs->link);
	sink->dropped += msg_queue_clear(&rs->q);
	msg_queue_free(&rs->q);
	sb_free(&rs->rx);
	sb_free(&rs->stage);
	if (rs->tls)
		rs->tls_ops->config_free(rs->tls);
	free(rs);
	sink->priv = NULL;
}

const struct sink_ops relp_sink_ops = {
	.accepts = relp_sink_accepts,
	.configure = relp_sink_configure,
	.open = relp_sink_open,
	.write = relp_sink_write,
	.flush = relp_sink_flush,
	.close = relp_sink_close,
	.frames_messages = true,
	.network = true,
	.io = relp_sink_io,
	.tick = relp_sink_tick,
	.pending = relp_sink_pending,
	.begin_stop = relp_sink_begin_stop,
};

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
 * Name resolution, connecting and the backoff follow sink_net.c's.
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
#include "../clock.h"
#include "../log.h"
#include "msg_queue.h"
#include "net_conn.h"
#include "net_target.h"
#include "output.h"
#include "relp_frame.h"
#include "resolver.h"

#define CONNECT_TIMEOUT_S 5
#define CONNECT_TIMEOUT_NS (CONNECT_TIMEOUT_S * 1000000000ull)
#define NS_PER_MS 1000000ull
/* Messages sent and not yet acknowledged, at most (librelp's default). */
#define RELP_WINDOW 128
/* Frames written by one sendmsg(): two pieces each (header+message, LF). */
#define SEND_BATCH 64
#define OPEN_TXNR 1
/* Answers are 15 bytes each: 16 reads of 4 KiB take thousands. */
#define RX_CHUNK 4096
#define RX_READS_PER_TURN 16

enum relp_state {
	RELP_DOWN,		/* waiting for retry_at */
	RELP_RESOLVING,
	RELP_CONNECTING,
	RELP_OPENING,		/* "open" sent, its rsp awaited */
	RELP_UP,
};

struct relp_sink {
	struct net_target target;
	struct resolver resolver;
	struct net_conn conn;
	enum relp_state state;

	/*
	 * The queue's first `inflight` messages were written on this
	 * connection and await their rsp; `out_off` bytes of the next one's
	 * frame are written.  The head's TXNR on this connection is head_txnr.
	 */
	struct msg_queue q;
	size_t inflight, out_off;
	uint32_t head_txnr;
	struct strbuf rx;	/* bytes read, not yet a whole frame */

	uint64_t backoff_min, backoff_max, backoff;
	uint64_t retry_at, attempt_deadline;
	bool connected_once;
	bool failing;		/* the outage was reported already */
	bool told_refused;
	bool stopping;
	uint64_t stop_deadline;
};

static bool relp_sink_accepts(const char *target)
{
	return !strncmp(target, "relp://", 7);
}

static int relp_sink_configure(struct output *out,
			       const struct config_section *sec)
{
	static const char *const tls_keys[] = { "tls_ca", "tls_cert",
						"tls_key", "tls_server_name" };
	const struct optset *o = &out->opts;
	const char *target = optset_str(o, "target", 0), *why;
	struct relp_sink *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return -ENOMEM;
	out->sink.priv = rs;
	rs->conn.fd = -1;
	if (!net_target_parse(target, &rs->target, &why)) {
		log_error("%s: [%s] target '%s': %s",
			  output_key_where(out, sec, "target"), out->name,
			  target, why);
		return -EINVAL;
	}
	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(tls_keys); i++) {
		if (optset_count(o, tls_keys[i])) {
			log_error("%s: [%s] %s: RELP over TLS is not supported yet; use a relp:// target without tls_* keys, or tls://",
				  output_key_where(out, sec, tls_keys[i]),
				  out->name, tls_keys[i]);
			return -EINVAL;
		}
	}
	rs->backoff_min = optset_int(o, "reconnect_min_ms", 0) * NS_PER_MS;
	rs->backoff_max = optset_int(o, "reconnect_max_ms", 0) * NS_PER_MS;
	if (rs->backoff_max < rs->backoff_min) {
		log_error("%s: [%s] reconnect_max_ms is below reconnect_min_ms",
			  output_key_where(out, sec, "reconnect_max_ms"),
			  out->name);
		return -EINVAL;
	}
	rs->backoff = rs->backoff_min;
	return msg_queue_init(&rs->q, optset_int(o, "queue_size", 0),
			      RELP_HEADER_ROOM);
}

static void arm(struct sink *sink, uint32_t events)
{
	struct relp_sink *rs = sink->priv;

	sink_watch(sink, rs->conn.fd, events);
}

/* Everything not acknowledged goes again, whole, on the next connection. */
static void drop_connection(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;

	arm(sink, 0);
	net_conn_close(&rs->conn);
	rs->inflight = rs->out_off = 0;
	sb_reset(&rs->rx);
	rs->state = RELP_DOWN;
}

/* Close, and try again after the backoff; one message per outage. */
static void fail_because(struct sink *sink, const char *why)
{
	struct relp_sink *rs = sink->priv;

	if (!rs->failing)
		log_warn("[%s] %s: %s; retrying with backoff up to %llu ms, keeping up to %zu unacknowledged messages",
			 sink->name, sink->target, why,
			 (unsigned long long)(rs->backoff_max / NS_PER_MS),
			 rs->q.cap);
	drop_connection(sink);
	rs->failing = true;
	rs->retry_at = clock_mono_ns() + rs->backoff;
	rs->backoff = rs->backoff * 2 > rs->backoff_max ? rs->backoff_max :
							  rs->backoff * 2;
}

static void fail(struct sink *sink, const char *what, int err)
{
	char why[256];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(-err));
	fail_because(sink, why);
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
	ssize_t n = net_conn_sendv(&rs->conn, iov, 3);

	/* A new socket's buffer takes 100 bytes whole. */
	if (n != (ssize_t)(iov[0].iov_len + iov[1].iov_len + 1)) {
		fail(sink, "send open", n < 0 ? (int)n : -EIO);
		return;
	}
	rs->state = RELP_OPENING;
	arm(sink, EPOLLIN | EPOLLRDHUP);
}

static void connect_result(struct sink *sink, int err)
{
	struct relp_sink *rs = sink->priv;

	if (!err) {
		send_open(sink);
	} else if (err == -EINPROGRESS) {
		rs->state = RELP_CONNECTING;
		arm(sink, EPOLLOUT);
	} else {
		fail_because(sink, rs->conn.why);
	}
}

static void resolving(struct sink *sink, uint64_t now)
{
	struct relp_sink *rs = sink->priv;
	struct addrinfo *addrs = NULL;
	char why[384];
	int err = resolver_poll(&rs->resolver, &addrs, why, sizeof(why));

	if (!err) {
		connect_result(sink, net_conn_start(&rs->conn, &rs->target,
						    addrs));
	} else if (err != -EINPROGRESS) {
		fail_because(sink, why);
	} else if (now > rs->attempt_deadline) {
		snprintf(why, sizeof(why), "cannot resolve %s: no answer in %d s",
			 rs->target.host, CONNECT_TIMEOUT_S);
		fail_because(sink, why);
	}
}

static void attempt(struct sink *sink, uint64_t now)
{
	struct relp_sink *rs = sink->priv;
	int err;

	rs->attempt_deadline = now + CONNECT_TIMEOUT_NS;
	err = resolver_start(&rs->resolver, rs->target.host, rs->target.port,
			     SOCK_STREAM);
	if (err) {
		fail(sink, "resolve", err);
		return;
	}
	rs->state = RELP_RESOLVING;
	resolving(sink, now);
}

static int relp_sink_open(struct sink *sink, const char *target,
			  const struct optset *opts)
{
	(void)opts;
	sink->target = strdup(target);
	if (!sink->target)
		return -ENOMEM;
	attempt(sink, clock_mono_ns());
	return 0;
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

	while (rs->state == RELP_UP && rs->inflight < rs->q.count &&
	       rs->inflight < RELP_WINDOW) {
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
		ret = net_conn_sendv(&rs->conn, iov, n);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
			arm(sink, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
			return;
		}
		if (ret < 0) {
			fail(sink, "send", ret);
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
	if (rs->state == RELP_UP)
		arm(sink, EPOLLIN | EPOLLRDHUP);
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
		fail_because(sink, why);
		return;
	}
	rs->state = RELP_UP;
	rs->head_txnr = relp_txnr_next(OPEN_TXNR);
	rs->backoff = rs->backoff_min;
	if (rs->connected_once)
		sink->reconnects++;
	if (rs->failing)
		log_warn("[%s] %s: connected again", sink->name, sink->target);
	rs->connected_once = true;
	rs->failing = false;
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
		fail_because(sink, "the collector is closing the session");
		return false;
	}
	if (strcmp(f->cmd, "rsp")) {
		snprintf(why, sizeof(why), "unexpected RELP command '%s'", f->cmd);
	} else if (rs->state == RELP_OPENING && f->txnr == OPEN_TXNR) {
		opened(sink, f);
		return rs->state == RELP_UP;
	} else if (rs->state == RELP_UP && rs->inflight &&
		   f->txnr == rs->head_txnr) {
		acknowledged(sink, f);
		return true;
	} else {
		snprintf(why, sizeof(why), "an answer for transaction %u, not %u",
			 f->txnr, rs->state == RELP_UP ? rs->head_txnr : OPEN_TXNR);
	}
	fail_because(sink, why);
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
		fail_because(sink, "the collector does not speak RELP");
		return false;
	}
	memmove(rs->rx.data, rs->rx.data + used, rs->rx.len - used);
	rs->rx.len -= used;
	return true;
}

/*
 * Read what the collector sent, a bounded amount per loop turn (the socket
 * stays readable for the next), and act on it: the answers that came
 * before a close still count.
 */
static void read_answers(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;
	ssize_t n = -1;
	int err = EAGAIN;

	for (int i = 0; i < RX_READS_PER_TURN; i++) {
		if (!sb_reserve(&rs->rx, rs->rx.len + RX_CHUNK)) {
			fail(sink, "read", -ENOMEM);
			return;
		}
		n = recv(rs->conn.fd, rs->rx.data + rs->rx.len, RX_CHUNK,
			 MSG_DONTWAIT);
		if (n <= 0) {
			err = errno;
			break;
		}
		rs->rx.len += n;
	}
	if (!parse_answers(sink))
		return;
	if (!n)
		fail_because(sink, "connection closed by the collector");
	else if (n < 0 && err != EAGAIN && err != EWOULDBLOCK)
		fail(sink, "read", -err);
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

	switch (rs->state) {
	case RELP_DOWN:
	case RELP_RESOLVING:
		break;
	case RELP_CONNECTING:
		arm(sink, 0);
		connect_result(sink, net_conn_finish(&rs->conn));
		break;
	case RELP_OPENING:
	case RELP_UP:
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			read_answers(sink);
		send_queue(sink);
		break;
	}
}

static void relp_sink_tick(struct sink *sink, uint64_t now)
{
	struct relp_sink *rs = sink->priv;

	if (rs->stopping && now >= rs->stop_deadline && rs->q.count) {
		/* Out of time at stop: what is left is lost, and counted. */
		drop_connection(sink);
		sink->dropped += msg_queue_clear(&rs->q);
	}
	if (rs->state == RELP_DOWN && now >= rs->retry_at &&
	    !(rs->stopping && !rs->q.count)) {
		attempt(sink, now);
	} else if (rs->state == RELP_RESOLVING) {
		resolving(sink, now);
	} else if ((rs->state == RELP_CONNECTING ||
		    rs->state == RELP_OPENING) && now > rs->attempt_deadline) {
		fail(sink, rs->state == RELP_CONNECTING ? "connect" :
							  "RELP open",
		     -ETIMEDOUT);
	}
}

static size_t relp_sink_pending(const struct sink *sink)
{
	const struct relp_sink *rs = sink->priv;

	return rs ? rs->q.count : 0;
}

static void relp_sink_begin_stop(struct sink *sink, uint64_t deadline)
{
	struct relp_sink *rs = sink->priv;

	rs->stopping = true;
	rs->stop_deadline = deadline;
}

/* Say goodbye when nothing is owed: imrelp then logs no broken session. */
static void send_close(struct relp_sink *rs)
{
	char hdr[RELP_HEADER_ROOM];
	struct iovec iov[2] = { { hdr, 0 }, { "\n", 1 } };

	if (rs->state != RELP_UP || rs->q.count || rs->out_off)
		return;
	iov[0].iov_len = relp_header(hdr, rs->head_txnr, "close", 0);
	net_conn_sendv(&rs->conn, iov, 2);
}

static void relp_sink_close(struct sink *sink)
{
	struct relp_sink *rs = sink->priv;

	if (!rs)
		return;
	send_close(rs);
	drop_connection(sink);
	resolver_cancel(&rs->resolver);
	sink->dropped += msg_queue_clear(&rs->q);
	msg_queue_free(&rs->q);
	sb_free(&rs->rx);
	free(rs);
	sink->priv = NULL;
	free(sink->target);
	sink->target = NULL;
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

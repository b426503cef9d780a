/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS client over a connected non-blocking socket, through OpenSSL: the
 * collector's certificate must chain to the CA and carry the server name
 * (also sent as SNI); a client certificate and key are optional.
 *
 * It lives in a module of its own (tls.c), loaded by tls_module.c only
 * when a tls:// or relps:// output is configured, so that a run without one never maps
 * OpenSSL.  The module exports one symbol, a struct tls_ops.  The host and
 * the module come from the same build: the host refuses a table whose
 * size or version differs from its own.  Append fields, never insert.
 */
#ifndef BPFHOST_TLS_H
#define BPFHOST_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_OPS_SYMBOL "bpfhost_tls_ops"
/* Bump on any change of meaning of a field or function. */
#define TLS_OPS_VERSION 1

struct tls_config;
struct tls_session;

struct tls_ops {
	uint32_t size;		/* sizeof(struct tls_ops) in the module */
	uint32_t version;	/* TLS_OPS_VERSION in the module */
	/*
	 * ca, cert, key may be NULL (system CAs; no client certificate); the
	 * files were found readable by the caller.  On failure returns NULL
	 * with a sentence for people in why.
	 */
	struct tls_config *(*config_new)(const char *ca, const char *cert,
					 const char *key,
					 const char *server_name, char *why,
					 size_t whylen);
	void (*config_free)(struct tls_config *tc);
	/* Wrap fd; the handshake runs in handshake().  NULL on failure. */
	struct tls_session *(*session_new)(const struct tls_config *tc,
					   int fd);
	/*
	 * Drive the handshake: 0 done; -EAGAIN with *events
	 * (EPOLLIN/EPOLLOUT) to wait for; else -errno with the reason in why.
	 */
	int (*handshake)(struct tls_session *s, uint32_t *events, char *why,
			 size_t whylen);
	/* Bytes written, or -EAGAIN with *events, or -errno. */
	ssize_t (*send)(struct tls_session *s, const void *buf, size_t len,
			uint32_t *events);
	/* Read and ignore what the collector sent; true when it closed. */
	bool (*peer_closed)(struct tls_session *s);
	/* Send close_notify if it goes at once, then free (not the fd). */
	void (*session_free)(struct tls_session *s);
	/*
	 * Read up to len bytes (relps://): how many, 0 when the collector
	 * closed the session, -EAGAIN with *events, or -errno.
	 */
	ssize_t (*recv)(struct tls_session *s, void *buf, size_t len,
			uint32_t *events);
};

#endif

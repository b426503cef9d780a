/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS client over a connected non-blocking socket, through OpenSSL: the
 * collector's certificate must chain to the CA and carry the server name
 * (also sent as SNI); a client certificate and key are optional.
 */
#ifndef BPFHOST_TLS_H
#define BPFHOST_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls_config;
struct tls_session;

/*
 * ca, cert, key may be NULL (system CAs; no client certificate).  On
 * failure returns NULL with a sentence for people in why.
 */
struct tls_config *tls_config_new(const char *ca, const char *cert,
				  const char *key, const char *server_name,
				  char *why, size_t whylen);
void tls_config_free(struct tls_config *tc);

/* Wrap fd; the handshake runs in tls_handshake.  NULL on failure. */
struct tls_session *tls_session_new(const struct tls_config *tc, int fd);
/*
 * Drive the handshake: 0 done; -EAGAIN with *events (EPOLLIN/EPOLLOUT) to
 * wait for; else -errno with the reason in why.
 */
int tls_handshake(struct tls_session *s, uint32_t *events, char *why,
		  size_t whylen);
/* Bytes written, or -EAGAIN with *events, or -errno. */
ssize_t tls_send(struct tls_session *s, const void *buf, size_t len,
		 uint32_t *events);
/* Read and ignore what the collector sent; true when it closed. */
bool tls_peer_closed(struct tls_session *s);
/* Send close_notify if it goes at once, then free (the fd is not closed). */
void tls_session_free(struct tls_session *s);

#endif

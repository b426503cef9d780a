// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

struct tls_config {
	SSL_CTX *ctx;
	char *server_name;
	bool name_is_ip;	/* checked as an IP SAN; no SNI */
};

struct tls_session {
	SSL *ssl;
	bool broken;		/* a fatal error: no close_notify then */
};

/* The most recent OpenSSL error as a phrase, the queue cleared. */
static void openssl_reason(char *why, size_t whylen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(why, whylen, "%s: %s", what, buf);
	} else {
		snprintf(why, whylen, "%s", what);
	}
	ERR_clear_error();
}

static void tls_config_free(struct tls_config *tc)
{
	if (!tc)
		return;
	SSL_CTX_free(tc->ctx);
	free(tc->server_name);
	free(tc);
}

static struct tls_config *tls_config_new(const char *ca, const char *cert,
					 const char *key,
					 const char *server_name, char *why,
					 size_t whylen)
{
	struct tls_config *tc = calloc(1, sizeof(*tc));
	unsigned char ip[16];
	char what[512];

	if (!tc || !(tc->server_name = strdup(server_name))) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	tc->name_is_ip = inet_pton(AF_INET, server_name, ip) == 1 ||
			 inet_pton(AF_INET6, server_name, ip) == 1;
	tc->ctx = SSL_CTX_new(TLS_client_method());
	if (!tc->ctx) {
		openssl_reason(why, whylen, "cannot create a TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(tc->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(tc->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(tc->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ca ? !SSL_CTX_load_verify_locations(tc->ctx, ca, NULL) :
		 !SSL_CTX_set_default_verify_paths(tc->ctx)) {
		snprintf(what, sizeof(what), "cannot load tls_ca %s", ca ? ca :
			 "(the system CAs)");
		openssl_reason(why, whylen, what);
		goto fail;
	}
	if (cert && !SSL_CTX_use_certificate_chain_file(tc->ctx, cert)) {
		snprintf(what, sizeof(what), "cannot load tls_cert %s", cert);
		openssl_reason(why, whylen, what);
		goto fail;
	}
	if (key && (!SSL_CTX_use_PrivateKey_file(tc->ctx, key,
						  SSL_FILETYPE_PEM) ||
		    !SSL_CTX_check_private_key(tc->ctx))) {
		snprintf(what, sizeof(what),
			 "cannot load tls_key %s, or it does not match tls_cert",
			 key);
		openssl_reason(why, whylen, what);
		goto fail;
	}
	return tc;
fail:
	tls_config_free(tc);
	return NULL;
}

static void tls_session_free(struct tls_session *s)
{
	if (!s)
		return;
	if (s->ssl) {
		if (!s->broken && SSL_is_init_finished(s->ssl))
			SSL_shutdown(s->ssl);
		ERR_clear_error();
		SSL_free(s->ssl);
	}
	free(s);
}

static struct tls_session *tls_session_new(const struct tls_config *tc,
					   int fd)
{
	struct tls_session *s = calloc(1, sizeof(*s));
	X509_VERIFY_PARAM *param;
	bool ok;

	if (!s)
		return NULL;
	s->ssl = SSL_new(tc->ctx);
	if (!s->ssl)
		goto fail;
	param = SSL_get0_param(s->ssl);
	if (tc->name_is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(param, tc->server_name);
	else
		ok = SSL_set_tlsext_host_name(s->ssl, tc->server_name) &&
		     SSL_set1_host(s->ssl, tc->server_name);
	if (!ok || !SSL_set_fd(s->ssl, fd))
		goto fail;
	SSL_set_connect_state(s->ssl);
	return s;
fail:
	ERR_clear_error();
	tls_session_free(s);
	return NULL;
}

/* Map an SSL_ERROR_* to -EAGAIN (with what to wait for) or -errno. */
static int ssl_failure(struct tls_session *s, int ret, uint32_t *events)
{
	switch (SSL_get_error(s->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*events = EPOLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*events = EPOLLOUT;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		s->broken = true;
		return errno ? -errno : -ECONNRESET;
	default:
		s->broken = true;
		return -EPROTO;
	}
}

static int tls_handshake(struct tls_session *s, uint32_t *events,
			 char *why, size_t whylen)
{
	int ret = SSL_do_handshake(s->ssl);
	long verify;
	int err;

	if (ret == 1)
		return 0;
	err = ssl_failure(s, ret, events);
	if (err == -EAGAIN)
		return err;
	verify = SSL_get_verify_result(s->ssl);
	if (verify != X509_V_OK)
		snprintf(why, whylen, "TLS handshake: certificate check failed: %s",
			 X509_verify_cert_error_string(verify));
	else if (err == -EPROTO)
		openssl_reason(why, whylen, "TLS handshake failed");
	else
		snprintf(why, whylen, "TLS handshake: %s", strerror(-err));
	ERR_clear_error();
	return err;
}

static ssize_t tls_send(struct tls_session *s, const void *buf, size_t len,
			uint32_t *events)
{
	int ret = SSL_write(s->ssl, buf, len > INT32_MAX ? INT32_MAX : len);

	if (ret > 0)
		return ret;
	ret = ssl_failure(s, ret, events);
	ERR_clear_error();
	return ret;
}

static bool tls_peer_closed(struct tls_session *s)
{
	char buf[512];
	uint32_t events;
	int ret;

	/* Session tickets and alerts come here; data is ignored. */
	while ((ret = SSL_read(s->ssl, buf, sizeof(buf))) > 0)
		;
	ret = ssl_failure(s, ret, &events);
	ERR_clear_error();
	return ret != -EAGAIN;
}

static ssize_t tls_recv(struct tls_session *s, void *buf, size_t len,
			uint32_t *events)
{
	int ret = SSL_read(s->ssl, buf, len > INT32_MAX ? INT32_MAX : len);

	if (ret > 0)
		return ret;
	if (SSL_get_error(s->ssl, ret) == SSL_ERROR_ZERO_RETURN)
		ret = 0;	/* close_notify */
	else
		ret = ssl_failure(s, ret, events);
	ERR_clear_error();
	return ret;
}

/* The module's one exported symbol (it is built with hidden visibility). */
__attribute__((visibility("default")))
const struct tls_ops bpfhost_tls_ops = {
	.size = sizeof(struct tls_ops),
	.version = TLS_OPS_VERSION,
	.config_new = tls_config_new,
	.config_free = tls_config_free,
	.session_new = tls_session_new,
	.handshake = tls_handshake,
	.send = tls_send,
	.peer_closed = tls_peer_closed,
	.session_free = tls_session_free,
	.recv = tls_recv,
};

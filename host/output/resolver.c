// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>

#include "resolver.h"

struct resolver_req {
	struct gaicb cb;	/* glibc holds &cb until the lookup ends */
	struct addrinfo hints;
	char host[256];
	char port[8];
	int rc;			/* getaddrinfo()'s answer to an address */
	struct addrinfo *numeric;
};

static void req_free(struct resolver_req *req)
{
	if (req->cb.ar_result)
		freeaddrinfo(req->cb.ar_result);
	if (req->numeric)
		freeaddrinfo(req->numeric);
	free(req);
}

int resolver_start(struct resolver *r, const char *host, const char *port,
		   int socktype)
{
	struct resolver_req *req;
	struct gaicb *list[1];

	if (r->req)
		return 0;
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	snprintf(req->host, sizeof(req->host), "%s", host);
	snprintf(req->port, sizeof(req->port), "%s", port);
	req->hints.ai_family = AF_UNSPEC;
	req->hints.ai_socktype = socktype;
	req->hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	/* An address needs no lookup and never waits. */
	req->rc = getaddrinfo(req->host, req->port, &req->hints,
			      &req->numeric);
	r->req = req;
	if (req->rc != EAI_NONAME)
		return 0;
	req->hints.ai_flags = AI_NUMERICSERV;
	req->cb = (struct gaicb){ .ar_name = req->host,
				  .ar_service = req->port,
				  .ar_request = &req->hints };
	list[0] = &req->cb;
	req->rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	/* Started: from now on, the answer is read from the gaicb. */
	if (!req->rc)
		req->rc = EAI_INPROGRESS;
	return 0;
}

int resolver_poll(struct resolver *r, struct addrinfo **res, char *why,
		  size_t whylen)
{
	struct resolver_req *req = r->req;
	int rc = req->rc;

	if (rc == EAI_INPROGRESS)
		rc = gai_error(&req->cb);
	if (rc == EAI_INPROGRESS)
		return -EINPROGRESS;
	r->req = NULL;
	if (rc) {
		snprintf(why, whylen, "cannot resolve %s: %s", req->host,
			 gai_strerror(rc));
		req_free(req);
		return -EHOSTUNREACH;
	}
	if (req->numeric) {
		*res = req->numeric;
		req->numeric = NULL;
	} else {
		*res = req->cb.ar_result;
		req->cb.ar_result = NULL;
	}
	req_free(req);
	return 0;
}

void resolver_cancel(struct resolver *r)
{
	struct resolver_req *req = r->req;

	if (!req)
		return;
	r->req = NULL;
	/*
	 * A lookup glibc has begun cannot be stopped, and its helper thread
	 * writes into req when it ends: leave req to it.  This happens at
	 * exit only, which ends that thread too.
	 */
	if (req->rc == EAI_INPROGRESS &&
	    gai_cancel(&req->cb) == EAI_NOTCANCELED)
		return;
	req_free(req);
}

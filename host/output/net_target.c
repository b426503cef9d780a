// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfhost/plugin.h>

#include "net_target.h"

static const struct {
	const char *prefix;
	enum net_scheme scheme;
	const char *default_port;
} schemes[] = {
	{ "unix:", NET_UNIX, NULL },
	{ "udp://", NET_UDP, "514" },
	{ "tcp://", NET_TCP, "514" },
	{ "tls://", NET_TLS, "6514" },
	/* RELP has no registered port. */
	{ "relp://", NET_RELP, NULL },
	{ "relps://", NET_RELPS, NULL },
};

bool net_target_is_network(const char *target)
{
	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(schemes); i++)
		if (!strncmp(target, schemes[i].prefix,
			     strlen(schemes[i].prefix)))
			return true;
	return false;
}

static bool port_valid(const char *p)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return false;
	v = strtol(p, &end, 10);
	return !*end && v >= 1 && v <= 65535;
}

/* HOST[:PORT] or [V6ADDR][:PORT] */
static bool parse_host_port(const char *s, struct net_target *t,
			    const char *default_port, const char **why)
{
	const char *host = s, *port = NULL, *end;
	size_t hlen;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end) {
			*why = "an IPv6 address needs its closing ']'";
			return false;
		}
		host = s + 1;
		hlen = end - host;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1]) {
			*why = "expected :PORT after ']'";
			return false;
		}
	} else {
		end = strchr(s, ':');
		hlen = end ? (size_t)(end - s) : strlen(s);
		if (end)
			port = end + 1;
		if (end && strchr(port, ':')) {
			*why = "write an IPv6 address in brackets: [::1]:514";
			return false;
		}
	}
	if (!hlen || hlen >= sizeof(t->host) || memchr(host, '/', hlen)) {
		*why = "expected HOST:PORT after the scheme";
		return false;
	}
	if (!port && !default_port) {
		*why = "this scheme has no standard port: write HOST:PORT";
		return false;
	}
	if (port && !port_valid(port)) {
		*why = "the port must be a number from 1 to 65535";
		return false;
	}
	memcpy(t->host, host, hlen);
	t->host[hlen] = '\0';
	snprintf(t->port, sizeof(t->port), "%s", port ? port : default_port);
	return true;
}

bool net_target_parse(const char *target, struct net_target *t,
		      const char **why)
{
	*t = (struct net_target){ 0 };
	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(schemes); i++) {
		size_t plen = strlen(schemes[i].prefix);
		const char *rest = target + plen;

		if (strncmp(target, schemes[i].prefix, plen))
			continue;
		t->scheme = schemes[i].scheme;
		if (t->scheme != NET_UNIX)
			return parse_host_port(rest, t, schemes[i].default_port,
					       why);
		if (rest[0] != '/' || strlen(rest) >= sizeof(t->path)) {
			*why = "expected an absolute socket path shorter than 108 bytes, e.g. unix:/dev/log";
			return false;
		}
		strcpy(t->path, rest);
		return true;
	}
	*why = "unknown scheme";
	return false;
}

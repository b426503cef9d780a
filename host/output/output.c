// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "output.h"

static const struct bpfhost_option output_options[] = {
	{ .name = "format", .type = BPFHOST_OPT_ENUM, .def = "text",
	  .choices = "text|json|syslog",
	  .help = "text: aligned columns; json: one object per line; syslog: RFC 5424 or 3164" },
	{ .name = "target", .type = BPFHOST_OPT_STRING, .def = "stdout",
	  .min = 1,
	  .help = "stdout, stderr, file:PATH, unix:PATH, udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT, relp://HOST:PORT, relps://HOST:PORT" },
	{ .name = "syslog_format", .type = BPFHOST_OPT_ENUM,
	  .choices = "rfc5424|rfc3164|local",
	  .help = "syslog header; local: as syslog(3) writes to /dev/log [default: local for unix: targets, else rfc5424]" },
	{ .name = "syslog_payload", .type = BPFHOST_OPT_ENUM, .def = "text",
	  .choices = "text|json|cef|leef",
	  .help = "MSG part: the text output's line, the JSON record, ArcSight CEF or QRadar LEEF 2.0" },
	{ .name = "facility", .type = BPFHOST_OPT_ENUM, .def = "user",
	  .choices = "kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|ntp|audit|alert|clock|local0|local1|local2|local3|local4|local5|local6|local7",
	  .help = "syslog facility (its code is its place in this list)" },
	{ .name = "severity", .type = BPFHOST_OPT_ENUM, .def = "info",
	  .choices = SEVERITY_NAMES,
	  .help = "severity of events whose plugin declares none (syslog PRI, CEF, LEEF, JSON)" },
	{ .name = "app_name", .type = BPFHOST_OPT_STRING, .def = "bpfhost",
	  .min = 1, .max = 48, .help = "syslog APP-NAME (printable ASCII)" },
	{ .name = "hostname", .type = BPFHOST_OPT_STRING, .min = 1, .max = 255,
	  .help = "syslog HOSTNAME [default: this host's name]" },
	{ .name = "msgid", .type = BPFHOST_OPT_STRING,
	  .def = "{plugin}/{event}", .min = 1, .max = 255,
	  .help = "syslog MSGID template; {plugin} and {event} are replaced, the result cut to 32 bytes" },
	{ .name = "enterprise_id", .type = BPFHOST_OPT_STRING, .def = "32473",
	  .min = 1, .max = 20,
	  .help = "private enterprise number in the SD-ID PLUGIN.EVENT@ID (32473 is the example number)" },
	{ .name = "queue_size", .type = BPFHOST_OPT_INT, .def = "10000",
	  .min = 1, .max = 10000000,
	  .help = "messages held while the target is slow or away (a collector, a pipe nobody reads); more are dropped" },
	{ .name = "max_message_size", .type = BPFHOST_OPT_INT,
	  .min = 480, .max = 16777216,
	  .help = "unix: datagram targets: longer messages are cut, marked and counted [default: 8096, what rsyslog's imuxsock reads]" },
	{ .name = "reconnect_min_ms", .type = BPFHOST_OPT_INT, .def = "100",
	  .min = 1, .max = 3600000,
	  .help = "network targets: first reconnect delay, doubled per failure" },
	{ .name = "reconnect_max_ms", .type = BPFHOST_OPT_INT, .def = "30000",
	  .min = 1, .max = 3600000,
	  .help = "network targets: longest reconnect delay" },
	{ .name = "flush_timeout_ms", .type = BPFHOST_OPT_INT, .def = "2000",
	  .min = 0, .max = 600000,
	  .help = "how long to keep writing what is queued at stop" },
	{ .name = "stats_interval", .type = BPFHOST_OPT_INT, .def = "60",
	  .min = 0, .max = 86400,
	  .help = "network targets: seconds between bpfhost.stats records (0 = none)" },
	{ .name = "tls_ca", .type = BPFHOST_OPT_STRING, .min = 1,
	  .help = "tls, relps: CA file the collector's certificate must chain to [default: system CAs]" },
	{ .name = "tls_cert", .type = BPFHOST_OPT_STRING, .min = 1,
	  .help = "tls, relps: client certificate file (PEM)" },
	{ .name = "tls_key", .type = BPFHOST_OPT_STRING, .min = 1,
	  .help = "tls, relps: client private key file (PEM)" },
	{ .name = "tls_server_name", .type = BPFHOST_OPT_STRING, .min = 1,
	  .max = 253,
	  .help = "tls, relps: name the certificate must carry, sent as SNI [default: the target's host]" },
};

static const struct formatter *const formatters[] = {
	&text_formatter,
	&json_formatter,
	&syslog_formatter,
};

/* relp:// before the other network schemes: it is one of them too. */
static const struct sink_ops *const sinks[] = {
	&fd_sink_ops,
	&relp_sink_ops,
	&net_sink_ops,
};

static const struct formatter *find_formatter(const char *name)
{
	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(formatters); i++)
		if (!strcmp(formatters[i]->name, name))
			return formatters[i];
	return NULL;
}

static const struct sink_ops *find_sink(const char *target)
{
	for (size_t i = 0; i < BPFHOST_ARRAY_SIZE(sinks); i++)
		if (sinks[i]->accepts(target))
			return sinks[i];
	return NULL;
}

static bool is_output_section(const char *name)
{
	return !strcmp(name, "output") || !strncmp(name, "output.", 7);
}

static int output_init(struct output *out, struct pipeline *pipe,
		       const struct config_section *sec,
		       const char *format_override)
{
	const char *name = sec ? sec->name : "output";
	int err;

	out->pipe = pipe;
	out->sink.fd = -1;
	out->name = strdup(name);
	if (!out->name)
		return -ENOMEM;
	err = optset_init(&out->opts, name, output_options,
			  BPFHOST_ARRAY_SIZE(output_options));
	for (size_t i = 0; !err && sec && i < sec->n; i++)
		err = optset_set(&out->opts, sec->entries[i].key,
				 sec->entries[i].value, sec->entries[i].where,
				 false);
	if (!err && format_override)
		err = optset_set(&out->opts, "format", format_override, "-F",
				 true);
	if (err)
		return err;
	optset_apply_defaults(&out->opts);
	out->severity = severity_code(optset_str(&out->opts, "severity", 0));
	out->fmt = find_formatter(optset_str(&out->opts, "format", 0));
	out->sink.ops = find_sink(optset_str(&out->opts, "target", 0));
	out->sink.name = out->name;
	if (!out->sink.ops) {
		log_error("%s: [%s] target '%s' is not stdout, stderr, file:PATH, unix:PATH, udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT, relp://HOST:PORT or relps://HOST:PORT",
			  output_key_where(out, sec, "target"), name,
			  optset_str(&out->opts, "target", 0));
		return -EINVAL;
	}
	if (out->sink.ops->network)
		out->stats_ns = optset_int(&out->opts, "stats_interval", 0) *
				1000000000ull;
	err = out->sink.ops->configure ? out->sink.ops->configure(out, sec) : 0;
	if (!err && out->fmt->setup)
		err = out->fmt->setup(out, sec);
	return err;
}

int pipeline_configure(struct pipeline *pipe, const struct config *cfg,
		       const char *format_override)
{
	unsigned int n = 0;
	int err = 0;

	*pipe = (struct pipeline){ 0 };
	for (size_t i = 0; cfg && i < cfg->n; i++)
		n += is_output_section(cfg->sections[i].name);
	pipe->outputs = calloc(n ? n : 1, sizeof(*pipe->outputs));
	if (!pipe->outputs)
		return -ENOMEM;
	if (!n) {
		pipe->n = 1;
		return output_init(&pipe->outputs[0], pipe, NULL,
				   format_override);
	}
	for (size_t i = 0; cfg && i < cfg->n && !err; i++) {
		if (!is_output_section(cfg->sections[i].name))
			continue;
		err = output_init(&pipe->outputs[pipe->n++], pipe,
				  &cfg->sections[i], format_override);
	}
	return err;
}

int pipeline_start(struct pipeline *pipe, const struct event_type **types,
		   unsigned int ntypes)
{
	pipe->types = types;
	pipe->ntypes = ntypes;
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];
		const char *target = optset_str(&out->opts, "target", 0);
		int err;

		out->sink.epfd = pipe->epfd;
		out->sink.source = (struct event_source){
			.kind = EVENT_SOURCE_OUTPUT, .owner = &out->sink };
		err = out->sink.ops->open(&out->sink, target, &out->opts);

		if (err) {
			log_error("[%s] cannot open target %s: %s", out->name,
				  target, strerror(-err));
			return err;
		}
		if (out->fmt->start)
			out->fmt->start(out);
	}
	return 0;
}

void pipeline_emit(struct pipeline *pipe, const struct record *rec)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];

		sb_reset(&out->msg);
		out->fmt->record(out, &out->msg, rec);
		if (out->msg.failed) {
			out->errors++;
			continue;
		}
		/* The sink counts what it drops. */
		out->sink.ops->write(&out->sink, out->msg.data, out->msg.len);
		out->messages++;
	}
}

int pipeline_flush(struct pipeline *pipe)
{
	int ret = 0;

	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];
		int err;

		if (out->sink.fd < 0 && !out->sink.priv)
			continue;
		err = out->sink.ops->flush(&out->sink);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

bool pipeline_write_failed(const struct pipeline *pipe)
{
	for (unsigned int i = 0; i < pipe->n; i++)
		if (pipe->outputs[i].sink.write_errors)
			return true;
	return false;
}

void pipeline_io(struct sink *sink, uint32_t events)
{
	sink->ops->io(sink, events);
}

void pipeline_tick(struct pipeline *pipe, uint64_t now)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];

		if (out->sink.ops->tick)
			out->sink.ops->tick(&out->sink, now);
	}
}

void pipeline_reopen(struct pipeline *pipe)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];

		if (out->sink.ops->reopen && out->sink.fd >= 0)
			out->sink.ops->reopen(&out->sink);
	}
}

void pipeline_begin_stop(struct pipeline *pipe, uint64_t now)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];
		uint64_t ms;

		if (!out->sink.ops->begin_stop)
			continue;
		ms = optset_int(&out->opts, "flush_timeout_ms", 0);
		out->sink.ops->begin_stop(&out->sink, now + ms * 1000000ull);
	}
}

bool pipeline_pending(const struct pipeline *pipe)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		const struct output *out = &pipe->outputs[i];

		if (out->sink.ops->pending &&
		    out->sink.ops->pending(&out->sink))
			return true;
	}
	return false;
}

struct output_counts pipeline_output_counts(const struct output *out)
{
	const struct sink *sk = &out->sink;

	return (struct output_counts){
		.messages = out->messages + out->errors,
		.sent = sk->sent,
		.dropped = sk->dropped + out->errors,
		.reconnects = sk->reconnects,
		.queued = sk->ops->pending ? sk->ops->pending(sk) : 0,
	};
}

void pipeline_print_summary(const struct pipeline *pipe)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		const struct output *out = &pipe->outputs[i];
		const struct sink *sk = &out->sink;
		struct output_counts c = pipeline_output_counts(out);

		/* A console or file that lost nothing goes without a line. */
		if (!sk->ops->network && !c.dropped)
			continue;
		fprintf(stderr, "bpfhost: [%s]: %llu messages, %llu %s, %llu dropped",
			out->name, (unsigned long long)c.messages,
			(unsigned long long)c.sent,
			sk->ops->network ? "sent" : "written",
			(unsigned long long)c.dropped);
		if (sk->ops->network)
			fprintf(stderr, ", %llu reconnects",
				(unsigned long long)c.reconnects);
		if (sk->truncated)
			fprintf(stderr, ", %llu truncated",
				(unsigned long long)sk->truncated);
		if (sk->write_errors)
			fprintf(stderr, " (%llu on write errors, the last: %s)",
				(unsigned long long)sk->write_errors,
				strerror(sk->last_error));
		fputc('\n', stderr);
	}
}

void pipeline_free(struct pipeline *pipe)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];

		if (out->sink.ops && (out->sink.fd >= 0 || out->sink.priv))
			out->sink.ops->close(&out->sink);
		if (out->fmt && out->fmt->cleanup)
			out->fmt->cleanup(out);
		sb_free(&out->msg);
		sb_free(&out->scratch);
		optset_free(&out->opts);
		free(out->name);
	}
	free(pipe->outputs);
	*pipe = (struct pipeline){ 0 };
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output pipeline: every record goes to every configured output; an
 * output is a formatter (text, JSON, ...) feeding a sink (stdout, a file,
 * ...).  Formatters render from the event schema alone.
 */
#ifndef BPFHOST_OUTPUT_H
#define BPFHOST_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <bpfhost/plugin.h>

#include "../config.h"
#include "../event_source.h"
#include "../options.h"
#include "../strbuf.h"
#include "severity.h"

/* The host's view of one declared event type. */
struct event_type {
	const char *plugin;
	const struct bpfhost_event_schema *schema;
	uint32_t min_size;
	char qname[96];		/* "filesnoop.open" */
	uint8_t severity;	/* BPFHOST_SEVERITY(n); 0: the output's */
	/* Its BPFHOST_FIELD_SEVERITY field, or NULL. */
	const struct bpfhost_field *severity_field;
};

struct record {
	const struct event_type *type;
	const void *data;
	size_t size;
	uint64_t real_ns;
};

struct output;
struct pipeline;

struct formatter {
	const char *name;
	/*
	 * Read this format's options into out->priv; may be NULL.  Runs at
	 * configure time: prints one line and returns -EINVAL on bad values.
	 */
	int (*setup)(struct output *out, const struct config_section *sec);
	void (*cleanup)(struct output *out);
	/* The sink is open; before the first record.  May be NULL. */
	void (*start)(struct output *out);
	/* Append one complete message (newline-terminated where it applies). */
	void (*record)(struct output *out, struct strbuf *sb,
		       const struct record *rec);
};

struct sink;
struct sink_ops {
	/* Whether this sink handles a target such as "file:/x" or "stdout". */
	bool (*accepts)(const char *target);
	/*
	 * Check the target and the sink's own options at configure time and
	 * keep what open() needs in sink->priv; may be NULL.  Prints one line
	 * and returns -EINVAL when something is wrong.
	 */
	int (*configure)(struct output *out, const struct config_section *sec);
	int (*open)(struct sink *sink, const char *target,
		    const struct optset *opts);
	/*
	 * Queue one message; never blocks.  0, or -errno when it was dropped
	 * (and counted in sink->dropped).
	 */
	int (*write)(struct sink *sink, const char *msg, size_t len);
	/*
	 * Write what is queued, as far as it goes without blocking; -EPIPE
	 * when stdout's reader is gone (the sink said so), which ends the run.
	 */
	int (*flush)(struct sink *sink);
	void (*close)(struct sink *sink);
	/*
	 * Close and open the target again, for logrotate's rename-then-HUP;
	 * NULL where that means nothing.  On failure the sink says so and
	 * keeps what it had.
	 */
	void (*reopen)(struct sink *sink);
	/* The sink delimits messages itself; else each ends with a newline. */
	bool frames_messages;
	/* A collector over the network: reconnects, bpfhost.stats records. */
	bool network;

	/* The fd the sink watches in the event loop became ready. */
	void (*io)(struct sink *sink, uint32_t events);
	/* Reconnect timers, stop deadline; called every loop turn. */
	void (*tick)(struct sink *sink, uint64_t now_ns);
	/* Messages still queued (0 once a stopping sink gave up). */
	size_t (*pending)(const struct sink *sink);
	/* Stop accepting; flush until deadline, then count the rest dropped. */
	void (*begin_stop)(struct sink *sink, uint64_t deadline_ns);
};

struct sink {
	const struct sink_ops *ops;
	int fd;
	struct strbuf batch;
	char *target;
	const char *name;	/* the output's section name, for messages */
	int epfd;		/* the runtime's event loop */
	struct event_source source;	/* what its epoll registration carries */
	void *priv;		/* the sink's queue and state */
	uint32_t watched;	/* epoll events registered; 0 = none */
	/* Every message given to write() ends up in sent or dropped. */
	uint64_t sent, dropped, reconnects;
	/* Of dropped: lost to write errors (the run then exits 1). */
	uint64_t write_errors;
	/* Of sent: cut to the size the target takes. */
	uint64_t truncated;
	int last_error;		/* the last of them, an errno */
};

/* Watch fd in the event loop for events (0: stop watching). */
void sink_watch(struct sink *sink, int fd, uint32_t events);

struct output {
	char *name;			/* section name: "output", "output.siem" */
	const struct formatter *fmt;
	struct sink sink;
	struct optset opts;
	struct pipeline *pipe;
	struct strbuf msg, scratch;
	void *priv;			/* the formatter's state */
	uint64_t messages;
	uint64_t errors;
	uint64_t stats_ns;		/* stats record interval; 0 = none */
	/* The severity option: for events that declare none (0..7). */
	unsigned int severity;
};

/* The severity (0..7) of rec in out: its own, its type's, else out's. */
static inline unsigned int record_severity(const struct output *out,
					   const struct record *rec)
{
	return severity_of(rec->type->severity, rec->type->severity_field,
			   rec->data, rec->size, out->severity);
}

/* An output's counters, as the summary and the stats records show them. */
struct output_counts {
	uint64_t messages;
	uint64_t sent;
	uint64_t dropped;	/* the sink's drops and messages not written */
	uint64_t reconnects;
	uint64_t queued;
};

struct pipeline {
	struct output *outputs;
	unsigned int n;
	const struct event_type **types;	/* every event type running */
	unsigned int ntypes;
	int epfd;			/* the runtime's epoll set */
};

/*
 * Configure outputs from the config's [output] and [output.NAME] sections
 * (none: text on stdout).  format_override (-F) replaces every output's
 * format.  Prints one line and returns -EINVAL on a bad key or value.
 */
int pipeline_configure(struct pipeline *pipe, const struct config *cfg,
		       const char *format_override);
/* FILE:LINE of key in the output's section, for messages about its value. */
static inline const char *output_key_where(const struct output *out,
					   const struct config_section *sec,
					   const char *key)
{
	for (size_t i = 0; sec && i < sec->n; i++)
		if (!strcmp(sec->entries[i].key, key))
			return sec->entries[i].where;
	return sec ? sec->where : out->name;
}
/* Open every sink.  types: every event type running. */
int pipeline_start(struct pipeline *pipe, const struct event_type **types,
		   unsigned int ntypes);
void pipeline_emit(struct pipeline *pipe, const struct record *rec);
/* Write out what was queued; -EPIPE when stdout's reader went away. */
int pipeline_flush(struct pipeline *pipe);
/* Whether an output lost messages to write errors (exit 1). */
bool pipeline_write_failed(const struct pipeline *pipe);
void pipeline_free(struct pipeline *pipe);

/*
 * The event loop's side.  pipeline_io: an EVENT_SOURCE_OUTPUT's owner (a
 * struct sink) is ready.  pipeline_tick: every loop turn; reconnects and
 * stop deadlines.  pipeline_reopen: SIGHUP; every sink that can reopens.
 */
void pipeline_io(struct sink *sink, uint32_t events);
void pipeline_tick(struct pipeline *pipe, uint64_t now_ns);
void pipeline_reopen(struct pipeline *pipe);
/* Start the bounded flush at stop; then tick until nothing is pending. */
void pipeline_begin_stop(struct pipeline *pipe, uint64_t now_ns);
bool pipeline_pending(const struct pipeline *pipe);
struct output_counts pipeline_output_counts(const struct output *out);
/* Per-output counters for the exit summary, on stderr. */
void pipeline_print_summary(const struct pipeline *pipe);

extern const struct formatter text_formatter;
/* One record as the text output's line, without a header (syslog's MSG). */
void text_format_line(struct output *out, struct strbuf *sb,
		      const struct record *rec);
extern const struct formatter json_formatter;
extern const struct formatter syslog_formatter;
extern const struct sink_ops fd_sink_ops;
extern const struct sink_ops net_sink_ops;
extern const struct sink_ops relp_sink_ops;

#endif

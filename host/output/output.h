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

#include <bpfhost/plugin.h>

#include "../config.h"
#include "../options.h"
#include "../strbuf.h"

/* The host's view of one declared event type. */
struct event_type {
	const char *plugin;
	const struct bpfhost_event_schema *schema;
	uint32_t min_size;
	char qname[96];		/* "filesnoop.open" */
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
	/* Text before the first record (column headers); may be NULL. */
	void (*start)(struct output *out, struct strbuf *sb);
	/* Append one complete message (newline-terminated where it applies). */
	void (*record)(struct output *out, struct strbuf *sb,
		       const struct record *rec);
};

struct sink;
struct sink_ops {
	/* Whether this sink handles a target such as "file:/x" or "stdout". */
	bool (*accepts)(const char *target);
	int (*open)(struct sink *sink, const char *target);
	/* Queue one message; never blocks for long.  0 or -errno. */
	int (*write)(struct sink *sink, const char *msg, size_t len);
	/* Push out what is queued; -EPIPE when the reader is gone. */
	int (*flush)(struct sink *sink);
	void (*close)(struct sink *sink);
};

struct sink {
	const struct sink_ops *ops;
	int fd;
	struct strbuf batch;
	char *target;
};

struct output {
	char *name;			/* section name: "output", "output.siem" */
	const struct formatter *fmt;
	struct sink sink;
	struct optset opts;
	struct pipeline *pipe;
	struct strbuf msg, scratch;
	uint64_t messages;
	uint64_t errors;
};

struct pipeline {
	struct output *outputs;
	unsigned int n;
	const struct event_type **types;	/* every event type running */
	unsigned int ntypes;
};

/*
 * Configure outputs from the config's [output] and [output.NAME] sections
 * (none: text on stdout).  format_override (-F) replaces every output's
 * format.  Prints one line and returns -EINVAL on a bad key or value.
 */
int pipeline_configure(struct pipeline *pipe, const struct config *cfg,
		       const char *format_override);
/* Open every sink and write headers.  types: every event type running. */
int pipeline_start(struct pipeline *pipe, const struct event_type **types,
		   unsigned int ntypes);
void pipeline_emit(struct pipeline *pipe, const struct record *rec);
/* Write out what was queued; -EPIPE when stdout's reader went away. */
int pipeline_flush(struct pipeline *pipe);
void pipeline_free(struct pipeline *pipe);

extern const struct formatter text_formatter;
extern const struct formatter json_formatter;
extern const struct sink_ops fd_sink_ops;

#endif

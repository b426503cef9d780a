// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "host_events.h"

#define HOST_NAME_LEN 64
/* Loss records about one source come at most this often. */
#define LOSS_RECORD_INTERVAL_NS 1000000000ull

enum host_loss_kind {
	HOST_LOSS_RING = 0,	/* a plugin's ring buffer was full in BPF */
	HOST_LOSS_OUTPUT,	/* an output dropped messages */
};

enum { HOST_EVENT_STATS, HOST_EVENT_LOSS };

struct host_stats_event {
	struct bpfhost_event_header hdr;
	char output[HOST_NAME_LEN];
	uint64_t sent;
	uint64_t dropped;
	uint64_t reconnects;
	uint64_t queued;
};

struct host_loss_event {
	struct bpfhost_event_header hdr;
	char source[HOST_NAME_LEN];
	uint64_t lost;
	uint64_t total;
	uint8_t kind;
};

#define STATS_FIELD(m) BPFHOST_FIELD_AT(struct host_stats_event, m)
#define LOSS_FIELD(m) BPFHOST_FIELD_AT(struct host_loss_event, m)

static const struct bpfhost_field stats_fields[] = {
	{ .name = "output", .header = "OUTPUT", .type = BPFHOST_FIELD_STR,
	  .width = -16, STATS_FIELD(output) },
	{ .name = "sent", .header = "SENT", .type = BPFHOST_FIELD_UINT,
	  .width = 10, STATS_FIELD(sent) },
	{ .name = "dropped", .header = "DROPPED", .type = BPFHOST_FIELD_UINT,
	  .width = 10, STATS_FIELD(dropped) },
	{ .name = "reconnects", .header = "RECONNECTS",
	  .type = BPFHOST_FIELD_UINT, .width = 10, STATS_FIELD(reconnects) },
	{ .name = "queued", .header = "QUEUED", .type = BPFHOST_FIELD_UINT,
	  .width = 8, STATS_FIELD(queued) },
};

static const struct bpfhost_value_name loss_kinds[] = {
	{ ~0ull, HOST_LOSS_RING, "ring" },
	{ ~0ull, HOST_LOSS_OUTPUT, "output" },
	{ 0, 0, NULL },
};

static const struct bpfhost_field loss_fields[] = {
	{ .name = "source", .header = "SOURCE", .type = BPFHOST_FIELD_STR,
	  .width = -16, LOSS_FIELD(source) },
	{ .name = "kind", .header = "KIND", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = loss_kinds,
	  .width = -6, LOSS_FIELD(kind) },
	{ .name = "lost", .header = "LOST", .type = BPFHOST_FIELD_UINT,
	  .width = 10, LOSS_FIELD(lost) },
	{ .name = "total", .header = "TOTAL", .type = BPFHOST_FIELD_UINT,
	  .width = 10, LOSS_FIELD(total) },
};

static const struct bpfhost_event_schema host_schemas[] = {
	[HOST_EVENT_STATS] = {
		.name = "stats",
		.help = "an output's counters, every stats_interval",
		.size = sizeof(struct host_stats_event),
		.nfields = BPFHOST_ARRAY_SIZE(stats_fields),
		.fields = stats_fields,
	},
	[HOST_EVENT_LOSS] = {
		.name = "loss",
		.help = "records lost in a ring buffer or dropped by an output",
		.size = sizeof(struct host_loss_event),
		.nfields = BPFHOST_ARRAY_SIZE(loss_fields),
		.fields = loss_fields,
	},
};

static const struct event_type host_types[] = {
	[HOST_EVENT_STATS] = { .plugin = "bpfhost",
			       .schema = &host_schemas[HOST_EVENT_STATS],
			       .min_size = sizeof(struct host_stats_event),
			       .qname = "bpfhost.stats",
			       .severity = BPFHOST_SEVERITY(BPFHOST_SEV_INFO) },
	[HOST_EVENT_LOSS] = { .plugin = "bpfhost",
			      .schema = &host_schemas[HOST_EVENT_LOSS],
			      .min_size = sizeof(struct host_loss_event),
			      .qname = "bpfhost.loss",
			      /* Events are gone: a SIEM should look. */
			      .severity = BPFHOST_SEVERITY(BPFHOST_SEV_WARNING) },
};

static void emit(struct pipeline *pipe, unsigned int type, const void *ev,
		 size_t size)
{
	struct record rec = {
		.type = &host_types[type],
		.data = ev,
		.size = size,
		.real_ns = clock_boot_to_real(clock_boot_ns()),
	};

	pipeline_emit(pipe, &rec);
}

/* Names are cut to fit; the field is NUL-terminated or full. */
static void copy_name(char *dst, const char *src)
{
	size_t len = strnlen(src, HOST_NAME_LEN);

	memcpy(dst, src, len);
}

static void emit_stats(struct pipeline *pipe, const struct output *out)
{
	struct output_counts c = pipeline_output_counts(out);
	struct host_stats_event ev = {
		.hdr.type = HOST_EVENT_STATS,
		.sent = c.sent,
		.dropped = c.dropped,
		.reconnects = c.reconnects,
		.queued = c.queued,
	};

	copy_name(ev.output, out->name);
	emit(pipe, HOST_EVENT_STATS, &ev, sizeof(ev));
}

/* What was lost since the last record, at most one record a second. */
static void emit_loss(struct pipeline *pipe, struct host_report *r,
		      const char *source, enum host_loss_kind kind,
		      uint64_t total, uint64_t now)
{
	struct host_loss_event ev = {
		.hdr.type = HOST_EVENT_LOSS,
		.lost = total - r->reported,
		.total = total,
		.kind = kind,
	};

	if (total == r->reported || now < r->next_loss_ns)
		return;
	r->reported = total;
	r->next_loss_ns = now + LOSS_RECORD_INTERVAL_NS;
	copy_name(ev.source, source);
	emit(pipe, HOST_EVENT_LOSS, &ev, sizeof(ev));
}

int host_events_init(struct host_events *he, struct pipeline *pipe,
		     unsigned int nplugins)
{
	*he = (struct host_events){ .pipe = pipe };
	he->outputs = calloc(pipe->n ? pipe->n : 1, sizeof(*he->outputs));
	he->plugins = calloc(nplugins ? nplugins : 1, sizeof(*he->plugins));
	return he->outputs && he->plugins ? 0 : -ENOMEM;
}

void host_events_free(struct host_events *he)
{
	free(he->outputs);
	free(he->plugins);
	*he = (struct host_events){ 0 };
}

void host_events_outputs(struct host_events *he, uint64_t now)
{
	for (unsigned int i = 0; i < he->pipe->n; i++) {
		const struct output *out = &he->pipe->outputs[i];
		struct host_report *r = &he->outputs[i];

		if (out->stats_ns && now >= r->next_stats_ns) {
			if (r->next_stats_ns)
				emit_stats(he->pipe, out);
			r->next_stats_ns = now + out->stats_ns;
		}
		/*
		 * If this output drops the record too, the next one counts it:
		 * while a collector is away, one record a second, and the first
		 * to arrive after it is back carries the total.
		 */
		emit_loss(he->pipe, r, out->name, HOST_LOSS_OUTPUT,
			  pipeline_output_counts(out).dropped, now);
	}
}

void host_events_ring_loss(struct host_events *he, unsigned int idx,
			   const char *plugin, uint64_t total, uint64_t now)
{
	emit_loss(he->pipe, &he->plugins[idx], plugin, HOST_LOSS_RING, total,
		  now);
}

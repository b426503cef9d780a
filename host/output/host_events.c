// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "../clock.h"
#include "host_events.h"

#define HOST_NAME_LEN 64

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
			       .qname = "bpfhost.stats" },
	[HOST_EVENT_LOSS] = { .plugin = "bpfhost",
			      .schema = &host_schemas[HOST_EVENT_LOSS],
			      .min_size = sizeof(struct host_loss_event),
			      .qname = "bpfhost.loss" },
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

	pipe->host_records++;
	pipeline_emit(pipe, &rec);
}

/* Names are cut to fit; the field is NUL-terminated or full. */
static void copy_name(char *dst, const char *src)
{
	size_t len = strnlen(src, HOST_NAME_LEN);

	memcpy(dst, src, len);
}

void host_event_stats(struct pipeline *pipe, const struct output *out)
{
	struct host_stats_event ev = {
		.hdr.type = HOST_EVENT_STATS,
		.sent = out->sink.sent,
		.dropped = out->sink.dropped + out->errors,
		.reconnects = out->sink.reconnects,
		.queued = out->sink.ops->pending ?
				  out->sink.ops->pending(&out->sink) : 0,
	};

	copy_name(ev.output, out->name);
	emit(pipe, HOST_EVENT_STATS, &ev, sizeof(ev));
}

void host_event_loss(struct pipeline *pipe, const char *source,
		     enum host_loss_kind kind, uint64_t lost, uint64_t total)
{
	struct host_loss_event ev = {
		.hdr.type = HOST_EVENT_LOSS,
		.lost = lost,
		.total = total,
		.kind = kind,
	};

	copy_name(ev.source, source);
	emit(pipe, HOST_EVENT_LOSS, &ev, sizeof(ev));
}

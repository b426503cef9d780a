// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "output.h"

static const struct bpfhost_option output_options[] = {
	{ .name = "format", .type = BPFHOST_OPT_ENUM, .def = "text",
	  .choices = "text|json",
	  .help = "text: aligned columns; json: one object per line" },
	{ .name = "target", .type = BPFHOST_OPT_STRING, .def = "stdout",
	  .min = 1, .help = "stdout, stderr, or file:PATH (appended)" },
};

static const struct formatter *const formatters[] = {
	&text_formatter,
	&json_formatter,
};

static const struct sink_ops *const sinks[] = {
	&fd_sink_ops,
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
	out->fmt = find_formatter(optset_str(&out->opts, "format", 0));
	out->sink.ops = find_sink(optset_str(&out->opts, "target", 0));
	if (!out->sink.ops) {
		log_error("[%s] target '%s' is not one of stdout, stderr, file:PATH",
			  name, optset_str(&out->opts, "target", 0));
		return -EINVAL;
	}
	return 0;
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
		int err = out->sink.ops->open(&out->sink, target);

		if (err) {
			log_error("[%s] cannot open target %s: %s", out->name,
				  target, strerror(-err));
			return err;
		}
		if (out->fmt->start) {
			sb_reset(&out->msg);
			out->fmt->start(out, &out->msg);
			if (out->msg.len)
				out->sink.ops->write(&out->sink, out->msg.data,
						     out->msg.len);
		}
	}
	return 0;
}

void pipeline_emit(struct pipeline *pipe, const struct record *rec)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];

		sb_reset(&out->msg);
		out->fmt->record(out, &out->msg, rec);
		if (out->msg.failed ||
		    out->sink.ops->write(&out->sink, out->msg.data, out->msg.len))
			out->errors++;
		else
			out->messages++;
	}
}

int pipeline_flush(struct pipeline *pipe)
{
	int ret = 0;

	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];
		int err;

		if (out->sink.fd < 0)
			continue;
		err = out->sink.ops->flush(&out->sink);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

void pipeline_free(struct pipeline *pipe)
{
	for (unsigned int i = 0; i < pipe->n; i++) {
		struct output *out = &pipe->outputs[i];

		if (out->sink.ops && out->sink.fd >= 0)
			out->sink.ops->close(&out->sink);
		sb_free(&out->msg);
		sb_free(&out->scratch);
		optset_free(&out->opts);
		free(out->name);
	}
	free(pipe->outputs);
	*pipe = (struct pipeline){ 0 };
}

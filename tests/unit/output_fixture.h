/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One output configured as an INI file would configure it, and one record
 * rendered through it: what the formatter tests share.
 */
#ifndef BPFHOST_TEST_OUTPUT_FIXTURE_H
#define BPFHOST_TEST_OUTPUT_FIXTURE_H

#include <stdio.h>

#include "check.h"
#include "output/output.h"

/* 2025-11-05T03:48:17.123456789Z: every fixture record's time */
#define T0 1762314497123456789ull

struct kv {
	const char *key, *value;
};

#define FIXTURE_KEYS_MAX 16

/*
 * A pipeline configured from one [output.t] section of key = value, each
 * key on its own line of t.ini (from line 2), running the one event type.
 */
static inline int configure_output(struct pipeline *p,
				   const struct event_type *type,
				   const struct kv *kvs, size_t n)
{
	static struct config_entry entries[FIXTURE_KEYS_MAX];
	static char where[FIXTURE_KEYS_MAX][16];
	static const struct event_type *types[1];
	struct config_section sec = { .name = "output.t", .where = "t.ini:1",
				      .entries = entries, .n = n };
	struct config cfg = { .path = "t.ini", .sections = &sec, .n = 1 };
	int err;

	CHECK(n <= FIXTURE_KEYS_MAX);
	for (size_t i = 0; i < n && i < FIXTURE_KEYS_MAX; i++) {
		snprintf(where[i], sizeof(where[i]), "t.ini:%zu", i + 2);
		entries[i] = (struct config_entry){
			.key = (char *)kvs[i].key,
			.value = (char *)kvs[i].value,
			.where = where[i],
		};
	}
	err = pipeline_configure(p, &cfg, NULL);
	types[0] = type;
	p->types = types;
	p->ntypes = 1;
	return err;
}

/* The record as out renders it, at T0; valid until the next call. */
static inline const char *render_record(struct output *out,
					const struct event_type *type,
					const void *data, size_t size)
{
	static struct strbuf sb;
	struct record rec = { .type = type, .data = data, .size = size,
			      .real_ns = T0 };

	sb_reset(&sb);
	out->fmt->record(out, &sb, &rec);
	CHECK(!sb.failed);
	return sb_cstr(&sb);
}

#endif

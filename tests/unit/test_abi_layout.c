// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The plugin ABI, version 1, pinned: the size of every public struct and
 * the offset and size of every member, plus every enum value a plugin
 * compiles in.  A change that moves anything fails here, so it cannot land
 * without a new BPFHOST_ABI_VERSION (and a new table below).
 *
 * The ops table and the host API may grow at the end within version 1
 * (both carry their size): appending a member means adding its pin and
 * updating that struct's size pin, never touching the others.  Structs
 * used in arrays (options, fields, schemas, value names) and event data
 * (the record header, the task context) can never change size in v1.
 *
 * The numbers are for LP64 (pointers and longs of 8 bytes).
 */
#include <stdint.h>

#include <bpfhost/plugin.h>
#include <bpfhost/task_context.h>

#include "check.h"

#define PIN_SIZE(type, want)                                                   \
	do {                                                                   \
		if (sizeof(type) != (want)) {                                  \
			fprintf(stderr, "sizeof(%s) is %zu, ABI %d pins %d\n", \
				#type, sizeof(type), BPFHOST_ABI_VERSION,      \
				(want));                                       \
			check_failures++;                                      \
		}                                                              \
	} while (0)

#define PIN(type, member, off, size)                                           \
	do {                                                                   \
		size_t o_ = offsetof(type, member);                            \
		size_t s_ = sizeof(((type *)0)->member);                       \
		if (o_ != (off) || s_ != (size)) {                             \
			fprintf(stderr,                                        \
				"%s.%s is at %zu, %zu bytes; ABI %d pins %d, %d bytes\n", \
				#type, #member, o_, s_, BPFHOST_ABI_VERSION,   \
				(off), (size));                                \
			check_failures++;                                      \
		}                                                              \
	} while (0)

static void test_version(void)
{
	/* A bump needs new pins: this file is the ABI 1 contract. */
	CHECK(BPFHOST_ABI_VERSION == 1);
	CHECK_STR(BPFHOST_PLUGIN_ENTRY_SYMBOL, "bpfhost_plugin_entry");
}

static void test_event_header(void)
{
	PIN_SIZE(struct bpfhost_event_header, 16);
	PIN(struct bpfhost_event_header, ts_boot_ns, 0, 8);
	PIN(struct bpfhost_event_header, type, 8, 4);
	PIN(struct bpfhost_event_header, reserved, 12, 4);
}

static void test_option(void)
{
	PIN_SIZE(struct bpfhost_option, 56);
	PIN(struct bpfhost_option, name, 0, 8);
	PIN(struct bpfhost_option, type, 8, 4);
	PIN(struct bpfhost_option, flags, 12, 4);
	PIN(struct bpfhost_option, def, 16, 8);
	PIN(struct bpfhost_option, help, 24, 8);
	PIN(struct bpfhost_option, min, 32, 8);
	PIN(struct bpfhost_option, max, 40, 8);
	PIN(struct bpfhost_option, choices, 48, 8);
}

static void test_value_name(void)
{
	PIN_SIZE(struct bpfhost_value_name, 24);
	PIN(struct bpfhost_value_name, mask, 0, 8);
	PIN(struct bpfhost_value_name, value, 8, 8);
	PIN(struct bpfhost_value_name, name, 16, 8);
}

static void test_field(void)
{
	PIN_SIZE(struct bpfhost_field, 48);
	PIN(struct bpfhost_field, name, 0, 8);
	PIN(struct bpfhost_field, header, 8, 8);
	PIN(struct bpfhost_field, type, 16, 4);
	PIN(struct bpfhost_field, display, 20, 4);
	PIN(struct bpfhost_field, offset, 24, 4);
	PIN(struct bpfhost_field, size, 28, 4);
	PIN(struct bpfhost_field, width, 32, 4);
	PIN(struct bpfhost_field, flags, 36, 4);
	PIN(struct bpfhost_field, value_names, 40, 8);
}

static void test_event_schema(void)
{
	PIN_SIZE(struct bpfhost_event_schema, 40);
	PIN(struct bpfhost_event_schema, name, 0, 8);
	PIN(struct bpfhost_event_schema, help, 8, 8);
	PIN(struct bpfhost_event_schema, size, 16, 4);
	PIN(struct bpfhost_event_schema, nfields, 20, 4);
	PIN(struct bpfhost_event_schema, fields, 24, 8);
	PIN(struct bpfhost_event_schema, btf_struct, 32, 8);
}

static void test_host_api(void)
{
	PIN_SIZE(struct bpfhost_host_api, 80);
	PIN(struct bpfhost_host_api, abi_version, 0, 4);
	PIN(struct bpfhost_host_api, size, 4, 4);
	PIN(struct bpfhost_host_api, log, 8, 8);
	PIN(struct bpfhost_host_api, opt_count, 16, 8);
	PIN(struct bpfhost_host_api, opt_str, 24, 8);
	PIN(struct bpfhost_host_api, opt_int, 32, 8);
	PIN(struct bpfhost_host_api, opt_bool, 40, 8);
	PIN(struct bpfhost_host_api, add_ringbuf, 48, 8);
	PIN(struct bpfhost_host_api, emit, 56, 8);
	PIN(struct bpfhost_host_api, set_tick, 64, 8);
	PIN(struct bpfhost_host_api, bpf_open_opts, 72, 8);
}

static void test_plugin_ops(void)
{
	PIN_SIZE(struct bpfhost_plugin_ops, 120);
	PIN(struct bpfhost_plugin_ops, abi_version, 0, 4);
	PIN(struct bpfhost_plugin_ops, size, 4, 4);
	PIN(struct bpfhost_plugin_ops, name, 8, 8);
	PIN(struct bpfhost_plugin_ops, version, 16, 8);
	PIN(struct bpfhost_plugin_ops, summary, 24, 8);
	PIN(struct bpfhost_plugin_ops, options, 32, 8);
	PIN(struct bpfhost_plugin_ops, noptions, 40, 4);
	PIN(struct bpfhost_plugin_ops, nevents, 44, 4);
	PIN(struct bpfhost_plugin_ops, events, 48, 8);
	PIN(struct bpfhost_plugin_ops, open, 56, 8);
	PIN(struct bpfhost_plugin_ops, load, 64, 8);
	PIN(struct bpfhost_plugin_ops, attach, 72, 8);
	PIN(struct bpfhost_plugin_ops, tick, 80, 8);
	PIN(struct bpfhost_plugin_ops, detach, 88, 8);
	PIN(struct bpfhost_plugin_ops, close, 96, 8);
	PIN(struct bpfhost_plugin_ops, bpf_object, 104, 8);
	PIN(struct bpfhost_plugin_ops, event_severities, 112, 8);
}

static void test_task_context(void)
{
	PIN_SIZE(struct bpfhost_task_context, 248);
	PIN(struct bpfhost_task_context, pid, 0, 4);
	PIN(struct bpfhost_task_context, tid, 4, 4);
	PIN(struct bpfhost_task_context, ppid, 8, 4);
	PIN(struct bpfhost_task_context, uid, 12, 4);
	PIN(struct bpfhost_task_context, gid, 16, 4);
	PIN(struct bpfhost_task_context, vpid, 20, 4);
	PIN(struct bpfhost_task_context, mnt_ns, 24, 4);
	PIN(struct bpfhost_task_context, pid_ns, 28, 4);
	PIN(struct bpfhost_task_context, net_ns, 32, 4);
	PIN(struct bpfhost_task_context, uts_ns, 36, 4);
	PIN(struct bpfhost_task_context, user_ns, 40, 4);
	PIN(struct bpfhost_task_context, container, 44, 108);
	PIN(struct bpfhost_task_context, container.owner, 44, 4);
	PIN(struct bpfhost_task_context, container.runtime, 48, 1);
	PIN(struct bpfhost_task_context, container.id, 49, 65);
	PIN(struct bpfhost_task_context, container.pod_uid, 114, 37);
	PIN(struct bpfhost_task_context, container.id_inexact, 151, 1);
	PIN(struct bpfhost_task_context, cgroup_id, 152, 8);
	PIN(struct bpfhost_task_context, comm, 160, 16);
	PIN(struct bpfhost_task_context, nodename, 176, 65);
	PIN(struct bpfhost_task_context, pad, 241, 7);
}

/* Plugins compile these numbers in: they are ABI as much as the layouts. */
static void test_enum_values(void)
{
	CHECK(BPFHOST_OPT_BOOL == 1 && BPFHOST_OPT_INT == 2 &&
	      BPFHOST_OPT_STRING == 3 && BPFHOST_OPT_ENUM == 4);
	CHECK(BPFHOST_OPT_MULTI == 1);
	CHECK(BPFHOST_FIELD_UINT == 1 && BPFHOST_FIELD_INT == 2 &&
	      BPFHOST_FIELD_BOOL == 3 && BPFHOST_FIELD_STR == 4 &&
	      BPFHOST_FIELD_BYTES == 5 && BPFHOST_FIELD_STR_SPAN == 6);
	CHECK(BPFHOST_DISPLAY_DEFAULT == 0 && BPFHOST_DISPLAY_HEX == 1 &&
	      BPFHOST_DISPLAY_ERRNO == 2 && BPFHOST_DISPLAY_FLAGS == 3 &&
	      BPFHOST_DISPLAY_ENUM == 4 && BPFHOST_DISPLAY_IPV4 == 5 &&
	      BPFHOST_DISPLAY_IPV6 == 6 && BPFHOST_DISPLAY_DURATION_NS == 7);
	CHECK(BPFHOST_FIELD_NO_TEXT == 1 && BPFHOST_FIELD_SEVERITY == 2);
	CHECK(BPFHOST_SEV_EMERG == 0 && BPFHOST_SEV_WARNING == 4 &&
	      BPFHOST_SEV_INFO == 6 && BPFHOST_SEV_DEBUG == 7);
	CHECK(BPFHOST_SEVERITY(BPFHOST_SEV_NOTICE) == 0x85);
	CHECK(BPFHOST_LOG_ERROR == 0 && BPFHOST_LOG_WARN == 1 &&
	      BPFHOST_LOG_INFO == 2 && BPFHOST_LOG_DEBUG == 3);
	CHECK(BPFHOST_TASK_COMM_LEN == 16 && BPFHOST_TASK_NODENAME_LEN == 65);
}

int main(void)
{
	if (sizeof(void *) != 8 || sizeof(long) != 8) {
		printf("SKIP: the pins are for LP64\n");
		return 77;
	}
	RUN(test_version);
	RUN(test_event_header);
	RUN(test_option);
	RUN(test_value_name);
	RUN(test_field);
	RUN(test_event_schema);
	RUN(test_host_api);
	RUN(test_plugin_ops);
	RUN(test_task_context);
	RUN(test_enum_values);
	return CHECK_EXIT();
}

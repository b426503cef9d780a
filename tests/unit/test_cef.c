// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CEF and LEEF payloads and per-event severity, byte for byte: hostile
 * values through each escape, whole messages from a hand-made schema
 * configured the way an INI file does it, and the severity each record
 * gets in PRI, CEF, LEEF and JSON.  Expected bytes are written out here,
 * not computed by the code under test.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "build_config.h"
#include "check.h"
#include "output/format_cef.h"
#include "schema.h"
#include "output/output.h"
#include "output_fixture.h"

struct demo_event {
	struct bpfhost_event_header hdr;
	__u32 pid;
	__u32 uid;
	__u8 sev;
	__u8 ok;
	char comm[16];
	char container_id[16];
	char path[64];
};

#define AT(member) BPFHOST_FIELD_AT(struct demo_event, member)

static const struct bpfhost_field demo_fields[] = {
	{ .name = "pid", .type = BPFHOST_FIELD_UINT, AT(pid) },
	{ .name = "uid", .type = BPFHOST_FIELD_UINT, AT(uid) },
	{ .name = "sev", .type = BPFHOST_FIELD_UINT,
	  .flags = BPFHOST_FIELD_SEVERITY, AT(sev) },
	{ .name = "ok", .type = BPFHOST_FIELD_BOOL, AT(ok) },
	{ .name = "comm", .type = BPFHOST_FIELD_STR, AT(comm) },
	{ .name = "container_id", .type = BPFHOST_FIELD_STR,
	  AT(container_id) },
	{ .name = "path", .type = BPFHOST_FIELD_STR, AT(path) },
};

static const struct bpfhost_event_schema demo_schema = {
	.name = "open", .help = "an open | a \\ refusal",
	.size = sizeof(struct demo_event),
	.nfields = sizeof(demo_fields) / sizeof(demo_fields[0]),
	.fields = demo_fields,
};

/* Declared notice; its records carry their own in sev. */
static const struct event_type demo_type = {
	.plugin = "demo", .schema = &demo_schema, .qname = "demo.open",
	.severity = BPFHOST_SEVERITY(BPFHOST_SEV_NOTICE),
	.severity_field = &demo_fields[2],
};

/* The same schema with no severity declared anywhere. */
static const struct event_type plain_type = {
	.plugin = "demo", .schema = &demo_schema, .qname = "demo.open",
};

static struct strbuf sb;

/* Every byte the formats treat specially, an invalid one, valid UTF-8. */
#define HOSTILE "/t/a|b=c\\d\ne\rf\tg\xff\xc3\xa9 h"

static struct demo_event demo_event(unsigned char sev)
{
	struct demo_event e = {
		.pid = 4242, .uid = 1000, .sev = sev, .ok = 1,
		.comm = "c|a=t", .container_id = "", .path = HOSTILE,
	};

	return e;
}

static const char *escaped(void (*fn)(struct strbuf *, const char *,
				      size_t, bool),
			   const char *s, size_t n, bool controls)
{
	sb_reset(&sb);
	fn(&sb, s, n, controls);
	return sb_cstr(&sb);
}

static void test_escapes(void)
{
	/* Header: \| and \\ only; a control character never raw. */
	sb_reset(&sb);
	cef_header_escape(&sb, HOSTILE, sizeof(HOSTILE) - 1);
	CHECK_STR(sb_cstr(&sb),
		  "/t/a\\|b=c\\\\d#012e#015f#011g\xef\xbf\xbd\xc3\xa9 h");

	/* Extension value: \= \\ \n \r; '|' and tab as they are. */
	CHECK_STR(escaped(cef_value_escape, HOSTILE, sizeof(HOSTILE) - 1,
			  false),
		  "/t/a|b\\=c\\\\d\\ne\\rf\tg\xef\xbf\xbd\xc3\xa9 h");
	/* For a line sink the other controls (tab, ESC, C1) become #ooo. */
	CHECK_STR(escaped(cef_value_escape, "a\tb\x1b[0m\xc2\x85", 9, true),
		  "a#011b#033[0m#302#205");
	/* "\=" in a value reads back as "=", never as a key boundary. */
	CHECK_STR(escaped(cef_value_escape, "k=v x=y\\", 8, false),
		  "k\\=v x\\=y\\\\");

	/* LEEF: the tab delimiter and line ends take a backslash; '=' not. */
	CHECK_STR(escaped(leef_value_escape, HOSTILE, sizeof(HOSTILE) - 1,
			  false),
		  "/t/a|b=c\\\\d\\ne\\rf\\tg\xef\xbf\xbd\xc3\xa9 h");

	/* A NUL inside a counted value is a control like any other. */
	CHECK_STR(escaped(cef_value_escape, "a\0b", 3, true), "a#000b");
}

static void test_cef_message(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "target", "tcp://127.0.0.1:6514" },
		{ "hostname", "h" },
		{ "facility", "auth" },
		{ "syslog_payload", "cef" },
	};
	struct demo_event e = demo_event(BPFHOST_SEV_WARNING);
	struct pipeline p;
	char want[1024];

	CHECK(configure_output(&p, &demo_type, kvs, 5) == 0);
	/*
	 * PRI 36 = auth (4) * 8 + warning (4), the record's own; CEF 6.
	 * No event SD element: the fields are in the CEF extension.
	 */
	snprintf(want, sizeof(want),
		 "<36>1 2025-11-05T03:48:17.123456Z h bpfhost %d demo/open "
		 "[meta sequenceId=\"1\"] "
		 "CEF:0|bpfhost|bpfhost|%s|demo.open|an open \\| a \\\\ refusal|6|"
		 "rt=1762314497123 spid=4242 suid=1000 bpfhost_ok=true "
		 "sproc=c|a\\=t cs1Label=container_id cs1= "
		 "filePath=/t/a|b\\=c\\\\d\\ne\\rf\tg\xef\xbf\xbd\xc3\xa9 h "
		 "bpfhost_path_hex=2f742f617c623d635c640a650d660967ffc3a92068",
		 (int)getpid(), BPFHOST_VERSION);
	CHECK_STR(render_record(&p.outputs[0], &demo_type, &e, sizeof(e)),
		  want);
	pipeline_free(&p);
}

static void test_leef_message(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "target", "stdout" },
		{ "syslog_format", "rfc3164" },
		{ "hostname", "h" },
		{ "syslog_payload", "leef" },
	};
	struct demo_event e = demo_event(BPFHOST_SEV_ERR);
	struct pipeline p;
	const char *got;
	char want[1024];

	CHECK(configure_output(&p, &demo_type, kvs, 5) == 0);
	got = render_record(&p.outputs[0], &demo_type, &e, sizeof(e));
	/*
	 * user (1) * 8 + err (3); LEEF sev 7.  LEEF has no keys for the task
	 * fields: bpfhost_NAME.
	 */
	snprintf(want, sizeof(want),
		 "<11>%.15s h bpfhost[%d]: [meta sequenceId=\"1\"] "
		 "LEEF:2.0|bpfhost|bpfhost|%s|demo.open|x09|sev=7\t"
		 "bpfhost_pid=4242\tbpfhost_uid=1000\tbpfhost_ok=true\t"
		 "bpfhost_comm=c|a=t\tbpfhost_container_id=\t"
		 "bpfhost_path=/t/a|b=c\\\\d\\ne\\rf\\tg\xef\xbf\xbd\xc3\xa9 h\t"
		 "bpfhost_path_hex=2f742f617c623d635c640a650d660967ffc3a92068\n",
		 got + 4, (int)getpid(), BPFHOST_VERSION);
	CHECK_STR(got, want);
	pipeline_free(&p);
}

static const char *json_severity(struct output *out,
				 const struct event_type *t, unsigned char sev)
{
	struct demo_event e = demo_event(sev);
	const char *json = render_record(out, t, &e, sizeof(e));
	const char *key = strstr(json, "\"event\":\"open\",\"severity\":\"");

	/* Right after "event"; the SEVERITY field is not shown again. */
	CHECK(key && !strstr(json, "\"sev\""));
	return key ? key + 27 : "";
}

static unsigned int pri(struct output *out, const struct event_type *t,
			unsigned char sev)
{
	struct demo_event e = demo_event(sev);

	return (unsigned int)atoi(render_record(out, t, &e, sizeof(e)) + 1);
}

static void test_severity_order(void)
{
	static const struct kv json_kvs[] = {
		{ "format", "json" }, { "severity", "debug" },
	};
	static const struct kv syslog_kvs[] = {
		{ "format", "syslog" }, { "facility", "local0" },
		{ "severity", "debug" },
	};
	struct pipeline p;

	CHECK(configure_output(&p, &demo_type, json_kvs, 2) == 0);
	/* The record's own, its type's when out of range, else the option. */
	CHECK(!strncmp(json_severity(&p.outputs[0], &demo_type, 2), "crit\"",
		       5));
	CHECK(!strncmp(json_severity(&p.outputs[0], &demo_type, 8),
		       "notice\"", 7));
	CHECK(!strncmp(json_severity(&p.outputs[0], &plain_type, 2),
		       "debug\"", 6));
	pipeline_free(&p);

	CHECK(configure_output(&p, &demo_type, syslog_kvs, 3) == 0);
	/* local0 = 16: 128 + severity. */
	CHECK(pri(&p.outputs[0], &demo_type, 0) == 128);
	CHECK(pri(&p.outputs[0], &demo_type, 200) == 133);
	CHECK(pri(&p.outputs[0], &plain_type, 0) == 135);
	pipeline_free(&p);
}

static int no_op(void *state)
{
	(void)state;
	return 0;
}

static int no_open(const struct bpfhost_host_api *host,
		   struct bpfhost_plugin_ctx *ctx, void **state)
{
	(void)host, (void)ctx, (void)state;
	return 0;
}

static void no_close(void *state)
{
	(void)state;
}

/* schema_check_plugin() on one event of the given fields and severity. */
static bool check_one(const struct bpfhost_field *fields, uint32_t n,
		      const uint8_t *severities, char *why, size_t len)
{
	struct bpfhost_event_schema ev = demo_schema;
	struct bpfhost_plugin_ops ops = {
		.name = "demo", .nevents = 1, .events = &ev, .open = no_open,
		.load = no_op, .attach = no_op, .close = no_close,
		.event_severities = severities,
	};

	ev.fields = fields;
	ev.nfields = n;
	why[0] = '\0';
	return schema_check_plugin(&ops, why, len);
}

static void test_schema_checks(void)
{
	struct bpfhost_field twice[2] = { demo_fields[2], demo_fields[2] };
	struct bpfhost_field str = demo_fields[4];
	struct bpfhost_field unknown = demo_fields[0];
	const uint8_t good[] = { BPFHOST_SEVERITY(BPFHOST_SEV_DEBUG) };
	const uint8_t none[] = { 0 };
	const uint8_t bare[] = { BPFHOST_SEV_ERR };	/* no DECLARED bit */
	const uint8_t high[] = { BPFHOST_SEVERITY(8) };
	char why[256];

	CHECK(check_one(demo_fields, 7, NULL, why, sizeof(why)));
	CHECK(check_one(demo_fields, 7, good, why, sizeof(why)));
	CHECK(check_one(demo_fields, 7, none, why, sizeof(why)));
	CHECK(!check_one(demo_fields, 7, bare, why, sizeof(why)));
	CHECK_STR(why, "event 'open': its severity is not BPFHOST_SEVERITY(BPFHOST_SEV_*) or 0");
	CHECK(!check_one(demo_fields, 7, high, why, sizeof(why)));
	CHECK(!check_one(twice, 2, NULL, why, sizeof(why)));
	CHECK_STR(why, "event 'open' field 'sev': an event has at most one SEVERITY field");
	str.flags = BPFHOST_FIELD_SEVERITY;
	CHECK(!check_one(&str, 1, NULL, why, sizeof(why)));
	CHECK_STR(why, "event 'open' field 'comm': a SEVERITY field is a UINT");
	unknown.flags = 1u << 2;
	CHECK(!check_one(&unknown, 1, NULL, why, sizeof(why)));
	CHECK_STR(why, "event 'open' field 'pid': its flags are unknown");
}

/*
 * A string field NAME not valid UTF-8 gets a companion NAME_hex in every
 * output but text: a declared NAME_hex beside it is refused, in either
 * order; beside a number, which never gets one, it is fine.
 */
static void test_schema_companion_names(void)
{
	struct bpfhost_field fields[2] = { demo_fields[6], demo_fields[0] };
	char why[256];

	fields[1].name = "path_hex";
	CHECK(!check_one(fields, 2, NULL, why, sizeof(why)));
	CHECK_STR(why, "event 'open' field 'path_hex': outputs use that name for the bytes of string field 'path' when they are not UTF-8; rename one of them");
	fields[1] = demo_fields[6];
	fields[0] = demo_fields[0];
	fields[0].name = "path_hex";
	CHECK(!check_one(fields, 2, NULL, why, sizeof(why)));
	CHECK(strstr(why, "field 'path_hex'") != NULL);
	fields[0].name = "path_he";
	CHECK(check_one(fields, 2, NULL, why, sizeof(why)));
	fields[0].name = "pathx_hex";
	CHECK(check_one(fields, 2, NULL, why, sizeof(why)));
	fields[0] = demo_fields[0];
	fields[1] = demo_fields[0];
	fields[1].name = "pid_hex";
	CHECK(check_one(fields, 2, NULL, why, sizeof(why)));
}

int main(void)
{
	RUN(test_escapes);
	RUN(test_cef_message);
	RUN(test_leef_message);
	RUN(test_severity_order);
	RUN(test_schema_checks);
	RUN(test_schema_companion_names);
	sb_free(&sb);
	return CHECK_EXIT();
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syslog formatter, byte for byte: RFC 5424 and RFC 3164 messages from
 * a hand-made schema and record, configured the way an INI file does it.
 * Expected messages are written out here, not computed by the code under
 * test.  Also: target URLs and the one-line configuration errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "clock.h"
#include "host_events.h"
#include "output/net_target.h"
#include "output/output.h"
#include "output_fixture.h"

struct demo_event {
	struct bpfhost_event_header hdr;
	__u32 pid;
	__s32 err;
	__u8 ok;
	char comm[16];
	char path[64];
};

#define AT(member) BPFHOST_FIELD_AT(struct demo_event, member)

static const struct bpfhost_field demo_fields[] = {
	{ .name = "pid", .header = "PID", .type = BPFHOST_FIELD_UINT,
	  .width = 5, AT(pid) },
	{ .name = "error", .header = "ERR", .type = BPFHOST_FIELD_INT,
	  .display = BPFHOST_DISPLAY_ERRNO, .width = -6, AT(err) },
	{ .name = "ok", .type = BPFHOST_FIELD_BOOL,
	  .flags = BPFHOST_FIELD_NO_TEXT, AT(ok) },
	{ .name = "comm", .header = "COMM", .type = BPFHOST_FIELD_STR,
	  .width = -6, AT(comm) },
	{ .name = "path", .header = "PATH", .type = BPFHOST_FIELD_STR,
	  AT(path) },
};

static const struct bpfhost_event_schema demo_schema = {
	.name = "open", .size = sizeof(struct demo_event),
	.nfields = sizeof(demo_fields) / sizeof(demo_fields[0]),
	.fields = demo_fields,
};

static const struct event_type demo_type = {
	.plugin = "demo", .schema = &demo_schema, .qname = "demo.open"
};

static struct demo_event hostile_event(void)
{
	struct demo_event e = {
		.pid = 4242, .err = 0, .ok = 1, .comm = "cat",
		/* '"', '\', ']', a newline, an invalid byte, valid UTF-8 */
		.path = "/t/a\"b\\c]d\ne\xff\xc3\xa9",
	};

	return e;
}

static void test_rfc5424_text_payload(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "target", "tcp://127.0.0.1:6514" },
		{ "hostname", "host.example" },
		{ "facility", "auth" },
		{ "severity", "notice" },
	};
	struct demo_event e = hostile_event();
	struct pipeline p;
	char want[1024];

	CHECK(configure_output(&p, &demo_type, kvs, 5) == 0);
	/* PRI 37 = auth (4) * 8 + notice (5); error is null: left out. */
	snprintf(want, sizeof(want),
		 "<37>1 2025-11-05T03:48:17.123456Z host.example bpfhost %d "
		 "demo/open [meta sequenceId=\"1\"][demo.open@32473 "
		 "pid=\"4242\" ok=\"true\" comm=\"cat\" "
		 "path=\"/t/a\\\"b\\\\c\\]d\ne\xef\xbf\xbd\xc3\xa9\" "
		 "path_hex=\"2f742f6122625c635d640a65ffc3a9\"] "
		 "03:48:17.123456  4242 -      cat    "
		 "/t/a\"b\\\\c]d\\x0ae\\xff\xc3\xa9",
		 (int)getpid());
	CHECK_STR(render_record(&p.outputs[0], &demo_type, &e, sizeof(e)), want);

	/* The next message of this output: sequenceId 2; an errno shown. */
	e.err = 2;
	snprintf(want, sizeof(want),
		 "<37>1 2025-11-05T03:48:17.123456Z host.example bpfhost %d "
		 "demo/open [meta sequenceId=\"2\"][demo.open@32473 "
		 "pid=\"4242\" error=\"ENOENT\" ok=\"true\" comm=\"cat\" "
		 "path=\"/t/a\\\"b\\\\c\\]d\ne\xef\xbf\xbd\xc3\xa9\" "
		 "path_hex=\"2f742f6122625c635d640a65ffc3a9\"] "
		 "03:48:17.123456  4242 ENOENT cat    "
		 "/t/a\"b\\\\c]d\\x0ae\\xff\xc3\xa9",
		 (int)getpid());
	CHECK_STR(render_record(&p.outputs[0], &demo_type, &e, sizeof(e)), want);
	pipeline_free(&p);
}

static void test_rfc3164_json_payload(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "target", "udp://[::1]:514" },
		{ "syslog_format", "rfc3164" },
		{ "syslog_payload", "json" },
		{ "hostname", "h1" },
		{ "app_name", "snoop" },
		{ "facility", "local3" },
		{ "severity", "warning" },
	};
	struct demo_event e = hostile_event();
	struct pipeline p;
	char want[1024];

	strcpy(e.path, "/etc/x]");
	CHECK(configure_output(&p, &demo_type, kvs, 8) == 0);
	/* PRI 156 = local3 (19) * 8 + warning (4); day padded with a space. */
	snprintf(want, sizeof(want),
		 "<156>Nov  5 03:48:17 h1 snoop[%d]: [meta sequenceId=\"1\"] "
		 "{\"time\":\"2025-11-05T03:48:17.123456789Z\","
		 "\"plugin\":\"demo\",\"event\":\"open\","
		 "\"severity\":\"warning\",\"pid\":4242,"
		 "\"error\":null,\"ok\":true,\"comm\":\"cat\","
		 "\"path\":\"/etc/x]\"}",
		 (int)getpid());
	CHECK_STR(render_record(&p.outputs[0], &demo_type, &e, sizeof(e)), want);
	pipeline_free(&p);
}

/*
 * A unix: target's default: syslog(3)'s form, no HOSTNAME even when one is
 * configured; rfc5424 when asked.
 */
static void test_local_form(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "target", "unix:/dev/log" },
		{ "hostname", "h1" },
		{ "syslog_payload", "json" },
	};
	static const struct kv asked[] = {
		{ "format", "syslog" },
		{ "target", "unix:/dev/log" },
		{ "syslog_format", "rfc5424" },
	};
	struct demo_event e = hostile_event();
	struct pipeline p;
	char want[1024];

	strcpy(e.path, "/x");
	CHECK(configure_output(&p, &demo_type, kvs, 4) == 0);
	snprintf(want, sizeof(want),
		 "<14>Nov  5 03:48:17 bpfhost[%d]: [meta sequenceId=\"1\"] "
		 "{\"time\":\"2025-11-05T03:48:17.123456789Z\","
		 "\"plugin\":\"demo\",\"event\":\"open\","
		 "\"severity\":\"info\",\"pid\":4242,"
		 "\"error\":null,\"ok\":true,\"comm\":\"cat\","
		 "\"path\":\"/x\"}",
		 (int)getpid());
	CHECK_STR(render_record(&p.outputs[0], &demo_type, &e, sizeof(e)), want);
	pipeline_free(&p);
	CHECK(configure_output(&p, &demo_type, asked, 3) == 0);
	CHECK(!strncmp(render_record(&p.outputs[0], &demo_type, &e, sizeof(e)),
		       "<14>1 2025-11-05T03:48:17.123456Z ", 34));
	pipeline_free(&p);
}

/* On stdout or a file, each message is a line; sequenceIds per output. */
static void test_line_sink_and_sequence_per_output(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "hostname", "h" },
		{ "msgid", "x-{event}-{plugin}-0123456789012345678901" },
		{ "enterprise_id", "32473.7" },
	};
	struct demo_event e = hostile_event();
	struct pipeline p, q;
	const char *msg;

	strcpy(e.path, "/p");
	CHECK(configure_output(&p, &demo_type, kvs, 4) == 0);
	CHECK(configure_output(&q, &demo_type, kvs, 4) == 0);
	render_record(&p.outputs[0], &demo_type, &e, sizeof(e));
	msg = render_record(&p.outputs[0], &demo_type, &e, sizeof(e));
	/* MSGID cut to 32 bytes; the SD-ID carries the enterprise id. */
	CHECK(strstr(msg, " x-open-demo-01234567890123456789 [meta "
			  "sequenceId=\"2\"][demo.open@32473.7 pid=") != NULL);
	CHECK(msg[strlen(msg) - 1] == '\n' &&
	      strchr(msg, '\n') == msg + strlen(msg) - 1);
	msg = render_record(&q.outputs[0], &demo_type, &e, sizeof(e));
	CHECK(strstr(msg, "[meta sequenceId=\"1\"]") != NULL);

	/*
	 * No raw control byte reaches a line: C0, DEL, C1 become #ooo, and
	 * path_hex holds the bytes ("#012" could be the text itself).
	 */
	strcpy(e.path, "/\x1b[2J\n\x7f\xc2\x9b#\xc3\xa9");
	msg = render_record(&q.outputs[0], &demo_type, &e, sizeof(e));
	CHECK(strstr(msg, " path=\"/#033[2J#012#177#302#233#\xc3\xa9\" "
			  "path_hex=\"2f1b5b324a0a7fc29b23c3a9\"] ") != NULL);
	CHECK(strchr(msg, '\n') == msg + strlen(msg) - 1);
	for (const char *c = msg; *c; c++)
		CHECK(*c == '\n' || (unsigned char)*c >= 0x20);
	pipeline_free(&p);
	pipeline_free(&q);
}

/* A long plugin.event name is cut so the SD-ID stays 32 bytes at most. */
static void test_sd_id_length(void)
{
	static const struct kv kvs[] = {
		{ "format", "syslog" },
		{ "target", "udp://127.0.0.1" },
		{ "hostname", "h" },
	};
	static const struct event_type long_type = {
		.plugin = "a_plugin_with_a_long_name", .schema = &demo_schema,
		.qname = "a_plugin_with_a_long_name.open"
	};
	struct demo_event e = hostile_event();
	struct pipeline p;

	CHECK(configure_output(&p, &demo_type, kvs, 3) == 0);
	CHECK(strstr(render_record(&p.outputs[0], &long_type, &e, sizeof(e)),
		     " a_plugin_with_a_long_name/open [meta sequenceId=\"1\"]"
		     "[a_plugin_with_a_long_name.@32473 pid=") != NULL);
	pipeline_free(&p);
}

static void expect_config_error(const struct kv *kvs, size_t n,
				const char *where, const char *words)
{
	struct pipeline p;
	const char *msg;
	int err;

	capture_begin();
	err = configure_output(&p, &demo_type, kvs, n);
	msg = capture_end();
	CHECK(err == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, where) != NULL);
	if (!strstr(msg, words))
		fprintf(stderr, "message was: %s", msg);
	CHECK(strstr(msg, words) != NULL);
	pipeline_free(&p);
}

static void test_config_errors(void)
{
	expect_config_error((const struct kv[]){ { "format", "syslog" },
						 { "msgid", "a b" } },
			    2, "t.ini:3", "placeholders");
	expect_config_error((const struct kv[]){ { "format", "syslog" },
						 { "msgid", "{pid}" } },
			    2, "t.ini:3", "placeholders");
	expect_config_error((const struct kv[]){ { "format", "syslog" },
						 { "app_name", "my app" } },
			    2, "t.ini:3", "printable ASCII");
	expect_config_error((const struct kv[]){ { "format", "syslog" },
						 { "enterprise_id", "x1" } },
			    2, "t.ini:3", "enterprise number");
	expect_config_error((const struct kv[]){ { "facility", "local9" } },
			    1, "t.ini:2", "local7");
	expect_config_error((const struct kv[]){ { "target", "tcp://::1:514" } },
			    1, "t.ini:2", "brackets");
	expect_config_error((const struct kv[]){ { "target", "tcp://h:0" } },
			    1, "t.ini:2", "1 to 65535");
	expect_config_error((const struct kv[]){ { "target", "http://h" } },
			    1, "t.ini:2", "tls://HOST:PORT");
	expect_config_error((const struct kv[]){ { "format", "syslog" },
						 { "target", "udp://h" },
						 { "syslog_format", "local" } },
			    3, "t.ini:4", "unix:");
	expect_config_error((const struct kv[]){ { "target", "unix:dev/log" } },
			    1, "t.ini:2", "absolute");
	expect_config_error((const struct kv[]){ { "target", "tcp://h:1" },
						 { "tls_ca", "/x.pem" } },
			    2, "t.ini:3", "only to a tls://");
	expect_config_error((const struct kv[]){ { "target", "tls://h:1" },
						 { "tls_cert", "/c.pem" } },
			    2, "t.ini:3", "go together");
	expect_config_error((const struct kv[]){ { "target", "tls://h:1" },
						 { "tls_ca", "/nonexistent.pem" } },
			    2, "t.ini:1", "tls_ca");
	expect_config_error((const struct kv[]){ { "target", "udp://h" },
						 { "reconnect_min_ms", "500" },
						 { "reconnect_max_ms", "100" } },
			    3, "t.ini:4", "below");
}

/* Loss records: in-band to every output, one a second per source. */
static void test_loss_records(void)
{
	char path[] = "/tmp/bpfhost-unit-loss-XXXXXX", target[64];
	struct kv kvs[] = { { "format", "json" }, { "target", target } };
	char buf[1024] = "";
	struct host_events he;
	struct pipeline p;
	uint64_t now = clock_mono_ns();
	ssize_t n;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	snprintf(target, sizeof(target), "file:%s", path);
	CHECK(configure_output(&p, &demo_type, kvs, 2) == 0);
	CHECK(pipeline_start(&p, p.types, p.ntypes) == 0);
	CHECK(host_events_init(&he, &p, 1) == 0);
	/* Nothing lost: no record. */
	host_events_ring_loss(&he, 0, "demo", 0, now);
	host_events_ring_loss(&he, 0, "demo", 5, now);
	/* Within the second: held back. */
	host_events_ring_loss(&he, 0, "demo", 7, now + 1000);
	pipeline_flush(&p);
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	CHECK(count_lines(buf) == 1);
	/* A loss is a warning whatever the output's severity. */
	CHECK(strstr(buf, "\"plugin\":\"bpfhost\",\"event\":\"loss\","
			  "\"severity\":\"warning\","
			  "\"source\":\"demo\",\"kind\":\"ring\","
			  "\"lost\":5,\"total\":5}\n") != NULL);
	host_events_free(&he);
	pipeline_free(&p);
	close(fd);
	unlink(path);
}

static void test_targets(void)
{
	struct net_target t;
	const char *why;

	CHECK(net_target_parse("udp://[::1]:5514", &t, &why));
	CHECK(t.scheme == NET_UDP);
	CHECK_STR(t.host, "::1");
	CHECK_STR(t.port, "5514");
	CHECK(net_target_parse("tls://collector.example", &t, &why));
	CHECK(t.scheme == NET_TLS);
	CHECK_STR(t.host, "collector.example");
	CHECK_STR(t.port, "6514");
	CHECK(net_target_parse("tcp://127.0.0.1", &t, &why));
	CHECK_STR(t.port, "514");
	CHECK(net_target_parse("unix:/dev/log", &t, &why));
	CHECK(t.scheme == NET_UNIX);
	CHECK_STR(t.path, "/dev/log");
	CHECK(!net_target_parse("tcp://[::1", &t, &why));
	CHECK(!net_target_parse("tcp://:514", &t, &why));
	CHECK(!net_target_parse("tcp://h:65536", &t, &why));
	CHECK(!net_target_parse("tcp://h:", &t, &why));
	CHECK(!net_target_parse("tcp://[::1]x", &t, &why));
}

int main(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	RUN(test_rfc5424_text_payload);
	RUN(test_rfc3164_json_payload);
	RUN(test_local_form);
	RUN(test_line_sink_and_sequence_per_output);
	RUN(test_sd_id_length);
	RUN(test_config_errors);
	RUN(test_loss_records);
	RUN(test_targets);
	return CHECK_EXIT();
}

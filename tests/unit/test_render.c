// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rendering from a schema alone: a hand-made plugin schema and record go
 * through the real text and JSON formatters.  Expected output is written
 * out here, not computed by the code under test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "clock.h"
#include "json_check.h"
#include "output/output.h"
#include <bpfhost/str_span.h>

struct demo_event {
	struct bpfhost_event_header hdr;
	__u32 pid;
	__s32 fd;
	__s32 err;
	__u32 flags;
	__u8 addr[4];		/* network order */
	__u16 port;
	__u8 kind;
	__u8 ok;
	__u64 dur;
	__u64 big;
	__s64 neg;
	__u32 hex;
	__u8 mac[6];
	char comm[16];
	char path[64];
};

static const struct bpfhost_value_name flag_names[] = {
	{ 3, 0, "RD" },
	{ 3, 1, "WR" },
	{ 3, 2, "RW" },
	{ 0x40, 0x40, "CREAT" },
	{ 0x80000, 0x80000, "CLOEXEC" },
	{ 0, 0, NULL },
};

static const struct bpfhost_value_name kind_names[] = {
	{ ~0ull, 1, "read" },
	{ ~0ull, 2, "write" },
	{ 0, 0, NULL },
};

#define AT(member) BPFHOST_FIELD_AT(struct demo_event, member)

static const struct bpfhost_field demo_fields[] = {
	{ .name = "pid", .header = "PID", .type = BPFHOST_FIELD_UINT,
	  .width = 7, AT(pid) },
	{ .name = "fd", .header = "FD", .type = BPFHOST_FIELD_INT,
	  .width = 4, AT(fd) },
	{ .name = "error", .header = "ERR", .type = BPFHOST_FIELD_INT,
	  .display = BPFHOST_DISPLAY_ERRNO, .width = -7, AT(err) },
	{ .name = "flags", .header = "FLAGS", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_FLAGS, .value_names = flag_names,
	  .width = -20, AT(flags) },
	{ .name = "addr", .header = "ADDR", .type = BPFHOST_FIELD_BYTES,
	  .display = BPFHOST_DISPLAY_IPV4, .width = -15, AT(addr) },
	{ .name = "port", .header = "PORT", .type = BPFHOST_FIELD_UINT,
	  .width = 5, AT(port) },
	{ .name = "kind", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ENUM, .value_names = kind_names,
	  .header = "KIND", .flags = BPFHOST_FIELD_NO_TEXT, AT(kind) },
	{ .name = "ok", .header = "OK", .type = BPFHOST_FIELD_BOOL,
	  .width = 3, AT(ok) },
	{ .name = "dur", .header = "DUR", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_DURATION_NS, .width = 8, AT(dur) },
	{ .name = "big", .type = BPFHOST_FIELD_UINT, AT(big) },
	{ .name = "neg", .type = BPFHOST_FIELD_INT, AT(neg) },
	{ .name = "hex", .header = "HEX", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_HEX, .width = -10, AT(hex) },
	{ .name = "mac", .header = "MAC", .type = BPFHOST_FIELD_BYTES,
	  AT(mac) },
	{ .name = "comm", .header = "COMM", .type = BPFHOST_FIELD_STR,
	  .width = -16, AT(comm) },
	{ .name = "path", .header = "PATH", .type = BPFHOST_FIELD_STR,
	  AT(path) },
};

struct tick_event {
	struct bpfhost_event_header hdr;
	__u64 count;
};

static const struct bpfhost_field tick_fields[] = {
	{ .name = "count", .header = "COUNT", .type = BPFHOST_FIELD_UINT,
	  .width = 6, BPFHOST_FIELD_AT(struct tick_event, count) },
};

static const struct bpfhost_event_schema schemas[] = {
	{ .name = "io", .size = sizeof(struct demo_event),
	  .nfields = sizeof(demo_fields) / sizeof(demo_fields[0]),
	  .fields = demo_fields },
	{ .name = "tick", .size = sizeof(struct tick_event), .nfields = 1,
	  .fields = tick_fields },
};

/* Strings after the fixed part, found through STR_SPAN fields. */
struct span_event {
	struct bpfhost_event_header hdr;
	struct bpfhost_str_span name;
	struct bpfhost_str_span note;
	char strs[16];
};

#define SPAN_AT(member) BPFHOST_FIELD_AT(struct span_event, member)
#define SPAN_BASE offsetof(struct span_event, strs)

static const struct bpfhost_field span_fields[] = {
	{ .name = "name", .header = "NAME", .type = BPFHOST_FIELD_STR_SPAN,
	  .width = -6, SPAN_AT(name) },
	{ .name = "note", .header = "NOTE", .type = BPFHOST_FIELD_STR_SPAN,
	  SPAN_AT(note) },
};

static const struct bpfhost_event_schema span_schema = {
	.name = "span", .size = SPAN_BASE, .nfields = 2, .fields = span_fields,
};

static struct event_type span_type = { .plugin = "demo",
				       .schema = &span_schema,
				       .qname = "demo.span" };

static struct event_type io_type = { .plugin = "demo", .schema = &schemas[0],
				     .qname = "demo.io" };
static struct event_type tick_type = { .plugin = "demo",
				       .schema = &schemas[1],
				       .qname = "demo.tick" };

/* 2025-11-25T03:48:17.123456789Z */
#define T0 1764042497123456789ull

static struct pipeline the_pipe;
static struct output out = { .pipe = &the_pipe, .severity = BPFHOST_SEV_INFO };
static struct strbuf sb;

static void use_types(const struct event_type **types, unsigned int n)
{
	the_pipe.types = types;
	the_pipe.ntypes = n;
}

static struct demo_event first_event(void)
{
	struct demo_event e = {
		.pid = 4242, .fd = 3, .err = 0, .flags = 0x80041,
		.addr = { 10, 1, 2, 3 }, .port = 8080, .kind = 2, .ok = 1,
		.dur = 1500000, .big = UINT64_MAX, .neg = -5, .hex = 0x1f,
		.mac = { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc },
		.comm = "cat",
		.path = "/tmp/a \"q\"\\\x01",
	};

	return e;
}

static const char *render(const struct formatter *fmt,
			  const struct event_type *type, const void *data,
			  size_t size, uint64_t real_ns)
{
	struct record rec = { .type = type, .data = data, .size = size,
			      .real_ns = real_ns };

	sb_reset(&sb);
	fmt->record(&out, &sb, &rec);
	CHECK(!sb.failed);
	return sb_cstr(&sb);
}

static void test_rfc3339(void)
{
	struct strbuf t = { 0 };

	clock_format_rfc3339(&t, T0);
	CHECK_STR(sb_cstr(&t), "2025-11-25T03:48:17.123456789Z");
	sb_reset(&t);
	clock_format_rfc3339(&t, 1764042497000000005ull);	/* same second */
	CHECK_STR(sb_cstr(&t), "2025-11-25T03:48:17.000000005Z");
	sb_reset(&t);
	clock_format_rfc3339(&t, 0);
	CHECK_STR(sb_cstr(&t), "1970-01-01T00:00:00.000000000Z");
	sb_reset(&t);
	clock_format_rfc3339(&t, 951782400999999999ull);
	CHECK_STR(sb_cstr(&t), "2000-02-29T00:00:00.999999999Z");
	sb_reset(&t);
	clock_format_rfc3339(&t, 4102444800000000000ull);
	CHECK_STR(sb_cstr(&t), "2100-01-01T00:00:00.000000000Z");
	sb_reset(&t);
	clock_format_time_of_day(&t, T0);	/* TZ=UTC0, set in main */
	CHECK_STR(sb_cstr(&t), "03:48:17.123456");
	sb_free(&t);
}

static void test_json_typed(void)
{
	struct demo_event e = first_event();
	const char *json;

	use_types((const struct event_type *[]){ &io_type }, 1);
	json = render(&json_formatter, &io_type, &e, sizeof(e), T0);
	CHECK_STR(json,
		  "{\"time\":\"2025-11-25T03:48:17.123456789Z\","
		  "\"plugin\":\"demo\",\"event\":\"io\",\"severity\":\"info\","
		  "\"pid\":4242,\"fd\":3,\"error\":null,"
		  "\"flags\":\"WR|CREAT|CLOEXEC\",\"addr\":\"10.1.2.3\","
		  "\"port\":8080,\"kind\":\"write\",\"ok\":true,"
		  "\"dur\":1500000,\"big\":18446744073709551615,\"neg\":-5,"
		  "\"hex\":31,\"mac\":\"001122aabbcc\",\"comm\":\"cat\","
		  "\"path\":\"/tmp/a \\\"q\\\"\\\\\\u0001\"}\n");
	CHECK(json_valid(json, sb.len));
}

static void test_json_errors_flags_cut(void)
{
	struct demo_event e = first_event();
	const char *json;

	use_types((const struct event_type *[]){ &io_type }, 1);
	e.fd = -1;
	e.err = 2;
	e.flags = 0;		/* O_RDONLY-style: a name for zero */
	e.ok = 0;
	memcpy(e.path, "abcdefgh", 9);
	/* Cut inside the trailing string, as BPF sends it. */
	json = render(&json_formatter, &io_type, &e,
		      offsetof(struct demo_event, path) + 4, T0);
	CHECK(strstr(json, "\"fd\":-1,\"error\":\"ENOENT\",\"flags\":\"RD\"") !=
	      NULL);
	CHECK(strstr(json, "\"ok\":false") != NULL);
	CHECK(strstr(json, "\"path\":\"abcd\"}\n") != NULL);
	CHECK(json_valid(json, sb.len));

	/* A negative errno names the same error; unknown bits stay shown. */
	e.err = -13;
	e.flags = 0x100001;
	json = render(&json_formatter, &io_type, &e, sizeof(e), T0);
	CHECK(strstr(json, "\"error\":\"EACCES\"") != NULL);
	CHECK(strstr(json, "\"flags\":\"WR|0x100000\"") != NULL);
	CHECK(json_valid(json, sb.len));

	/* Cut right at the string: an empty string, still valid JSON. */
	json = render(&json_formatter, &io_type, &e,
		      offsetof(struct demo_event, path), T0);
	CHECK(strstr(json, "\"path\":\"\"}\n") != NULL);

	/* A full comm without its NUL ends at the field, not in path. */
	memcpy(e.comm, "0123456789abcdef", 16);
	json = render(&json_formatter, &io_type, &e, sizeof(e), T0);
	CHECK(strstr(json, "\"comm\":\"0123456789abcdef\",") != NULL);
}

static void test_json_hostile_strings(void)
{
	struct demo_event e = first_event();
	const char *json;

	use_types((const struct event_type *[]){ &io_type }, 1);
	memcpy(e.comm, "\x1b[2J\xff\xc0\xaf\"", 9);
	memset(e.path, 0, sizeof(e.path));
	for (size_t i = 0; i < sizeof(e.path) - 1; i++)
		e.path[i] = (char)(0x80 + i * 3);
	json = render(&json_formatter, &io_type, &e, sizeof(e), T0);
	CHECK(json_valid(json, sb.len));
	CHECK(strstr(json, "\"comm\":\"\\u001b[2J") != NULL);
	/* One object, one line: no raw newline before the end. */
	CHECK(strchr(json, '\n') == json + sb.len - 1);
}

/* The expected text line, aligned by hand: negative width = left. */
static const char *line(const char *time, const char *pid, const char *fd,
			const char *err, const char *flags, const char *addr,
			const char *port, const char *ok, const char *dur,
			const char *hex, const char *mac, const char *comm,
			const char *path)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "%-15s %7s %4s %-7s %-20s %-15s %5s %3s %8s %-10s %s %-16s %s\n",
		 time, pid, fd, err, flags, addr, port, ok, dur, hex, mac,
		 comm, path);
	return buf;
}

/* One record as a text line, no header. */
static const char *text_line(const struct event_type *type, const void *data,
			     size_t size)
{
	struct record rec = { .type = type, .data = data, .size = size,
			      .real_ns = T0 };

	sb_reset(&sb);
	text_format_line(&out, &sb, &rec);
	CHECK(!sb.failed);
	return sb_cstr(&sb);
}

static void test_text_columns(void)
{
	struct demo_event e = first_event();

	use_types((const struct event_type *[]){ &io_type }, 1);
	CHECK_STR(text_line(&io_type, &e, sizeof(e)),
		  line("03:48:17.123456", "4242", "3", "-", "WR|CREAT|CLOEXEC",
		       "10.1.2.3", "8080", "yes", "1.5ms", "0x1f",
		       "001122aabbcc", "cat", "/tmp/a\\x20\"q\"\\\\\\x01"));

	e.fd = -1;
	e.err = 2;
	e.flags = 0x40;
	e.ok = 0;
	e.dur = 999;
	e.hex = 0;
	memcpy(e.comm, "a\x1b" "b", 4);
	CHECK_STR(text_line(&io_type, &e, sizeof(e)),
		  line("03:48:17.123456", "4242", "-1", "ENOENT", "RD|CREAT",
		       "10.1.2.3", "8080", "no", "999ns", "0x0",
		       "001122aabbcc", "a\\x1bb", "/tmp/a\\x20\"q\"\\\\\\x01"));

	/* A value wider than its column pushes the rest, never cut. */
	e.pid = 123456789;
	memcpy(e.comm, "0123456789abcdef", 16);
	CHECK_STR(text_line(&io_type, &e, sizeof(e)),
		  line("03:48:17.123456", "123456789", "-1", "ENOENT",
		       "RD|CREAT", "10.1.2.3", "8080", "no", "999ns", "0x0",
		       "001122aabbcc", "0123456789abcdef",
		       "/tmp/a\\x20\"q\"\\\\\\x01"));
}

/* A hostname or path with blanks in it stays one column, the last too. */
static void test_text_value_is_one_column(void)
{
	struct demo_event e = first_event();
	const char *text;
	int cols = 0;

	use_types((const struct event_type *[]){ &io_type }, 1);
	memcpy(e.comm, "web1 no /etc", 13);
	strcpy(e.path, "/etc/hosts\xc2\xa0yes\t/x");
	e.err = 5000;		/* no name: "errno 5000", a word with a blank */
	text = text_line(&io_type, &e, sizeof(e));
	for (const char *p = text; *p; p++)
		cols += *p != ' ' && (p == text || p[-1] == ' ');
	CHECK(cols == 13);
	CHECK(strstr(text, " web1\\x20no\\x20/etc ") != NULL);
	CHECK(strstr(text, " errno\\x205000 ") != NULL);
	CHECK(strstr(text, " /etc/hosts\\xc2\\xa0yes\\x09/x\n") != NULL);
}

/* Empty, "-" and "" read back as themselves, not as no value. */
static void test_text_marks(void)
{
	struct span_event e = { .strs = "-\0\"\"" };

	use_types((const struct event_type *[]){ &span_type }, 1);
	e.name = (struct bpfhost_str_span){ SPAN_BASE, 1 };
	e.note = (struct bpfhost_str_span){ SPAN_BASE + 2, 2 };
	CHECK_STR(text_line(&span_type, &e, sizeof(e)),
		  "03:48:17.123456 \\x2d   \\x22\"\n");
	e.name.len = 0;
	e.note = (struct bpfhost_str_span){ 0xffff, 1 };
	CHECK_STR(text_line(&span_type, &e, sizeof(e)),
		  "03:48:17.123456 \"\"     -\n");
	e.name.len = 3;		/* "-" and its NUL: the NUL ends it */
	e.note = (struct bpfhost_str_span){ SPAN_BASE + 2, 1 };
	CHECK_STR(text_line(&span_type, &e, sizeof(e)),
		  "03:48:17.123456 \\x2d   \"\n");
}

/* A fresh text output (no header written yet) writing to fd. */
static void text_begin(const struct sink_ops *sink, int fd)
{
	text_formatter.cleanup(&out);
	CHECK(text_formatter.setup(&out, NULL) == 0);
	out.sink.ops = sink;
	out.sink.fd = fd;
	text_formatter.start(&out);
}

static int count_prefix(const char *s, const char *prefix)
{
	int n = 0;

	for (; s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		n += !strncmp(s, prefix, strlen(prefix));
	return n;
}

#define IO_HEADER "TIME            EVENT         PID "
#define TICK_HEADER "TIME            EVENT      COUNT\n"

/*
 * With two types, each header comes with its type's first event, not in a
 * stack at start, and again once it is a screenful up: 23 lines when the
 * output is not a terminal.
 */
static void test_text_headers_when_due(void)
{
	const struct event_type *both[] = { &io_type, &tick_type };
	struct demo_event e = first_event();
	struct tick_event t = { .count = 7 };
	const char *text;

	use_types(both, 2);
	text_begin(&fd_sink_ops, -1);
	text = render(&text_formatter, &io_type, &e, sizeof(e), T0);
	CHECK(count_lines(text) == 2 &&
	      !strncmp(text, IO_HEADER, strlen(IO_HEADER)));
	CHECK_STR(render(&text_formatter, &tick_type, &t, sizeof(t), T0),
		  TICK_HEADER "03:48:17.123456 demo.tick      7\n");
	text = render(&text_formatter, &io_type, &e, sizeof(e), T0);
	CHECK(count_lines(text) == 1 && count_prefix(text, "TIME") == 0);

	/*
	 * Lines 0-4 written; tick's header, on line 2, is due again on line
	 * 25: the 20 ticks on lines 5-24 come alone, the 21st after it.
	 */
	for (int i = 1; i <= 40; i++) {
		text = render(&text_formatter, &tick_type, &t, sizeof(t), T0);
		CHECK(count_lines(text) == (i == 21 ? 2 : 1));
		if (i == 21)
			CHECK(!strncmp(text, TICK_HEADER, strlen(TICK_HEADER)));
	}
	/* After that long run, io's header comes again. */
	text = render(&text_formatter, &io_type, &e, sizeof(e), T0);
	CHECK(count_lines(text) == 2 &&
	      !strncmp(text, IO_HEADER, strlen(IO_HEADER)));
}

/* A collector's messages are events alone, headers glued to none. */
static void test_text_no_headers_to_a_collector(void)
{
	struct tick_event t = { .count = 7 };

	use_types((const struct event_type *[]){ &tick_type }, 1);
	text_begin(&net_sink_ops, -1);
	CHECK_STR(render(&text_formatter, &tick_type, &t, sizeof(t), T0),
		  "03:48:17.123456      7\n");
}

/* On a terminal, a screenful is its rows less the cursor's. */
static void test_text_headers_per_terminal_page(void)
{
	struct winsize ws = { .ws_row = 10, .ws_col = 80 };
	struct tick_event t = { .count = 7 };
	int tty = posix_openpt(O_RDWR | O_NOCTTY), headers = 0;

	CHECK(tty >= 0 && !ioctl(tty, TIOCSWINSZ, &ws));
	use_types((const struct event_type *[]){ &tick_type }, 1);
	text_begin(&fd_sink_ops, tty);
	/* Pages of 9 lines: a header and 8 events, twice; a header, 4. */
	for (int i = 0; i < 20; i++)
		headers += count_prefix(render(&text_formatter, &tick_type, &t,
					       sizeof(t), T0),
					"TIME");
	CHECK(headers == 3);
	close(tty);
}

struct wide_event {
	struct bpfhost_event_header hdr;
	__s64 err;
	__u64 uerr;
};

static const struct bpfhost_field wide_fields[] = {
	{ .name = "err", .type = BPFHOST_FIELD_INT,
	  .display = BPFHOST_DISPLAY_ERRNO,
	  BPFHOST_FIELD_AT(struct wide_event, err) },
	{ .name = "uerr", .type = BPFHOST_FIELD_UINT,
	  .display = BPFHOST_DISPLAY_ERRNO,
	  BPFHOST_FIELD_AT(struct wide_event, uerr) },
};

static const struct bpfhost_event_schema wide_schema = {
	.name = "wide", .size = sizeof(struct wide_event), .nfields = 2,
	.fields = wide_fields,
};

/* A plugin's numbers are not trusted either: extremes render, no UB. */
static void test_errno_extremes(void)
{
	struct event_type wide = { .plugin = "demo", .schema = &wide_schema,
				   .qname = "demo.wide" };
	struct wide_event e = { .err = INT64_MIN, .uerr = UINT64_MAX };
	const char *json;

	use_types((const struct event_type *[]){ &wide }, 1);
	json = render(&json_formatter, &wide, &e, sizeof(e), T0);
	CHECK(json_valid(json, sb.len));
	CHECK(strstr(json, "\"err\":\"errno 9223372036854775808\","
			   "\"uerr\":\"errno 18446744073709551615\"") != NULL);
	e.err = -2;
	e.uerr = 13;
	json = render(&json_formatter, &wide, &e, sizeof(e), T0);
	CHECK(strstr(json, "\"err\":\"ENOENT\",\"uerr\":\"EACCES\"") != NULL);
	e.err = 5000;
	json = render(&json_formatter, &wide, &e, sizeof(e), T0);
	CHECK(strstr(json, "\"err\":\"errno 5000\"") != NULL);
}

/* -F and [output] format choose the formatter; a bad one is one line. */
static void test_format_choice(void)
{
	struct config_entry fmt = { .key = "format", .value = "json",
				    .where = "t.ini:9" };
	struct config_section sec = { .name = "output", .where = "t.ini:8",
				      .entries = &fmt, .n = 1 };
	struct config cfg = { .path = "t.ini", .sections = &sec, .n = 1 };
	struct pipeline p;
	const char *msg;
	int err;

	CHECK(pipeline_configure(&p, NULL, NULL) == 0);
	CHECK(p.n == 1 && p.outputs[0].fmt == &text_formatter);
	pipeline_free(&p);
	CHECK(pipeline_configure(&p, &cfg, NULL) == 0);
	CHECK(p.n == 1 && p.outputs[0].fmt == &json_formatter);
	pipeline_free(&p);
	CHECK(pipeline_configure(&p, &cfg, "text") == 0);
	CHECK(p.n == 1 && p.outputs[0].fmt == &text_formatter);
	pipeline_free(&p);

	capture_begin();
	err = pipeline_configure(&p, NULL, "xml");
	msg = capture_end();
	CHECK(err == -EINVAL);
	CHECK(count_lines(msg) == 1 && strstr(msg, "xml") &&
	      strstr(msg, "text|json"));
	pipeline_free(&p);

	fmt.value = "yaml";
	capture_begin();
	err = pipeline_configure(&p, &cfg, NULL);
	msg = capture_end();
	CHECK(err == -EINVAL);
	CHECK(count_lines(msg) == 1 && strstr(msg, "t.ini:9"));
	pipeline_free(&p);
}

static void test_str_span(void)
{
	struct span_event e = {
		.name = { SPAN_BASE, 5 },
		.note = { SPAN_BASE + 6, 4 },
		.strs = "hosts\0a\x01\"b",
	};
	const char *json;

	use_types((const struct event_type *[]){ &span_type }, 1);
	json = render(&json_formatter, &span_type, &e, sizeof(e), T0);
	CHECK(strstr(json, "\"name\":\"hosts\",\"note\":\"a\\u0001\\\"b\"}"));
	CHECK(json_valid(json, sb.len));
	CHECK_STR(text_line(&span_type, &e, sizeof(e)),
		  "03:48:17.123456 hosts  a\\x01\"b\n");

	/* Length 0 is an empty string; a NUL inside the span ends it. */
	e.name.len = 0;
	e.note = (struct bpfhost_str_span){ SPAN_BASE, 9 };
	json = render(&json_formatter, &span_type, &e, sizeof(e), T0);
	CHECK(strstr(json, "\"name\":\"\",\"note\":\"hosts\"}"));

	/* Past the record's end, by a byte or far: null, nothing read. */
	e.name = (struct bpfhost_str_span){ SPAN_BASE, 5 };
	e.note = (struct bpfhost_str_span){ 0xffff, 0xffff };
	json = render(&json_formatter, &span_type, &e, SPAN_BASE + 4, T0);
	CHECK(strstr(json, "\"name\":null,\"note\":null}"));
	CHECK(json_valid(json, sb.len));
	json = render(&json_formatter, &span_type, &e, SPAN_BASE + 5, T0);
	CHECK(strstr(json, "\"name\":\"hosts\",\"note\":null}"));
	/* A record cut inside a span field: that field is null too. */
	json = render(&json_formatter, &span_type, &e,
		      offsetof(struct span_event, note) + 2, T0);
	CHECK(strstr(json, "\"name\":null,\"note\":null}"));
}

int main(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	RUN(test_rfc3339);
	RUN(test_json_typed);
	RUN(test_json_errors_flags_cut);
	RUN(test_json_hostile_strings);
	RUN(test_text_columns);
	RUN(test_text_value_is_one_column);
	RUN(test_text_marks);
	RUN(test_text_headers_when_due);
	RUN(test_text_headers_per_terminal_page);
	RUN(test_text_no_headers_to_a_collector);
	RUN(test_errno_extremes);
	RUN(test_format_choice);
	RUN(test_str_span);
	text_formatter.cleanup(&out);
	sb_free(&sb);
	sb_free(&out.scratch);
	return CHECK_EXIT();
}

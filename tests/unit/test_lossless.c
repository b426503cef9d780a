// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lossless strings: through the real JSON, RFC 5424 SD, CEF and LEEF
 * formatters, configured the way an INI file does it, two different byte
 * strings never render the same; a string that is not valid UTF-8 carries
 * a hex companion that decodes to its exact bytes; valid UTF-8 renders as
 * it is, with no companion.  The strings are drawn from the pieces that
 * trip UTF-8 decoders: random bytes, U+FFFD itself, overlong forms,
 * surrogates, truncated and lone continuation bytes.
 */
#define _GNU_SOURCE
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "check.h"
#include "schema.h"
#include "output/output.h"
#include "output_fixture.h"

struct demo_event {
	struct bpfhost_event_header hdr;
	char path[64];
};

static const struct bpfhost_field demo_fields[] = {
	{ .name = "path", .type = BPFHOST_FIELD_STR,
	  BPFHOST_FIELD_AT(struct demo_event, path) },
};

static const struct bpfhost_event_schema demo_schema = {
	.name = "open", .size = sizeof(struct demo_event), .nfields = 1,
	.fields = demo_fields,
};

static const struct event_type demo_type = {
	.plugin = "demo", .schema = &demo_schema, .qname = "demo.open",
};

/*
 * One format under test: its options, where its rendering of path starts
 * (the part before is the same for every record but the sequenceId), how
 * a value ends, where its companion's hex starts, and whether control
 * characters become #ooo (a line sink: stdout or a file).
 */
struct format {
	const char *name;
	struct kv options[4];
	const char *value_key, *close, *hex_key;
	bool controls;
	struct pipeline p;
};

#define TCP { "format", "syslog" }, { "target", "tcp://127.0.0.1:6514" }
#define LINE { "format", "syslog" }, { "target", "stdout" }
#define SD .value_key = " path=\"", .close = "\"", .hex_key = " path_hex=\""
#define CEF .value_key = " filePath=", .close = "", \
	.hex_key = " bpfhost_path_hex="
#define LEEF .value_key = "\tbpfhost_path=", .close = "", \
	.hex_key = "\tbpfhost_path_hex="

static struct format formats[] = {
	{ .name = "json", .options = { { "format", "json" } },
	  .value_key = "\"path\":\"", .close = "\"}",
	  .hex_key = "\"path_hex\":\"" },
	{ .name = "sd", .options = { TCP }, SD },
	{ .name = "cef", .options = { TCP, { "syslog_payload", "cef" } }, CEF },
	{ .name = "leef", .options = { TCP, { "syslog_payload", "leef" } },
	  LEEF },
	{ .name = "sd on a line", .options = { LINE }, SD, .controls = true },
	{ .name = "cef on a line",
	  .options = { LINE, { "syslog_payload", "cef" } }, CEF,
	  .controls = true },
	{ .name = "leef on a line",
	  .options = { LINE, { "syslog_payload", "leef" } }, LEEF,
	  .controls = true },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static void configure(struct format *f)
{
	size_t n = 0;

	while (n < 4 && f->options[n].key)
		n++;
	CHECK(configure_output(&f->p, &demo_type, f->options, n) == 0);
}

/*
 * The path's rendering, value and companion, up to the end of the SD
 * element or of the message: the rest differs by sequenceId only.
 * Malloced.
 */
static char *render_path(struct format *f, const char *path, size_t n)
{
	struct demo_event e = { 0 };
	const char *msg, *start, *end;

	memcpy(e.path, path, n);
	msg = render_record(&f->p.outputs[0], &demo_type, &e, sizeof(e));
	start = strstr(msg, f->value_key);
	CHECK(start != NULL);
	if (!start)
		start = msg;
	/*
	 * SD: the element ends at the first ']' not escaped (a newline in
	 * the value goes raw to a network sink); the others at the end of
	 * the message, less a line's '\n'.
	 */
	for (end = start; *end; end++) {
		if (*end == '\\' && end[1])
			end++;
		else if (!strncmp(f->name, "sd", 2) && *end == ']')
			break;
	}
	if (!*end && end > start && end[-1] == '\n')
		end--;
	return strndup(start, end - start);
}

static int hex_digit(char c)
{
	const char *p = c ? strchr("0123456789abcdef", c) : NULL;

	return p ? (int)(p - "0123456789abcdef") : -1;
}

/* The bytes the companion's hex spells, or -1 when there is none. */
static ssize_t companion(const struct format *f, const char *r, char *buf,
			 size_t max)
{
	const char *h = strstr(r, f->hex_key);
	size_t n = 0;

	if (!h)
		return -1;
	for (h += strlen(f->hex_key);
	     n < max && hex_digit(h[0]) >= 0 && hex_digit(h[1]) >= 0; h += 2)
		buf[n++] = (char)(hex_digit(h[0]) << 4 | hex_digit(h[1]));
	return n;
}

/* What decoders trip on, besides random bytes; "#012" reads like '\n'. */
static const char *const pieces[] = {
	"\xef\xbf\xbd",		/* U+FFFD itself */
	"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",	/* overlong '/' */
	"\xc1\xbf",
	"\xed\xa0\x80", "\xed\xbf\xbf",	/* UTF-16 surrogates */
	"\xe2\x82", "\xf0\x9f\x98",	/* truncated */
	"\x80", "\xbf", "\xfe", "\xff", "\xf5\x80\x80\x80",
	"\xf4\x90\x80\x80",	/* past U+10FFFF */
	"\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",	/* valid */
	"a", "/", " ", "\"", "\\", "]", "=", "|", "\t", "\n", "\r", "#",
	"#012", "\x1b", "\x7f", "\xc2\x9b",
};

#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* A NUL-free string of pieces and random bytes, at most 63 bytes. */
static size_t random_string(char *buf)
{
	size_t n = 0, want = rng() % 9;

	for (size_t i = 0; i < want; i++) {
		const char *p = pieces[rng() % NPIECES];

		if (rng() % 4 == 0) {
			buf[n++] = (char)(1 + rng() % 255);
			continue;
		}
		memcpy(buf + n, p, strlen(p));
		n += strlen(p);
	}
	return n;
}

struct sample {
	char bytes[64];
	size_t n;
	char *shown;
};

static int by_shown(const void *a, const void *b)
{
	return strcmp(((const struct sample *)a)->shown,
		      ((const struct sample *)b)->shown);
}

#define NSAMPLES 4000

/* The issue's three names first, then random ones. */
static size_t fill_samples(struct sample *s)
{
	static const char *const fixed[] = { "a\xff", "a\xfe",
					     "a\xef\xbf\xbd" };
	size_t i;

	for (i = 0; i < 3; i++) {
		s[i].n = strlen(fixed[i]);
		memcpy(s[i].bytes, fixed[i], s[i].n);
	}
	for (; i < NSAMPLES; i++)
		s[i].n = random_string(s[i].bytes);
	return i;
}

static bool utf8_ok(const char *s, size_t n, bool controls)
{
	/* glibc's mbrtowc is a second opinion beside the host's decoder. */
	mbstate_t st = { 0 };
	size_t i = 0, k;
	wchar_t wc;

	while (i < n) {
		k = mbrtowc(&wc, s + i, n - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || !k ||
		    (wc >= 0xd800 && wc <= 0xdfff) || wc > 0x10ffff)
			return false;
		/* On a line, #ooo stands for C0, DEL and C1 controls. */
		if (controls && (wc < 0x20 || (wc >= 0x7f && wc < 0xa0)))
			return false;
		i += k;
	}
	return true;
}

static void test_distinct_and_decodable(void)
{
	static struct sample s[NSAMPLES];
	size_t n = fill_samples(s), companions = 0;
	char buf[64];

	for (size_t k = 0; k < NFORMATS; k++) {
		struct format *f = &formats[k];
		int before = check_failures;

		for (size_t i = 0; i < n; i++) {
			ssize_t got;

			s[i].shown = render_path(f, s[i].bytes, s[i].n);
			got = companion(f, s[i].shown, buf, sizeof(buf));
			/*
			 * A companion exactly when the bytes are not UTF-8,
			 * or hold a control character shown as #ooo.
			 */
			CHECK((got >= 0) ==
			      !utf8_ok(s[i].bytes, s[i].n, f->controls));

			if (got >= 0) {
				companions++;
				CHECK((size_t)got == s[i].n &&
				      !memcmp(buf, s[i].bytes, s[i].n));
			}
		}
		qsort(s, n, sizeof(s[0]), by_shown);
		for (size_t i = 1; i < n; i++)
			if (!strcmp(s[i - 1].shown, s[i].shown))
				CHECK(s[i - 1].n == s[i].n &&
				      !memcmp(s[i - 1].bytes, s[i].bytes,
					      s[i].n));
		for (size_t i = 0; i < n; i++)
			free(s[i].shown);
		printf("     %s: %zu strings\n", f->name, n);
		if (check_failures != before)
			fprintf(stderr, "     (in %s)\n", f->name);
	}
	CHECK(companions > n);	/* the fuzz did reach invalid strings */
}

/*
 * Valid UTF-8 with nothing any format escapes renders as its bytes, with
 * no companion: what ordinary records looked like before.
 */
static void test_valid_unchanged(void)
{
	static const char *const plain[] = {
		"a", "/", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
		"\xef\xbf\xbd", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "_",
	};
	char bytes[64], want[128];

	for (int round = 0; round < 500; round++) {
		size_t n = 0, parts = rng() % 8;

		for (size_t i = 0; i < parts; i++) {
			const char *p = plain[rng() % (sizeof(plain) /
						       sizeof(plain[0]))];

			memcpy(bytes + n, p, strlen(p));
			n += strlen(p);
		}
		for (size_t k = 0; k < NFORMATS; k++) {
			char *r = render_path(&formats[k], bytes, n);

			snprintf(want, sizeof(want), "%s%.*s%s",
				 formats[k].value_key, (int)n, bytes,
				 formats[k].close);
			CHECK_STR(r, want);
			free(r);
		}
	}
}

int main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	for (size_t k = 0; k < NFORMATS; k++)
		configure(&formats[k]);
	RUN(test_distinct_and_decodable);
	RUN(test_valid_unchanged);
	for (size_t k = 0; k < NFORMATS; k++)
		pipeline_free(&formats[k].p);
	return CHECK_EXIT();
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The INI reader: sections and keys with the FILE:LINE each came from, and
 * one clear line naming FILE:LINE for what it cannot read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "config.h"

static char dir[] = "/tmp/bpfhost-test-config-XXXXXX";
static char path[256];

static void write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(99);
	}
}

/* Load FILE as a config file, stderr caught into *msg. */
static int load_path(struct config *cfg, const char *file, const char **msg)
{
	int err;

	capture_begin();
	err = config_load(cfg, file);
	*msg = capture_end();
	return err;
}

/* Load LEN bytes of TEXT (NUL bytes included) as a config file. */
static int load_bytes(struct config *cfg, const char *text, size_t len,
		      const char **msg)
{
	write_file(text, len);
	return load_path(cfg, path, msg);
}

static int load(struct config *cfg, const char *text, const char **msg)
{
	return load_bytes(cfg, text, strlen(text), msg);
}

static char *at(int line)
{
	static char where[300];

	snprintf(where, sizeof(where), "%s:%d", path, line);
	return where;
}

static const struct config_entry *entry(const struct config *cfg,
					const char *sec, size_t i)
{
	const struct config_section *s = config_section(cfg, sec);

	return s && i < s->n ? &s->entries[i] : NULL;
}

static void check_entry(const struct config *cfg, const char *sec, size_t i,
			const char *key, const char *value, int line)
{
	const struct config_entry *e = entry(cfg, sec, i);

	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_STR(e->key, key);
	CHECK_STR(e->value, value);
	CHECK_STR(e->where, at(line));
}

/*
 * LEN bytes of TEXT must be refused: -EINVAL, one line naming FILE:LINE
 * and holding WANT, and nothing loaded.
 */
static void check_refused_bytes(const char *text, size_t len, int line,
				const char *want)
{
	struct config cfg;
	const char *msg;

	CHECK(load_bytes(&cfg, text, len, &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(!strncmp(msg, "bpfhost: ", 9));
	CHECK(strstr(msg, at(line)) != NULL);
	CHECK(strstr(msg, want) != NULL);
	if (!strstr(msg, at(line)) || !strstr(msg, want))
		fprintf(stderr, "  for %.60s: %s", text, msg);
	CHECK(!cfg.path && !cfg.sections && !cfg.n);
}

static void check_refused(const char *text, int line, const char *want)
{
	check_refused_bytes(text, strlen(text), line, want);
}

static void test_sections_keys_lines(void)
{
	struct config cfg;
	const char *msg;

	CHECK(load(&cfg,
		   "; a comment\n"				/* 1 */
		   "# another\n"				/* 2 */
		   "\n"						/* 3 */
		   "[bpfhost]\n"				/* 4 */
		   "plugins = filesnoop\n"			/* 5 */
		   "[filesnoop]\n"				/* 6 */
		   "path=/etc/hosts\n"				/* 7 */
		   "   path   =   /etc/shadow   \n"		/* 8 */
		   "comm = a b\n"				/* 9 */
		   "\n"						/* 10 */
		   "[output]\n"					/* 11 */
		   "format = json\n"				/* 12 */
		   "[filesnoop]\n"				/* 13 */
		   "prefix = /tmp/\n",				/* 14 */
		   &msg) == 0);
	CHECK_STR(msg, "");
	CHECK(cfg.n == 3);
	CHECK(config_section(&cfg, "nosuch") == NULL);
	check_entry(&cfg, "bpfhost", 0, "plugins", "filesnoop", 5);
	check_entry(&cfg, "filesnoop", 0, "path", "/etc/hosts", 7);
	check_entry(&cfg, "filesnoop", 1, "path", "/etc/shadow", 8);
	check_entry(&cfg, "filesnoop", 2, "comm", "a b", 9);
	/* A section opened twice is one section, in file order. */
	check_entry(&cfg, "filesnoop", 3, "prefix", "/tmp/", 14);
	check_entry(&cfg, "output", 0, "format", "json", 12);
	CHECK(config_section(&cfg, "filesnoop")->n == 4);
	CHECK_STR(config_section(&cfg, "bpfhost")->where, at(4));
	CHECK_STR(config_section(&cfg, "filesnoop")->where, at(6));
	CHECK_STR(config_section(&cfg, "output")->where, at(11));
	config_free(&cfg);
}

static void test_no_final_newline_and_crlf(void)
{
	struct config cfg;
	const char *msg;

	CHECK(load(&cfg, "[a]\r\nx = 1\r\n\r\ny = 2", &msg) == 0);
	check_entry(&cfg, "a", 0, "x", "1", 2);
	check_entry(&cfg, "a", 1, "y", "2", 4);
	config_free(&cfg);

	CHECK(load(&cfg, "", &msg) == 0);
	CHECK(cfg.n == 0);
	config_free(&cfg);
}

static void test_indented_keys(void)
{
	struct config cfg;
	const char *msg;

	/* Indenting keys under their section is common style, not a
	 * continuation of the key before. */
	CHECK(load(&cfg, "[filesnoop]\n  path = /a\n  prefix = /b\n", &msg) == 0);
	check_entry(&cfg, "filesnoop", 0, "path", "/a", 2);
	check_entry(&cfg, "filesnoop", 1, "prefix", "/b", 3);
	CHECK(config_section(&cfg, "filesnoop") &&
	      config_section(&cfg, "filesnoop")->n == 2);
	config_free(&cfg);
}

static void test_long_lines(void)
{
	static char text[12000], value[8192];
	struct config cfg;
	const char *msg;

	/* A path filter may be 254 bytes, a path 4095: lines that long. */
	value[0] = '/';
	memset(value + 1, 'a', 4094);
	value[4095] = '\0';
	snprintf(text, sizeof(text),
		 "[filesnoop]\npath = %.254s\npath = %s\nprefix = /x\n", value,
		 value);
	CHECK(load(&cfg, text, &msg) == 0);
	CHECK_STR(msg, "");
	CHECK(entry(&cfg, "filesnoop", 0) &&
	      strlen(entry(&cfg, "filesnoop", 0)->value) == 254 &&
	      !strcmp(entry(&cfg, "filesnoop", 0)->where, at(2)));
	CHECK(entry(&cfg, "filesnoop", 1) &&
	      !strcmp(entry(&cfg, "filesnoop", 1)->value, value));
	check_entry(&cfg, "filesnoop", 2, "prefix", "/x", 4);
	CHECK(config_section(&cfg, "filesnoop") &&
	      config_section(&cfg, "filesnoop")->n == 3);
	config_free(&cfg);

	/* And a mistake after a long line is reported on its own line. */
	snprintf(text, sizeof(text), "[filesnoop]\npath = %.300s\nbroken\n",
		 value);
	CHECK(load(&cfg, text, &msg) == -EINVAL);
	CHECK(strstr(msg, at(3)) != NULL);
	config_free(&cfg);
}

static void test_key_outside_section(void)
{
	struct config cfg;
	const char *msg;

	CHECK(load(&cfg, "; top\n\nformat = json\n[output]\n", &msg) ==
	      -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(!strncmp(msg, "bpfhost: ", 9));
	CHECK(strstr(msg, at(3)) != NULL);
	CHECK(strstr(msg, "format") != NULL);
	CHECK(strstr(msg, "outside any section") != NULL);
	config_free(&cfg);
}

static void test_syntax_error_line(void)
{
	struct config cfg;
	const char *msg;

	CHECK(load(&cfg, "[a]\nx = 1\n\nthis line has no equals\ny = 2\n",
		   &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, at(4)) != NULL);
	CHECK(strstr(msg, "syntax error") != NULL);
	CHECK(!cfg.path && !cfg.sections && !cfg.n);

	CHECK(load(&cfg, "[a]\n[unclosed\n", &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, at(2)) != NULL);
	config_free(&cfg);

	/* An unclosed header: that line, not the keys below it. */
	CHECK(load(&cfg, "[a\nx = 1\n", &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, at(1)) != NULL);
	config_free(&cfg);

	/* Two mistakes: the first is the one reported. */
	CHECK(load(&cfg, "[a]\nbad one\nbad two\n", &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, at(2)) != NULL);
	config_free(&cfg);
}

/*
 * A line over the limit is refused, never split: split at 8191 bytes, this
 * comment's tail would be a line of its own, setting plugins.
 */
static void test_long_line_refused(void)
{
	static char text[3 * 8192], value[8191 - 4 + 1];
	struct config cfg;
	const char *msg;
	int n;

	n = snprintf(text, sizeof(text), "[bpfhost]\n;%8190s", "");
	snprintf(text + n, sizeof(text) - n, "plugins = utsname\n");
	check_refused(text, 2, "longer than 8191 bytes");

	/* 8191 bytes is the limit, with LF or CRLF after it or neither. */
	memset(value, 'v', sizeof(value) - 1);
	n = snprintf(text, sizeof(text), "[a]\nx = %s", value);
	CHECK(n == 4 + 8191);
	for (int i = 0; i < 3; i++) {
		text[n] = '\0';
		strcat(text, (const char *[]){ "", "\n", "\r\n" }[i]);
		CHECK(load(&cfg, text, &msg) == 0);
		CHECK_STR(msg, "");
		check_entry(&cfg, "a", 0, "x", value, 2);
		config_free(&cfg);
	}
	text[n] = '\0';
	strcat(text, "/\r\n");
	check_refused(text, 2, "longer than 8191 bytes");
	text[n] = '\0';
	strcat(text, "/");
	check_refused(text, 2, "longer than 8191 bytes");
}

static void test_text_after_bracket(void)
{
	check_refused("[bpfhost] plugins = utsname\n", 1, "after ']'");
	check_refused("; c\n[a]]\n", 2, "after ']'");
	check_refused("[a] ; the a section\n", 1, "after ']'");
	check_refused("[a]\nx = 1\n[b]x = 2\n", 3, "after ']'");
}

/* Old Mac files (CR alone) are refused at the first line they break. */
static void test_lone_carriage_return(void)
{
	check_refused("[filesnoop]\rpid = 1\r", 1, "carriage return");
	check_refused("[a]\nx = 1\ry = 2\n", 2, "carriage return");
	check_refused("[a]\nx = 1\r\r\n", 2, "carriage return");
}

static void test_nul_and_control_bytes(void)
{
	struct config cfg;
	const char *msg;

#define NUL_TEXT(s) s, sizeof(s) - 1
	check_refused_bytes(NUL_TEXT("[a]\nx = ab\0cd\n"), 2, "NUL byte");
	check_refused_bytes(NUL_TEXT("[a]\0\nx = 1\n"), 1, "NUL byte");
	check_refused_bytes(NUL_TEXT("[a]\nx = 1\n\0"), 3, "NUL byte");
#undef NUL_TEXT
	check_refused("[a]\nx = \x1b[31mred\n", 2, "control character 0x1b");
	check_refused("[a]\nx = del\x7f\n", 2, "control character 0x7f");
	/* A tab is a blank. */
	CHECK(load(&cfg, "[a]\n\tx\t=\t1 2\t\n", &msg) == 0);
	check_entry(&cfg, "a", 0, "x", "1 2", 2);
	config_free(&cfg);
}

/* Every section is there from its header, keys or not: the owner checks it. */
static void test_sections_without_keys(void)
{
	struct config cfg;
	const char *msg;

	const struct config_section *a, *c;

	CHECK(load(&cfg, "[a]\n[b]\nx = 1\n; c\n[c]\n", &msg) == 0);
	CHECK(cfg.n == 3);
	a = config_section(&cfg, "a");
	c = config_section(&cfg, "c");
	CHECK(a && a->n == 0 && !strcmp(a->where, at(1)));
	CHECK(c && c->n == 0 && !strcmp(c->where, at(5)));
	check_entry(&cfg, "b", 0, "x", "1", 3);
	config_free(&cfg);
}

/* 256 sections load, opened any number of times; the 257th is refused. */
static void check_too_many_sections(void)
{
	static char text[256 * 2 * 8 + 16];
	struct config cfg;
	const char *msg;
	int n = 0;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 256; i++)
			n += snprintf(text + n, sizeof(text) - n, "[s%d]\n", i);
	CHECK(load(&cfg, text, &msg) == 0 && cfg.n == 256);
	config_free(&cfg);
	snprintf(text + n, sizeof(text) - n, "[s256]\n");
	check_refused(text, 513, "more than 256 sections");
}

static void test_section_names(void)
{
	static const char *const bad[] = { "[output.]", "[]", "[.x]", "[a..b]",
					   "[ a ]", "[a b]", "[a/b]", "[a=b]",
					   "[\xc3\xa9]" };
	struct config cfg;
	const char *msg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "[bpfhost]\n%s\n", bad[i]);
		check_refused(text, 2, "section name");
	}
	check_refused("[a\n", 1, "without ']'");
	check_too_many_sections();
	CHECK(load(&cfg, "[output.siem-1]\n[Out_2.x.y]\n", &msg) == 0);
	CHECK(config_section(&cfg, "output.siem-1") != NULL);
	CHECK(config_section(&cfg, "Out_2.x.y") != NULL);
	config_free(&cfg);
}

static void test_keys_and_values(void)
{
	struct config cfg;
	const char *msg;

	check_refused("[a]\n= 1\n", 2, "bad key");
	check_refused("[a]\nx y = 1\n", 2, "bad key");
	/* "key: value" (Python's configparser) is not this grammar. */
	check_refused("[a]\nx: 1\n", 2, "syntax error");
	/* A comment after a value would be read as part of it: refused. */
	check_refused("[a]\nx = 1 ; one\n", 2, "own line");
	check_refused("[a]\nx = 1\t# one\n", 2, "own line");
	check_refused("[a]\nx = ; unset\n", 2, "own line");
	/* Elsewhere ; and # are the value's own, and a value may be empty. */
	CHECK(load(&cfg, "[a]\nx = a;b#c\ny =\nz = ==\n", &msg) == 0);
	check_entry(&cfg, "a", 0, "x", "a;b#c", 2);
	check_entry(&cfg, "a", 1, "y", "", 3);
	check_entry(&cfg, "a", 2, "z", "==", 4);
	config_free(&cfg);
	/* A UTF-8 byte order mark, as some editors write, is skipped. */
	CHECK(load(&cfg, "\xef\xbb\xbf[a]\nx = 1\n", &msg) == 0);
	check_entry(&cfg, "a", 0, "x", "1", 2);
	config_free(&cfg);
}

/*
 * Refused with one line naming the file and WANT, at once: the alarm kills
 * the test should the load hang or spin (reading /dev/zero never ends, and
 * opening a FIFO with no writer blocks).
 */
static void check_not_loaded(const char *file, int want_err, const char *want)
{
	struct config cfg;
	const char *msg;
	int err;

	alarm(10);
	err = load_path(&cfg, file, &msg);
	alarm(0);
	CHECK(err == want_err);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, file) != NULL);
	CHECK(strstr(msg, want) != NULL);
	if (!strstr(msg, want))
		fprintf(stderr, "  for %s: %s", file, msg);
	CHECK(!cfg.path && !cfg.sections && !cfg.n);
}

/* Only a regular file, and no device or FIFO opened to find out. */
static void test_not_a_regular_file(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char fifo[300], link[300];
	struct config cfg;
	const char *msg;
	int fd;

	check_not_loaded("/dev/zero", -EINVAL, "is a character device, not a regular file");
	check_not_loaded("/dev/null", -EINVAL, "is a character device");
	check_not_loaded(dir, -EINVAL, "is a directory");

	snprintf(fifo, sizeof(fifo), "%s/fifo.ini", dir);
	CHECK(!mkfifo(fifo, 0600));
	check_not_loaded(fifo, -EINVAL, "is a FIFO");
	unlink(fifo);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock.ini", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	check_not_loaded(sun.sun_path, -EINVAL, "is a socket");
	close(fd);
	unlink(sun.sun_path);

	/* A symbolic link to a regular file is that file. */
	write_file("[a]\n", 4);
	snprintf(link, sizeof(link), "%s/link.ini", dir);
	CHECK(!symlink(path, link));
	CHECK(load_path(&cfg, link, &msg) == 0 && cfg.n == 1);
	config_free(&cfg);
	unlink(link);
}

/* At most 1 MiB, by its size or, for /proc files that say 0, by reading. */
static void test_size_bound(void)
{
	static char text[1024 * 1024 + 1];
	struct config cfg;
	const char *msg;

	memset(text, '\n', sizeof(text));
	memcpy(text, "[a]\n", 4);
	CHECK(load_bytes(&cfg, text, sizeof(text) - 1, &msg) == 0);
	CHECK_STR(msg, "");
	config_free(&cfg);
	write_file(text, sizeof(text));
	check_not_loaded(path, -EFBIG, "larger than 1048576 bytes");
	CHECK(!truncate(path, 1L << 40));
	check_not_loaded(path, -EFBIG, "larger than 1048576 bytes");
	CHECK(!truncate(path, 0));
	if (!access("/proc/kallsyms", R_OK))
		check_not_loaded("/proc/kallsyms", -EFBIG,
				 "larger than 1048576 bytes");
}

static void test_missing_file(void)
{
	struct config cfg;
	int err;
	const char *msg;

	capture_begin();
	err = config_load(&cfg, "/nonexistent/bpfhost.ini");
	msg = capture_end();
	CHECK(err == -ENOENT);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, "/nonexistent/bpfhost.ini") != NULL);
	CHECK(strstr(msg, "No such file or directory") != NULL);
	/* A failed load leaves nothing for the caller to free. */
	CHECK(!cfg.path && !cfg.sections && !cfg.n);

	/* A directory is not a config file either. */
	capture_begin();
	err = config_load(&cfg, dir);
	msg = capture_end();
	CHECK(err < 0);
	CHECK(count_lines(msg) == 1 && strstr(msg, dir));
	config_free(&cfg);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(path, sizeof(path), "%s/test.ini", dir);
	RUN(test_sections_keys_lines);
	RUN(test_no_final_newline_and_crlf);
	RUN(test_indented_keys);
	RUN(test_long_lines);
	RUN(test_key_outside_section);
	RUN(test_syntax_error_line);
	RUN(test_long_line_refused);
	RUN(test_text_after_bracket);
	RUN(test_lone_carriage_return);
	RUN(test_nul_and_control_bytes);
	RUN(test_sections_without_keys);
	RUN(test_section_names);
	RUN(test_keys_and_values);
	RUN(test_not_a_regular_file);
	RUN(test_size_bound);
	RUN(test_missing_file);
	unlink(path);
	rmdir(dir);
	return CHECK_EXIT();
}

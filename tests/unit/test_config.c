// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The INI reader: sections and keys with the FILE:LINE each came from, and
 * one clear line naming FILE:LINE for what it cannot read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "config.h"

static char dir[] = "/tmp/bpfhost-test-config-XXXXXX";
static char path[256];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(99);
	}
}

/* Load text as a config file, stderr caught into *msg. */
static int load(struct config *cfg, const char *text, const char **msg)
{
	int err;

	write_file(text);
	capture_begin();
	err = config_load(cfg, path);
	*msg = capture_end();
	return err;
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
	RUN(test_missing_file);
	unlink(path);
	rmdir(dir);
	return CHECK_EXIT();
}

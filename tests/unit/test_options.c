// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Option validation against declared options: every type, ranges, MULTI,
 * the command line over the config, a single key given twice, defaults,
 * and the one-line messages a person reads.
 */
#include <errno.h>
#include <stdlib.h>

#include "capture.h"
#include "check.h"
#include "options.h"

static const struct bpfhost_option decls[] = {
	{ .name = "verbose", .type = BPFHOST_OPT_BOOL, .def = "no",
	  .help = "say more" },
	{ .name = "port", .type = BPFHOST_OPT_INT, .min = 1, .max = 65535,
	  .help = "a port" },
	{ .name = "offset", .type = BPFHOST_OPT_INT, .min = -10, .max = 10,
	  .def = "3", .help = "signed" },
	{ .name = "wide", .type = BPFHOST_OPT_INT, .min = 0,
	  .max = 4294967294, .help = "past 32 bits" },
	{ .name = "name", .type = BPFHOST_OPT_STRING, .min = 1, .max = 8,
	  .help = "a short name" },
	{ .name = "mode", .type = BPFHOST_OPT_ENUM, .def = "auto",
	  .choices = "auto|native|generic", .help = "how" },
	{ .name = "path", .type = BPFHOST_OPT_STRING, .flags = BPFHOST_OPT_MULTI,
	  .min = 1, .help = "a path" },
};
#define NDECLS (sizeof(decls) / sizeof(decls[0]))

static const struct bpfhost_option *decl(const char *name)
{
	for (size_t i = 0; i < NDECLS; i++)
		if (!strcmp(decls[i].name, name))
			return &decls[i];
	abort();
}

static bool valid(const char *name, const char *value)
{
	char why[256];

	return option_value_valid(decl(name), value, why, sizeof(why));
}

static void test_bool(void)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES",
					   "True" };
	static const char *const no[] = { "no", "false", "off", "0", "No" };
	static const char *const bad[] = { "", "2", "y", "yess", "enable",
					   " yes", "yes " };
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(option_parse_bool(yes[i], &b) && b);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(option_parse_bool(no[i], &b) && !b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!valid("verbose", bad[i]));
}

static void test_int(void)
{
	char why[256] = "";

	CHECK(valid("port", "1"));
	CHECK(valid("port", "65535"));
	CHECK(valid("port", "0x50"));
	CHECK(!valid("port", "0"));
	CHECK(!valid("port", "65536"));
	CHECK(!valid("port", "-1"));
	CHECK(!valid("port", "abc"));
	CHECK(!valid("port", ""));
	CHECK(!valid("port", "80x"));
	CHECK(!valid("port", "8 0"));
	CHECK(!valid("port", "1.5"));
	CHECK(!valid("port", "99999999999999999999999"));	/* overflow */
	CHECK(valid("offset", "-10"));
	CHECK(valid("offset", "10"));
	CHECK(!valid("offset", "-11"));
	CHECK(valid("wide", "4294967294"));
	CHECK(!valid("wide", "4294967295"));

	CHECK(!option_value_valid(decl("port"), "70000", why, sizeof(why)));
	CHECK_STR(why, "expected 1 to 65535");
	CHECK(!option_value_valid(decl("port"), "x", why, sizeof(why)));
	CHECK_STR(why, "expected an integer");
}

static void test_string_and_enum(void)
{
	char why[256] = "";

	CHECK(valid("name", "a"));
	CHECK(valid("name", "12345678"));
	CHECK(!valid("name", ""));
	CHECK(!valid("name", "123456789"));
	CHECK(valid("mode", "auto"));
	CHECK(valid("mode", "native"));
	CHECK(valid("mode", "generic"));
	CHECK(!valid("mode", "nat"));
	CHECK(!valid("mode", "autox"));
	CHECK(!valid("mode", "auto|native"));
	CHECK(!valid("mode", ""));
	CHECK(!option_value_valid(decl("mode"), "x", why, sizeof(why)));
	CHECK_STR(why, "expected one of auto|native|generic");
	CHECK_STR(option_type_name(decl("mode")), "auto|native|generic");
	CHECK_STR(option_type_name(decl("port")), "int");
}

static struct optset set;

static void fresh_set(void)
{
	optset_free(&set);
	CHECK(optset_init(&set, "demo", decls, NDECLS) == 0);
}

/* optset_set with stderr caught: returns the call's result. */
static int set_caught(const char *key, const char *value, const char *where,
		      bool cli, const char **msg)
{
	int err;

	capture_begin();
	err = optset_set(&set, key, value, where, cli);
	*msg = capture_end();
	return err;
}

static void test_defaults(void)
{
	fresh_set();
	CHECK(optset_count(&set, "verbose") == 0);
	optset_apply_defaults(&set);
	CHECK(optset_count(&set, "verbose") == 1);
	CHECK(!optset_bool(&set, "verbose"));
	CHECK(optset_int(&set, "offset", 0) == 3);
	CHECK_STR(optset_str(&set, "mode", 0), "auto");
	/* No default: stays unset, and reads as absent. */
	CHECK(optset_count(&set, "port") == 0);
	CHECK(optset_str(&set, "port", 0) == NULL);
	CHECK(optset_count(&set, "path") == 0);
	CHECK(optset_count(&set, "no_such_key") == 0);

	/* A value given replaces the default. */
	fresh_set();
	CHECK(optset_set(&set, "offset", "-7", "t.ini:3", false) == 0);
	CHECK(optset_set(&set, "verbose", "on", "t.ini:4", false) == 0);
	optset_apply_defaults(&set);
	CHECK(optset_count(&set, "offset") == 1);
	CHECK(optset_int(&set, "offset", 0) == -7);
	CHECK(optset_bool(&set, "verbose"));
	CHECK(optset_int(&set, "wide", 0) == 0);
}

static void test_values_read_back(void)
{
	fresh_set();
	CHECK(optset_set(&set, "port", "0x1f90", "-o", true) == 0);
	CHECK(optset_set(&set, "wide", "4294967294", "-o", true) == 0);
	CHECK(optset_int(&set, "port", 0) == 8080);
	CHECK(optset_int(&set, "wide", 0) == 4294967294ll);
	CHECK(optset_int(&set, "port", 1) == 0);	/* past the values */
}

static void test_errors_name_where(void)
{
	const char *msg;

	fresh_set();
	CHECK(set_caught("port", "abc", "conf.ini:7", false, &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, "conf.ini:7") != NULL);
	CHECK(strstr(msg, "demo.port") != NULL);
	CHECK(strstr(msg, "abc") != NULL);
	CHECK(strstr(msg, "expected an integer") != NULL);
	CHECK(optset_count(&set, "port") == 0);

	CHECK(set_caught("colour", "red", "-o", true, &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, "-o") && strstr(msg, "colour"));
	/* The message lists what is valid. */
	CHECK(strstr(msg, "port") && strstr(msg, "path"));

	CHECK(set_caught("port", "70000", "-o", true, &msg) == -EINVAL);
	CHECK(strstr(msg, "1 to 65535") != NULL);
}

static void test_single_key_twice(void)
{
	const char *msg;

	fresh_set();
	CHECK(optset_set(&set, "port", "80", "a.ini:2", false) == 0);
	CHECK(set_caught("port", "81", "a.ini:5", false, &msg) == -EINVAL);
	CHECK(count_lines(msg) == 1);
	CHECK(strstr(msg, "a.ini:5") && strstr(msg, "twice"));
	CHECK(optset_int(&set, "port", 0) == 80);

	fresh_set();
	CHECK(optset_set(&set, "port", "80", "-o", true) == 0);
	CHECK(set_caught("port", "81", "-o", true, &msg) == -EINVAL);
	CHECK(strstr(msg, "twice") != NULL);
}

static void test_multi(void)
{
	const char *msg;

	fresh_set();
	CHECK(optset_set(&set, "path", "/a", "a.ini:2", false) == 0);
	CHECK(optset_set(&set, "path", "/b", "a.ini:3", false) == 0);
	CHECK(optset_set(&set, "path", "/c", "a.ini:4", false) == 0);
	CHECK(optset_count(&set, "path") == 3);
	CHECK_STR(optset_str(&set, "path", 0), "/a");
	CHECK_STR(optset_str(&set, "path", 2), "/c");
	CHECK(optset_str(&set, "path", 3) == NULL);
	CHECK(set_caught("path", "", "a.ini:5", false, &msg) == -EINVAL);
	CHECK(optset_count(&set, "path") == 3);
}

static void test_cli_over_config(void)
{
	fresh_set();
	/* The config first, as the host applies it. */
	CHECK(optset_set(&set, "port", "80", "a.ini:2", false) == 0);
	CHECK(optset_set(&set, "path", "/a", "a.ini:3", false) == 0);
	CHECK(optset_set(&set, "path", "/b", "a.ini:4", false) == 0);
	CHECK(optset_set(&set, "mode", "native", "a.ini:5", false) == 0);

	/* -o replaces the config's value: not "given twice". */
	CHECK(optset_set(&set, "port", "443", "-o", true) == 0);
	CHECK(optset_count(&set, "port") == 1);
	CHECK(optset_int(&set, "port", 0) == 443);

	/* -o replaces all of a MULTI key's config values, then adds up. */
	CHECK(optset_set(&set, "path", "/x", "-o", true) == 0);
	CHECK(optset_set(&set, "path", "/y", "-o", true) == 0);
	CHECK(optset_count(&set, "path") == 2);
	CHECK_STR(optset_str(&set, "path", 0), "/x");
	CHECK_STR(optset_str(&set, "path", 1), "/y");

	/* Keys the command line did not touch keep the config's value. */
	optset_apply_defaults(&set);
	CHECK_STR(optset_str(&set, "mode", 0), "native");

	/* A config value read after -o does not undo the override. */
	CHECK(optset_set(&set, "port", "8080", "b.ini:2", false) == 0);
	CHECK(optset_int(&set, "port", 0) == 443);
	CHECK(optset_count(&set, "port") == 1);
}

static void test_help(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	options_print_help(f, decls, NDECLS);
	fclose(f);
	CHECK(count_lines(text) == (int)NDECLS);
	for (size_t i = 0; i < NDECLS; i++)
		CHECK(strstr(text, decls[i].name) && strstr(text, decls[i].help));
	CHECK(strstr(text, "[default: auto]") != NULL);
	CHECK(strstr(text, "auto|native|generic") != NULL);
	CHECK(strstr(text, "(repeatable)") != NULL);
	free(text);
}

int main(void)
{
	RUN(test_bool);
	RUN(test_int);
	RUN(test_string_and_enum);
	RUN(test_defaults);
	RUN(test_values_read_back);
	RUN(test_errors_name_where);
	RUN(test_single_key_twice);
	RUN(test_multi);
	RUN(test_cli_over_config);
	RUN(test_help);
	optset_free(&set);
	return CHECK_EXIT();
}

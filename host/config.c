// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "log.h"

/* Longest line read whole: a key, " = " and a PATH_MAX path, with room. */
#define CONFIG_MAX_LINE 8192

struct parse_state {
	struct config *cfg;
	FILE *file;
	int line;		/* of the last line read: the one being handled */
	int section_line;	/* of the last [section] header */
	int err;
};

/* inih does not pass line numbers to the handler: count them here. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	char *s = fgets(str, num, ps->file);

	const char *p = s;

	if (s && (strchr(s, '\n') || feof(ps->file)))
		ps->line++;
	while (p && (*p == ' ' || *p == '\t'))
		p++;
	if (p && *p == '[')
		ps->section_line = ps->line;
	return s;
}

static char *where_string(const struct parse_state *ps, int line)
{
	char *where;

	if (asprintf(&where, "%s:%d", ps->cfg->path, line) < 0)
		return NULL;
	return where;
}

struct config_section *config_section(const struct config *cfg,
				      const char *name)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->sections[i].name, name))
			return &cfg->sections[i];
	return NULL;
}

static struct config_section *add_section(struct parse_state *ps,
					  const char *name)
{
	struct config *cfg = ps->cfg;
	struct config_section *sec = config_section(cfg, name), *secs;

	if (sec)
		return sec;
	secs = realloc(cfg->sections, (cfg->n + 1) * sizeof(*secs));
	if (!secs)
		return NULL;
	cfg->sections = secs;
	sec = &secs[cfg->n];
	*sec = (struct config_section){ .name = strdup(name),
					.where = where_string(ps, ps->section_line) };
	if (!sec->name || !sec->where) {
		free(sec->name);
		free(sec->where);
		return NULL;
	}
	cfg->n++;
	return sec;
}

static int add_entry(struct config_section *sec, struct parse_state *ps,
		     const char *key, const char *value)
{
	struct config_entry *e = realloc(sec->entries,
					 (sec->n + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	sec->entries = e;
	e = &e[sec->n];
	e->key = strdup(key);
	e->value = strdup(value);
	e->where = where_string(ps, ps->line);
	if (!e->key || !e->value || !e->where) {
		free(e->key);
		free(e->value);
		free(e->where);
		return -ENOMEM;
	}
	sec->n++;
	return 0;
}

static int on_entry(void *user, const char *section, const char *key,
		    const char *value)
{
	struct parse_state *ps = user;
	struct config_section *sec;

	if (!*section) {
		log_error("%s:%d: '%s' is outside any section; put it under [bpfhost], [output] or a plugin's [NAME]",
			  ps->cfg->path, ps->line, key ? key : "");
		ps->err = -EINVAL;
		return 0;
	}
	sec = add_section(ps, section);
	if (!sec || (key && add_entry(sec, ps, key, value ? value : ""))) {
		ps->err = -ENOMEM;
		return 0;
	}
	return 1;
}

static int config_read(struct config *cfg, const char *path)
{
	struct parse_state ps = { .cfg = cfg };
	int line;

	*cfg = (struct config){ 0 };
	cfg->path = strdup(path);
	if (!cfg->path)
		return -ENOMEM;
	ps.file = fopen(path, "re");
	if (!ps.file) {
		int err = -errno;

		log_error("cannot read config file %s: %s", path,
			  strerror(-err));
		return err;
	}
	/*
	 * Debian's inih reads into a 200-byte line and joins an indented line
	 * to the value above it: let a line hold a 4096-byte path, and an
	 * indented key be a key.  Stop at the first mistake: the lines after
	 * it are read wrongly ("[sect" leaves the keys below outside any).
	 */
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONFIG_MAX_LINE;
	line = ini_parse_stream(read_line, &ps, on_entry, &ps);
	if (!ps.err && ferror(ps.file)) {
		/* fgets() kept errno: EISDIR for a directory, EIO, ... */
		ps.err = -errno;
		log_error("cannot read config file %s: %s", path,
			  strerror(errno));
	}
	fclose(ps.file);
	if (ps.err)
		return ps.err;
	if (line) {
		log_error("%s:%d: syntax error: expected [section], key = value, or a ; comment",
			  path, line);
		return -EINVAL;
	}
	return 0;
}

int config_load(struct config *cfg, const char *path)
{
	int err = config_read(cfg, path);

	/* On failure nothing is left for the caller to free. */
	if (err)
		config_free(cfg);
	return err;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++) {
		struct config_section *sec = &cfg->sections[i];

		for (size_t j = 0; j < sec->n; j++) {
			free(sec->entries[j].key);
			free(sec->entries[j].value);
			free(sec->entries[j].where);
		}
		free(sec->entries);
		free(sec->name);
		free(sec->where);
	}
	free(cfg->sections);
	free(cfg->path);
	*cfg = (struct config){ 0 };
}

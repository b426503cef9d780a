/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Option values for one owner (a plugin, or a section of the host's own
 * config), validated against the owner's declared options.  The same table
 * drives validation, defaults and --help, for plugins and for the host.
 */
#ifndef BPFHOST_OPTIONS_H
#define BPFHOST_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpfhost/plugin.h>

struct opt_slot {
	const struct bpfhost_option *decl;
	char **values;
	unsigned int n;
	bool from_cli;		/* the command line replaced the config's values */
};

struct optset {
	char *owner;		/* "filesnoop", "output": for messages */
	struct opt_slot *slots;
	unsigned int n;
};

int optset_init(struct optset *set, const char *owner,
		const struct bpfhost_option *decls, unsigned int n);
void optset_free(struct optset *set);

/*
 * Set key = value from where ("FILE:LINE" or "-o").  A command-line value
 * replaces the config's values for that key.  A single-valued key given
 * twice in one place is an error.  On error prints one line and returns
 * -EINVAL.
 */
int optset_set(struct optset *set, const char *key, const char *value,
	       const char *where, bool cli);
/* Give every option still without a value its default. */
void optset_apply_defaults(struct optset *set);

/* Check value against decl; false with a reason in why. */
bool option_value_valid(const struct bpfhost_option *decl, const char *value,
			char *why, size_t whylen);
bool option_parse_bool(const char *value, bool *out);

unsigned int optset_count(const struct optset *set, const char *name);
const char *optset_str(const struct optset *set, const char *name,
		       unsigned int idx);
int64_t optset_int(const struct optset *set, const char *name,
		   unsigned int idx);
bool optset_bool(const struct optset *set, const char *name);

/* One line per option: name, type, default, help. */
void options_print_help(FILE *out, const struct bpfhost_option *decls,
			unsigned int n);
/* "bool", "int", "string", "auto|native|generic" */
const char *option_type_name(const struct bpfhost_option *decl);

#endif

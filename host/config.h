/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The INI file, read into sections of key = value entries, each remembering
 * FILE:LINE; the grammar is at the top of config.c.  What the keys mean is decided by the section's
 * owner ([bpfhost], [output], [output.NAME], or a plugin's [NAME]), which
 * validates them against its declared options.
 */
#ifndef BPFHOST_CONFIG_H
#define BPFHOST_CONFIG_H

#include <stddef.h>

struct config_entry {
	char *key;
	char *value;
	char *where;		/* "FILE:LINE" */
};

struct config_section {
	char *name;
	char *where;		/* where it first appeared */
	struct config_entry *entries;
	size_t n;
};

struct config {
	char *path;
	struct config_section *sections;
	size_t n;
};

/*
 * Returns 0, or -errno after printing one line (missing file, not a regular
 * file, too large, a line that breaks the grammar); -ENOMEM is not printed.
 * A section appears in CFG from its [header] on, with or without keys.
 */
int config_load(struct config *cfg, const char *path);
void config_free(struct config *cfg);
struct config_section *config_section(const struct config *cfg,
				      const char *name);

#endif

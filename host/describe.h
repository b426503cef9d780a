/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpfhost --describe NAME: a loaded plugin's options and event schemas, as
 * text for people or as one JSON object for mapping fields in a SIEM.
 */
#ifndef BPFHOST_DESCRIBE_H
#define BPFHOST_DESCRIBE_H

#include <stdbool.h>
#include <stdio.h>

#include "plugin.h"

/* Returns 0, or -ENOMEM / -EIO when the description could not be written. */
int describe_plugin(FILE *out, const struct plugin *p, bool json);

#endif

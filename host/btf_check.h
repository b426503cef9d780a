/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cross-check a plugin's declared event schemas against the BTF of its own
 * embedded BPF object: a schema that drifted from the struct the BPF side
 * fills would render garbage, so it is refused at load, naming the field.
 */
#ifndef BPFHOST_BTF_CHECK_H
#define BPFHOST_BTF_CHECK_H

#include <stddef.h>

#include <bpfhost/plugin.h>

/*
 * For every event schema naming a btf_struct: the struct in the object's
 * BTF must have the schema's size, and each field must match a member (at
 * any depth) with the same offset and size; names may differ.  A plugin
 * without ops->bpf_object, or a schema without btf_struct, is not checked;
 * a struct missing from the BTF is warned about, not refused.  Returns 0,
 * or -EINVAL with one sentence in why.
 */
int btf_check_schemas(const struct bpfhost_plugin_ops *ops, char *why,
		      size_t whylen);

#endif

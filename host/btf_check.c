// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_check.h"
#include "log.h"

/* The innermost member covering a field's first byte, for the message. */
struct near {
	const char *name;
	uint32_t offset;
	uint32_t size;
};

/*
 * True when the struct or union type_id, placed at base, has a member at
 * offset with exactly size bytes, looking into nested structs and unions.
 */
static bool member_matches(const struct btf *btf, uint32_t type_id,
			   uint32_t base, uint32_t offset, uint32_t size,
			   struct near *near)
{
	const struct btf_type *t;
	const struct btf_member *m;

	t = btf__type_by_id(btf, btf__resolve_type(btf, type_id));
	if (!t || !btf_is_composite(t))
		return false;
	m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t bits = btf_member_bit_offset(t, i);
		uint32_t at = base + bits / 8;
		long long msize = btf__resolve_size(btf, m->type);

		/* Bit fields cannot be described by a byte-sized field. */
		if (msize <= 0 || bits % 8 || btf_member_bitfield_size(t, i))
			continue;
		if (offset < at || offset >= at + (uint64_t)msize)
			continue;
		if (at == offset && msize == size)
			return true;
		*near = (struct near){ btf__name_by_offset(btf, m->name_off),
				       at, (uint32_t)msize };
		if (member_matches(btf, m->type, at, offset, size, near))
			return true;
	}
	return false;
}

static int check_schema(const struct btf *btf, const char *plugin,
			const struct bpfhost_event_schema *s, char *why,
			size_t len)
{
	const struct btf_type *t;
	int id;

	id = btf__find_by_name_kind(btf, s->btf_struct, BTF_KIND_STRUCT);
	if (id < 0) {
		/*
		 * Not drift: clang emits BTF only for types the BPF side
		 * declares (a map value, a global), not for a pointer local.
		 */
		log_warn("%s: event '%s' cannot be checked: struct %s is not in the BTF of its BPF object (use it as a map value type there, or set btf_struct to NULL for an event made in user space)",
			 plugin, s->name, s->btf_struct);
		return 0;
	}
	t = btf__type_by_id(btf, id);
	if (t->size != s->size) {
		snprintf(why, len, "event '%s': struct %s is %u bytes in the BPF object, the schema says %u",
			 s->name, s->btf_struct, t->size, s->size);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < s->nfields; i++) {
		const struct bpfhost_field *f = &s->fields[i];
		struct near near = { NULL, 0, 0 };

		if (member_matches(btf, id, 0, f->offset, f->size, &near))
			continue;
		if (near.name)
			snprintf(why, len, "event '%s' field '%s' (%u bytes at offset %u) does not match struct %s in the BPF object, which has '%s' (%u bytes at offset %u) there",
				 s->name, f->name, f->size, f->offset,
				 s->btf_struct, *near.name ? near.name : "(anonymous)",
				 near.size, near.offset);
		else
			snprintf(why, len, "event '%s' field '%s' (%u bytes at offset %u) does not match any member of struct %s in the BPF object",
				 s->name, f->name, f->size, f->offset,
				 s->btf_struct);
		return -EINVAL;
	}
	return 0;
}

int btf_check_schemas(const struct bpfhost_plugin_ops *ops, char *why,
		      size_t len)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = ops->name);
	struct bpf_object *obj;
	const struct btf *btf;
	const void *elf;
	size_t size = 0;
	int err = 0;

	if (!ops->bpf_object)
		return 0;
	elf = ops->bpf_object(&size);
	if (!elf || !size) {
		snprintf(why, len, "its bpf_object() returned no BPF object");
		return -EINVAL;
	}
	/* Opened, not loaded: parsing the ELF touches nothing in the kernel. */
	obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj) {
		snprintf(why, len, "its embedded BPF object does not parse: %s",
			 strerror(errno));
		return -EINVAL;
	}
	btf = bpf_object__btf(obj);
	for (uint32_t i = 0; !err && i < ops->nevents; i++) {
		const struct bpfhost_event_schema *s = &ops->events[i];

		if (!s->btf_struct)
			continue;
		if (!btf) {
			snprintf(why, len, "event '%s' names struct %s, but its BPF object has no BTF (compile it with clang -g)",
				 s->name, s->btf_struct);
			err = -EINVAL;
			break;
		}
		err = check_schema(btf, ops->name, s, why, len);
	}
	bpf_object__close(obj);
	return err;
}

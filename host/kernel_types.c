// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One subset of the kernel's BTF for every object of a run: see the header. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/btf.h>
#include <bpf/btf.h>

#include "kernel_types.h"
#include "log.h"

/*
 * The head of a .BTF.ext section (the layout clang writes and libbpf
 * reads); the CO-RE part is there when hdr_len covers it.  Offsets count
 * from the end of the header.
 */
struct btf_ext_head {
	__u16 magic;
	__u8 version;
	__u8 flags;
	__u32 hdr_len;
	__u32 func_info_off;
	__u32 func_info_len;
	__u32 line_info_off;
	__u32 line_info_len;
	__u32 core_relo_off;
	__u32 core_relo_len;
};

/* A kernel type a relocation is rooted at: its kind and essential name. */
struct root {
	char *name;
	size_t len;
	int kind;	/* BTF_KIND_*; enums stand for both widths */
	bool found;
};

/* The roots one object's relocations name, as indices into the roots. */
struct uses {
	unsigned int *idx;
	unsigned int n;
	unsigned int cap;
};

struct gather {
	struct root *roots;
	unsigned int nroots;
	unsigned int cap;
	/* Quick rejection in the pass over the kernel's types. */
	__u32 kinds;		/* 1 << BTF_KIND_* of some root */
	__u64 lens[4];		/* bit n: some root's name is n long */
	const struct btf *kernel;
	struct btf *subset;
	__u32 *copied;		/* kernel id -> subset id + 1; 0 = not yet */
};

static bool same_kind(int a, int b)
{
	bool enum_a = a == BTF_KIND_ENUM || a == BTF_KIND_ENUM64;
	bool enum_b = b == BTF_KIND_ENUM || b == BTF_KIND_ENUM64;

	return a == b || (enum_a && enum_b);
}

/*
 * The part of a type name CO-RE matches on: "task_struct___v2" is a flavor
 * of task_struct, so is matched as "task_struct" (the last X___Y in the
 * name, X and Y not underscores, ends it).
 */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);

	if (!strstr(name, "___"))
		return n;
	for (size_t i = n; i-- > 0;)
		if (i + 4 < n && name[i] != '_' &&
		    !strncmp(name + i + 1, "___", 3) && name[i + 4] != '_')
			return i + 1;
	return n;
}

static struct root *find_root(struct gather *g, int kind, const char *name,
			      size_t len)
{
	for (unsigned int i = 0; i < g->nroots; i++) {
		struct root *r = &g->roots[i];

		if (r->len == len && same_kind(r->kind, kind) &&
		    !memcmp(r->name, name, len))
			return r;
	}
	return NULL;
}

/* The index of the root for (kind, name), added if new; or -errno. */
static int add_root(struct gather *g, int kind, const char *name)
{
	size_t len = essential_len(name);
	struct root *r = find_root(g, kind, name, len);

	if (r)
		return r - g->roots;
	if (g->nroots == g->cap) {
		unsigned int cap = g->cap ? 2 * g->cap : 32;

		r = realloc(g->roots, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		g->roots = r;
		g->cap = cap;
	}
	r = &g->roots[g->nroots];
	*r = (struct root){ .name = strndup(name, len), .len = len,
			    .kind = kind };
	if (!r->name)
		return -ENOMEM;
	g->kinds |= 1u << kind;
	if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64)
		g->kinds |= 1u << BTF_KIND_ENUM | 1u << BTF_KIND_ENUM64;
	if (len < 256)
		g->lens[len / 64] |= 1ull << (len % 64);
	return g->nroots++;
}

/* The .BTF and .BTF.ext sections of an ELF object in memory. */
static int elf_btf_sections(const void *image, size_t size, Elf_Data **btf,
			    Elf_Data **ext, Elf **elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	*btf = *ext = NULL;
	elf_version(EV_CURRENT);
	/* libelf only reads the image it is given with ELF_C_READ. */
	*elf = elf_memory((char *)image, size);
	if (!*elf || elf_getshdrstrndx(*elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(*elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		name = elf_strptr(*elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".BTF"))
			*btf = elf_getdata(scn, NULL);
		else if (!strcmp(name, ".BTF.ext"))
			*ext = elf_getdata(scn, NULL);
	}
	return 0;
}

static int add_use(struct uses *u, unsigned int root)
{
	if (u->n == u->cap) {
		unsigned int cap = u->cap ? 2 * u->cap : 16;
		unsigned int *idx = realloc(u->idx, cap * sizeof(*idx));

		if (!idx)
			return -ENOMEM;
		u->idx = idx;
		u->cap = cap;
	}
	u->idx[u->n++] = root;
	return 0;
}

/*
 * Note the roots of one object's CO-RE relocations in u.  -ENOTSUP when
 * the subset cannot serve the object (see the header), -EINVAL when its
 * sections do not parse.  The section may sit at any alignment in the
 * image: everything is copied out before it is read.
 */
static int add_object_roots(struct gather *g, const struct btf *local,
			    const Elf_Data *ext, struct uses *u)
{
	struct btf_ext_head h = { 0 };
	const __u8 *p, *end;
	__u32 rec_size;

	memcpy(&h, ext->d_buf,
	       ext->d_size < sizeof(h) ? ext->d_size : sizeof(h));
	if (ext->d_size < offsetof(struct btf_ext_head, core_relo_off) ||
	    h.magic != BTF_MAGIC || h.hdr_len > ext->d_size)
		return -EINVAL;
	if (h.hdr_len < sizeof(h) || !h.core_relo_len)
		return 0;	/* no CO-RE relocations */
	if ((size_t)h.core_relo_off + h.core_relo_len >
	    ext->d_size - h.hdr_len)
		return -EINVAL;
	p = (const __u8 *)ext->d_buf + h.hdr_len + h.core_relo_off;
	end = p + h.core_relo_len;
	if (end - p < 4)
		return -EINVAL;
	memcpy(&rec_size, p, 4);
	p += 4;
	if (rec_size < sizeof(struct bpf_core_relo))
		return -EINVAL;
	while (end - p >= 8) {
		__u32 sec[2];	/* section name offset, record count */

		memcpy(sec, p, sizeof(sec));
		p += sizeof(sec);
		if ((size_t)(end - p) / rec_size < sec[1])
			return -EINVAL;
		for (__u32 i = 0; i < sec[1]; i++, p += rec_size) {
			struct bpf_core_relo r;
			const struct btf_type *t;
			const char *name;
			int err;

			memcpy(&r, p, sizeof(r));
			if (r.kind == BPF_CORE_TYPE_ID_LOCAL)
				continue;	/* the object's own ids */
			if (r.kind == BPF_CORE_TYPE_ID_TARGET ||
			    r.kind == BPF_CORE_TYPE_MATCHES)
				return -ENOTSUP;
			t = btf__type_by_id(local, r.type_id);
			name = t ? btf__name_by_offset(local, t->name_off) : NULL;
			if (!name || !*name)
				return -EINVAL;
			err = add_root(g, btf_kind(t), name);
			if (err >= 0)
				err = add_use(u, err);
			if (err)
				return err;
		}
	}
	return p == end ? 0 : -EINVAL;
}

static int copy_type(struct gather *g, __u32 id);

/* Copy a struct or union with all its members (see the header). */
static int copy_composite(struct gather *g, const struct btf_type *t)
{
	const struct btf_member *m = btf_members(t);
	__u16 n = btf_vlen(t);
	int types[n ? n : 1];
	int id;

	/* Members' types first: fields go right after their struct. */
	for (__u16 i = 0; i < n; i++) {
		types[i] = copy_type(g, m[i].type);
		if (types[i] < 0)
			return types[i];
	}
	id = (btf_is_struct(t) ? btf__add_struct : btf__add_union)(
		g->subset, btf__name_by_offset(g->kernel, t->name_off), t->size);
	for (__u16 i = 0; id > 0 && i < n; i++) {
		int err = btf__add_field(g->subset,
					 btf__name_by_offset(g->kernel, m[i].name_off),
					 types[i], btf_member_bit_offset(t, i),
					 btf_member_bitfield_size(t, i));
		if (err)
			return err;
	}
	return id;
}

static int copy_enum(struct gather *g, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(g->kernel, t->name_off);
	__u16 n = btf_vlen(t);
	int id, err = 0;

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		id = btf__add_enum(g->subset, name, t->size);
		for (__u16 i = 0; id > 0 && !err && i < n; i++)
			err = btf__add_enum_value(g->subset,
				btf__name_by_offset(g->kernel, e[i].name_off),
				btf_kflag(t) ? (__s64)e[i].val : (__s64)(__u32)e[i].val);
	} else {
		const struct btf_enum64 *e = btf_enum64(t);

		id = btf__add_enum64(g->subset, name, t->size, btf_kflag(t));
		for (__u16 i = 0; id > 0 && !err && i < n; i++)
			err = btf__add_enum64_value(g->subset,
				btf__name_by_offset(g->kernel, e[i].name_off),
				btf_enum64_value(&e[i]));
	}
	return err ? err : id;
}

/* The subset's id for kernel type id, copied on first use. */
static int copy_type(struct gather *g, __u32 id)
{
	const struct btf_type *t;
	const char *name;
	int sub, ref;

	if (!id)
		return 0;	/* void */
	if (g->copied[id])
		return g->copied[id] - 1;
	t = btf__type_by_id(g->kernel, id);
	if (!t)
		return -EINVAL;
	name = btf__name_by_offset(g->kernel, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (btf_int_offset(t) || btf_int_bits(t) != 8 * t->size)
			return -ENOTSUP;
		sub = btf__add_int(g->subset, name, t->size,
				   btf_int_encoding(t));
		break;
	case BTF_KIND_FLOAT:
		sub = btf__add_float(g->subset, name, t->size);
		break;
	case BTF_KIND_PTR:
		sub = btf__add_ptr(g->subset, 0);
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		int elem = copy_type(g, a->type);
		int index = copy_type(g, a->index_type);

		if (elem < 0 || index < 0)
			return elem < 0 ? elem : index;
		sub = btf__add_array(g->subset, index, elem, a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		sub = copy_composite(g, t);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		sub = copy_enum(g, t);
		break;
	case BTF_KIND_FWD:
		sub = btf__add_fwd(g->subset, name,
				   btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		break;
	case BTF_KIND_TYPEDEF:
		ref = copy_type(g, t->type);
		if (ref < 0)
			return ref;
		sub = btf__add_typedef(g->subset, name, ref);
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		/* CO-RE looks through modifiers: the plain type serves. */
		sub = copy_type(g, t->type);
		break;
	default:
		/* functions, variables, sections: never a member's type */
		return -ENOTSUP;
	}
	if (sub >= 0)
		g->copied[id] = sub + 1;
	return sub;
}

/*
 * One pass over the kernel's types (126k here): copy every one a root
 * names.  Most are turned away by their kind or their name's length.
 */
static int copy_roots(struct gather *g)
{
	__u32 n = btf__type_cnt(g->kernel);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(g->kernel, id);
		const char *name;
		struct root *r;
		size_t len;
		int err;

		if (!t->name_off || !(g->kinds & 1u << btf_kind(t)))
			continue;
		name = btf__name_by_offset(g->kernel, t->name_off);
		len = essential_len(name);
		if (len >= 256 || !(g->lens[len / 64] & 1ull << (len % 64)))
			continue;
		r = find_root(g, btf_kind(t), name, len);
		if (!r)
			continue;
		r->found = true;
		err = copy_type(g, id);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * The kernel's BTF.  Since 6.16 sysfs maps it: libbpf then copies it once
 * from the kernel's own pages, instead of reading it into one buffer and
 * copying that into another (9 -> 6 ms for the whole gathering here).
 */
static struct btf *kernel_btf(void)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	struct btf *btf = NULL;
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && st.st_size > 0) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			btf = btf__new(map, st.st_size);
			munmap(map, st.st_size);
		}
	}
	if (fd >= 0)
		close(fd);
	return btf ? btf : btf__load_vmlinux_btf();
}

static int write_subset(struct kernel_types *kt, const struct btf *subset)
{
	__u32 size;
	const void *raw = btf__raw_data(subset, &size);
	int fd;

	if (!raw)
		return -ENOMEM;
	fd = memfd_create("bpfhost-kernel-types", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, raw, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	kt->fd = fd;
	snprintf(kt->path, sizeof(kt->path), "/proc/self/fd/%d", fd);
	return 0;
}

/*
 * Note the roots of one object.  A refusal (-ENOTSUP, -EINVAL) leaves the
 * object unserved; anything else stops the gathering.
 */
static int object_roots(struct gather *g, struct kernel_types_object *o,
			struct uses *u)
{
	Elf_Data *btf_sec, *ext_sec;
	struct btf *local = NULL;
	Elf *elf = NULL;
	int err;

	if (!o->elf)
		return 0;	/* the plugin does not show its object */
	err = elf_btf_sections(o->elf, o->size, &btf_sec, &ext_sec, &elf);
	if (!err && (!btf_sec || !ext_sec))
		err = -ENOTSUP;	/* no BTF: nothing for CO-RE to relocate */
	if (!err) {
		local = btf__new(btf_sec->d_buf, btf_sec->d_size);
		err = local ? add_object_roots(g, local, ext_sec, u) : -EINVAL;
	}
	btf__free(local);
	elf_end(elf);
	/* Roots noted before a refusal stay: copied for nobody, harmless. */
	o->served = !err;
	return err == -ENOTSUP || err == -EINVAL ? 0 : err;
}

/* Served: every root the object names was found in vmlinux. */
static bool all_found(const struct gather *g, const struct uses *u)
{
	for (unsigned int i = 0; i < u->n; i++)
		if (!g->roots[u->idx[i]].found)
			return false;
	return true;
}

int kernel_types_gather(struct kernel_types *kt,
			struct kernel_types_object *objs, unsigned int n)
{
	struct uses *uses = calloc(n ? n : 1, sizeof(*uses));
	struct gather g = { 0 };
	struct btf *kernel = NULL;
	bool any = false;
	int err = uses ? 0 : -ENOMEM;

	*kt = (struct kernel_types){ .fd = -1 };
	for (unsigned int i = 0; i < n; i++)
		objs[i].served = false;
	for (unsigned int i = 0; !err && i < n; i++) {
		err = object_roots(&g, &objs[i], &uses[i]);
		any |= objs[i].served;
	}
	if (err || !any || !g.nroots)
		goto out;
	kernel = kernel_btf();
	if (!kernel) {
		err = -errno;
		goto out;
	}
	g.kernel = kernel;
	g.subset = btf__new_empty();
	g.copied = calloc(btf__type_cnt(kernel), sizeof(*g.copied));
	err = !g.subset || !g.copied ? -ENOMEM : copy_roots(&g);
	if (!err)
		err = write_subset(kt, g.subset);
	if (err)
		goto out;
	kt->ntypes = btf__type_cnt(g.subset) - 1;
	/* A root vmlinux lacks may be a module's: libbpf looks there. */
	for (unsigned int i = 0; i < n; i++)
		objs[i].served = objs[i].served && all_found(&g, &uses[i]);
out:
	if (err || !g.nroots)
		for (unsigned int i = 0; i < n; i++)
			objs[i].served = false;
	if (err)
		log_debug("kernel types: no shared subset (%s); each BPF object reads the kernel's BTF itself",
			  strerror(-err));
	for (unsigned int i = 0; uses && i < n; i++)
		free(uses[i].idx);
	free(uses);
	for (unsigned int i = 0; i < g.nroots; i++)
		free(g.roots[i].name);
	free(g.roots);
	free(g.copied);
	btf__free(g.subset);
	btf__free(kernel);
	return err;
}

void kernel_types_release(struct kernel_types *kt)
{
	if (kt->fd >= 0)
		close(kt->fd);
	*kt = (struct kernel_types){ .fd = -1 };
}

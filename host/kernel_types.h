/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel types a run's BPF objects relocate against, gathered from the
 * kernel's BTF once for all of them.
 *
 * libbpf resolves an object's CO-RE relocations by parsing the kernel's BTF
 * (5.5 MB, 126k types here) and scanning all of it once for every kernel
 * type the object names: 5-10 ms for the parse and 1.6 ms a type, for each
 * object again (45 ms for filesnoop and utsname together).  Here the BTF is
 * parsed once, scanned once for every object's types together, and the
 * types found are written to a small BTF (a memfd) that each object's
 * open options name as its btf_custom_path.
 *
 * A type is copied with every member, so that libbpf finds in the subset
 * exactly the candidates and members it would find in the whole; by-value
 * members are copied in full, pointers become void pointers (no relocation
 * looks through a pointer: each read through one is a relocation of its
 * own, rooted at the pointed-to type, and that type is gathered as a root).
 * An object keeps the whole kernel BTF when the subset cannot serve it:
 * a relocation asks for a kernel type id (ids differ in the subset) or a
 * type match (which compares pointed-to types), or names a type vmlinux
 * lacks (libbpf then searches the modules' BTF).
 */
#ifndef BPFHOST_KERNEL_TYPES_H
#define BPFHOST_KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>

/* An embedded BPF ELF object, and whether the subset serves it. */
struct kernel_types_object {
	const void *elf;
	size_t size;
	bool served;
};

struct kernel_types {
	int fd;			/* the memfd holding the subset; -1 if none */
	char path[32];		/* "/proc/self/fd/N", for btf_custom_path */
	unsigned int ntypes;	/* types in the subset */
};

/*
 * Gather the types objs[0..n) relocate against and set each object's
 * served.  Returns 0, or -errno when no subset could be made (then kt->fd
 * is -1 and no object is served: each reads the kernel's BTF itself).
 */
int kernel_types_gather(struct kernel_types *kt,
			struct kernel_types_object *objs, unsigned int n);

/* Close the subset; objects loaded before keep what they resolved. */
void kernel_types_release(struct kernel_types *kt);

#endif

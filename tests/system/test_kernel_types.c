// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel type subset (host/kernel_types.c) against the whole kernel
 * BTF: every object it serves must come out of libbpf's CO-RE relocation
 * instruction for instruction as it does when libbpf reads the kernel's
 * BTF itself; objects it cannot serve must be left to libbpf.  Loads real
 * objects into the running kernel (root).
 *
 * Arguments: BPF object files.  Those named core_type_id* and core_absent*
 * must not be served; every other one must be.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "check.h"
#include "kernel_types.h"

#define MAX_OBJECTS 16

static struct kernel_types_object objs[MAX_OBJECTS];
static const char *paths[MAX_OBJECTS];
static unsigned int nobjs;

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = n;
	}
	fclose(f);
	return buf;
}

static bool expect_served(const char *path)
{
	char *copy = strdup(path);
	const char *name = basename(copy);
	bool served = strncmp(name, "core_type_id", 12) &&
		      strncmp(name, "core_absent", 11);

	free(copy);
	return served;
}

static bool is_map_load(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW) &&
	       (insn->src_reg == BPF_PSEUDO_MAP_FD ||
		insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
		insn->src_reg == BPF_PSEUDO_MAP_IDX ||
		insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE);
}

/* Same instructions but for map descriptors, which differ per load. */
static bool same_insns(const struct bpf_program *a, const struct bpf_program *b)
{
	const struct bpf_insn *x = bpf_program__insns(a);
	const struct bpf_insn *y = bpf_program__insns(b);
	size_t n = bpf_program__insn_cnt(a);

	if (!x || !y || n != bpf_program__insn_cnt(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn u = x[i], v = y[i];

		if (is_map_load(&u) && is_map_load(&v))
			u.imm = v.imm = 0;
		if (memcmp(&u, &v, sizeof(u))) {
			fprintf(stderr, "%s: instruction %zu differs: %02x %x %x %d %d vs %02x %x %x %d %d\n",
				bpf_program__name(a), i, u.code, u.dst_reg,
				u.src_reg, u.off, u.imm, v.code, v.dst_reg,
				v.src_reg, v.off, v.imm);
			return false;
		}
	}
	return true;
}

static struct bpf_object *load(unsigned int i, const char *btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path);
	struct bpf_object *obj;

	obj = bpf_object__open_mem(objs[i].elf, objs[i].size, &opts);
	if (!obj) {
		fprintf(stderr, "%s: open: %s\n", paths[i], strerror(errno));
		return NULL;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "%s: load (%s): %s\n", paths[i],
			btf_path ? "subset" : "kernel BTF", strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static void test_served_as_expected(void)
{
	struct kernel_types kt;

	CHECK(kernel_types_gather(&kt, objs, nobjs) == 0);
	CHECK(kt.fd >= 0);
	CHECK(kt.ntypes > 0);
	for (unsigned int i = 0; i < nobjs; i++) {
		if (objs[i].served == expect_served(paths[i]))
			continue;
		fprintf(stderr, "%s: served %d, expected %d\n", paths[i],
			objs[i].served, !objs[i].served);
		check_failures++;
	}
	kernel_types_release(&kt);
	CHECK(kt.fd == -1);
}

static void test_same_relocations(void)
{
	struct kernel_types kt;
	unsigned int compared = 0;

	CHECK(kernel_types_gather(&kt, objs, nobjs) == 0);
	for (unsigned int i = 0; i < nobjs; i++) {
		struct bpf_object *whole, *subset;
		struct bpf_program *a, *b;

		if (!objs[i].served)
			continue;
		whole = load(i, NULL);
		subset = load(i, kt.path);
		CHECK(whole && subset);
		if (!whole || !subset)
			goto next;
		b = bpf_object__next_program(subset, NULL);
		bpf_object__for_each_program(a, whole) {
			CHECK(b && !strcmp(bpf_program__name(a),
					   bpf_program__name(b)));
			if (!b)
				break;
			CHECK(same_insns(a, b));
			compared++;
			b = bpf_object__next_program(subset, b);
		}
		CHECK(!b);
next:
		bpf_object__close(whole);
		bpf_object__close(subset);
	}
	CHECK(compared >= nobjs - 2);
	kernel_types_release(&kt);
}

static void test_nothing_to_gather(void)
{
	struct kernel_types kt;

	CHECK(kernel_types_gather(&kt, NULL, 0) == 0);
	CHECK(kt.fd == -1);
	kernel_types_release(&kt);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(int argc, char **argv)
{
	if (geteuid()) {
		printf("skipped: loading BPF objects needs root\n");
		return 77;
	}
	if (argc < 2 || argc - 1 > MAX_OBJECTS) {
		fprintf(stderr, "usage: %s BPF_OBJECT... (at most %d)\n",
			argv[0], MAX_OBJECTS);
		return 2;
	}
	libbpf_set_print(quiet);
	for (int i = 1; i < argc; i++, nobjs++) {
		paths[nobjs] = argv[i];
		objs[nobjs].elf = read_file(argv[i], &objs[nobjs].size);
		if (!objs[nobjs].elf) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			return 1;
		}
	}
	RUN(test_served_as_expected);
	RUN(test_same_relocations);
	RUN(test_nothing_to_gather);
	return check_failures != 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The container-identity patterns (container_id.h, the very code the
 * kernel runs) against real cgroup paths of each runtime: every line of
 * cgroup_paths.tsv (the argument) names the identity its path must give.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpfhost/container_id.h>
#include <bpfhost/task_fields.h>

#include "check.h"

static const char *tsv_path;

static const char *runtime_name(unsigned int runtime)
{
	for (const struct bpfhost_value_name *vn =
		     bpfhost_container_runtime_names;
	     vn->name; vn++)
		if (vn->value == runtime)
			return vn->name;
	return "?";
}

/*
 * Walk path as the kernel walks a cgroup's ancestors: component by
 * component from the root, at most BPFHOST_CGROUP_DEPTH_MAX of them, until
 * one names a container.
 */
static void walk(const char *path, struct bpfhost_container *found)
{
	struct bpfhost_cgroup_walk w = { 0 };
	const char *p = path;
	int depth = 0;

	while (*p == '/')
		p++;
	while (*p && depth++ < BPFHOST_CGROUP_DEPTH_MAX) {
		size_t len = strcspn(p, "/");

		if (len >= sizeof(w.name))
			break;
		memcpy(w.name, p, len);
		w.name[len] = 0;
		w.len = len;
		if (bpfhost_cgroup_component(&w))
			break;
		p += len;
		while (*p == '/')
			p++;
	}
	*found = w.found;
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void check_line(int lineno, char *line)
{
	char *path, *runtime, *id, *pod, *save = NULL;
	struct bpfhost_container got;

	path = strtok_r(line, "\t", &save);
	runtime = strtok_r(NULL, "\t", &save);
	id = strtok_r(NULL, "\t", &save);
	pod = strtok_r(NULL, "\t", &save);
	if (!path || !runtime || !id || !pod) {
		fprintf(stderr, "%s:%d: fewer than 4 columns\n", tsv_path,
			lineno);
		check_failures++;
		return;
	}
	walk(path, &got);
	if (strcmp(runtime_name(got.runtime), runtime) ||
	    strcmp(or_dash(got.id), id) || strcmp(or_dash(got.pod_uid), pod)) {
		fprintf(stderr,
			"%s:%d: %s\n  got  %s %s %s\n  want %s %s %s\n",
			tsv_path, lineno, path, runtime_name(got.runtime),
			or_dash(got.id), or_dash(got.pod_uid), runtime, id,
			pod);
		check_failures++;
	}
}

static void test_real_paths(void)
{
	FILE *f = fopen(tsv_path, "r");
	char line[4096];
	int lineno = 0, checked = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", tsv_path, strerror(errno));
		check_failures++;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !line[0])
			continue;
		check_line(lineno, line);
		checked++;
	}
	fclose(f);
	/* An emptied or unreadable corpus must not pass. */
	CHECK(checked >= 50);
}

/* Every runtime the patterns name is in the corpus, and has a name. */
static void test_every_runtime_named(void)
{
	for (size_t i = 0; i < BPFHOST_CGROUP_PATTERNS; i++)
		CHECK(strcmp(runtime_name(bpfhost_cgroup_patterns[i].runtime),
			     "?") != 0);
}

/* A container cannot hide its identity below a deep stack of its own. */
static void test_depth(void)
{
	char path[4096] = "/machine.slice/libpod-"
			  "0411a2a82311fbc65b137ca550d5f7e6b6863bc734759be2"
			  "f515b0b67062d49a.scope";
	struct bpfhost_container got;

	for (int i = 0; i < 40; i++)
		strcat(path, "/docker-ffffffffffffffffffffffffffffffffffffffff"
			     "ffffffffffffffffffffffff.scope");
	walk(path, &got);
	CHECK_STR(runtime_name(got.runtime), "podman");
	CHECK_STR(got.id, "0411a2a82311fbc65b137ca550d5f7e6b6863bc734759be2"
			  "f515b0b67062d49a");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s cgroup_paths.tsv\n", argv[0]);
		return 2;
	}
	tsv_path = argv[1];
	RUN(test_real_paths);
	RUN(test_every_runtime_named);
	RUN(test_depth);
	return CHECK_EXIT();
}

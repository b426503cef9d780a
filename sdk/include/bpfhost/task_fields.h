/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User side of the task context: its schema fields, declared once.  A plugin
 * whose event struct embeds a struct bpfhost_task_context drops them into its
 * field table:
 *
 *	static const struct bpfhost_field open_fields[] = {
 *		BPFHOST_TASK_FIELDS(struct my_open_event, task),
 *		{ .name = "path", ... },
 *	};
 *
 * Text shows PID, COMM, CONTAINER (the container id, short as docker ps
 * shows it, "-" outside any container) and HOSTNAME (the UTS name, which
 * the container chooses itself); JSON and syslog get every field.
 */
#ifndef BPFHOST_TASK_FIELDS_H
#define BPFHOST_TASK_FIELDS_H

#include <bpfhost/plugin.h>
#include <bpfhost/task_context.h>

/* One member of the task context at member of the event struct type. */
#define BPFHOST_TASK_FIELD_AT(ev, member, sub)                                 \
	BPFHOST_FIELD_AT(ev, member.sub)

#define BPFHOST_TASK_UINT(ev, member, sub, hdr, w)                             \
	{ .name = #sub, .header = hdr, .type = BPFHOST_FIELD_UINT,             \
	  .width = w, BPFHOST_TASK_FIELD_AT(ev, member, sub) }

/* The runtime names of enum bpfhost_container_runtime, for ENUM display. */
#define BPFHOST_CONTAINER_RUNTIME_NAMES                                        \
	{                                                                      \
		{ ~0ull, BPFHOST_RUNTIME_NONE, "none" },                       \
		{ ~0ull, BPFHOST_RUNTIME_DOCKER, "docker" },                   \
		{ ~0ull, BPFHOST_RUNTIME_PODMAN, "podman" },                   \
		{ ~0ull, BPFHOST_RUNTIME_CONTAINERD, "containerd" },           \
		{ ~0ull, BPFHOST_RUNTIME_CRIO, "cri-o" },                      \
		{ ~0ull, BPFHOST_RUNTIME_NSPAWN, "systemd-nspawn" },           \
		{ ~0ull, BPFHOST_RUNTIME_LXC, "lxc" },                         \
		{ ~0ull, BPFHOST_RUNTIME_CRI, "cri" },                         \
		{ 0, 0, NULL },                                                \
	}

static const struct bpfhost_value_name bpfhost_container_runtime_names[]
	__attribute__((unused)) =
	BPFHOST_CONTAINER_RUNTIME_NAMES;

#define BPFHOST_TASK_FIELDS(ev, member)                                        \
	BPFHOST_TASK_UINT(ev, member, pid, "PID", 7),                          \
	BPFHOST_TASK_UINT(ev, member, tid, NULL, 0),                           \
	BPFHOST_TASK_UINT(ev, member, ppid, NULL, 0),                          \
	BPFHOST_TASK_UINT(ev, member, uid, NULL, 0),                           \
	BPFHOST_TASK_UINT(ev, member, gid, NULL, 0),                           \
	{ .name = "comm", .header = "COMM", .type = BPFHOST_FIELD_STR,         \
	  .width = -16, BPFHOST_TASK_FIELD_AT(ev, member, comm) },             \
	BPFHOST_TASK_UINT(ev, member, vpid, NULL, 0),                          \
	{ .name = "container_id", .header = "CONTAINER",                       \
	  .type = BPFHOST_FIELD_STR, .display = BPFHOST_DISPLAY_SHORT_ID,      \
	  .width = -12, BPFHOST_TASK_FIELD_AT(ev, member, container.id) },     \
	{ .name = "container_runtime", .type = BPFHOST_FIELD_UINT,             \
	  .display = BPFHOST_DISPLAY_ENUM,                                     \
	  .value_names = bpfhost_container_runtime_names,                      \
	  BPFHOST_TASK_FIELD_AT(ev, member, container.runtime) },              \
	{ .name = "container_owner", .type = BPFHOST_FIELD_UINT,               \
	  BPFHOST_TASK_FIELD_AT(ev, member, container.owner) },                \
	{ .name = "pod_uid", .type = BPFHOST_FIELD_STR,                        \
	  BPFHOST_TASK_FIELD_AT(ev, member, container.pod_uid) },              \
	{ .name = "nodename", .header = "HOSTNAME", .type = BPFHOST_FIELD_STR, \
	  .width = -16, BPFHOST_TASK_FIELD_AT(ev, member, nodename) },         \
	BPFHOST_TASK_UINT(ev, member, cgroup_id, NULL, 0),                     \
	BPFHOST_TASK_UINT(ev, member, mnt_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, pid_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, net_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, uts_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, user_ns, NULL, 0)

#endif /* BPFHOST_TASK_FIELDS_H */

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
 * Text shows PID, COMM and CONTAINER (the UTS hostname, which container
 * runtimes set to the container's name or id); JSON and syslog get every
 * field.
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

#define BPFHOST_TASK_FIELDS(ev, member)                                        \
	BPFHOST_TASK_UINT(ev, member, pid, "PID", 7),                          \
	BPFHOST_TASK_UINT(ev, member, tid, NULL, 0),                           \
	BPFHOST_TASK_UINT(ev, member, ppid, NULL, 0),                          \
	BPFHOST_TASK_UINT(ev, member, uid, NULL, 0),                           \
	BPFHOST_TASK_UINT(ev, member, gid, NULL, 0),                           \
	{ .name = "comm", .header = "COMM", .type = BPFHOST_FIELD_STR,         \
	  .width = -16, BPFHOST_TASK_FIELD_AT(ev, member, comm) },             \
	BPFHOST_TASK_UINT(ev, member, cgroup_id, NULL, 0),                     \
	BPFHOST_TASK_UINT(ev, member, mnt_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, pid_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, net_ns, NULL, 0),                        \
	BPFHOST_TASK_UINT(ev, member, uts_ns, NULL, 0),                        \
	{ .name = "nodename", .header = "CONTAINER", .type = BPFHOST_FIELD_STR, \
	  .width = -16, BPFHOST_TASK_FIELD_AT(ev, member, nodename) }

#endif /* BPFHOST_TASK_FIELDS_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bh_tp: reference tracers on sys_enter_openat (minimal / ideal anchors) */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct enter_openat_ctx {	/* events/syscalls/sys_enter_openat/format */
	__u64 common; int nr; int pad; __u64 dfd; const char *filename; __u64 flags; __u64 mode;
};
struct event { __u32 pid; __u32 tid; char comm[16]; char fname[256]; };
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 22); } rb SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } pb SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct event); } heap SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } drops SEC(".maps");
const volatile char filt[64] = {};
const volatile __u64 wake_bytes = 0;	/* 0: adaptive wakeup; else NO_WAKEUP until this much is queued */
static __always_inline void count_drop(void)
{
	__u32 k = 0; __u64 *v = bpf_map_lookup_elem(&drops, &k);
	if (v) (*v)++;
}
static __always_inline void fill(struct event *e, const char *fn)
{
	__u64 id = bpf_get_current_pid_tgid();
	e->pid = id >> 32; e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->fname, sizeof(e->fname), fn);
}
static __always_inline int emit_rb(const char *fn)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	__u64 fl = 0;
	if (!e) { count_drop(); return 0; }
	fill(e, fn);
	if (wake_bytes)
		fl = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= wake_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, fl);
	return 0;
}
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_empty(void *ctx) { return 0; }
SEC("fentry/do_sys_openat2")
int fentry_empty(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_ringbuf(struct enter_openat_ctx *ctx) { return emit_rb(ctx->filename); }
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_perfbuf(struct enter_openat_ctx *ctx)
{
	__u32 k = 0; struct event *e = bpf_map_lookup_elem(&heap, &k);
	if (!e) return 0;
	fill(e, ctx->filename);
	bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, e, sizeof(*e));	/* losses come back via on_lost */
	return 0;
}
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_filter(struct enter_openat_ctx *ctx)
{
	char buf[64];
	if (bpf_probe_read_user_str(buf, sizeof(buf), ctx->filename) <= 0) return 0;
	for (int i = 0; i < (int)sizeof(buf); i++) {
		if (buf[i] != filt[i]) return 0;
		if (!buf[i]) break;
	}
	return emit_rb(ctx->filename);
}

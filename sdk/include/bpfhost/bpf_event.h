/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side of the event path: the ring buffer every plugin declares, the
 * per-CPU loss counter the host reads, and a submit that batches wake-ups.
 *
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.
 *
 * Wake-ups: waking the reader for every record costs about 4 us per event on
 * the machines we measured; the host instead drains every ring on a short
 * timer, so records are submitted with BPF_RB_NO_WAKEUP and the reader is
 * woken only once a quarter of the ring is waiting (a burst that would
 * otherwise fill the ring before the next timer tick).  The quarter is taken
 * from the ring's size at run time, so the user side may resize the ring
 * (bpf_map__set_max_entries) before load.
 *
 * Ring size: every byte of the ring is resident in the host twice (the
 * consumer maps it twice to read records that wrap), so size it to the
 * bursts the plugin must absorb between two drains, not larger: records
 * are drained every 20 ms and at once on a forced wake-up.
 */
#ifndef BPFHOST_BPF_EVENT_H
#define BPFHOST_BPF_EVENT_H

#include <bpfhost/event.h>

/* BPFHOST_RINGBUF(events, 1 << 20); -- size a power of two, >= page size */
#define BPFHOST_RINGBUF(name, bytes)                                           \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                            \
		__uint(max_entries, bytes);                                    \
	} name SEC(".maps")

/* BPFHOST_LOST_COUNTER(lost); -- pass its fd to host->add_ringbuf() */
#define BPFHOST_LOST_COUNTER(name)                                             \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__uint(max_entries, 1);                                        \
		__type(key, __u32);                                            \
		__type(value, __u64);                                          \
	} name SEC(".maps")

static __always_inline void bpfhost_count_lost(void *lost_map)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(lost_map, &zero);

	/* Per-CPU slot: no other CPU writes it, and BPF does not nest here. */
	if (n)
		(*n)++;
}

static __always_inline __u64 bpfhost_wakeup_flags(void *ringbuf)
{
	return bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA) * 4 >=
			       bpf_ringbuf_query(ringbuf, BPF_RB_RING_SIZE) ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

static __always_inline void bpfhost_header_init(struct bpfhost_event_header *h,
						__u32 type)
{
	h->ts_boot_ns = bpf_ktime_get_boot_ns();
	h->type = type;
	h->reserved = 0;
}

/* Submit a record made with bpf_ringbuf_reserve(). */
static __always_inline void bpfhost_submit(void *ringbuf, void *record)
{
	bpf_ringbuf_submit(record, bpfhost_wakeup_flags(ringbuf));
}

/*
 * Copy size bytes (a record built in a per-CPU scratch buffer, cut to its
 * used length) into the ring.  A full ring counts one lost record.
 */
static __always_inline long bpfhost_output(void *ringbuf, void *lost_map,
					   void *record, __u64 size)
{
	long err = bpf_ringbuf_output(ringbuf, record, size,
				      bpfhost_wakeup_flags(ringbuf));

	if (err)
		bpfhost_count_lost(lost_map);
	return err;
}

#endif /* BPFHOST_BPF_EVENT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-kernel path filter: an LPM trie of the paths a user asked for.
 *
 * Exact paths are stored with their NUL and prefixes without, so one
 * longest-prefix lookup answers both questions.  The key type is shared
 * with the user side, which fills the trie:
 *
 *	struct my_path_key { __u32 prefixlen; __u8 path[N]; };	N <= 256
 *
 * prefixlen counts bits, as the trie wants.  Include after vmlinux.h and
 * <bpf/bpf_helpers.h>.
 */
#ifndef BPFHOST_PATH_FILTER_BPF_H
#define BPFHOST_PATH_FILTER_BPF_H

/*
 * Declares the trie name and its per-CPU key scratch name##_key (a key is
 * too large for the stack of a program that does much else).
 */
#define PATH_FILTER(name, key_type, max_paths)                                 \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                           \
		__uint(max_entries, max_paths);                                \
		__uint(map_flags, BPF_F_NO_PREALLOC);                          \
		__type(key, key_type);                                         \
		__type(value, __u8);                                           \
	} name SEC(".maps");                                                   \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__uint(max_entries, 1);                                        \
		__type(key, __u32);                                            \
		__type(value, key_type);                                       \
	} name##_key SEC(".maps")

#endif /* BPFHOST_PATH_FILTER_BPF_H */

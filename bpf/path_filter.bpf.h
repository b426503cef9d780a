/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-kernel path filter: an LPM trie of the paths a user asked for, and the
 * lookup of a path string from user memory (a syscall argument) in it.
 *
 * Exact paths are stored with their NUL and prefixes without, so one
 * longest-prefix lookup answers both questions.  The key type is the
 * plugin's, shared with its user side, which fills the trie:
 *
 *	struct my_path_key { __u32 prefixlen; __u8 path[N]; };	N <= 256
 *
 * prefixlen counts bits, as the trie wants.  Include after vmlinux.h and
 * <bpf/bpf_helpers.h>.
 */
#ifndef BPFHOST_PATH_FILTER_BPF_H
#define BPFHOST_PATH_FILTER_BPF_H

/* Declares the trie name and its per-CPU key scratch name##_key. */
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

/* true when the NUL-terminated user string user_path is in the trie name. */
#define path_filter_match(name, user_path)                                     \
	path_filter_lookup(&name, &name##_key,                                 \
			   sizeof(*name##_key.value) - sizeof(__u32), user_path)

struct path_filter_key {
	__u32 prefixlen;
	__u8 path[];
};

static __always_inline bool path_filter_lookup(void *trie, void *key_scratch,
					       __u32 path_size,
					       const char *user_path)
{
	__u32 zero = 0;
	struct path_filter_key *key = bpf_map_lookup_elem(key_scratch, &zero);
	long len;

	if (!key)
		return false;
	len = bpf_probe_read_user_str(key->path, path_size, user_path);
	if (len <= 0)
		return false;
	/*
	 * A path cut at the key size ends in a NUL the helper wrote, not the
	 * program: leave that byte out so it cannot match an exact entry.
	 */
	if (len == path_size)
		len--;
	key->prefixlen = len * 8;
	return bpf_map_lookup_elem(trie, key) != NULL;
}

#endif /* BPFHOST_PATH_FILTER_BPF_H */

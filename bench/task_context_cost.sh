#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# task_context_cost.sh - what a reported open costs filesnoop with one build
# against another, in one run: typically the container identity (the task
# context in every record) against the commit before it.
#
# Each round runs both builds in turn (filesnoop -F json, compat = no so its
# one exit program runs for opens only, output to /dev/null) while
# bh_openloop opens PATH N times, and reads from kernel.bpf_stats_enabled
# the run time per call of filesnoop's exit program, plus the ns per
# open+close the loop itself saw, and an untraced loop between the two.
# Medians of ROUNDS rounds; a shared machine is noisy, so trust the BPF
# figure more than the end-to-end one.
#
# usage: bench/task_context_cost.sh BUILD_DIR_A BUILD_DIR_B
# Env: ROUNDS (7) N (200000 opens a round) OPEN_PATH (/etc/hosts)
# Output: a table on stderr; last line KEY=value with A_BPF_NS B_BPF_NS
#         A_ADD_NS B_ADD_NS BASE_NS (medians) and the record size of each.
set -u
export LC_ALL=C
BENCH_NAME=task_context_cost
[ $# = 2 ] || { echo "usage: $0 BUILD_DIR_A BUILD_DIR_B" >&2; exit 2; }
A=$1
B=$2
ROUNDS=${ROUNDS:-7}
N=${N:-200000}
OPEN_PATH=${OPEN_PATH:-/etc/hosts}
T=$(mktemp -d /tmp/bench-tc.XXXXXX)
BPFHOST=$A/host/bpfhost
. "$(dirname "$0")/lib/common.sh"
need_root_and_tools
build_helpers
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
restore() { sysctl -q kernel.bpf_stats_enabled="$STATS_WAS"; cleanup; }
trap restore EXIT
sysctl -q kernel.bpf_stats_enabled=1

# The exit program's "run_time_ns run_cnt", found by name.
prog_stats() {
	bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name") == "exit_tp":
        print(p.get("run_time_ns", 0), p.get("run_cnt", 0))
        break
else:
    print(0, 0)'
}

# One traced loop with build $1: "bpf_ns_per_call loop_ns_per_op".
traced() {
	local build=$1 out before after
	setsid "$build/host/bpfhost" --plugin-dir "$build/plugins" \
		-p filesnoop -o filesnoop.compat=no -F json >/dev/null \
		2>"$T/err" &
	local pid=$!
	for _ in $(seq 200); do
		grep -q "bpfhost: running" "$T/err" && break
		sleep 0.05
	done
	before=$(prog_stats)
	out=$(taskset -c 1 "$WL" -n "$N" "$OPEN_PATH")
	after=$(prog_stats)
	kill -INT $pid
	wait $pid
	python3 - "$before" "$after" "$out" <<'EOF'
import sys
t0, c0 = map(int, sys.argv[1].split())
t1, c1 = map(int, sys.argv[2].split())
kv = dict(x.split("=") for x in sys.argv[3].split())
print("%.0f %.0f" % ((t1 - t0) / max(c1 - c0, 1), float(kv["chunk_med_ns"])))
EOF
}

untraced() {
	taskset -c 1 "$WL" -n "$N" "$OPEN_PATH" | tr ' ' '\n' |
		sed -n 's/^chunk_med_ns=//p'
}

: >"$T/rows"
for r in $(seq "$ROUNDS"); do
	base=$(untraced)
	a=$(traced "$A")
	b=$(traced "$B")
	echo "$r $base $a $b" | tee -a "$T/rows" >&2
done
python3 - "$T/rows" <<'EOF'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda i: statistics.median(r[i] for r in rows)
base = med(1)
print("round base a_bpf a_loop b_bpf b_loop (ns)", file=sys.stderr)
print("A_BPF_NS=%.0f B_BPF_NS=%.0f A_ADD_NS=%.0f B_ADD_NS=%.0f BASE_NS=%.0f"
      % (med(2), med(4), med(3) - base, med(5) - base, base))
EOF

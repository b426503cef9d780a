#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# event_throughput.sh - events per second each tracer really delivers to its
# output file, and what it loses, while the workload opens as fast as it can.
#
# Workload: lib/bh_openloop.c pinned to WL_CPU opens+closes a private file
# for SECS seconds (after a 50 ms warm-up, also counted).  The tracer (pinned
# to TRACER_CPU) writes its normal output to a file in /dev/shm; after the
# workload ends we wait until the file stops growing, stop the tracer with
# SIGINT and count the lines that describe the workload's opens of its file.
#   delivered/s = delivered lines / workload wall time
#   loss %      = 100 * (1 - delivered / opens performed)
#   tracer CPU  = user+sys of the tracer process during the run
#   lost_rep    = what the tool itself reported lost
# Tracers (TRACERS selects): none bpfhost_json bpfhost_text opensnoop bpftrace
#   ref_tp_ringbuf_batch (ring buffer, BPF_RB_NO_WAKEUP, 10 ms polling: the
#   best a ring buffer tracer printing lines can do)
# Env: ROUNDS (3) SECS (2) WL_CPU (1) TRACER_CPU (0) DRAIN_MAX (15) TRACERS
#      KEEP_TMP (0) BUILD_DIR (../build-bench) or BPFHOST / PLUGIN_DIR
# Last line: KEY=value, medians over rounds: <T>_DELIVERED_PER_S (+_RANGE),
#   <T>_LOSS_PCT (+_RANGE), <T>_OPENS_PER_S, <T>_CPU_PCT, <T>_CPU_NS_PER_EVENT,
#   <T>_LOST_REPORTED; then ratios against the targets of issue 8.
set -u
export LC_ALL=C
BENCH_NAME=event_throughput
. "$(dirname "$0")/lib/common.sh"
ROUNDS=${ROUNDS:-3}; SECS=${SECS:-2}; WL_CPU=${WL_CPU:-1}; TRACER_CPU=${TRACER_CPU:-0}
DRAIN_MAX=${DRAIN_MAX:-15}
ALL_TRACERS="none bpfhost_json bpfhost_text opensnoop bpftrace ref_tp_ringbuf_batch"
TRACERS=${TRACERS:-$ALL_TRACERS}

need_root_and_tools
D=/dev/shm; [ -d $D ] || D=/tmp
T=$(mktemp -d "$D/bh_thr.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
build_helpers
FOREIGN=$(foreign_attachments)
TARGET="$T/target"; echo bh > "$TARGET"

BH="$BPFHOST --plugin-dir $PLUGIN_DIR -p filesnoop"
BT_ALL='tracepoint:syscalls:sys_enter_openat { printf("%d %s %s\n", pid, comm, str(args->filename)); }'
declare -A CMD
CMD[none]=""
CMD[bpfhost_json]="$BH -F json"
CMD[bpfhost_text]="$BH -F text"
CMD[opensnoop]="opensnoop"
CMD[bpftrace]="bpftrace -e $(printf %q "$BT_ALL")"
CMD[ref_tp_ringbuf_batch]="$T/bh_tp tp-ringbuf-batch"
declare -A SKIP
for t in $TRACERS; do
	[ -n "${CMD[$t]+x}" ] || die "unknown tracer $t (known: $ALL_TRACERS)"
	case $t in
	opensnoop) command -v opensnoop >/dev/null || SKIP[$t]=opensnoop_missing ;;
	bpftrace) command -v bpftrace >/dev/null || SKIP[$t]=bpftrace_missing ;;
	esac
done

cpu_ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }
wait_drain() {	# file: wait until its size holds still for 0.5 s
	local f=$1 s p=-1 st=0 i
	for i in $(seq 1 $((DRAIN_MAX * 10))); do
		s=$(stat -c %s "$f" 2>/dev/null || echo 0)
		if [ "$s" = "$p" ]; then st=$((st + 1)); [ $st -ge 5 ] && return 0; else st=0; fi
		p=$s; sleep 0.1
	done
}
# Lines about the workload's opens of TARGET, each tool in its own format.
count_lines() {
	case $1 in
	opensnoop) awk -v p="$TARGET" '$2=="bh_openloop" && $NF==p {n++} END{print n+0}' "$2" ;;
	bpftrace|ref_tp_*) awk -v p="$TARGET" '$2=="bh_openloop" && $3==p {n++} END{print n+0}' "$2" ;;
	bpfhost_json) grep -F '"comm":"bh_openloop"' "$2" | grep -cF "\"path\":\"$TARGET\"" ;;
	bpfhost_text) awk -v p="$TARGET" '$5=="bh_openloop" && $NF==p {n++} END{print n+0}' "$2" ;;
	esac
}
lost_reported() {
	case $1 in
	bpfhost*) bpfhost_lost "$T/$1.err" ;;
	*) cat "$T/$1.out" "$T/$1.err" 2>/dev/null |
		grep -oiE '(lost[ =]*[0-9]+|[0-9]+ events? lost|LOST [0-9]+ events)' |
		grep -oE '[0-9]+' | awk '{s+=$1} END{print s+0}' ;;
	esac
}

declare -A DPS LOSS OPS CPU CPE LOST
read -r -a ORDER <<<"$TRACERS"; n=${#ORDER[@]}
echo "# $BENCH_NAME: rounds=$ROUNDS secs=$SECS wl_cpu=$WL_CPU tracer_cpu=$TRACER_CPU" >&2
printf "# %-22s %10s %12s %12s %8s %8s %10s %9s\n" tracer opens delivered deliv/s loss% cpu% cpu_ns/ev lost_rep >&2
for r in $(seq 1 "$ROUNDS"); do
	for k in $(seq 0 $((n - 1))); do
		t=${ORDER[$(((k + r - 1) % n))]}
		[ -n "${SKIP[$t]:-}" ] && continue
		out="$T/$t.out"; rm -f "$out" "$T/$t.err"
		tc=NA; del=0
		if [ "$t" = none ]; then
			res=$(taskset -c "$WL_CPU" "$WL" -d "$SECS" "$TARGET")
		else
			if ! start_bg "$t" "${CMD[$t]}" "$out"; then
				SKIP[$t]="start_failed:$(errtag "$T/$t.err")"; stop_bg; continue
			fi
			c0=$(cpu_ticks "$TRACER_PGID")
			res=$(taskset -c "$WL_CPU" "$WL" -d "$SECS" "$TARGET")
			wait_drain "$out"
			c1=$(cpu_ticks "$TRACER_PGID")
			tc=$(((c1 - c0) * 1000 / $(getconf CLK_TCK)))
			stop_bg
			del=$(count_lines "$t" "$out")
		fi
		opens=$(kv "$res" opens_total); tns=$(kv "$res" total_ns)
		[ -n "$opens" ] || { echo "# $t: workload failed" >&2; continue; }
		lr=$(lost_reported "$t")
		read -r dps loss ops cpu cpe <<<"$(python3 - "$opens" "$tns" "$del" "$tc" <<-'EOF'
		import sys
		o, tns, d, tc = sys.argv[1:]
		o = int(o); w = float(tns) / 1e9; d = int(d)
		cpu = cpe = "NA"
		if tc != "NA":
		    cpu = "%.0f" % (100.0 * float(tc) / 1e3 / w)
		    cpe = "%.0f" % (float(tc) * 1e6 / d) if d else "NA"
		print("%.0f %.2f %.0f %s %s" % (d / w, 100.0 * (1 - d / o), o / w, cpu, cpe))
		EOF
		)"
		[ "$t" = none ] && { dps=NA; loss=NA; }
		DPS[$t]+=" $dps"; LOSS[$t]+=" $loss"; OPS[$t]+=" $ops"
		CPU[$t]+=" $cpu"; CPE[$t]+=" $cpe"; LOST[$t]+=" $lr"
		printf "# %-22s %10s %12s %12s %8s %8s %10s %9s\n" "$t" "$opens" "$del" "$dps" "$loss" "$cpu" "$cpe" "$lr" >&2
		[ "${KEEP_TMP:-0}" = 1 ] || rm -f "$out"
	done
done

# ------------------------------------------------------------------ summary
OUT="FOREIGN_ATTACH=$FOREIGN SECS=$SECS ROUNDS=$ROUNDS"
declare -A MED
for t in "${ORDER[@]}"; do
	K=$(echo "$t" | tr a-z A-Z)
	if [ -z "${OPS[$t]:-}" ]; then OUT+=" ${K}_NOTE=${SKIP[$t]:-no_data}"; continue; fi
	OUT+=" ${K}_OPENS_PER_S=$(median %.0f ${OPS[$t]})"
	[ "$t" = none ] && continue
	MED[$t]=$(median %.0f ${DPS[$t]})
	OUT+=" ${K}_DELIVERED_PER_S=${MED[$t]} ${K}_DELIVERED_PER_S_RANGE=$(range ${DPS[$t]})"
	OUT+=" ${K}_LOSS_PCT=$(median %.2f ${LOSS[$t]}) ${K}_LOSS_PCT_RANGE=$(range ${LOSS[$t]})"
	OUT+=" ${K}_CPU_PCT=$(median %.0f ${CPU[$t]}) ${K}_CPU_NS_PER_EVENT=$(median %.0f ${CPE[$t]})"
	OUT+=" ${K}_LOST_REPORTED=$(median %.0f ${LOST[$t]})"
done
# Target: at least 4x opensnoop's delivered events/s to a JSON file, no loss.
OUT+=" JSON_VS_OPENSNOOP=$(ratio "${MED[bpfhost_json]:-NA}" "${MED[opensnoop]:-NA}" %.2f)"
OUT+=" TEXT_VS_OPENSNOOP=$(ratio "${MED[bpfhost_text]:-NA}" "${MED[opensnoop]:-NA}" %.2f)"
echo "$OUT"

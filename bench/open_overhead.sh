#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# open_overhead.sh - ns that each tracer adds to one openat()+close().
#
# Workload: lib/bh_openloop.c, pinned to WL_CPU, opens+closes one path for
# RUN_SECS after a 50 ms warm-up and reports ns per pair, timed inside the
# process (tracer start-up never counted): by default (STAT=chunk_med_ns) the
# median over 64-open chunks, which ignores the bursts in which other work
# preempts the loop on a shared machine; STAT=ns_per_op takes the plain mean
# (what the reference figures in issue 8 used).  Paths: "match" = /etc/hosts (the
# path the filtering tracers look for), "nomatch" = /etc/hostname,
# "unrelated" = no open at all: getppid(), the cost a tracer puts on every
# other syscall.
# For each tracer session the workload first runs untraced, then the tracer
# starts (pinned to TRACER_CPU), is waited for until attached, the workload
# runs again, the tracer gets SIGINT, and the workload runs untraced once
# more: the added cost is traced minus the mean of the two untraced runs.  ROUNDS rounds, order
# rotated each round; figures are medians of the per-round differences.
#
# Tracers (TRACERS selects a subset):
#   bpfhost_filter    bpfhost filesnoop -o filesnoop.path=/etc/hosts -F json,
#                     stdout to a file; match = delivered event, nomatch =
#                     filtered out in the kernel
#   bpfhost_json      bpfhost filesnoop, every open, -F json to a file
#   bpfhost_text      bpfhost filesnoop, every open, text to a file
#   bpfhost_nocompat  bpfhost_filter with filesnoop.compat=no: syscalls:*
#                     exits instead of raw_syscalls (no ia32 opens seen)
#   bpfhost_uts       bpfhost utsname, watching /etc/hosts (its enter and
#                     exit programs)
#   bpfhost_uts_nocompat  the same with utsname.compat=no
#   bpfhost_prev      bpfhost_filter from another build, BPFHOST_PREV and
#                     PLUGIN_DIR_PREV (e.g. the commit before a change), to
#                     compare in the same run
#   opensnoop         libbpf-tools opensnoop, stdout to /dev/null
#   bpftrace          printf pid comm filename for every openat, to /dev/null
#   strace            strace -f -e trace=openat -o /dev/null <workload>
#   ref_tp_empty      empty BPF program on sys_enter_openat: the floor
#   ref_tp_filter     reads the path, compares it in the kernel (nomatch =
#                     the least a filtered-out open can cost)
#   ref_tp_ringbuf_batch  every open to a ring buffer with BPF_RB_NO_WAKEUP
#                     and a 10 ms polling consumer
# Env: ROUNDS (5) RUN_SECS (0.5) WL_CPU (1) TRACER_CPU (0) STAT TRACERS KEEP_TMP (0)
#      BUILD_DIR (../build-bench) or BPFHOST / PLUGIN_DIR
# Last line: KEY=value.  <T>_ADD_NS median ns added per open+close,
# <T>_ADD_RANGE min..max over rounds; two-path tracers get _MATCH/_NOMATCH;
# then the ratios against the targets of issue 8.
set -u
export LC_ALL=C
BENCH_NAME=open_overhead
. "$(dirname "$0")/lib/common.sh"
ROUNDS=${ROUNDS:-5}; RUN_SECS=${RUN_SECS:-0.5}
WL_CPU=${WL_CPU:-1}; TRACER_CPU=${TRACER_CPU:-0}; STAT=${STAT:-chunk_med_ns}
MATCH_PATH=/etc/hosts; NOMATCH_PATH=/etc/hostname
ALL_TRACERS="bpfhost_filter bpfhost_json bpfhost_text bpfhost_nocompat bpfhost_uts bpfhost_uts_nocompat opensnoop bpftrace strace ref_tp_empty ref_tp_filter ref_tp_ringbuf_batch"
TRACERS=${TRACERS:-$ALL_TRACERS}

need_root_and_tools
for f in "$MATCH_PATH" "$NOMATCH_PATH"; do [ -r "$f" ] || die "$f not readable"; done
D=/dev/shm; [ -d $D ] || D=/tmp
T=$(mktemp -d "$D/bh_open.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
build_helpers
FOREIGN=$(foreign_attachments)

BH="$BPFHOST --plugin-dir $PLUGIN_DIR -p filesnoop"
BT_ALL='tracepoint:syscalls:sys_enter_openat { printf("%d %s %s\n", pid, comm, str(args->filename)); }'
declare -A KIND CMD VARS OUTF
def() { KIND[$1]=$2; CMD[$1]=$3; VARS[$1]=$4; OUTF[$1]=${5:-/dev/null}; }
def bpfhost_filter bg "$BH -o filesnoop.path=$MATCH_PATH -F json" "match nomatch unrelated" "$T/bpfhost.out"
def bpfhost_nocompat bg "$BH -o filesnoop.path=$MATCH_PATH -o filesnoop.compat=no -F json" "match nomatch unrelated" "$T/bpfhost.out"
BU="$BPFHOST --plugin-dir $PLUGIN_DIR -p utsname -F json"
def bpfhost_uts bg "$BU" "match nomatch unrelated" "$T/bpfhost.out"
def bpfhost_uts_nocompat bg "$BU -o utsname.compat=no" "match nomatch unrelated" "$T/bpfhost.out"
def bpfhost_prev bg "${BPFHOST_PREV:-false} --plugin-dir ${PLUGIN_DIR_PREV:-} -p filesnoop -o filesnoop.path=$MATCH_PATH -F json" "match nomatch unrelated" "$T/bpfhost.out"
def bpfhost_json bg "$BH -F json" "match" "$T/bpfhost.out"
def bpfhost_text bg "$BH -F text" "match" "$T/bpfhost.out"
def opensnoop bg "opensnoop" "match"
def bpftrace bg "bpftrace -e $(printf %q "$BT_ALL")" "match"
def strace wrap "strace -f -e trace=openat -o /dev/null" "match"
def ref_tp_empty bg "$T/bh_tp tp-empty" "match"
def ref_tp_filter bg "$T/bh_tp tp-filter $MATCH_PATH" "nomatch match"
def ref_tp_ringbuf_batch bg "$T/bh_tp tp-ringbuf-batch" "match"
declare -A SKIP
for t in $TRACERS; do
	[ -n "${KIND[$t]:-}" ] || die "unknown tracer $t (known: $ALL_TRACERS)"
	case $t in
	opensnoop) command -v opensnoop >/dev/null || SKIP[$t]=opensnoop_missing ;;
	bpftrace) command -v bpftrace >/dev/null || SKIP[$t]=bpftrace_missing ;;
	strace) command -v strace >/dev/null || SKIP[$t]=strace_missing ;;
	bpfhost_prev) [ -x "${BPFHOST_PREV:-}" ] || SKIP[$t]=no_BPFHOST_PREV ;;
	esac
done

run_wl() {	# prefix path -> ns per open+close
	local pre=$1 path=$2 r
	if [ -n "$pre" ]; then
		r=$(taskset -c "$TRACER_CPU" bash -c "exec $pre taskset -c $WL_CPU $WL -d $RUN_SECS $path" 2>>"$T/wrap.err")
	else
		r=$(taskset -c "$WL_CPU" "$WL" -d "$RUN_SECS" "$path")
	fi
	kv "$r" "$STAT"
}
pathof() {
	case $1 in
	match) echo "$MATCH_PATH" ;;
	unrelated) echo @getppid ;;
	*) echo "$NOMATCH_PATH" ;;
	esac
}

declare -A RES DEL
BASES=""
read -r -a ORDER <<<"$TRACERS"
n=${#ORDER[@]}
echo "# $BENCH_NAME: rounds=$ROUNDS run=${RUN_SECS}s stat=$STAT wl_cpu=$WL_CPU tracer_cpu=$TRACER_CPU" >&2
for r in $(seq 1 "$ROUNDS"); do
	line="# round $r:"
	for k in $(seq 0 $((n - 1))); do
		t=${ORDER[$(((k + r - 1) % n))]}
		[ -n "${SKIP[$t]:-}" ] && continue
		declare -A B=() X=()
		for v in ${VARS[$t]}; do
			B[$v]=$(run_wl "" "$(pathof "$v")")
		done
		if [ "${KIND[$t]}" = bg ] && ! start_bg "$t" "${CMD[$t]}" "${OUTF[$t]}"; then
			SKIP[$t]="start_failed:$(errtag "$T/$t.err")"
			stop_bg; line+=" $t=FAILED"; continue
		fi
		for v in ${VARS[$t]}; do
			pre=""; [ "${KIND[$t]}" = wrap ] && pre=${CMD[$t]}
			X[$v]=$(run_wl "$pre" "$(pathof "$v")")
		done
		[ "${KIND[$t]}" = bg ] && stop_bg
		# Untraced again right after: the baseline is the mean of the runs
		# before and after, so a drift of the machine during the session
		# counts half, not whole.
		for v in ${VARS[$t]}; do
			b2=$(run_wl "" "$(pathof "$v")")
			BASES+=" ${B[$v]} $b2"
			[ -n "${X[$v]}" ] || { line+=" $t/$v=FAILED"; continue; }
			RES[$t,$v]+=" ${X[$v]}"
			DEL[$t,$v]+=" $(python3 -c "print('%.1f' % (${X[$v]} - (${B[$v]} + $b2) / 2))")"
			line+=" $t/$v=${X[$v]}(base ${B[$v]},$b2)"
		done
		if [[ $t == bpfhost* ]]; then
			line+=" lost=$(bpfhost_lost "$T/$t.err")"
			rm -f "$T/bpfhost.out"
		fi
	done
	echo "$line" >&2
done

# ------------------------------------------------------------------ summary
KEYU() { echo "$1" | tr 'a-z' 'A-Z'; }
OUT="FOREIGN_ATTACH=$FOREIGN ROUNDS=$ROUNDS RUN_SECS=$RUN_SECS STAT=$STAT BASE_NS=$(median %.0f $BASES) BASE_RANGE=$(range $BASES)"
declare -A ADD
printf "# %-22s %-8s %10s %10s %16s\n" tracer path ns/op added added_min..max >&2
for t in "${ORDER[@]}"; do
	for v in ${VARS[$t]}; do
		K=$(KEYU "$t")
		[ "$(echo ${VARS[$t]} | wc -w)" -gt 1 ] && K=${K}_$(KEYU "$v")
		if [ -z "${RES[$t,$v]:-}" ]; then
			OUT+=" ${K}_ADD_NS=NA ${K}_NOTE=${SKIP[$t]:-no_data}"
			ADD[$K]=NA
			continue
		fi
		ADD[$K]=$(median %.0f ${DEL[$t,$v]})
		OUT+=" ${K}_NS=$(median %.0f ${RES[$t,$v]}) ${K}_ADD_NS=${ADD[$K]} ${K}_ADD_RANGE=$(range ${DEL[$t,$v]})"
		printf "# %-22s %-8s %10s %10s %16s\n" "$t" "$v" \
			"$(median %.0f ${RES[$t,$v]})" "${ADD[$K]}" "$(range ${DEL[$t,$v]})" >&2
	done
done
# Targets: filtered-out open within 200 ns of the bare tracepoint; matching
# open to JSON at most a tenth of what opensnoop adds.
OUT+=" FILTERED_OUT_MINUS_FLOOR_NS=$(python3 -c '
import sys
try: print("%.0f" % (float(sys.argv[1]) - float(sys.argv[2])))
except ValueError: print("NA")' "${ADD[BPFHOST_FILTER_NOMATCH]:-NA}" "${ADD[REF_TP_EMPTY]:-NA}")"
OUT+=" MATCH_JSON_VS_OPENSNOOP=$(ratio "${ADD[BPFHOST_FILTER_MATCH]:-NA}" "${ADD[OPENSNOOP]:-NA}")"
OUT+=" ALL_JSON_VS_OPENSNOOP=$(ratio "${ADD[BPFHOST_JSON]:-NA}" "${ADD[OPENSNOOP]:-NA}")"
OUT+=" ALL_TEXT_VS_OPENSNOOP=$(ratio "${ADD[BPFHOST_TEXT]:-NA}" "${ADD[OPENSNOOP]:-NA}")"
echo "$OUT"

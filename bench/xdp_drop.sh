#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# xdp_drop.sh - packets/s that bpfhost's xdpdrop drops on one core, beside
# xdp-filter (xdp-tools), a bare XDP_DROP program and nftables drop rules on
# the same traffic in the same run; and ns per packet with BPF_PROG_TEST_RUN.
#
# The measuring is the reference script's (ANCHOR, default
# /work/shared/bench-anchors/xdp_drop.sh): two namespaces joined by a veth
# pair, a BPF_PROG_RUN live-frame generator in one, the receiver's NAPI
# pinned to one core in the other; it runs its own cases and ours through its
# BPFHOST_XDP_LOAD hook.  xdpdrop runs with a realistic rule set: ten rules,
# one of them holding a thousand IPv4 source prefixes (none matching the
# generator, so every packet also costs one trie lookup); rules 9 and 10
# drop udp and tcp to port 8080, the generator's traffic.
#
# Env: ANCHOR, BUILD_DIR (../build-bench) or BPFHOST / PLUGIN_DIR; every knob
# of the anchor (ROUNDS, WINDOW, PROTOS, CASES, ...) passes through.
# Last line: KEY=value: the anchor's figures, then ratios
#   XDPDROP_VS_<CASE>_<PROTO> = bpfhost pps / that case's pps (median)
#   XDPDROP_NS_VS_<CASE>_<PROTO> = bpfhost DUT ns/packet / that case's; on a
#     shared VM whose DUT core is not saturated, the steadier figure
#   TESTRUN_XDPDROP_VS_XDPFILTER_DROP / _PASS = ns ratio (lower is better)
# Never gates CI.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
BPFHOST=${BPFHOST:-$BUILD_DIR/host/bpfhost}
PLUGIN_DIR=${PLUGIN_DIR:-$BUILD_DIR/plugins}
ANCHOR=${ANCHOR:-/work/shared/bench-anchors/xdp_drop.sh}

die() { echo "xdp_drop: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$BPFHOST" ] || die "no $BPFHOST: run 'meson setup $BUILD_DIR --buildtype=release && ninja -C $BUILD_DIR' first (or set BPFHOST)"
[ -f "$PLUGIN_DIR/xdpdrop.so" ] || die "no $PLUGIN_DIR/xdpdrop.so (set PLUGIN_DIR)"
[ -f "$ANCHOR" ] || die "no reference script $ANCHOR (set ANCHOR)"

# xdp-filter keeps its state in bpffs.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"

T=$(mktemp -d /tmp/bh_xdpdrop.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# A thousand /24s from 100.64.0.0/10, far from the generator's 198.18.0.1.
python3 - "$T/prefixes" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        f.write("100.%d.%d.0/24\n" % (64 + i // 256, i % 256))
PY
cat >"$T/xdpdrop.ini" <<EOF2
[xdpdrop]
interface = bh-dut0
xdp_mode = native
interval = 0
rule = drop tcp dport 22 src 192.0.2.0/24
rule = drop udp sport 53 src 10.0.0.0/8
rule = drop ip6 src 2001:db8::/32
rule = drop icmp
rule = drop tcp dport 9000-9100
rule = drop udp dport 5000-6000 dst 203.0.113.0/24
rule = drop ip src @$T/prefixes
rule = drop tcp sport 1-1023 dst 198.51.100.0/24
rule = drop udp dport 8080
rule = drop tcp dport 8080
EOF2

export BPFHOST_XDP_LOAD="exec $BPFHOST --plugin-dir $PLUGIN_DIR -c $T/xdpdrop.ini -p xdpdrop -F json >$T/bpfhost.out"
export BPFHOST_XDP_UNLOAD=":"
bash "$ANCHOR" | tee "$T/anchor.out" >&2 || die "the reference script failed"
LINE=$(tail -n 1 "$T/anchor.out")
case $LINE in *BPFHOST_*_PPS=*) ;; *) die "no bpfhost figures in: $LINE" ;; esac

python3 - "$LINE" <<'PY'
import sys
kv = dict(w.split("=", 1) for w in sys.argv[1].split() if "=" in w)

def num(k):
    try:
        return float(kv[k])
    except (KeyError, ValueError):
        return None

out = [sys.argv[1]]
for proto in ("UDP", "TCP"):
    bh = num("BPFHOST_%s_PPS" % proto)
    for case in ("XDP_FILTER", "XDP_DROP", "NFT_INGRESS", "NFT_PREROUTING"):
        other = num("%s_%s_PPS" % (case, proto))
        if bh and other:
            out.append("XDPDROP_VS_%s_%s=%.2f" % (case, proto, bh / other))
        bh_ns = num("BPFHOST_%s_NS_PER_PKT" % proto)
        other_ns = num("%s_%s_NS_PER_PKT" % (case, proto))
        if bh_ns and other_ns:
            out.append("XDPDROP_NS_VS_%s_%s=%.2f" % (case, proto,
                                                      bh_ns / other_ns))
for what in ("DROP", "PASS"):
    bh, xf = num("TESTRUN_BPFHOST_%s_NS" % what), num("TESTRUN_XDPFILTER_%s_NS" % what)
    if bh and xf:
        out.append("TESTRUN_XDPDROP_VS_XDPFILTER_%s=%.2f" % (what, bh / xf))
print(" ".join(out))
PY

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Markdown summary of a run_all.sh run: one table per bench script, made
from the KEY=value line each script prints last, and the targets of issue 8
with whether this run met them.  Scripts this file does not know (e.g. a new
one) are listed key by key."""
import os
import sys


def load(log_dir):
    runs = {}
    for name in sorted(os.listdir(log_dir)):
        if not name.endswith(".kv"):
            continue
        with open(os.path.join(log_dir, name)) as f:
            line = f.read().strip()
        runs[name[:-3]] = dict(kv.split("=", 1) for kv in line.split()
                               if "=" in kv)
    return runs


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def table(head, rows):
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    print()


def verdict(value, ok):
    v = num(value)
    if v is None:
        return "n/a"
    return "met" if ok(v) else "MISSED"


def tracers(kv, suffix):
    return [k[:-len(suffix)] for k in kv if k.endswith(suffix)]


def open_overhead(kv):
    print("### Open overhead (ns added per openat+close, median of rounds)")
    print()
    print("Untraced open+close: %s ns (%s)." % (kv.get("BASE_NS"),
                                               kv.get("BASE_RANGE")))
    print()
    rows = [(t.lower(), kv.get(t + "_ADD_NS"), kv.get(t + "_ADD_RANGE", ""))
            for t in tracers(kv, "_ADD_NS")]
    table(["tracer", "added ns", "min..max"], rows)
    return [
        ("filtered-out open minus bare tracepoint (ns)",
         kv.get("FILTERED_OUT_MINUS_FLOOR_NS"), "<= 200",
         verdict(kv.get("FILTERED_OUT_MINUS_FLOOR_NS"), lambda v: v <= 200)),
        ("matching open to JSON / opensnoop added",
         kv.get("MATCH_JSON_VS_OPENSNOOP"), "<= 0.10",
         verdict(kv.get("MATCH_JSON_VS_OPENSNOOP"), lambda v: v <= 0.1)),
    ]


def event_throughput(kv):
    print("### Event throughput (workload flat out on one core)")
    print()
    print("Untraced workload: %s opens/s." % kv.get("NONE_OPENS_PER_S"))
    print()
    rows = [(t.lower(), kv.get(t + "_DELIVERED_PER_S"),
             kv.get(t + "_DELIVERED_PER_S_RANGE"), kv.get(t + "_LOSS_PCT"),
             kv.get(t + "_LOST_REPORTED"), kv.get(t + "_CPU_PCT"),
             kv.get(t + "_CPU_NS_PER_EVENT"))
            for t in tracers(kv, "_DELIVERED_PER_S")]
    table(["tracer", "delivered/s", "min..max", "loss %", "lost reported",
           "tracer CPU %", "tracer CPU ns/event"], rows)
    # Zero loss in every round, not only in the median one.
    worst = kv.get("BPFHOST_JSON_LOSS_PCT_RANGE", "NA").split("..")[-1]
    ratio = kv.get("JSON_VS_OPENSNOOP")
    return [("JSON events/s / opensnoop, zero loss in every round",
             "%s, loss %s%% (worst round %s%%)" %
             (ratio, kv.get("BPFHOST_JSON_LOSS_PCT"), worst),
             ">= 4, 0",
             verdict(ratio, lambda v: v >= 4 and num(worst) == 0))]


def startup_rss(kv):
    print("### Start-up and memory (median of rounds)")
    print()
    print("bpfhost_all ran: %s." % kv.get("BPFHOST_ALL_PLUGINS"))
    print()
    rows = [(t.lower(), kv.get(t + "_HEADER_MS"), kv.get(t + "_EVENT_MS"),
             kv.get(t + "_EVENT_MS_RANGE"), kv.get(t + "_MAXRSS_KB"),
             kv.get(t + "_CPU_MS"))
            for t in tracers(kv, "_EVENT_MS")]
    table(["tracer", "attached ms", "first event ms", "min..max",
           "max RSS KiB", "CPU ms"], rows)
    return [
        ("all plugins attached / opensnoop attached",
         kv.get("ALL_ATTACH_VS_OPENSNOOP"), "< 1",
         verdict(kv.get("ALL_ATTACH_VS_OPENSNOOP"), lambda v: v < 1)),
        ("all plugins max RSS (MB)", kv.get("ALL_RSS_MB"), "< 16",
         verdict(kv.get("ALL_RSS_MB"), lambda v: v < 16)),
    ]


def xdp_drop(kv):
    print("### XDP drop (veth pair, receiver NAPI on one core)")
    print()
    print("Generator: %s, offering %s pps (udp)." %
          (kv.get("GEN"), kv.get("GEN_OFFERED_UDP_PPS")))
    print()
    cases = [("BPFHOST", "xdpdrop (bpfhost)"), ("XDP_FILTER", "xdp-filter"),
             ("XDP_DROP", "bare XDP_DROP"), ("NFT_INGRESS", "nft netdev ingress"),
             ("NFT_PREROUTING", "nft prerouting"), ("STACK", "no filter (stack)")]
    rows = []
    for key, label in cases:
        row = [label]
        for proto in ("UDP", "TCP"):
            k = "%s_%s" % (key, proto)
            row += [kv.get(k + "_PPS"), kv.get(k + "_PPS_RANGE"),
                    kv.get(k + "_NS_PER_PKT")]
        rows.append(row)
    table(["", "udp pps", "udp min-max", "udp ns/pkt", "tcp pps",
           "tcp min-max", "tcp ns/pkt"], rows)
    print("BPF_PROG_TEST_RUN ns/packet: xdpdrop %s (drop) / %s (pass), "
          "xdp-filter %s / %s, bare XDP_DROP %s." %
          (kv.get("TESTRUN_BPFHOST_DROP_NS"), kv.get("TESTRUN_BPFHOST_PASS_NS"),
           kv.get("TESTRUN_XDPFILTER_DROP_NS"), kv.get("TESTRUN_XDPFILTER_PASS_NS"),
           kv.get("TESTRUN_CONST_DROP_NS")))
    print()
    targets = []
    for proto in ("UDP", "TCP"):
        for case, want, ok in (("XDP_FILTER", ">= 1.5", lambda v: v >= 1.5),
                               ("XDP_DROP", ">= 0.7", lambda v: v >= 0.7),
                               ("NFT_INGRESS", ">= 4", lambda v: v >= 4)):
            k = "XDPDROP_VS_%s_%s" % (case, proto)
            targets.append(("xdpdrop pps / %s pps, %s" % (case.lower(), proto.lower()),
                            kv.get(k), want, verdict(kv.get(k), ok)))
    targets.append(("xdpdrop BPF_PROG_TEST_RUN ns (10 rules, 1000 prefixes)",
                    kv.get("TESTRUN_BPFHOST_DROP_NS"), "< 60",
                    verdict(kv.get("TESTRUN_BPFHOST_DROP_NS"), lambda v: v < 60)))
    return targets


def other(name, kv):
    print("### %s" % name)
    print()
    table(["key", "value"], sorted(kv.items()))
    return []


KNOWN = {
    "open_overhead": open_overhead,
    "event_throughput": event_throughput,
    "startup_rss": startup_rss,
    "xdp_drop": xdp_drop,
}


def main():
    targets = []
    for name, kv in load(sys.argv[1]).items():
        if not kv:
            print("### %s: no figures (see its log)\n" % name)
            continue
        targets += KNOWN.get(name, lambda kv: other(name, kv))(kv)
    if targets:
        print("### Targets (issue 8)")
        print()
        table(["target", "this run", "wanted", ""], targets)


main()

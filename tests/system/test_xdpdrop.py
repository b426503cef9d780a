# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""xdpdrop against the real kernel, on veth pairs between namespaces.

Every test builds its own pair of network namespaces (unique names) joined
by one veth pair; all traffic stays inside them.  bpfhost runs inside one of
them.  The namespaces are removed whatever happens.
"""
import contextlib
import ctypes
import errno
import itertools
import json
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from bpfhost_test import Bpfhost, main, need_root, run_bpfhost

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_serial = itertools.count()


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True,
                          text=True).stdout


@contextlib.contextmanager
def in_netns(name):
    """Run the block (and what it starts or opens) in netns name."""
    orig = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + name)
        yield
    finally:
        _libc.setns(orig, CLONE_NEWNET)
        os.close(orig)
        os.close(target)


class VethPair:
    """netns A (sender) and B (receiver), a veth between them.

    A: 10.201.0.1/24, 2001:db8:1::1/64 and 2001:db8:2::1/64
    B: 10.201.0.2/24, 2001:db8:1::2/64 and 2001:db8:2::2/64
    Neighbours are static, so no ARP/ND packet meets a rule.
    """
    A4, B4 = "10.201.0.1", "10.201.0.2"

    def __init__(self):
        tag = "%d-%d" % (os.getpid() % 100000, next(_serial))
        self.ns_a, self.ns_b = "xdpd%sa" % tag, "xdpd%sb" % tag
        self.if_a, self.if_b = "xd%sa" % tag, "xd%sb" % tag
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self):
        sh("ip", "netns", "add", self.ns_a)
        sh("ip", "netns", "add", self.ns_b)
        sh("ip", "link", "add", self.if_a, "netns", self.ns_a, "type",
           "veth", "peer", "name", self.if_b, "netns", self.ns_b)
        for ns, ifc, last in ((self.ns_a, self.if_a, 1),
                              (self.ns_b, self.if_b, 2)):
            sh("ip", "-n", ns, "addr", "add", "10.201.0.%d/24" % last,
               "dev", ifc)
            for net in (1, 2):
                sh("ip", "-n", ns, "addr", "add",
                   "2001:db8:%d::%d/64" % (net, last), "dev", ifc, "nodad")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", ifc, "up")
        mac_a = self.mac(self.ns_a, self.if_a)
        mac_b = self.mac(self.ns_b, self.if_b)
        for ns, ifc, peer, mac in ((self.ns_a, self.if_a, 2, mac_b),
                                   (self.ns_b, self.if_b, 1, mac_a)):
            addrs = ["10.201.0.%d" % peer] + \
                ["2001:db8:%d::%d" % (n, peer) for n in (1, 2)]
            for addr in addrs:
                sh("ip", "-n", ns, "neigh", "replace", addr, "lladdr", mac,
                   "dev", ifc, "nud", "permanent")

    @staticmethod
    def mac(ns, ifc):
        return json.loads(sh("ip", "-n", ns, "-j", "link", "show",
                             ifc))[0]["address"]

    def close(self):
        for ns in (self.ns_a, self.ns_b):
            sh("ip", "netns", "del", ns, check=False)


def start(ns, *opts, fmt="json"):
    """bpfhost -p xdpdrop in netns ns with -o xdpdrop.KEY=VALUE opts."""
    args = ["-p", "xdpdrop", "-F", fmt]
    for o in opts:
        args += ["-o", "xdpdrop." + o]
    with in_netns(ns):
        return Bpfhost(*args)


def links_of(pid):
    """{link_type: [fdinfo dict]} of the BPF links process pid holds."""
    out = {}
    fddir = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fddir):
        try:
            with open(os.path.join(fddir, fd)) as f:
                info = dict(l.split(":", 1) for l in f.read().splitlines()
                            if ":" in l)
        except OSError:
            continue
        info = {k.strip(): v.strip() for k, v in info.items()}
        if "link_type" in info:
            out.setdefault(info["link_type"], []).append(info)
    return out


def prog_exists(prog_id):
    return subprocess.run(["bpftool", "prog", "show", "id", str(prog_id)],
                          capture_output=True).returncode == 0


def tcp_answers(ns, addr, port, timeout=1.0):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with in_netns(ns):
        s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


def listen_tcp(ns, ports):
    socks = []
    with in_netns(ns):
        for port in ports:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port))
            s.listen(16)
            socks.append(s)
    return socks


def udp_receiver(ns, addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with in_netns(ns):
        s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.2)
    return s


def udp_send(ns, src, dst, port, count, payload=b"x" * 32):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with in_netns(ns):
        s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for _ in range(count):
        s.sendto(payload, (dst, port))
        time.sleep(0.001)
    s.close()


def drain(sock):
    n = 0
    while True:
        try:
            sock.recv(2048)
            n += 1
        except socket.timeout:
            return n


def final_summary(host, rule):
    recs = host.records(event="summary", rule=rule, final=True)
    if len(recs) != 1:
        raise AssertionError("want one final summary of rule %d:\n%s" %
                             (rule, host.stdout()))
    return recs[0]


class XdpdropTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.net = VethPair()
        self.addCleanup(self.net.close)

    def host(self, ns, *opts, fmt="json"):
        h = start(ns, *opts, fmt=fmt)
        self.addCleanup(h.__exit__)
        return h

    def test_tcp_syn_8080_dropped_8081_answered(self):
        n = self.net
        socks = listen_tcp(n.ns_b, (8080, 8081))
        self.addCleanup(lambda: [s.close() for s in socks])
        self.assertTrue(tcp_answers(n.ns_a, n.B4, 8080))
        h = self.host(n.ns_b, "interface=" + n.if_b,
                      "rule=drop tcp dport 8080", "sample_rate=100")
        self.assertEqual(list(links_of(h.proc.pid)), ["xdp"])
        self.assertFalse(tcp_answers(n.ns_a, n.B4, 8080))
        self.assertTrue(tcp_answers(n.ns_a, n.B4, 8081))
        self.assertEqual(h.stop(), 0)
        drops = h.records(event="drop")
        self.assertGreaterEqual(len(drops), 1)
        for d in drops:
            self.assertEqual((d["rule"], d["action"], d["direction"]),
                             (1, "drop", "ingress"))
            self.assertEqual((d["saddr"], d["daddr"], d["dport"],
                              d["proto"], d["family"]),
                             ("::ffff:" + n.A4, "::ffff:" + n.B4, 8080, 6, 4))
        s = final_summary(h, 1)
        self.assertEqual(s["ingress_packets"], len(drops))
        self.assertEqual(s["text"], "drop tcp dport 8080")

    def test_udp_counters_equal_packets_sent(self):
        n, count, payload = self.net, 137, b"y" * 50
        drop_rx = udp_receiver(n.ns_b, n.B4, 5353)
        pass_rx = udp_receiver(n.ns_b, n.B4, 5354)
        self.addCleanup(drop_rx.close)
        self.addCleanup(pass_rx.close)
        h = self.host(n.ns_b, "interface=" + n.if_b,
                      "rule=drop udp dport 5353 src 10.201.0.0/24",
                      "rule=drop udp sport 1-1023", "interval=1")
        udp_send(n.ns_a, n.A4, n.B4, 5353, count, payload)
        udp_send(n.ns_a, n.A4, n.B4, 5354, 20, payload)
        time.sleep(1.2)
        self.assertEqual(h.stop(), 0)
        self.assertEqual(drain(drop_rx), 0)
        self.assertEqual(drain(pass_rx), 20)
        s = final_summary(h, 1)
        self.assertEqual(s["ingress_packets"], count)
        # Ethernet 14 + IPv4 20 + UDP 8 + payload.
        self.assertEqual(s["ingress_bytes"], count * (42 + len(payload)))
        self.assertEqual(final_summary(h, 2)["ingress_packets"], 0)
        periodic = h.records(event="summary", rule=1, final=False)
        self.assertGreaterEqual(len(periodic), 1)

    def test_ipv6_prefix(self):
        n, count = self.net, 25
        rx = udp_receiver(n.ns_b, "2001:db8:2::2", 7000)
        self.addCleanup(rx.close)
        h = self.host(n.ns_b, "interface=" + n.if_b,
                      "rule=drop ip6 src 2001:db8:1::/48")
        udp_send(n.ns_a, "2001:db8:1::1", "2001:db8:2::2", 7000, count)
        udp_send(n.ns_a, "2001:db8:2::1", "2001:db8:2::2", 7000, 10)
        udp_send(n.ns_a, n.A4, n.B4, 7000, 5)
        self.assertEqual(h.stop(), 0)
        self.assertEqual(drain(rx), 10)
        self.assertEqual(final_summary(h, 1)["ingress_packets"], count)

    def test_egress_block_from_inside(self):
        n = self.net
        socks = listen_tcp(n.ns_b, (8080, 8081))
        self.addCleanup(lambda: [s.close() for s in socks])
        h = self.host(n.ns_a, "interface=" + n.if_a, "direction=egress",
                      "rule=drop tcp dport 8080")
        links = links_of(h.proc.pid)
        self.assertEqual([l["attach_type"] for l in links.get("tcx", [])],
                         ["47 (egress)"])
        self.assertNotIn("xdp", links)
        self.assertFalse(tcp_answers(n.ns_a, n.B4, 8080))
        self.assertTrue(tcp_answers(n.ns_a, n.B4, 8081))
        self.assertEqual(h.stop(), 0)
        s = final_summary(h, 1)
        self.assertGreaterEqual(s["egress_packets"], 1)
        self.assertEqual(s["ingress_packets"], 0)

    def test_monitor_counts_and_passes(self):
        n, count = self.net, 40
        rx = udp_receiver(n.ns_b, n.B4, 6000)
        self.addCleanup(rx.close)
        h = self.host(n.ns_b, "interface=" + n.if_b, "mode=monitor",
                      "rule=drop udp dport 6000", "sample_rate=5")
        udp_send(n.ns_a, n.A4, n.B4, 6000, count)
        self.assertEqual(h.stop(), 0)
        self.assertEqual(drain(rx), count)
        self.assertEqual(final_summary(h, 1)["ingress_packets"], count)
        # The kernel keeps to the budget: 5 a second, a few over at most.
        drops = h.records(event="drop")
        self.assertGreaterEqual(len(drops), 5)
        self.assertLessEqual(len(drops), 5 * 2 + os.cpu_count())
        self.assertTrue(all(d["action"] == "monitor" for d in drops))

    def test_sigkill_leaves_no_program(self):
        n = self.net
        h = self.host(n.ns_b, "interface=" + n.if_b, "direction=both",
                      "rule=drop tcp dport 8080")
        links = links_of(h.proc.pid)
        progs = [int(l["prog_id"]) for t in ("xdp", "tcx")
                 for l in links.get(t, [])]
        self.assertEqual(len(progs), 2, links)
        self.assertIn("prog/xdp", sh("ip", "-n", n.ns_b, "link", "show",
                                     n.if_b))
        h.proc.send_signal(signal.SIGKILL)
        h.proc.wait()
        deadline = time.monotonic() + 5
        while any(prog_exists(p) for p in progs):
            self.assertLess(time.monotonic(), deadline, "programs remain")
            time.sleep(0.05)
        self.assertNotIn("prog/xdp", sh("ip", "-n", n.ns_b, "link", "show",
                                        n.if_b))
        self.assertEqual(sh("ip", "netns", "exec", n.ns_b, "tc", "filter",
                            "show", "dev", n.if_b, "egress"), "")
        net = json.loads(sh("ip", "netns", "exec", n.ns_b, "bpftool", "net",
                            "-j"))[0]
        self.assertEqual((net["xdp"], net["tc"]), ([], []))

    def test_qdisc_fallback_cleaned_on_next_start(self):
        n = self.net
        tc_show = ("ip", "netns", "exec", n.ns_b, "tc", "filter", "show",
                   "dev", n.if_b, "egress")
        h = self.host(n.ns_b, "interface=" + n.if_b, "direction=egress",
                      "tc_attach=qdisc", "rule=drop tcp dport 8080")
        self.assertIn("xdpdrop_egress", sh(*tc_show))
        h.kill()
        # What tcx links avoid: a filter outliving its process ...
        self.assertIn("xdpdrop_egress", sh(*tc_show))
        # ... which a start without the egress program cannot tell for
        # its own, so it leaves it and says how to remove it ...
        rc, line = self.refused(n.ns_b, "interface=" + n.if_b,
                                "rule=drop tcp dport 8080")
        self.assertEqual(rc, 1, line)
        self.assertIn("which an ingress-only start cannot tell for its own: "
                      "remove it with 'tc filter del dev %s egress pref 216 "
                      "handle 0xd809 bpf'" % n.if_b, line)
        self.assertIn("xdpdrop_egress", sh(*tc_show))
        # ... which the next start with the same program (whatever its
        # rules: they live in maps) removes, and says so.
        h2 = self.host(n.ns_b, "interface=" + n.if_b, "direction=egress",
                       "rule=drop udp dport 53 src 10.0.0.0/8")
        self.assertIn("removed a stale xdpdrop egress filter from " +
                      n.if_b, h2.stderr())
        self.assertNotIn("xdpdrop_egress", sh(*tc_show))
        self.assertIn("tcx", links_of(h2.proc.pid))
        self.assertEqual(h2.stop(), 0)

    def test_bad_input_exits_2(self):
        n = self.net
        cases = [
            (["interface=" + n.if_b, "rule=drop tcp dprt 8080"],
             "rule 1 'drop tcp dprt 8080': unknown word 'dprt'"),
            (["interface=" + n.if_b, "rule=drop tcp dport 80",
              "rule=drop udp dport 99999"],
             "rule 2 'drop udp dport 99999': bad port '99999'"),
            (["rule=drop icmp"], "no interface given"),
            (["interface=nosuchif0", "rule=drop icmp"],
             "unknown interface 'nosuchif0'"),
            (["interface=" + n.if_b], "no rule given"),
        ]
        # Lists that would be empty: before, each read as "any address".
        tmp = tempfile.TemporaryDirectory(prefix="xdpdrop-lists-")
        self.addCleanup(tmp.cleanup)
        empty = os.path.join(tmp.name, "empty")
        with open(empty, "w") as f:
            f.write("# no prefix yet\n")
        for rule, says in (
                ("drop src @" + empty,
                 "prefix file '%s' holds no prefix" % empty),
                ("drop src @/dev/null",
                 "prefix file '/dev/null' is a character device"),
                ("drop src @" + tmp.name,
                 "prefix file '%s' is a directory" % tmp.name),
                ("drop src ,", "an empty item in the prefix list")):
            cases.append((["interface=" + n.if_b, "rule=" + rule],
                          "rule 1 '%s': %s" % (rule, says)))
        # A device whose packets start at the IP header: its frames would
        # be read as Ethernet and pass every rule.
        subprocess.run(["ip", "netns", "exec", n.ns_b, "ip", "tuntap", "add",
                        "dev", "tunx", "mode", "tun"], check=True)
        cases.append((["interface=tunx", "rule=drop tcp dport 8080"],
                      "interface 'tunx' carries no Ethernet header"))
        for opts, says in cases:
            args = ["-p", "xdpdrop", "-d", "5"]
            for o in opts:
                args += ["-o", "xdpdrop." + o]
            with in_netns(n.ns_b):
                rc, _, err = run_bpfhost(*args)
            self.assertEqual(rc, 2, err)
            self.assertIn(says, err)
            lines = [l for l in err.splitlines() if "xdpdrop:" in l]
            self.assertEqual(len(lines), 1, err)

    def test_config_file_rules(self):
        n = self.net
        rx = udp_receiver(n.ns_b, n.B4, 4000)
        self.addCleanup(rx.close)
        with tempfile.NamedTemporaryFile("w", suffix=".ini") as ini:
            ini.write("[xdpdrop]\ninterface = %s\n"
                      "rule = drop tcp dport 8080\n"
                      "rule = drop udp dport 3999-4001\n" % n.if_b)
            ini.flush()
            with in_netns(n.ns_b):
                h = Bpfhost("-c", ini.name, "-p", "xdpdrop", "-F", "json")
            self.addCleanup(h.__exit__)
            udp_send(n.ns_a, n.A4, n.B4, 4000, 9)
            self.assertEqual(h.stop(), 0)
        self.assertEqual(drain(rx), 0)
        self.assertEqual(final_summary(h, 2)["ingress_packets"], 9)


    def refused(self, ns, *opts):
        """bpfhost -p xdpdrop that must not start: (exit code, its one
        xdpdrop line)."""
        args = ["-p", "xdpdrop", "-d", "5"]
        for o in opts:
            args += ["-o", "xdpdrop." + o]
        with in_netns(ns):
            rc, _, err = run_bpfhost(*args)
        lines = [l for l in err.splitlines() if "xdpdrop:" in l]
        self.assertEqual(len(lines), 1, err)
        return rc, lines[0]

    def test_second_instance_changes_nothing(self):
        """A second bpfhost on a running one's interface is refused with one
        line, and the running one keeps its filter, its XDP and its rule."""
        n = self.net
        socks = listen_tcp(n.ns_b, (8080, 8081))
        self.addCleanup(lambda: [s.close() for s in socks])
        tc_show = ("ip", "netns", "exec", n.ns_b, "tc", "filter", "show",
                   "dev", n.if_b, "egress")
        for attach in ("qdisc", "link"):
            h = self.host(n.ns_b, "interface=" + n.if_b, "direction=both",
                          "tc_attach=" + attach, "rule=drop tcp dport 8080")
            before = (sh(*tc_show), links_of(h.proc.pid))
            for direction in ("ingress", "egress", "both"):
                rc, line = self.refused(n.ns_b, "interface=" + n.if_b,
                                        "direction=" + direction,
                                        "rule=drop udp dport 53")
                self.assertEqual(rc, 1, line)
                self.assertIn("%s already runs xdpdrop for another bpfhost "
                              "(pid %d)" % (n.if_b, h.proc.pid), line)
                self.assertEqual((sh(*tc_show), links_of(h.proc.pid)),
                                 before, (attach, direction))
            self.assertFalse(tcp_answers(n.ns_a, n.B4, 8080))
            self.assertTrue(tcp_answers(n.ns_a, n.B4, 8081))
            self.assertNotIn("removed", h.stderr())
            self.assertEqual(h.stop(), 0)
            self.assertGreaterEqual(final_summary(h, 1)["ingress_packets"], 1)

    def test_foreign_filter_at_our_slot_left_alone(self):
        n = self.net
        obj = os.path.join(os.environ.get("BPFHOST_BUILD_ROOT", "build"),
                           "tests", "tc_foreign.bpf.o")
        tc = ("ip", "netns", "exec", n.ns_b, "tc")
        sh(*tc, "qdisc", "add", "dev", n.if_b, "clsact")
        sh(*tc, "filter", "add", "dev", n.if_b, "egress", "pref", "216",
           "handle", "0xd809", "bpf", "da", "obj", obj, "sec", "tc")
        show = tc + ("filter", "show", "dev", n.if_b, "egress")
        self.assertIn("foreign_pass", sh(*show))
        h = self.host(n.ns_b, "interface=" + n.if_b, "direction=both",
                      "rule=drop tcp dport 8080")
        self.assertIn("foreign_pass", sh(*show))
        self.assertIn("tcx", links_of(h.proc.pid))
        self.assertEqual(h.stop(), 0)
        self.assertIn("foreign_pass", sh(*show))
        rc, line = self.refused(n.ns_b, "interface=" + n.if_b,
                                "direction=egress", "tc_attach=qdisc",
                                "rule=drop tcp dport 8080")
        self.assertEqual(rc, 1, line)
        self.assertIn("another program's tc filter holds xdpdrop's egress "
                      "slot on %s (pref 216 handle 0xd809)" % n.if_b, line)
        self.assertIn("foreign_pass", sh(*show))

    def test_mtu_9000_auto_falls_back_to_generic(self):
        n = self.net
        for ns, ifc in ((n.ns_a, n.if_a), (n.ns_b, n.if_b)):
            sh("ip", "-n", ns, "link", "set", ifc, "mtu", "9000")
        socks = listen_tcp(n.ns_b, (8080, 8081))
        self.addCleanup(lambda: [s.close() for s in socks])
        rc, line = self.refused(n.ns_b, "interface=" + n.if_b,
                                "xdp_mode=native", "rule=drop tcp dport 8080")
        self.assertEqual(rc, 1, line)
        self.assertIn("cannot attach native XDP to %s" % n.if_b, line)
        self.assertIn("MTU", line)
        self.assertIn("use xdp_mode = auto", line)
        h = self.host(n.ns_b, "interface=" + n.if_b,
                      "rule=drop tcp dport 8080")
        self.assertIn("%s: native XDP refused" % n.if_b, h.stderr())
        self.assertIn("XDP attached in generic mode", h.stderr())
        self.assertIn("xdpgeneric", sh("ip", "-n", n.ns_b, "link", "show",
                                       n.if_b))
        self.assertFalse(tcp_answers(n.ns_a, n.B4, 8080))
        self.assertTrue(tcp_answers(n.ns_a, n.B4, 8081))
        self.assertEqual(h.stop(), 0)


# ---- BPF_PROG_TEST_RUN on hand-made packets -------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


ETH_DST, ETH_SRC = bytes.fromhex("020000000002"), bytes.fromhex("020000000001")


def eth(ethertype, vlans=(), tci=7, dst=ETH_DST, src=ETH_SRC):
    h = dst + src
    for tpid in vlans:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", ethertype)


def udp(sport, dport, payload=b"p" * 8):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp_syn(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02,
                       65535, 0, 0)


MF = 0x2000     # IPv4 "more fragments"


def ipv4(proto, l4, options=b"", frag=0, ihl=None, src="10.9.0.1",
         dst="10.9.0.2", ident=1):
    words = (20 + len(options)) // 4
    h = struct.pack("!BBHHHBBH4s4s", (4 << 4) | (ihl or words), 0,
                    20 + len(options) + len(l4), ident, frag, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ipv6(nexthdr, payload, src="2001:db8::1", dst="fd00::2"):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nexthdr, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def ext(nexthdr, body=b"\0" * 6):
    """A hop-by-hop/destination options header of 8 bytes."""
    return struct.pack("!BB", nexthdr, 0) + body


def frag6(nexthdr, offset, more=False):
    return struct.pack("!BBHI", nexthdr, 0, offset << 3 | more, 99)


def ah(nexthdr):
    """An authentication header of 12 bytes (length in 4-byte words - 2)."""
    return struct.pack("!BBHII", nexthdr, 1, 0, 7, 1)


class ProgRunCase(unittest.TestCase):
    """Both programs, run by BPF_PROG_TEST_RUN on packets made here, with
    the rules of the subclass."""
    RULES = []

    def setUp(self):
        need_root(self)
        self.net = VethPair()
        self.addCleanup(self.net.close)
        self.h = start(self.net.ns_b, "interface=" + self.net.if_b,
                       "direction=both", *self.RULES)
        self.addCleanup(self.h.__exit__)
        links = links_of(self.h.proc.pid)
        self.xdp = int(links["xdp"][0]["prog_id"])
        self.tc = int(links["tcx"][0]["prog_id"])
        self.tmp = tempfile.TemporaryDirectory(prefix="xdpdrop-pkt-")
        self.addCleanup(self.tmp.cleanup)

    def run_prog(self, prog, pkt):
        """The program's return value; None if the kernel refused to run
        it on this packet."""
        path = os.path.join(self.tmp.name, "pkt")
        with open(path, "wb") as f:
            f.write(pkt)
        p = subprocess.run(["bpftool", "prog", "run", "id", str(prog),
                            "data_in", path, "repeat", "1"],
                           capture_output=True, text=True)
        if p.returncode and "Invalid argument" in p.stderr:
            return None
        self.assertEqual(p.returncode, 0, p.stderr)
        return int(re.search(r"Return value: (\d+)", p.stdout).group(1))

    def verdicts(self, pkt):
        """(XDP verdict, tc verdict): "drop", "pass" or None (refused)."""
        xdp = self.run_prog(self.xdp, pkt)
        tc = self.run_prog(self.tc, pkt)
        return ({1: "drop", 2: "pass"}.get(xdp, xdp),
                {2: "drop", 0xffffffff: "pass"}.get(tc, tc))

    def assertDrop(self, pkt, why, tc_may_refuse=False):
        xdp, tc = self.verdicts(pkt)
        self.assertEqual(xdp, "drop", why)
        # The kernel runs tc programs only on frames whose untagged IP
        # header is whole; it refuses shorter ones before the program.
        self.assertIn(tc, ("drop", None) if tc_may_refuse else ("drop",),
                      why)

    def assertPass(self, pkt, why, tc_may_refuse=False):
        xdp, tc = self.verdicts(pkt)
        self.assertEqual(xdp, "pass", why)
        self.assertIn(tc, ("pass", None) if tc_may_refuse else ("pass",),
                      why)


class PacketParsingTest(ProgRunCase):
    RULES = ["rule=drop udp dport 8080", "rule=drop ip6 src 2001:db8::/32",
             "rule=drop tcp dport 9000-9100"]

    def test_matching_packets(self):
        v4udp = ipv4(17, udp(1234, 8080))
        self.assertDrop(eth(0x0800) + v4udp, "udp 8080")
        self.assertPass(eth(0x0800) + ipv4(17, udp(1234, 8081)), "udp 8081")
        self.assertDrop(eth(0x0800, [0x8100]) + v4udp, "one VLAN tag")
        self.assertDrop(eth(0x0800, [0x88a8, 0x8100]) + v4udp, "QinQ")
        self.assertDrop(eth(0x0800) + ipv4(17, udp(1, 8080),
                                          options=b"\x01" * 8),
                        "IPv4 options")
        self.assertDrop(eth(0x0800) + ipv4(6, tcp_syn(1, 9050)), "tcp range")
        self.assertPass(eth(0x0800) + ipv4(6, tcp_syn(1, 9101)), "past range")
        self.assertDrop(eth(0x86dd) + ipv6(59, b""), "ip6 src, no next header")
        self.assertDrop(eth(0x86dd) + ipv6(17, udp(1, 8080), src="fd00::1"),
                        "udp 8080 over IPv6")
        self.assertDrop(eth(0x86dd) + ipv6(0, ext(17) + udp(1, 8080),
                                            src="fd00::1"),
                        "udp 8080 after a hop-by-hop header")
        self.assertPass(eth(0x86dd) + ipv6(17, udp(1, 8081), src="fd00::1"),
                        "udp 8081 over IPv6")

    def test_frames_no_rule_can_match_pass(self):
        """What the parser read rules every rule out: ports, protocols and
        families read in full, however odd the frame."""
        v6 = dict(src="fd00::1")
        cases = [
            (eth(0x0806) + b"\0" * 28, "ARP"),
            (eth(0x0806, [0x8100] * 8) + b"\0" * 28, "ARP under 8 tags"),
            (eth(0x0800, [0x8100] * 8) + ipv4(17, udp(1, 8081)),
             "udp 8081 under 8 tags"),
            (eth(0x0800) + ipv4(17, udp(1, 8080), frag=100),
             "later IPv4 fragment: no ports, and every rule names a protocol"),
            (eth(0x86dd) + ipv6(44, frag6(17, 10) + b"\0" * 16, **v6),
             "later IPv6 fragment"),
            (eth(0x0800) + ipv4(1, b"\x08\0"), "ICMP cut short: no icmp rule"),
            (eth(0x0800) + ipv4(6, tcp_syn(1, 9101)[:4]),
             "4 bytes of TCP: ports past the range"),
            (eth(0x0800) + ipv4(17, udp(1, 8081)[:8], frag=MF),
             "8-byte first fragment, udp 8081"),
            (eth(0x86dd) + ipv6(60, ext(60) * 6 + ext(17) + udp(1, 8081), **v6),
             "seven extension headers, udp 8081"),
            (eth(0x86dd) + ipv6(60, ext(60) * 99 + ext(17) + udp(1, 8081), **v6),
             "a hundred extension headers, udp 8081"),
        ]
        for frame, why in cases:
            self.assertPass(frame, why)

    def test_fail_closed(self):
        """A frame the parser cannot read to the end matches the rules what
        it did read leaves open: here udp 8080, or tcp 9000-9100."""
        v6 = dict(src="fd00::1")
        cases = [
            # Ports as soon as 4 bytes of TCP/UDP are there (RFC 1858's
            # tiny fragments: the stack reassembles them).
            (eth(0x0800) + ipv4(6, tcp_syn(1, 9050)[:4]), "4 bytes of TCP"),
            (eth(0x0800) + ipv4(17, udp(1, 8080)[:8], frag=MF),
             "8-byte first fragment, udp 8080"),
            (eth(0x0800) + ipv4(6, tcp_syn(1, 9000)[:16], frag=MF),
             "16-byte first fragment, tcp 9000"),
            # A first fragment without its ports matches its protocol's.
            (eth(0x0800) + ipv4(6, b"", frag=MF), "empty TCP first fragment"),
            (eth(0x0800) + ipv4(6, b"\x00\x01", frag=MF),
             "TCP first fragment with a source port only"),
            (eth(0x0800) + ipv4(17, b"\x00", frag=MF),
             "one byte of UDP in a first fragment"),
            (eth(0x86dd) + ipv6(44, frag6(17, 0, more=True) + b"\x00\x01",
                                **v6),
             "IPv6 first fragment with 2 bytes of UDP"),
            # The whole IPv6 extension chain is walked.
            (eth(0x86dd) + ipv6(60, ext(60) * 6 + ext(17) + udp(1, 8080), **v6),
             "seven extension headers"),
            (eth(0x86dd) + ipv6(60, ext(60) * 399 + ext(17) + udp(1, 8080),
                                **v6),
             "four hundred extension headers"),
            (eth(0x86dd) + ipv6(0, ext(43) + ext(44) + frag6(51, 0, True) +
                                ah(60) + ext(60) * 5 + ext(17) +
                                udp(1, 8080), **v6),
             "every kind of extension header, a first fragment among them"),
            (eth(0x86dd) + ipv6(60, ext(60) * 3 + b"\x3c\xff", **v6),
             "an extension header running past the frame"),
            # VLAN stacks: eight tags walked, a deeper one matches.
            (eth(0x0800, [0x8100] * 3, tci=0) + ipv4(17, udp(1, 8080)),
             "three VID 0 tags"),
            (eth(0x0800, [0x88a8] + [0x8100] * 7) + ipv4(17, udp(1, 8080)),
             "eight tags"),
            (eth(0x0800, [0x8100] * 9) + ipv4(17, udp(1, 8081)),
             "nine tags: udp 8081 under them is not read"),
            (eth(0x0806, [0x8100] * 9) + b"\0" * 28,
             "nine tags: ARP under them is not read"),
            # IP headers the parser cannot read: every rule of the family.
            (eth(0x0800) + ipv4(1, b"\0" * 8, ihl=4), "IPv4 IHL 4"),
            (eth(0x0800) + ipv4(17, b"\0" * 8, ihl=15),
             "IPv4 options past the end: UDP without its ports"),
        ]
        bad_version = bytearray(eth(0x0800) + ipv4(1, b"\0" * 8))
        bad_version[14] = 0x65
        cases.append((bytes(bad_version), "IP version 6 in an IPv4 frame"))
        for frame, why in cases:
            self.assertDrop(frame, why)

    def test_truncated_frames_fail_closed(self):
        """Every cut of a matching frame drops; one that no rule can match,
        cut anywhere past its IP protocol, passes."""
        frames = {
            "udp": eth(0x0800, [0x8100]) + ipv4(17, udp(1, 8080),
                                                options=b"\x01" * 4),
            "tcp": eth(0x0800) + ipv4(6, tcp_syn(1, 9000)),
            "udp6": eth(0x86dd) + ipv6(60, ext(17) + udp(1, 8080),
                                       src="fd00::1"),
        }
        ip_end = {"udp": 18 + 24, "tcp": 14 + 20, "udp6": 14 + 40}
        for name, frame in frames.items():
            self.assertDrop(frame, name + " whole")
            # The kernel's test run wants at least an Ethernet header.
            for cut in range(14, len(frame)):
                self.assertDrop(frame[:cut], "%s cut at %d" % (name, cut),
                                tc_may_refuse=cut < ip_end[name])
        icmp = eth(0x0800) + ipv4(1, b"\x08\0" + b"\0" * 10)
        for cut in range(14 + 20, len(icmp)):
            self.assertPass(icmp[:cut], "ICMP cut at %d" % cut)

class PrefixMatchTest(ProgRunCase):
    """Which rule counts a packet when prefixes decide: by the first 16
    address bits alone, by the trie under them, or past a rule that needs
    no address."""
    RULES = ["rule=drop udp dport 7000 src 10.9.0.0/16",
             "rule=drop src 10.8.1.0/24",
             "rule=drop tcp dst 172.16.0.0/12",
             "rule=drop udp dport 7000",
             "rule=drop ip6 dst 2001:db8:5::/48"]

    def test_first_matching_rule_counts(self):
        cases = [
            (ipv4(17, udp(1, 7000)), 1, "src in a /16"),
            (ipv4(17, udp(1, 7000), src="10.7.0.1"), 4, "src outside"),
            (ipv4(17, udp(1, 53), src="10.8.1.5"), 2, "src in a /24"),
            (ipv4(17, udp(1, 7000), src="10.8.1.5"), 2,
             "a /24 rule before a rule without prefixes"),
            (ipv4(17, udp(1, 53), src="10.8.2.5"), None,
             "src beside the /24"),
            (ipv4(6, tcp_syn(1, 80), dst="172.20.1.1"), 3, "dst in a /12"),
            (ipv4(6, tcp_syn(1, 80), dst="172.32.0.1"), None,
             "dst past the /12"),
            (ipv6(17, udp(1, 53), src="fd00::1", dst="2001:db8:5::9"), 5,
             "IPv6 dst in a /48"),
            (ipv6(17, udp(1, 53), src="fd00::1", dst="2001:db8:6::9"), None,
             "IPv6 dst beside the /48"),
        ]
        want = {}
        for frame, rule, why in cases:
            if rule is None:
                self.assertPass(eth(0x0800 if frame[0] == 0x45 else 0x86dd)
                                + frame, why)
            else:
                self.assertDrop(eth(0x0800 if frame[0] == 0x45 else 0x86dd)
                                + frame, why)
                want[rule] = want.get(rule, 0) + 1
        self.assertEqual(self.h.stop(), 0)
        for rule in range(1, len(self.RULES) + 1):
            s = final_summary(self.h, rule)
            self.assertEqual((s["ingress_packets"], s["egress_packets"]),
                             (want.get(rule, 0), want.get(rule, 0)),
                             "rule %d" % rule)


# ---- End to end: TCP handshakes made of frames that evaded the parser ------

SPOOF4, SPOOF6, B6 = "10.201.0.99", "2001:db8:1::99", "2001:db8:1::2"
ETH_P_ALL, PACKET_OUTGOING = 0x0003, 4
SYN, ACK = 0x02, 0x10


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """A TCP segment with its checksum, from src to dst (IPv4 or IPv6)."""
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    if ":" in dst:
        pseudo = (socket.inet_pton(socket.AF_INET6, src) +
                  socket.inet_pton(socket.AF_INET6, dst) +
                  struct.pack("!I3xB", len(seg), 6))
    else:
        pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
                  struct.pack("!xBH", 6, len(seg)))
    return seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]


def tiny_fragments(size):
    """RFC 1858: the first fragment holds size bytes of TCP, ports and
    all; the rest, with no ports, follows in a second one."""
    def frames(l2, seg, src, dst, ident):
        return [l2(0x0800) + ipv4(6, seg[:size], frag=MF, src=src, dst=dst,
                                  ident=ident),
                l2(0x0800) + ipv4(6, seg[size:], frag=size // 8, src=src,
                                  dst=dst, ident=ident)]
    frames.__name__ = "tiny_fragments(%d)" % size
    return frames


def seven_ext_headers(l2, seg, src, dst, ident):
    """Seven destination-options headers of 8 bytes before TCP."""
    return [l2(0x86dd) + ipv6(60, ext(60) * 6 + ext(6) + seg, src=src,
                              dst=dst)]


def three_vid0_tags(l2, seg, src, dst, ident):
    """Three priority tags (VID 0), which Linux strips one by one."""
    return [l2(0x0800, vlans=[0x8100] * 3, tci=0) +
            ipv4(6, seg, src=src, dst=dst, ident=ident)]


def deep_l4(l2, seg, src, dst, ident):
    """TCP behind 512 bytes of destination options: past the 256 bytes
    the tc program pulls when the frame (over a page) is sent paged."""
    def unknown_option(n):
        # Type 0x1e: an unknown option the receiver skips.
        return struct.pack("!BB", 0x1e, n) + b"\0" * n
    dstopts = struct.pack("!BB", 6, 512 // 8 - 1) + unknown_option(253) * 2
    return [l2(0x86dd) + ipv6(60, dstopts + seg, src=src, dst=dst)]


class EvasionTest(unittest.TestCase):
    """Each route that got whole TCP connections to port 8080 past
    `drop tcp dport 8080`: the handshake, every frame of it crafted as the
    route crafts it, completes past a rule on another port, and fails
    through the rule on 8080.

    The attacker in A sends from an address A does not own, which B's
    neighbour table points at A: A's stack then drops B's answers without
    a reset, and A's packet socket reads them."""

    def setUp(self):
        need_root(self)
        self.net = VethPair()
        self.addCleanup(self.net.close)
        n = self.net
        mac_a = VethPair.mac(n.ns_a, n.if_a)
        self.mac_a = bytes.fromhex(mac_a.replace(":", ""))
        self.mac_b = bytes.fromhex(
            VethPair.mac(n.ns_b, n.if_b).replace(":", ""))
        for spoof in (SPOOF4, SPOOF6):
            sh("ip", "-n", n.ns_b, "neigh", "replace", spoof, "lladdr",
               mac_a, "dev", n.if_b, "nud", "permanent")
        with in_netns(n.ns_b):
            self.listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        self.addCleanup(self.listener.close)
        self.listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("::", 8080))
        self.listener.listen(16)
        self.listener.settimeout(2)
        with in_netns(n.ns_a):
            self.raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                     socket.htons(ETH_P_ALL))
        self.addCleanup(self.raw.close)
        self.raw.bind((n.if_a, ETH_P_ALL))
        self.sport = 30000 + os.getpid() % 1000 * 10

    def l2(self, ethertype, vlans=(), tci=7):
        return eth(ethertype, vlans, tci, dst=self.mac_b, src=self.mac_a)

    def send(self, frames):
        for f in frames:
            try:
                self.raw.send(f)
            except OSError as e:
                # A frame dropped on egress reads as ENOBUFS.
                if e.errno != errno.ENOBUFS:
                    raise

    def syn_ack(self, src, dst, sport, timeout=1.0):
        """The sequence number of B's SYN-ACK to (dst, sport), or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.raw.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                frame, addr = self.raw.recvfrom(65536)
            except socket.timeout:
                return None
            if addr[2] == PACKET_OUTGOING:
                continue
            kind = frame[12:14]
            if kind == b"\x08\x00" and frame[23] == 6:
                ip, l4 = frame[14:34], frame[14 + (frame[14] & 15) * 4:]
                addrs = (socket.inet_ntoa(ip[12:16]),
                         socket.inet_ntoa(ip[16:20]))
            elif kind == b"\x86\xdd" and frame[20] == 6:
                ip, l4 = frame[14:54], frame[54:]
                addrs = (socket.inet_ntop(socket.AF_INET6, ip[8:24]),
                         socket.inet_ntop(socket.AF_INET6, ip[24:40]))
            else:
                continue
            ports = struct.unpack("!HH", l4[:4])
            if (addrs == (src, dst) and ports == (8080, sport) and
                    l4[13] & (SYN | ACK) == SYN | ACK):
                return struct.unpack("!I", l4[4:8])[0]
        return None

    def handshake(self, route, family, payload=b""):
        """Whether B's listener on 8080 accepts a connection whose SYN and
        ACK are sent as route's frames."""
        src, dst = (SPOOF4, self.net.B4) if family == 4 else (SPOOF6, B6)
        self.sport += 1
        seq = 1000
        syn = tcp_segment(src, dst, self.sport, 8080, seq, 0, SYN, payload)
        self.send(route(self.l2, syn, src, dst, self.sport))
        theirs = self.syn_ack(dst, src, self.sport)
        if theirs is None:
            return False
        ack = tcp_segment(src, dst, self.sport, 8080, seq + 1, theirs + 1,
                          ACK, payload)
        self.send(route(self.l2, ack, src, dst, self.sport ^ 0x8000))
        try:
            conn, _ = self.listener.accept()
        except socket.timeout:
            return False
        conn.close()
        return True

    def check_route(self, route, family, ns, ifc, *opts, payload=b""):
        """The handshake completes past a rule on 8081 and fails through
        the rule on 8080, with xdpdrop on ifc in ns."""
        for port, completes in ((8081, True), (8080, False)):
            h = start(ns, "interface=" + ifc, "rule=drop tcp dport %d" % port,
                      *opts)
            try:
                self.assertEqual(self.handshake(route, family, payload),
                                 completes, "%s, rule on %d" %
                                 (route.__name__, port))
                self.assertEqual(h.stop(), 0)
                s = final_summary(h, 1)
            finally:
                h.__exit__(None, None, None)
            self.assertEqual(s["ingress_packets"] + s["egress_packets"] > 0,
                             not completes)

    def test_tiny_first_fragments(self):
        for size in (8, 16):
            self.check_route(tiny_fragments(size), 4, self.net.ns_b,
                             self.net.if_b)

    def test_seven_extension_headers(self):
        self.check_route(seven_ext_headers, 6, self.net.ns_b, self.net.if_b)

    def test_three_vlan_tags(self):
        self.check_route(three_vid0_tags, 4, self.net.ns_b, self.net.if_b)

    def test_egress_l4_past_the_pulled_bytes(self):
        n = self.net
        for ns, ifc in ((n.ns_a, n.if_a), (n.ns_b, n.if_b)):
            sh("ip", "-n", ns, "link", "set", ifc, "mtu", "9000")
        # Over a page: the packet socket sends it paged.
        self.check_route(deep_l4, 6, n.ns_a, n.if_a, "direction=egress",
                         payload=b"d" * 4000)


if __name__ == "__main__":
    main()

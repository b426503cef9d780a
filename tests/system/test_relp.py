# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""relp:// output to a real rsyslogd with imrelp (Debian's rsyslog-relp) on
127.0.0.1.

rsyslogd runs with a direct main queue, so a message is in its output file
before imrelp acknowledges it: a SIGKILLed collector has written every
message bpfhost counted sent.  Events are opens of unique file names under
a temp dir (filesnoop's prefix), so each can be found by its name.

RelpTlsTest runs the same over relps:// against imrelp with tls="on" and a
test PKI, the client certificate checked (tls.authMode="certvalid").
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from bpfhost_test import main, need_root, own_opens, run_bpfhost
from test_syslog import (RSYSLOGD, free_port, make_pki, parse_5424,
                         start_rsyslogd)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Collector:
    """rsyslogd with one imrelp input; every raw message, one per line.
    tls: the input's TLS parameters, if any."""

    def __init__(self, d, tls=""):
        self.d = d
        self.port = free_port(socket.SOCK_STREAM)
        self.out = os.path.join(d, "received.log")
        self.conf = os.path.join(d, "rsyslog.conf")
        self.proc = None
        os.makedirs(os.path.join(d, "work"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f"""
global(workDirectory="{d}/work" maxMessageSize="64k"
       parser.escapeControlCharactersOnReceive="off")
main_queue(queue.type="Direct")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="{self.port}" {tls})
template(name="raw" type="string" string="%rawmsg:::json%\\n")
if $inputname == "imrelp" then
    action(type="omfile" file="{self.out}" template="raw")
""")
        subprocess.run([RSYSLOGD, "-N1", "-f", self.conf], check=True,
                       capture_output=True)

    def start(self):
        log = open(os.path.join(self.d, "rsyslogd.stderr"), "ab")
        self.proc = start_rsyslogd(self.conf,
                                   os.path.join(self.d, "rsyslogd.pid"), log)
        log.close()
        deadline = time.monotonic() + 20
        while ":%d " % self.port not in subprocess.run(
                ["ss", "-Hlnt"], capture_output=True, text=True).stdout:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("rsyslogd did not start")
            time.sleep(0.05)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def received(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out, "rb") as f:
            data = f.read()
        data = data[:data.rfind(b"\n") + 1]
        return [json.loads('"' + line + '"')
                for line in data.decode("utf-8").splitlines()]


class RelpTest(unittest.TestCase):
    SCHEME = "relp"

    def collector(self):
        return Collector(self.tmp.name)

    def tls_keys(self):
        return {}

    def setUp(self):
        need_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="bpfhost-relp-")
        self.addCleanup(self.tmp.cleanup)
        self.col = self.collector()
        self.col.start()
        self.addCleanup(self.col.kill)
        self.files = os.path.join(self.tmp.name, "files")
        os.mkdir(self.files)

    def config(self, **keys):
        text = "[output.relp]\nformat = syslog\n"
        text += "target = %s://127.0.0.1:%d\n" % (self.SCHEME, self.col.port)
        keys = {**self.tls_keys(), **keys}
        text += "".join("%s = %s\n" % kv for kv in keys.items() if kv[1])
        path = os.path.join(self.tmp.name, "bpfhost.ini")
        with open(path, "w") as f:
            f.write(text)
        return path

    def bpfhost(self, ini):
        return own_opens(self.files, ini)

    def open_all(self, names, pause=0.0):
        for n in names:
            os.close(os.open(os.path.join(self.files, n),
                             os.O_CREAT | os.O_RDONLY, 0o600))
            time.sleep(pause)

    def markers(self):
        """{file name: [raw messages naming it]} of what rsyslog wrote."""
        got = {}
        for raw in self.col.received():
            m = parse_5424(raw)
            self.assertEqual(m["msgid"], "filesnoop/open", raw)
            path = m["sd"]["filesnoop.open@32473"]["path"]
            got.setdefault(os.path.basename(path), []).append(raw)
        return got

    def wait_markers(self, names, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.markers()
            if set(names) <= set(got) or time.monotonic() > deadline:
                return got
            time.sleep(0.1)

    def add_witness(self, ini):
        """A JSON file output beside the relp one; returns its path."""
        path = os.path.join(self.tmp.name, "witness")
        with open(ini, "a") as f:
            f.write("\n[output.json]\nformat = json\ntarget = file:%s\n" %
                    path)
        return path

    def summary(self, err):
        m = re.search(r"\[output\.relp\]: (\d+) messages, (\d+) sent, "
                      r"(\d+) dropped, (\d+) reconnects", err)
        self.assertTrue(m, err)
        return [int(x) for x in m.groups()]

    def test_events_arrive(self):
        """One message per event, as rsyslog parses RFC 5424; every one
        acknowledged and counted sent."""
        names = ["a-%03d" % i for i in range(50)]
        with self.bpfhost(self.config()) as host:
            self.open_all(names)
            got = self.wait_markers(names)
            self.assertEqual(host.stop(signal.SIGTERM), 0, host.stderr())
            err = host.stderr()
        self.assertEqual(sorted(got), names)
        self.assertTrue(all(len(v) == 1 for v in got.values()), got)
        self.assertEqual(self.summary(err), [50, 50, 0, 0])

    def test_collector_killed_mid_stream(self):
        """rsyslogd SIGKILLed while events flow and started again on the
        same port: every event arrives, 0 dropped, sent == messages; a
        message sent twice (taken but not acknowledged before the kill)
        is the same bytes, the same sequenceId.  While it hangs, the
        event loop goes on: a file output beside it gets new events."""
        names = ["b-%04d" % i for i in range(1500)]
        ini = self.config(reconnect_min_ms=50, reconnect_max_ms=200)
        witness = self.add_witness(ini)
        with self.bpfhost(ini) as host:
            opener = threading.Thread(target=self.open_all,
                                      args=(names, 0.001))
            opener.start()
            self.wait_markers(names[:100])
            # Stopped first, so that messages are surely written and not
            # acknowledged when it dies: those must be sent again.
            self.col.proc.send_signal(signal.SIGSTOP)
            self.open_all(["stopped"])
            deadline = time.monotonic() + 2
            while b"/stopped" not in read(witness):
                self.assertLess(time.monotonic(), deadline, host.stderr())
                time.sleep(0.05)
            time.sleep(0.3)
            self.col.kill()
            time.sleep(0.5)
            self.col.start()
            opener.join()
            names.append("stopped")
            got = self.wait_markers(names)
            self.assertEqual(host.stop(signal.SIGTERM), 0, host.stderr())
            err = host.stderr()
        self.assertEqual(sorted(set(names) - set(got)), [], err)
        self.assertTrue(all(len(set(v)) == 1 for v in got.values()))
        messages, sent, dropped, reconnects = self.summary(err)
        self.assertEqual((messages, sent, dropped), (1501, 1501, 0), err)
        print("resent and arrived twice: %d" %
              sum(len(v) > 1 for v in got.values()), file=sys.stderr)
        self.assertGreaterEqual(reconnects, 1, err)
        self.assertIn("connected again", err)

    def test_collector_never_returns(self):
        """At stop, flush_timeout_ms bounds the wait; what was never
        acknowledged is counted dropped, in the summary and in the stats
        records, and the exit status is 0 as for tcp://."""
        ini = self.config(flush_timeout_ms=500, stats_interval=1)
        witness = self.add_witness(ini)
        with self.bpfhost(ini) as host:
            self.open_all(["c-%02d" % i for i in range(20)])
            self.wait_markers(["c-%02d" % i for i in range(20)])
            self.col.kill()
            self.open_all(["d-%02d" % i for i in range(30)])
            time.sleep(2.5)
            t0 = time.monotonic()
            self.assertEqual(host.stop(signal.SIGTERM), 0, host.stderr())
            took = time.monotonic() - t0
            err = host.stderr()
        self.assertLess(took, 0.5 + 1.0, err)
        messages, sent, dropped, _ = self.summary(err)
        self.assertEqual(messages, sent + dropped, err)
        self.assertGreaterEqual(sent, 20, err)
        self.assertGreaterEqual(dropped, 30, err)
        with open(witness) as f:
            stats = [r for r in map(json.loads, f)
                     if r.get("event") == "stats" and
                     r.get("output") == "output.relp"]
        self.assertTrue(stats, err)
        # Kept, not sent: the collector never acknowledged them.
        self.assertGreaterEqual(stats[-1]["queued"], 30, stats)
        self.assertLessEqual(stats[-1]["sent"], sent, stats)

    def test_bad_target_is_bad_config(self):
        for target, extra, why in (
                ("relp://127.0.0.1", "", "3: [output.bad] target 'relp://"
                 "127.0.0.1': this scheme has no standard port"),
                ("relp://:2514", "", "3: [output.bad] target 'relp://:2514':"
                 " expected HOST:PORT"),
                ("relp://[::1:2514", "", "closing ']'"),
                ("relp://host:99999", "", "from 1 to 65535"),
                # TLS is asked for by the scheme, never by a key alone.
                ("relp://127.0.0.1:2514", "tls_ca = /etc/ssl/certs/x.pem\n",
                 "4: [output.bad] tls_ca applies only to a relps:// target"),
                ("relps://127.0.0.1", "", "this scheme has no standard port"),
                ("relps://127.0.0.1:2514", "tls_cert = /etc/passwd\n",
                 "4: [output.bad] tls_cert and tls_key go together"),
                ("relps://127.0.0.1:2514", "tls_ca = /nonexistent.pem\n",
                 "cannot read tls_ca /nonexistent.pem")):
            with self.subTest(target=target):
                ini = os.path.join(self.tmp.name, "bad.ini")
                with open(ini, "w") as f:
                    f.write("[output.bad]\nformat = syslog\n"
                            "target = %s\n%s" % (target, extra))
                rc, _, err = run_bpfhost("-p", "filesnoop", "-c", ini)
                self.assertEqual(rc, 2, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn("bad.ini:", err)
                self.assertIn(why, err)


class RelpTlsTest(RelpTest):
    """RelpTest's cases over relps://, and the certificate checks."""
    SCHEME = "relps"
    # The same configuration checks; once is enough.
    test_bad_target_is_bad_config = None

    def collector(self):
        self.pki = os.path.join(self.tmp.name, "pki")
        os.mkdir(self.pki)
        make_pki(self.pki)
        return Collector(self.tmp.name, tls=(
            'tls="on" tls.caCert="{0}/ca.pem" tls.myCert="{0}/srv.pem" '
            'tls.myPrivKey="{0}/srv.key" tls.authMode="certvalid"'
            .format(self.pki)))

    def tls_keys(self):
        return {"tls_ca": self.pki + "/ca.pem",
                "tls_server_name": "localhost",
                "tls_cert": self.pki + "/cli.pem",
                "tls_key": self.pki + "/cli.key"}

    def refused(self, ini, pattern):
        """Events while the handshake fails: one warning matching pattern
        for the whole outage, nothing arrives, every message counted
        dropped at stop."""
        with self.bpfhost(ini) as host:
            self.open_all(["e-%02d" % i for i in range(10)])
            time.sleep(1.5)
            self.assertEqual(host.stop(signal.SIGTERM), 0, host.stderr())
            err = host.stderr()
        self.assertEqual(len(re.findall(pattern, err)), 1, err)
        messages, sent, dropped, reconnects = self.summary(err)
        self.assertEqual((sent, dropped, reconnects), (0, messages, 0), err)
        self.assertGreaterEqual(messages, 10, err)
        return err

    def test_wrong_ca_refused(self):
        """A collector whose certificate does not chain to tls_ca: retried
        (with backoff, many times in 1.5 s) and never written to."""
        other = os.path.join(self.tmp.name, "other")
        os.mkdir(other)
        make_pki(other)
        ini = self.config(tls_ca=other + "/ca.pem", reconnect_min_ms=50,
                          reconnect_max_ms=100, flush_timeout_ms=300)
        self.refused(ini, r"certificate check failed")
        self.assertEqual(self.col.received(), [])

    def test_wrong_name_refused(self):
        ini = self.config(tls_server_name="other.example",
                          reconnect_min_ms=50, flush_timeout_ms=300)
        self.refused(ini, r"certificate check failed")
        self.assertEqual(self.col.received(), [])

    def test_plain_collector_gets_nothing(self):
        """relps:// to a RELP collector without TLS: the handshake fails,
        and not one message goes in the clear."""
        plain = Collector(os.path.join(self.tmp.name, "plain"))
        plain.start()
        self.addCleanup(plain.kill)
        ini = self.config(flush_timeout_ms=300)
        with open(ini) as f:
            text = f.read().replace(":%d\n" % self.col.port,
                                    ":%d\n" % plain.port)
        with open(ini, "w") as f:
            f.write(text)
        self.refused(ini, r"TLS handshake")
        self.assertEqual(plain.received(), [])


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Syslog to local daemons through unix: targets.

A stock rsyslogd (its own config, imuxsock on a socket in a temp dir, the
default special parser) and a real systemd-journald (started as a journal
namespace of its own: its own sockets, its own journal files, removed
again) receive bpfhost's messages; the test reads back what each daemon
parsed: rsyslog's HOSTNAME, syslogtag, programname, procid and msg through
a template, journald's SYSLOG_IDENTIFIER, SYSLOG_PID, PRIORITY, MESSAGE
through journalctl.  bpfhost's own text and JSON outputs to files are the
ground truth each MSG is compared with.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from bpfhost_test import main, need_root, own_opens, run_bpfhost
from test_syslog import RSYSLOGD, die_with_parent, start_rsyslogd

JOURNALD = "/lib/systemd/systemd-journald"
META = re.compile(r'\[meta sequenceId="(\d+)"\] ')
FIELDS = ("host", "tag", "prog", "procid", "pri", "msgid", "sd", "msg")


class LocalRsyslog:
    """rsyslogd with two imuxsock inputs: `stock` as a stock rsyslog has
    it, `rfc5424` set up to parse RFC 5424 (no special parser, HOSTNAME
    parsed).  Each writes the parsed fields, one JSON object a line."""

    def __init__(self, d):
        self.d = d
        self.socks = {n: os.path.join(d, n + ".sock")
                      for n in ("stock", "rfc5424")}
        self.outs = {n: os.path.join(d, n + ".log") for n in self.socks}
        props = {"host": "hostname", "tag": "syslogtag",
                 "prog": "programname", "procid": "procid", "pri": "pri",
                 "msgid": "msgid", "sd": "structured-data", "msg": "msg"}
        tmpl = ",".join('\\"%s\\":\\"%%%s:::json%%\\"' % (k, props[k])
                        for k in FIELDS)
        conf = f"""
global(workDirectory="{d}")
module(load="imuxsock" sysSock.use="off")
input(type="imuxsock" socket="{self.socks['stock']}" ruleset="stock")
input(type="imuxsock" socket="{self.socks['rfc5424']}" ruleset="rfc5424"
      useSpecialParser="off" parseHostname="on")
template(name="fields" type="string" string="{{{tmpl}}}\\n")
"""
        for name, out in self.outs.items():
            conf += ('ruleset(name="%s") { action(type="omfile" file="%s" '
                     'template="fields") }\n' % (name, out))
        self.conf = os.path.join(d, "rsyslog.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        subprocess.run([RSYSLOGD, "-N1", "-f", self.conf], check=True,
                       capture_output=True)
        self.log = open(os.path.join(d, "rsyslogd.stderr"), "ab")
        self.proc = start_rsyslogd(self.conf, os.path.join(d, "pid"),
                                   self.log)
        deadline = time.monotonic() + 20
        while not all(map(os.path.exists, self.socks.values())):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("rsyslogd did not start")
            time.sleep(0.05)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def received(self, name):
        if not os.path.exists(self.outs[name]):
            return []
        with open(self.outs[name], "rb") as f:
            data = f.read()
        data = data[:data.rfind(b"\n") + 1]
        return [json.loads(line) for line in data.splitlines()]


class Journald:
    """systemd-journald as namespace NAME: /run/systemd/journal.NAME/dev-log
    is its syslog socket, journalctl --namespace=NAME reads what it
    stored."""

    def __init__(self):
        self.ns = "bpfhosttest%d" % os.getpid()
        self.run_dir = "/run/systemd/journal." + self.ns
        self.sock = os.path.join(self.run_dir, "dev-log")
        with open("/etc/machine-id") as f:
            mid = f.read().strip()
        self.stores = ["/var/log/journal/%s.%s" % (mid, self.ns),
                       "/run/log/journal/%s.%s" % (mid, self.ns)]
        self.proc = subprocess.Popen([JOURNALD, self.ns],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL,
                                     preexec_fn=die_with_parent)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("systemd-journald did not start")
            time.sleep(0.05)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        for d in self.stores + [self.run_dir]:
            shutil.rmtree(d, ignore_errors=True)

    def entries(self, identifier):
        p = subprocess.run(["journalctl", "--namespace=" + self.ns,
                            "--no-pager", "--all", "-o", "json",
                            "SYSLOG_IDENTIFIER=" + identifier],
                           capture_output=True, check=True)
        out = []
        for line in p.stdout.splitlines():
            e = json.loads(line)
            if isinstance(e["MESSAGE"], list):	# not UTF-8: bytes
                e["MESSAGE"] = bytes(e["MESSAGE"]).decode("utf-8",
                                                          "replace")
            out.append(e)
        return out


def wait_for(get, count, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        got = get()
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


class LocalSyslogTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.d = tempfile.mkdtemp(prefix="bpfhost-syslog-local-")
        self.addCleanup(shutil.rmtree, self.d, True)
        self.files = os.path.join(self.d, "files")
        os.mkdir(self.files)

    def rsyslog(self):
        rs = LocalRsyslog(self.d)
        self.addCleanup(rs.kill)
        return rs

    def config(self, outputs):
        """INI text: text and JSON files (the truth) plus syslog outputs."""
        self.text_out = os.path.join(self.d, "truth.txt")
        self.json_out = os.path.join(self.d, "truth.json")
        text = ("[output.text]\nformat = text\ntarget = file:%s\n\n"
                "[output.json]\nformat = json\ntarget = file:%s\n" %
                (self.text_out, self.json_out))
        for name, keys in outputs.items():
            text += "\n[output.%s]\nformat = syslog\n" % name
            text += "".join("%s = %s\n" % kv for kv in keys.items())
        path = os.path.join(self.d, "bpfhost.ini")
        with open(path, "w") as f:
            f.write(text)
        return path

    def bpfhost(self, outputs):
        return own_opens(self.files, self.config(outputs))

    def truth(self):
        """(text lines, JSON records) of the filesnoop events, in order."""
        with open(self.text_out, "rb") as f:
            lines = f.read().decode("utf-8").split("\n")[1:-1]  # header
        with open(self.json_out, "rb") as f:
            recs = [json.loads(line) for line in f]
        self.assertEqual(len(lines), len(recs))
        keep = [i for i, r in enumerate(recs) if r["plugin"] == "filesnoop"]
        return [lines[i] for i in keep], [recs[i] for i in keep]

    def hostile_paths(self):
        """File names with spaces, ']', newlines, a forged syslog header,
        bytes that are not UTF-8, made before bpfhost watches."""
        names = [b"with space", b"br]acket[1]:", b"new\nline\n",
                 b"<13>Dec  1 00:00:00 forged[1]: x", b"inv\xff\xfeutf8",
                 b"utf8-\xc3\xa9", b"tab\tdel\x7f", b"colon: after"]
        paths = [os.fsencode(self.files) + b"/" + n for n in names]
        for p in paths:
            with open(p, "wb"):
                pass
        return paths

    @staticmethod
    def open_all(paths):
        for p in paths:
            os.close(os.open(p, os.O_RDONLY))

    def stop(self, host):
        self.assertEqual(host.stop(signal.SIGTERM), 0, host.stderr())
        return host.stderr()

    def summary(self, err, name):
        m = re.search(r"\[output\.%s\]: (\d+) messages, (\d+) sent, "
                      r"(\d+) dropped, (\d+) reconnects(, (\d+) truncated)?"
                      % name, err)
        self.assertTrue(m, err)
        return [int(x or 0) for x in m.group(1, 2, 3, 4, 6)]

    def test_stock_rsyslog_parses_the_local_form(self):
        """Default unix: form to a stock imuxsock: TAG bpfhost[PID],
        programname and procid right, HOSTNAME this host's, one message
        per open however hostile the name, MSG the text line."""
        rs = self.rsyslog()
        outputs = {
            "plain": {"target": "unix:" + rs.socks["stock"]},
            "asjson": {"target": "unix:" + rs.socks["stock"],
                       "app_name": "bpfjson", "syslog_payload": "json",
                       "facility": "local3", "severity": "notice"},
        }
        paths = self.hostile_paths()
        with self.bpfhost(outputs) as host:
            self.open_all(paths)
            wait_for(lambda: rs.received("stock"), 2 * len(paths))
            err = self.stop(host)
            pid = str(host.proc.pid)
        lines, recs = self.truth()
        self.assertEqual(sorted(r["path"] for r in recs),
                         sorted(p.decode("utf-8", "replace") for p in paths))
        got = wait_for(lambda: rs.received("stock"), 2 * len(recs))
        short_host = socket.gethostname().split(".")[0]
        for app, payload in (("bpfhost", lines),
                             ("bpfjson", [json.dumps(r) for r in recs])):
            msgs = [m for m in got if m["prog"] == app]
            self.assertTrue(msgs, got)
            for m in msgs:
                self.assertEqual(m["tag"], "%s[%s]:" % (app, pid))
                self.assertEqual(m["procid"], pid)
                self.assertEqual(m["host"], short_host)
            # Every message whole and in order: sequenceId k is the k-th
            # message of the output; MSG after it is the truth's line.
            ids = [int(META.match(m["msg"], 1)[1]) for m in msgs]
            self.assertEqual(ids, list(range(1, len(msgs) + 1)), app)
            bodies = [META.sub("", m["msg"][1:], 1) for m in msgs]
            if app == "bpfhost":
                self.assertEqual([b for b in bodies if b in payload],
                                 payload)
            else:
                mine = [json.loads(b) for b in bodies]
                self.assertEqual([r for r in mine
                                  if r["plugin"] == "filesnoop"], recs)
        # local3; the severity is the event's own (filesnoop's open: info),
        # the output's notice only for events that declare none
        self.assertEqual({m["pri"] for m in got if m["prog"] == "bpfjson"},
                         {str(19 * 8 + 6)})
        self.assertEqual({m["pri"] for m in got if m["prog"] == "bpfhost"},
                         {"14"})
        for app in outputs:
            messages, sent, dropped, _, cut = self.summary(err, app)
            self.assertEqual((sent, dropped, cut), (messages, 0, 0), app)

    def test_journald(self):
        """A real systemd-journald's syslog socket: identifier, pid,
        priority and facility parsed; MESSAGE the text line."""
        if not os.access(JOURNALD, os.X_OK):
            self.skipTest(JOURNALD + " not installed")
        jd = Journald()
        self.addCleanup(jd.kill)
        outputs = {"journal": {"target": "unix:" + jd.sock,
                               "app_name": "bpfjournal",
                               "facility": "daemon", "severity": "warning"}}
        paths = self.hostile_paths()
        with self.bpfhost(outputs) as host:
            self.open_all(paths)
            wait_for(lambda: jd.entries("bpfjournal"), len(paths))
            err = self.stop(host)
            pid = str(host.proc.pid)
        lines, recs = self.truth()
        self.assertEqual(len(recs), len(paths))
        got = wait_for(lambda: jd.entries("bpfjournal"), len(recs))
        for e in got:
            self.assertEqual(e["SYSLOG_PID"], pid)
            self.assertEqual(e["_PID"], pid)
            # the open's own severity (info) over the output's warning
            self.assertEqual(e["PRIORITY"], "6")
            self.assertEqual(e["SYSLOG_FACILITY"], "3")
            self.assertEqual(e["_TRANSPORT"], "syslog")
        ids = [int(META.match(e["MESSAGE"])[1]) for e in got]
        self.assertEqual(ids, list(range(1, len(got) + 1)))
        bodies = [META.sub("", e["MESSAGE"], 1) for e in got]
        self.assertEqual([b for b in bodies if b in lines], lines)
        messages, sent, dropped, _, _ = self.summary(err, "journal")
        self.assertEqual((sent, dropped), (messages, 0))

    def test_rfc5424_when_asked(self):
        """syslog_format = rfc5424 on a unix: target goes as asked; an
        imuxsock set up for it parses HOSTNAME, APP-NAME, PROCID, MSGID
        and the structured data."""
        rs = self.rsyslog()
        outputs = {"p5424": {"target": "unix:" + rs.socks["rfc5424"],
                             "syslog_format": "rfc5424",
                             "app_name": "bpf5424",
                             "hostname": "bpfhost.test"}}
        paths = self.hostile_paths()
        with self.bpfhost(outputs) as host:
            self.open_all(paths)
            wait_for(lambda: rs.received("rfc5424"), len(paths))
            self.stop(host)
            pid = str(host.proc.pid)
        lines, recs = self.truth()
        got = [m for m in wait_for(lambda: rs.received("rfc5424"), len(recs))
               if m["msgid"] == "filesnoop/open"]
        self.assertEqual(len(got), len(recs))
        for m, line in zip(got, lines):
            self.assertEqual(m["host"], "bpfhost.test")
            self.assertEqual(m["prog"], "bpf5424")
            self.assertEqual(m["procid"], pid)
            self.assertEqual(m["msg"], line)
            self.assertRegex(m["sd"], r'^\[meta sequenceId="\d+"\]'
                                      r'\[filesnoop\.open@32473 pid="')

    def test_long_messages_are_cut_marked_and_counted(self):
        """A datagram longer than max_message_size (default 8096, what a
        stock imuxsock reads) is cut at bpfhost, with a marker, and
        counted, instead of being cut unseen at the daemon."""
        rs = self.rsyslog()
        outputs = {"dflt": {"target": "unix:" + rs.socks["stock"]},
                   "small": {"target": "unix:" + rs.socks["stock"],
                             "app_name": "small",
                             "max_message_size": "600"}}
        # 4 KiB of bytes that are not UTF-8, each \xff in the text line:
        # a message of 16 KiB.
        deep = os.fsencode(self.files)
        while len(deep) < 3840:
            deep += b"/" + b"\xff" * 250
        os.makedirs(deep)
        paths = [deep + b"/" + b"\xff" * (4090 - len(deep)),
                 os.fsencode(self.files) + b"/short"]
        for p in paths:
            with open(p, "wb"):
                pass
        with self.bpfhost(outputs) as host:
            self.open_all(paths)
            wait_for(lambda: rs.received("stock"), 4)
            err = self.stop(host)
        lines, _ = self.truth()
        got = wait_for(lambda: rs.received("stock"), 4)
        mark = re.compile(r"\.\.\.\[bpfhost: (\d+) bytes cut\]$")
        for app, limit in (("bpfhost", 8096), ("small", 600)):
            msgs = [m for m in got if m["prog"] == app and
                    self.files in m["msg"]]
            self.assertEqual(len(msgs), 2, app)
            long_msg, short_msg = (msgs if len(msgs[0]["msg"]) >
                                   len(msgs[1]["msg"]) else msgs[::-1])
            self.assertNotRegex(short_msg["msg"], mark)
            m = mark.search(long_msg["msg"])
            self.assertTrue(m, long_msg["msg"][-80:])
            # What came is the head of the line, and the marker counts the
            # rest: nothing went missing unsaid.
            meta = META.match(long_msg["msg"], 1)
            line = [x for x in lines if len(x) > 8096][0]
            self.assertTrue(line.startswith(
                long_msg["msg"][meta.end():m.start()]), app)
            self.assertEqual(int(m[1]), meta.end() + len(line) - m.start())
            header = len("<14>Mmm dd hh:mm:ss %s[%d]:" %
                         (app, host.proc.pid))
            self.assertLessEqual(header + len(long_msg["msg"]), limit, app)
            messages, sent, dropped, _, cut = self.summary(
                err, "dflt" if app == "bpfhost" else app)
            self.assertEqual((sent, dropped), (messages, 0), app)
            self.assertEqual(cut, 1, app)

    def test_bad_config(self):
        """Each mistake is one line naming FILE:LINE, and exit code 2."""
        for keys, what in (
                ({"target": "udp://127.0.0.1:514",
                  "syslog_format": "local"}, "syslog_format"),
                ({"target": "unix:/dev/log", "app_name": "a:b"}, "app_name"),
                ({"target": "tcp://127.0.0.1:514",
                  "max_message_size": "9000"}, "max_message_size")):
            rc, _, err = run_bpfhost("-p", "filesnoop", "-c",
                                     self.config({"bad": keys}))
            self.assertEqual(rc, 2, err)
            self.assertRegex(err, r"bpfhost\.ini:\d+: .*%s" % what)
            self.assertEqual(len(err.strip().splitlines()), 1, err)


if __name__ == "__main__":
    main()

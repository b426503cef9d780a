# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Syslog output to a real rsyslog daemon on loopback.

The test starts its own rsyslogd (own config, work dir, pid file, ports on
127.0.0.1 and ::1, unix sockets in a temp dir) with UDP, TCP, TLS (a CA and
certificates made here with the openssl CLI), unix datagram and unix stream
inputs, and parses what rsyslog writes: the raw message of every input as
one JSON string per line.  bpfhost's own JSON output to a file is the
ground truth each syslog message is compared with.
"""
import calendar
import ctypes
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

from bpfhost_test import (SOURCE_ROOT, main, need_root, own_opens,
                          run_bpfhost)

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
PR_SET_PDEATHSIG = 1


def die_with_parent():
    """rsyslogd started by a test goes when the test process goes, even
    when it is killed without running its cleanups."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_rsyslogd(conf, pidfile, log):
    return subprocess.Popen([RSYSLOGD, "-n", "-f", conf, "-i", pidfile],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            preexec_fn=die_with_parent)


def free_port(kind, family=socket.AF_INET, addr="127.0.0.1"):
    with socket.socket(family, kind) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   capture_output=True)


def make_pki(d):
    """A test CA, a server certificate for localhost, a client one."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=bpfhost test CA", cwd=d)
    for name, cn, ext in (
            ("srv", "localhost",
             "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"),
            ("cli", "bpfhost-client", "extendedKeyUsage=clientAuth\n")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + cn, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".pem",
                "-days", "2", "-extfile", name + ".ext", cwd=d)


class Rsyslog:
    """rsyslogd in the foreground with this test's own everything."""

    def __init__(self, d):
        self.d = d
        self.out = os.path.join(d, "received.log")
        self.pidfile = os.path.join(d, "rsyslogd.pid")
        self.proc = None
        self.log = None
        os.makedirs(os.path.join(d, "work"), exist_ok=True)
        make_pki(d)
        self.ports = {
            "udp4": free_port(socket.SOCK_DGRAM),
            "udp6": free_port(socket.SOCK_DGRAM, socket.AF_INET6, "::1"),
            "tcp": free_port(socket.SOCK_STREAM),
            "tcp6": free_port(socket.SOCK_STREAM, socket.AF_INET6, "::1"),
            "tls": free_port(socket.SOCK_STREAM),
            "tls_cert": free_port(socket.SOCK_STREAM),
        }
        self.dgram = os.path.join(d, "dgram.sock")
        self.stream = os.path.join(d, "stream.sock")
        self.conf = os.path.join(d, "rsyslog.conf")
        p, pki = self.ports, os.path.join(d, "{}")
        with open(self.conf, "w") as f:
            f.write(f"""
global(workDirectory="{d}/work" maxMessageSize="64k"
       parser.escapeControlCharactersOnReceive="off"
       defaultNetstreamDriverCAFile="{pki.format('ca.pem')}"
       defaultNetstreamDriverCertFile="{pki.format('srv.pem')}"
       defaultNetstreamDriverKeyFile="{pki.format('srv.key')}")
module(load="imudp")
module(load="imtcp")
module(load="imptcp")
module(load="imuxsock" sysSock.use="off")
input(type="imudp" address="127.0.0.1" port="{p['udp4']}")
input(type="imudp" address="::1" port="{p['udp6']}")
input(type="imtcp" address="127.0.0.1" port="{p['tcp']}")
input(type="imtcp" address="::1" port="{p['tcp6']}")
input(type="imtcp" address="127.0.0.1" port="{p['tls']}"
      streamDriver.name="ossl" streamDriver.mode="1"
      streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="{p['tls_cert']}"
      streamDriver.name="ossl" streamDriver.mode="1"
      streamDriver.authMode="x509/certvalid")
input(type="imptcp" path="{self.stream}")
input(type="imuxsock" socket="{self.dgram}" useSpecialParser="off"
      parseHostname="on")
template(name="raw" type="string" string="%inputname% %rawmsg:::json%\\n")
if $inputname != "rsyslogd" then
    action(type="omfile" file="{self.out}" template="raw")
""")
        subprocess.run([RSYSLOGD, "-N1", "-f", self.conf], check=True,
                       capture_output=True)

    def start(self):
        # A socket file left by the last run would look ready too early.
        for path in (self.dgram, self.stream):
            if os.path.exists(path):
                os.unlink(path)
        self.log = open(os.path.join(self.d, "rsyslogd.stderr"), "ab")
        self.proc = start_rsyslogd(self.conf, self.pidfile, self.log)
        deadline = time.monotonic() + 20
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("rsyslogd did not start")
            time.sleep(0.05)

    def ready(self):
        listening = subprocess.run(["ss", "-Hlntu"], capture_output=True,
                                   text=True).stdout
        return (all(":%d " % port in listening
                    for port in self.ports.values()) and
                os.path.exists(self.dgram) and os.path.exists(self.stream))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.proc = None
        self.log.close()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self.log:
            self.log.close()

    def received(self):
        """(input name, raw message) for every message written so far."""
        if not os.path.exists(self.out):
            return []
        out = []
        with open(self.out, "rb") as f:
            data = f.read()
        # rsyslogd may be writing a line right now: only whole lines count.
        data = data[:data.rfind(b"\n") + 1]
        for line in data.decode("utf-8").splitlines():
            name, _, raw = line.partition(" ")
            out.append((name, json.loads('"' + raw + '"')))
        return out


SYSLOG_5424 = re.compile(r"<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")
SYSLOG_3164 = re.compile(
    r"<(\d+)>([A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d) (\S+) ([^\[ ]+)"
    r"\[(\d+)\]: ")


def parse_sd(raw, pos):
    """STRUCTURED-DATA from pos: ({SD-ID: {name: value}}, end).  Strict:
    an unescaped ']' or '"' inside a value fails the parse."""
    sd = {}
    while raw.startswith("[", pos):
        pos += 1
        end = min(i for i in (raw.find(" ", pos), raw.find("]", pos))
                  if i >= 0)
        sd_id, pos, params = raw[pos:end], end, {}
        while raw[pos] == " ":
            eq = raw.index("=", pos)
            name = raw[pos + 1:eq]
            assert raw[eq + 1] == '"', raw[pos:pos + 40]
            pos, value = eq + 2, []
            while raw[pos] != '"':
                if raw[pos] == "\\" and raw[pos + 1] in '"\\]':
                    value.append(raw[pos + 1])
                    pos += 2
                else:
                    assert raw[pos] != "]", "unescaped ] in " + name
                    value.append(raw[pos])
                    pos += 1
            params[name] = "".join(value)
            pos += 1
        assert raw[pos] == "]", raw[pos:pos + 40]
        sd[sd_id] = params
        pos += 1
    return sd, pos


def parse_5424(raw):
    m = SYSLOG_5424.match(raw)
    assert m, raw[:200]
    sd, pos = parse_sd(raw, m.end())
    assert raw[pos] == " "
    return {"pri": int(m[1]), "time": m[2], "host": m[3], "app": m[4],
            "procid": m[5], "msgid": m[6], "sd": sd, "msg": raw[pos + 1:]}


def parse_3164(raw):
    m = SYSLOG_3164.match(raw)
    assert m, raw[:200]
    sd, pos = parse_sd(raw, m.end())
    return {"pri": int(m[1]), "host": m[3], "app": m[4], "procid": m[5],
            "sd": sd, "msg": raw[pos + 1:]}


CEF_KEY = re.compile(r"[A-Za-z0-9_]+\Z")
CEF_UNESCAPE = {"\\": "\\", "=": "=", "n": "\n", "r": "\r"}


def parse_cef(msg):
    """CEF:0 as the spec writes it, strictly: (header fields, {key:
    value}).  Header: only \\| and \\\\ are escapes and no line end; extension:
    KEY=VALUE pairs split by a space, only \\= \\\\ \\n \\r are escapes, a raw
    '=' ends a key, a value runs to the last space before the next key
    and holds no raw line end."""
    assert msg.startswith("CEF:"), msg[:80]
    header, cur, i = [], [], 4
    while len(header) < 7:
        c = msg[i]
        assert c not in "\r\n", msg[:i + 1]
        if c == "\\":
            assert msg[i + 1] in "|\\", msg[i:i + 2]
            cur.append(msg[i + 1])
            i += 2
        elif c == "|":
            header.append("".join(cur))
            cur, i = [], i + 1
        else:
            cur.append(c)
            i += 1
    ext = msg[i:]
    eq = ext.index("=")
    key, pos, pairs = ext[:eq], eq + 1, {}
    value = []		# (char, came from an escape)
    while True:
        assert CEF_KEY.match(key) and key not in pairs, key
        if pos == len(ext):
            pairs[key] = "".join(c for c, _ in value)
            return header, pairs
        c = ext[pos]
        assert c not in "\r\n", ext[:pos + 1]
        if c == "\\":
            value.append((CEF_UNESCAPE[ext[pos + 1]], True))
            pos += 2
        elif c == "=":
            # The new key is what follows the value's last raw space.
            spaces = [k for k, (ch, esc) in enumerate(value)
                      if ch == " " and not esc]
            assert spaces, "a raw '=' inside the value of " + key
            cut = spaces[-1]
            pairs[key] = "".join(ch for ch, _ in value[:cut])
            key = "".join(ch for ch, _ in value[cut + 1:])
            assert not any(esc for _, esc in value[cut + 1:]), key
            value, pos = [], pos + 1
        else:
            value.append((c, False))
            pos += 1


LEEF_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def parse_leef(msg):
    """LEEF:2.0 with a tab delimiter: (header fields, {key: value}).  LEEF
    has no escapes of its own; bpfhost's (\\\\ \\t \\n \\r) are undone, any other
    backslash pair, a raw line end or a key seen twice fails."""
    head = msg.split("|", 6)
    assert head[0] == "LEEF:2.0" and head[5] == "x09", msg[:80]
    pairs = {}
    for attr in head[6].split("\t"):
        key, _, raw = attr.partition("=")
        assert CEF_KEY.match(key) and key not in pairs, attr
        assert "\r" not in raw and "\n" not in raw, attr
        value, pos = [], 0
        while pos < len(raw):
            if raw[pos] == "\\":
                value.append(LEEF_UNESCAPE[raw[pos + 1]])
                pos += 2
            else:
                value.append(raw[pos])
                pos += 1
        pairs[key] = "".join(value)
    return head[1:5], pairs


# Field names that take a key of the CEF or LEEF dictionary (format_cef.h).
CEF_KEYS = {"pid": "spid", "uid": "suid", "comm": "sproc",
            "path": "filePath", "container_id": "cs1"}
SEVERITY = ["emerg", "alert", "crit", "err", "warning", "notice", "info",
            "debug"]
CEF_SEVERITY = [10, 9, 8, 7, 6, 4, 3, 1]


def rfc3339_ms(t):
    """Milliseconds since the epoch of an RFC 3339 UTC time with ns."""
    whole = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
    return whole * 1000 + int(t[20:23])


def seq(msg):
    return int(msg["sd"]["meta"]["sequenceId"])


def sd_form(value):
    """A JSON value as the SD-PARAM carries it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SyslogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="bpfhost-syslog-")
        cls.rs = Rsyslog(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.rs.kill()
        cls.tmp.cleanup()

    def setUp(self):
        need_root(self)
        if os.path.exists(self.rs.out):
            os.unlink(self.rs.out)
        self.rs.start()
        self.addCleanup(self.rs.kill)
        self.files = tempfile.mkdtemp(prefix="bpfhost-syslog-files-")
        self.addCleanup(shutil.rmtree, self.files, True)
        self.json_out = os.path.join(self.files + ".json")
        self.addCleanup(lambda: os.path.exists(self.json_out) and
                        os.unlink(self.json_out))

    def config(self, outputs):
        """An INI file: a JSON file output plus the given syslog ones."""
        text = "[output.json]\nformat = json\ntarget = file:%s\n" % \
            self.json_out
        for name, keys in outputs.items():
            text += "\n[output.%s]\nformat = syslog\napp_name = %s\n" % (
                name, name)
            text += "".join("%s = %s\n" % kv for kv in keys.items())
        path = self.files + ".ini"
        with open(path, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def bpfhost(self, ini):
        return own_opens(self.files, ini)

    def truth(self):
        with open(self.json_out, "rb") as f:
            return [json.loads(line) for line in f]

    def wait_received(self, app, count, timeout=15.0, parse=parse_5424,
                      only=None):
        """Messages of one output (its app_name), only=MSGID if given."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = [parse(raw) for _, raw in self.rs.received()
                    if re.search(r"\s%s(\[\d+\]:)? " % app, raw[:80])]
            msgs = [m for m in msgs if m["app"] == app and
                    (not only or m["msgid"] == only)]
            if len(msgs) >= count or time.monotonic() > deadline:
                return msgs
            time.sleep(0.1)

    def stop(self, host):
        """SIGTERM; returns bpfhost's stderr."""
        self.assertEqual(host.stop(signal.SIGTERM), 0, host.stderr())
        return host.stderr()

    def summary(self, err, name):
        m = re.search(r"\[output\.%s\]: (\d+) messages, (\d+) sent, "
                      r"(\d+) dropped, (\d+) reconnects" % name, err)
        self.assertTrue(m, err)
        return [int(x) for x in m.groups()]

    def open_all(self, paths):
        for p in paths:
            try:
                os.close(os.open(p, os.O_RDONLY))
            except OSError:
                pass

    def hostile_paths(self):
        names = [b'q"uote', b"back\\slash", b"br]acket", b"new\nline",
                 b"inv\xff\xfeutf8", b'inj"] [x@1 a="b"] \\', b"utf8-\xc3\xa9",
                 b"tab\tdel\x7f"]
        paths = [os.fsencode(self.files) + b"/" + n for n in names]
        deep = os.fsencode(self.files)
        while len(deep) < 3800:
            deep += b"/" + b"d" * 250
        os.makedirs(deep)
        paths.append(deep + b"/" + b"f" * (4090 - len(deep)))
        for p in paths:
            with open(p, "wb"):
                pass
        return paths

    def check_intact(self, msgs, truth, app, exact_time=True):
        """Message k of an output is record k of the JSON output."""
        self.assertEqual([seq(m) for m in msgs],
                         list(range(1, len(truth) + 1)), app)
        for m, rec in zip(msgs, truth):
            self.assertEqual(m["msgid"], rec["plugin"] + "/" + rec["event"])
            if exact_time:
                self.assertEqual(m["time"], rec["time"][:26] + "Z")
            params = m["sd"]["%s.%s@32473" % (rec["plugin"], rec["event"])]
            want = {k: sd_form(v) for k, v in rec.items()
                    if k not in ("time", "plugin", "event", "severity") and
                    v is not None}
            self.assertEqual(params, want, app)
            self.assertNotRegex(m["msg"], r"[\x00-\x1f\x7f]")

    def test_transports_and_hostile_paths(self):
        """Every transport delivers every field intact, hostile or not."""
        rs, d = self.rs, self.rs.d
        tls = {"tls_ca": d + "/ca.pem"}
        outputs = {
            "udp4": {"target": "udp://127.0.0.1:%d" % rs.ports["udp4"]},
            "udp6": {"target": "udp://[::1]:%d" % rs.ports["udp6"]},
            "tcp": {"target": "tcp://localhost:%d" % rs.ports["tcp"]},
            "tcp6": {"target": "tcp://[::1]:%d" % rs.ports["tcp6"]},
            "tls": {"target": "tls://localhost:%d" % rs.ports["tls"], **tls},
            "tlscert": {"target": "tls://127.0.0.1:%d" % rs.ports["tls_cert"],
                        "tls_cert": d + "/cli.pem", "tls_key": d + "/cli.key",
                        **tls},
            "dgram": {"target": "unix:" + rs.dgram,
                      "syslog_format": "rfc3164"},
            "stream": {"target": "unix:" + rs.stream,
                       "syslog_format": "rfc5424",
                       "syslog_payload": "json", "facility": "local4",
                       "severity": "warning", "hostname": "bpfhost.test"},
        }
        paths = self.hostile_paths()
        with self.bpfhost(self.config(outputs)) as host:
            self.open_all(paths)
            for app in outputs:
                self.wait_received(app, len(paths),
                                   parse=parse_3164 if app == "dgram"
                                   else parse_5424)
            err = self.stop(host)
            pid = host.proc.pid
        truth = self.truth()
        opened = [r for r in truth if r["plugin"] == "filesnoop"]
        self.assertEqual(len(opened), len(truth))
        want_paths = sorted(p.decode("utf-8", "replace") for p in paths)
        self.assertEqual(sorted(r["path"] for r in opened), want_paths)
        self.assertTrue(any(len(r["path"]) > 4000 for r in opened))
        for app in outputs:
            parse = parse_3164 if app == "dgram" else parse_5424
            msgs = self.wait_received(app, len(truth), parse=parse)
            if app == "dgram":
                self.assertEqual([seq(m) for m in msgs],
                                 list(range(1, len(truth) + 1)))
                self.assertEqual(msgs[0]["pri"], 14)	# user.info
                continue
            self.check_intact(msgs, truth, app)
            sent = self.summary(err, app)
            self.assertEqual(sent, [len(truth), len(truth), 0, 0], app)
        # The JSON payload is the JSON record itself.
        stream = self.wait_received("stream", len(truth))
        self.assertEqual([json.loads(m["msg"]) for m in stream], truth)
        # severity = warning is for events that declare none: filesnoop's
        # opens are info (each record carries its own).
        self.assertEqual(stream[0]["pri"], 20 * 8 + 6)
        self.assertEqual(stream[0]["host"], "bpfhost.test")
        self.assertEqual(stream[0]["procid"], str(pid))

    def secret(self):
        """A file only root may read (made before bpfhost runs)."""
        path = os.path.join(self.files, "secret")
        with open(path, "w"):
            pass
        os.chmod(path, 0o600)
        os.chmod(self.files, 0o755)
        return path

    def refuse_open(self, path):
        """An open refused with EACCES: as an unprivileged effective uid."""
        os.seteuid(65534)
        try:
            os.open(path, os.O_RDONLY)
            raise AssertionError("nobody opened " + path)
        except PermissionError:
            pass
        finally:
            os.seteuid(0)

    def check_cef(self, msg, rec, leef):
        """One CEF or LEEF message against its JSON record, exactly."""
        sev = SEVERITY.index(rec["severity"])
        self.assertEqual(msg["pri"], 8 + sev)	# user
        self.assertEqual(list(msg["sd"]), ["meta"])	# fields are in MSG
        if leef:
            head, pairs = parse_leef(msg["msg"])
            self.assertEqual(head[:2] + head[3:], ["bpfhost", "bpfhost",
                                                   "filesnoop.open"])
            self.assertEqual(pairs.pop("sev"), str(CEF_SEVERITY[sev]))
            keys = {}
        else:
            head, pairs = parse_cef(msg["msg"])
            self.assertEqual(head[:3] + head[4:],
                             ["0", "bpfhost", "bpfhost", "filesnoop.open",
                              "a file was opened, or an open failed",
                              str(CEF_SEVERITY[sev])])
            self.assertEqual(pairs.pop("rt"), str(rfc3339_ms(rec["time"])))
            self.assertEqual(pairs.pop("cs1Label"), "container_id")
            keys = CEF_KEYS
        self.assertRegex(head[2 if leef else 3], r"^\d+\.\d+\.\d+$")
        want = {keys.get(k, "bpfhost_" + k): sd_form(v)
                for k, v in rec.items()
                if k not in ("time", "plugin", "event", "severity") and
                v is not None}
        self.assertEqual(pairs, want)

    def test_cef_and_leef(self):
        """Files named with every byte CEF and LEEF escape reach rsyslog
        and parse back strictly to the JSON record's values; a refused
        open is notice in PRI, CEF, LEEF and JSON, the others info."""
        rs = self.rs
        outputs = {
            "cef": {"target": "tcp://127.0.0.1:%d" % rs.ports["tcp"],
                    "syslog_payload": "cef"},
            "leef": {"target": "tcp://[::1]:%d" % rs.ports["tcp6"],
                     "syslog_payload": "leef", "severity": "err"},
        }
        names = [b"pi|pe", b"eq=ual k=v", b"back\\slash\\", b"new\nline\r",
                 b"tab\tsep", b"sp ace= x", b"inv\xff\xfeutf8", b"\\=|\n"]
        paths = [os.fsencode(self.files) + b"/" + n for n in names]
        for p in paths:
            with open(p, "wb"):
                pass
        refused = self.secret()
        with self.bpfhost(self.config(outputs)) as host:
            self.open_all(paths)
            self.refuse_open(refused)
            for app in outputs:
                self.wait_received(app, len(paths) + 1)
            self.stop(host)
        truth = self.truth()
        self.assertEqual(sorted(r["path"] for r in truth),
                         sorted([p.decode("utf-8", "replace")
                                 for p in paths] + [refused]))
        for rec in truth:
            self.assertEqual(list(rec)[:4],
                             ["time", "plugin", "event", "severity"])
            self.assertEqual(rec["severity"], "notice"
                             if rec["error"] == "EACCES" else "info")
        self.assertEqual(sum(r["severity"] == "notice" for r in truth), 1)
        for app in outputs:
            msgs = self.wait_received(app, len(truth))
            self.assertEqual([seq(m) for m in msgs],
                             list(range(1, len(truth) + 1)), app)
            for m, rec in zip(msgs, truth):
                self.check_cef(m, rec, app == "leef")

    def test_collector_restart(self):
        """Stopped and restarted mid-stream: later messages arrive, and
        sent + dropped equals the messages the output was given."""
        rs, d = self.rs, self.rs.d
        keys = {"queue_size": "100", "reconnect_min_ms": "50",
                "reconnect_max_ms": "300", "syslog_format": "rfc5424"}
        outputs = {
            "tcp": {"target": "tcp://127.0.0.1:%d" % rs.ports["tcp"], **keys},
            "tls": {"target": "tls://localhost:%d" % rs.ports["tls"],
                    "tls_ca": d + "/ca.pem", **keys},
            "dgram": {"target": "unix:" + rs.dgram, **keys},
            "stream": {"target": "unix:" + rs.stream, **keys},
        }
        batch = lambda tag, n: [os.path.join(self.files, "%s-%03d" % (tag, i))
                                for i in range(n)]
        opens = lambda app, n: self.wait_received(app, n,
                                                  only="filesnoop/open")
        with self.bpfhost(self.config(outputs)) as host:
            self.open_all(batch("a", 30))
            for app in outputs:
                self.assertEqual(len(opens(app, 30)), 30)
            rs.stop()
            self.open_all(batch("b", 500))
            time.sleep(1.5)
            rs.start()
            # What was queued goes out on the new connections.
            for app in outputs:
                self.assertGreaterEqual(len(opens(app, 130)), 130)
            self.open_all(batch("c", 30))
            for app in outputs:
                opens(app, 160)
            time.sleep(0.3)
            err = self.stop(host)
        truth = self.truth()
        c_paths = set(batch("c", 30))
        for app in outputs:
            messages, sent, dropped, reconnects = self.summary(err, app)
            msgs = self.wait_received(app, sent)
            self.assertEqual(messages, len(truth), app)
            self.assertEqual(sent + dropped, messages, app)
            self.assertGreaterEqual(dropped, 500 - 100, app)
            self.assertGreaterEqual(reconnects, 1, app)
            self.assertEqual(len(msgs), sent, app)
            got = {m["sd"].get("filesnoop.open@32473", {}).get("path")
                   for m in msgs}
            self.assertTrue(c_paths <= got, app)
            # sequenceIds increase; the gaps are exactly what was dropped.
            ids = [seq(m) for m in msgs]
            self.assertEqual(ids, sorted(ids), app)
            self.assertEqual(ids[-1], messages, app)
            # A loss record crossed over after the restart.
            losses = [m["sd"]["bpfhost.loss@32473"] for m in msgs
                      if m["msgid"] == "bpfhost/loss"]
            self.assertTrue(any(x["source"] == "output." + app and
                                int(x["total"]) > 0 for x in losses), app)
        self.assertTrue(any(r["event"] == "loss" and r["kind"] == "output"
                            for r in truth))

    def test_tls_refuses_wrong_name(self):
        rs, d = self.rs, self.rs.d
        outputs = {"tlsbad": {"target": "tls://127.0.0.1:%d" % rs.ports["tls"],
                              "tls_ca": d + "/ca.pem",
                              "tls_server_name": "other.example",
                              "flush_timeout_ms": "300"}}
        with self.bpfhost(self.config(outputs)) as host:
            self.open_all([os.path.join(self.files, "x")])
            time.sleep(1)
            start = time.monotonic()
            err = self.stop(host)
            self.assertLess(time.monotonic() - start, 5)
        self.assertIn("certificate", err)
        self.assertEqual(self.wait_received("tlsbad", 1, timeout=0.5), [])
        messages, sent, dropped, _ = self.summary(err, "tlsbad")
        self.assertEqual((sent, dropped), (0, messages))

    def test_stuck_collector_never_stalls(self):
        """A collector that accepts and never reads: the other outputs get
        every event at once, this one drops, and stop takes bounded time."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen()
        self.addCleanup(lsock.close)
        outputs = {
            "stuck": {"target": "tcp://127.0.0.1:%d" % lsock.getsockname()[1],
                      "queue_size": "100", "flush_timeout_ms": "500",
                      "stats_interval": "1"},
            "tcp": {"target": "tcp://127.0.0.1:%d" % self.rs.ports["tcp"]},
        }
        paths = [os.path.join(self.files, "%04d-" % i + "p" * 200)
                 for i in range(3000)]
        with self.bpfhost(self.config(outputs)) as host:
            conn, _ = lsock.accept()
            self.addCleanup(conn.close)
            start = time.monotonic()
            self.open_all(paths)
            # The good output keeps up with what bpfhost reads (the JSON
            # file), however stuck the other one is.
            while True:
                seen = sum(r["plugin"] == "filesnoop" for r in self.truth())
                got = len(self.wait_received("tcp", 0, only="filesnoop/open"))
                if (seen == got and seen > 0) or \
                        time.monotonic() - start > 15:
                    break
                time.sleep(0.1)
            took = time.monotonic() - start
            time.sleep(1.2)		# a stats record
            start = time.monotonic()
            err = self.stop(host)
            self.assertLess(time.monotonic() - start, 3)
        events, lost = map(int, re.search(
            r"filesnoop: (\d+) events, (\d+) lost", err).groups())
        self.assertGreaterEqual(events + lost, len(paths), err)
        self.assertLess(took, 10)
        got = self.wait_received("tcp", events, only="filesnoop/open")
        self.assertEqual(len(got), events)
        self.assertEqual(self.summary(err, "tcp")[2], 0)
        messages, sent, dropped, _ = self.summary(err, "stuck")
        self.assertGreater(dropped, 0)
        self.assertEqual(sent + dropped, messages)
        stats = [r for r in self.truth() if r["event"] == "stats"]
        self.assertTrue(stats and stats[-1]["output"] == "output.stuck")
        self.assertGreater(stats[-1]["dropped"], 0)

    def readme_relay_config(self, port):
        """The rsyslog relay config from README.md, with test paths."""
        with open(os.path.join(SOURCE_ROOT, "README.md")) as f:
            blocks = f.read().split("```")
        conf = [b for b in blocks if 'ruleset(name="bpfhost_relay")' in b]
        self.assertEqual(len(conf), 1)
        conf = conf[0]
        d = self.rs.d
        for old, new in (
                ("/etc/rsyslog/tls/ca.pem", d + "/ca.pem"),
                ("/etc/rsyslog/tls/relay.pem", d + "/srv.pem"),
                ("/etc/rsyslog/tls/relay.key", d + "/srv.key"),
                ('port="6514"', 'address="127.0.0.1" port="%d"' % port),
                ('target="siem.example.com" port="514"',
                 'target="127.0.0.1" port="%d"' % self.rs.ports["tcp"])):
            self.assertIn(old, conf)
            conf = conf.replace(old, new)
        work = os.path.join(d, "relay-work")
        os.makedirs(work, exist_ok=True)
        return 'global(workDirectory="%s")\n%s' % (work, conf)

    def test_readme_relay(self):
        """bpfhost -> TLS with a client certificate -> the README's rsyslog
        relay -> TCP -> the collector: structured data intact."""
        d, port = self.rs.d, free_port(socket.SOCK_STREAM)
        conf = os.path.join(d, "relay.conf")
        with open(conf, "w") as f:
            f.write(self.readme_relay_config(port))
        relay = start_rsyslogd(conf, os.path.join(d, "relay.pid"),
                               subprocess.DEVNULL)
        self.addCleanup(lambda: relay.poll() is None and
                        (relay.kill(), relay.wait()))
        deadline = time.monotonic() + 20
        while ":%d " % port not in subprocess.run(
                ["ss", "-Hlnt"], capture_output=True, text=True).stdout:
            self.assertIsNone(relay.poll(), "the relay did not start")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        outputs = {"relay": {"target": "tls://localhost:%d" % port,
                             "tls_ca": d + "/ca.pem",
                             "tls_cert": d + "/cli.pem",
                             "tls_key": d + "/cli.key"}}
        paths = self.hostile_paths()
        with self.bpfhost(self.config(outputs)) as host:
            self.open_all(paths)
            self.wait_received("relay", len(paths))
            err = self.stop(host)
        truth = self.truth()
        msgs = self.wait_received("relay", len(truth))
        for m in msgs:
            m["msg"] = m["msg"].rstrip("\n")
        self.check_intact(msgs, truth, "relay", exact_time=False)
        self.assertEqual(self.summary(err, "relay")[1:3], [len(truth), 0])

    def test_conf_example(self):
        """conf/bpfhost.ini's commented SIEM section, uncommented, works."""
        d = self.rs.d
        with open(os.path.join(SOURCE_ROOT, "conf", "bpfhost.ini")) as f:
            text = f.read()
        start = text.index(";[output.siem]\n")
        section = text[start:text.index("\n\n", start)].splitlines()
        keys = dict(line[1:].split(" = ", 1) for line in section
                    if re.match(r";[a-z_]+ = ", line))
        self.assertEqual(keys["format"], "syslog")
        keys.update(target="tls://localhost:%d" % self.rs.ports["tls_cert"],
                    tls_server_name="localhost", tls_ca=d + "/ca.pem",
                    tls_cert=d + "/cli.pem", tls_key=d + "/cli.key")
        keys.pop("app_name")
        keys.pop("format")
        ini = self.config({"siem": keys})
        with self.bpfhost(ini) as host:
            self.open_all([os.path.join(self.files, "example")])
            got = self.wait_received("siem", 1)
            self.stop(host)
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["host"], keys["hostname"])
        self.assertEqual(got[0]["sd"]["filesnoop.open@32473"]["path"],
                         os.path.join(self.files, "example"))

    def test_bad_target_is_bad_config(self):
        ini = self.config({"bad": {"target": "tcp://[::1:514"}})
        rc, _, err = run_bpfhost("-p", "filesnoop", "-c", ini)
        self.assertEqual(rc, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("[output.bad] target", err)


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""filesnoop against the real kernel: exact records, every filter (from -o
and from an INI file), filtering done in BPF, losses counted in BPF, text
output, and clean stops.

Every test makes its opens from its own child process (opener.py) and
matches records on that child's pid and on paths in its own temporary
directory: other processes open files all the time.
"""
import calendar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import BPFHOST, Bpfhost, need_root, run_bpfhost, main  # noqa: E402

OPENER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "opener.py")
RFC3339_NS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
SUMMARY = re.compile(r"^bpfhost: filesnoop: (\d+) events, (\d+) lost$", re.M)
KEYS = ["time", "plugin", "event", "pid", "tid", "uid", "comm", "fd", "error",
        "flags", "mode", "syscall", "path", "path_arg", "path_host",
        "path_truncated"]


def cgroup2_id(pid):
    """The cgroup v2 id of pid's cgroup: the inode of its directory."""
    with open("/proc/%d/cgroup" % pid) as f:
        path = [ln.split(":", 2)[2].strip() for ln in f
                if ln.startswith("0::")][0]
    for root in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(root, "cgroup.procs")):
            return os.stat(root + path).st_ino
    return 0


def task_context(pid):
    """The task context a record of an open by pid (not in a container)
    carries, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        status = dict(ln.rstrip("\n").split(":\t", 1) for ln in f)
    ns = {kind + "_ns": os.stat("/proc/%d/ns/%s" % (pid, kind)).st_ino
          for kind in ("mnt", "pid", "net", "uts", "user")}
    return dict(ppid=int(status["PPid"]), gid=int(status["Gid"].split()[0]),
                vpid=int(status["NSpid"].split()[-1]), container_id="",
                container_runtime="none", container_owner=0,
                container_id_inexact=False, pod_uid="",
                nodename=os.uname().nodename, cgroup_id=cgroup2_id(pid),
                **ns)
OTHER_UID = 54321


class Opener:
    """A child process that opens files when told (see opener.py)."""

    def __init__(self, comm=None):
        self.proc = subprocess.Popen([sys.executable, OPENER],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        if comm:
            self.call(op="comm", name=comm)
        ids = self.call(op="ids")
        self.pid, self.tid, self.comm = ids["pid"], ids["tid"], ids["comm"]

    def call(self, **cmd):
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("opener exited on %r" % cmd)
        return json.loads(line)

    def open(self, path, flags=("O_RDONLY",), syscall="openat", mode=0):
        if isinstance(path, str):
            path = os.fsencode(path)
        return self.call(op="open", path=path.hex(), flags=list(flags),
                         syscall=syscall, mode=mode)

    def burst(self, path, count):
        return self.call(op="burst", path=os.fsencode(path).hex(),
                         count=count)["opened"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(10)
        self.proc.stdout.close()


def summary(stderr):
    """(events, lost) from the last summary line, or None."""
    found = SUMMARY.findall(stderr)
    return tuple(map(int, found[-1])) if found else None


class FilesnoopTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="filesnoop-test-")
        self.dir = self.tmp.name
        os.chmod(self.dir, 0o755)   # the other-uid child must get in
        self.comm = "fs" + secrets.token_hex(4)
        self.children = []
        self.child = self.spawn(self.comm)

    def tearDown(self):
        for c in self.children:
            c.close()
        self.tmp.cleanup()

    def spawn(self, comm=None):
        c = Opener(comm)
        self.children.append(c)
        return c

    def path(self, name, create=True):
        p = os.path.join(self.dir, name)
        if create:
            with open(p, "w") as f:
                f.write("x")
            os.chmod(p, 0o644)
        return p

    def run_host(self, *args):
        return Bpfhost("-p", "filesnoop", "-F", "json", *args)

    def stop(self, host):
        self.assertEqual(host.stop(), 0, host.stderr())
        return host

    def mine(self, host, child=None, **match):
        child = child or self.child
        return host.records(pid=child.pid, **match)

    # ---- the host in a pid namespace ----------------------------------

    @staticmethod
    def free_pid():
        """A pid no process holds, and its predecessor, for ns_last_pid."""
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
        for pid in range(5000, min(pid_max, 30000)):
            if not os.path.exists("/proc/%d" % pid) and \
                    not os.path.exists("/proc/%d" % (pid - 1)):
                return pid
        raise unittest.SkipTest("no free pid below 30000")

    def test_host_in_a_pid_namespace(self):
        # bpfhost is pid L in a pid namespace of its own; the process whose
        # global pid is L is someone else, and its opens are reported.
        target = self.path("target")
        pid = self.free_pid()
        err = os.path.join(self.dir, "stderr")
        out = os.path.join(self.dir, "stdout")
        script = ('echo %d > /proc/sys/kernel/ns_last_pid; '
                  '"$0" -p filesnoop -F json -o filesnoop.prefix=%s/ '
                  '>%s 2>%s & wait') % (pid - 1, self.dir, out, err)
        host = subprocess.Popen(["unshare", "-p", "-f", "--mount-proc", "sh",
                                 "-c", script, BPFHOST],
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(err) or \
                    b"bpfhost: running" not in open(err, "rb").read():
                self.assertIsNone(host.poll())
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            for _ in range(20):
                with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                    f.write(str(pid - 1))
                opener = subprocess.Popen(["cat", target],
                                          stdout=subprocess.DEVNULL)
                opener.wait()
                if opener.pid == pid:
                    break
            else:
                self.skipTest("could not make pid %d (others forking)" % pid)
            time.sleep(0.2)
        finally:
            os.killpg(host.pid, signal.SIGINT)
            host.wait(30)
        recs = [json.loads(ln) for ln in open(out, "rb").read().splitlines()]
        mine = [r for r in recs if r["pid"] == pid and r["path"] == target]
        self.assertEqual(len(mine), 1, (pid, recs, open(err).read()))

    # ---- exact records ------------------------------------------------

    def check_record(self, rec, child, fd, error, flags, syscall, path,
                     mode=0):
        keys = list(rec)
        self.assertEqual(keys[:4], ["time", "plugin", "event", "severity"])
        # The fields the issue names, in this order; a plugin may add more.
        self.assertEqual([k for k in keys if k in KEYS], KEYS)
        self.assertRegex(rec["time"], RFC3339_NS)
        t = calendar.timegm(time.strptime(rec["time"][:19],
                                          "%Y-%m-%dT%H:%M:%S"))
        self.assertLess(abs(t - time.time()), 120)
        # A refused open is notice, any other open info (filesnoop.bpf.c).
        expect = {"plugin": "filesnoop", "event": "open",
                  "severity": "notice" if error in ("EACCES", "EPERM")
                  else "info", "pid": child.pid,
                  "tid": child.tid, "uid": 0, "comm": child.comm, "fd": fd,
                  "error": error, "flags": flags, "mode": mode,
                  "syscall": syscall, "path": path, "path_arg": path,
                  "path_host": "", "path_truncated": False,
                  "fd_fixed": False, "compat": False}
        expect.update(task_context(child.pid))
        # Known extra fields: the name as passed (absolute here), the same
        # as seen from the host (not chrooted: empty), nothing cut.
        extras = {"path_arg": path, "path_host": "", "path_truncated": False}
        expect.update({k: v for k, v in extras.items() if k in rec})
        self.assertEqual({k: v for k, v in rec.items() if k != "time"},
                         expect)

    def test_open_exact_record(self):
        target = self.path("target")
        with self.run_host() as host:
            r = self.child.open(target, ("O_RDONLY", "O_CLOEXEC"))
            self.assertGreaterEqual(r["fd"], 0)
            self.stop(host)
            recs = self.mine(host, path=target)
            self.assertEqual(len(recs), 1, host.stdout())
            self.check_record(recs[0], self.child, r["fd"], None,
                              "O_RDONLY|O_CLOEXEC", "openat", target)

    def test_create_flags_and_mode(self):
        target = self.path("created", create=False)
        with self.run_host() as host:
            r = self.child.open(target, ("O_WRONLY", "O_CREAT", "O_TRUNC",
                                         "O_NOFOLLOW"), mode=0o600)
            self.assertGreaterEqual(r["fd"], 0)
            self.stop(host)
            recs = self.mine(host, path=target)
            self.assertEqual(len(recs), 1, host.stdout())
            self.check_record(recs[0], self.child, r["fd"], None,
                              "O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW",
                              "openat", target, mode=0o600)

    def test_failed_open_enoent(self):
        missing = self.path("missing", create=False)
        with self.run_host() as host:
            r = self.child.open(missing)
            self.assertEqual((r["fd"], r["errno"]), (-1, 2))
            self.stop(host)
            recs = self.mine(host, path=missing)
            self.assertEqual(len(recs), 1, host.stdout())
            self.check_record(recs[0], self.child, -1, "ENOENT", "O_RDONLY",
                              "openat", missing)

    def test_open_syscall(self):
        if os.uname().machine != "x86_64":
            self.skipTest("open(2) is checked on x86_64 only")
        target = self.path("legacy")
        with self.run_host() as host:
            r = self.child.open(target, ("O_RDWR",), syscall="open")
            self.assertGreaterEqual(r["fd"], 0)
            self.stop(host)
            recs = self.mine(host, path=target)
            self.assertEqual(len(recs), 1, host.stdout())
            self.check_record(recs[0], self.child, r["fd"], None, "O_RDWR",
                              "open", target)

    def test_openat2(self):
        target = self.path("two")
        probe = self.child.open(target, syscall="openat2")
        if probe["errno"] == 38:
            self.skipTest("kernel without openat2")
        with self.run_host() as host:
            r = self.child.open(target, ("O_RDONLY", "O_CLOEXEC",
                                         "O_NOATIME"), syscall="openat2")
            self.assertGreaterEqual(r["fd"], 0)
            bad = self.child.open(target + "-no", syscall="openat2")
            self.assertEqual(bad["errno"], 2)
            self.stop(host)
            recs = self.mine(host, path=target)
            self.assertEqual(len(recs), 1, host.stdout())
            self.check_record(recs[0], self.child, r["fd"], None,
                              "O_RDONLY|O_NOATIME|O_CLOEXEC", "openat2",
                              target)
            recs = self.mine(host, path=target + "-no")
            self.assertEqual(len(recs), 1, host.stdout())
            self.check_record(recs[0], self.child, -1, "ENOENT", "O_RDONLY",
                              "openat2", target + "-no")

    def test_hostile_path_json(self):
        # Bytes a process may put in a file name: escapes, newline, bad
        # UTF-8, quotes.  The record must stay one valid JSON line.
        name = b"evil\x1b[31m\n\"q\"\\\xff\xc0\xaf\xe2\x80\xa8end"
        target = os.path.join(os.fsencode(self.dir), name)
        with open(target, "w"):
            pass
        with self.run_host() as host:
            self.assertGreaterEqual(self.child.open(target)["fd"], 0)
            self.stop(host)
            lines = [ln for ln in host.stdout_bytes().splitlines()
                     if b"evil" in ln]
            self.assertEqual(len(lines), 1, host.stdout())
            self.assertNotIn(b"\x1b", lines[0])
            rec = json.loads(lines[0].decode("utf-8", "strict"))
            self.assertEqual(rec["pid"], self.child.pid)
            # Invalid bytes become U+FFFD; everything else comes back.
            self.assertRegex(rec["path"], "^" + re.escape(
                self.dir + "/evil\x1b[31m\n\"q\"\\") +
                "\ufffd{2,3}" + re.escape("\u2028end") + "$")
            self.assertNotIn("\udcff", rec["path"])

    def test_lossless_path_json(self):
        # Two invalid names and the real U+FFFD all show as "a\ufffd":
        # path_hex, there only for the invalid ones, tells them apart and
        # gives the exact bytes back.
        names = [b"a\xff", b"a\xfe", b"a\xef\xbf\xbd"]
        d = os.fsencode(self.dir)
        for name in names:
            with open(os.path.join(d, name), "w"):
                pass
        with self.run_host() as host:
            for name in names:
                self.assertGreaterEqual(
                    self.child.open(os.path.join(d, name))["fd"], 0)
            self.stop(host)
            recs = [json.loads(ln.decode("utf-8", "strict"))
                    for ln in host.stdout_bytes().splitlines()
                    if d + b"/a" in ln]
            recs = [r for r in recs if r["pid"] == self.child.pid]
            self.assertEqual(len(recs), 3, host.stdout())
        shown = {(r["path"], r.get("path_hex")) for r in recs}
        self.assertEqual(len(shown), 3, recs)
        for rec, name in zip(recs, names):
            self.assertEqual(rec["path"], self.dir + "/a\ufffd")
            exact = os.path.join(d, name)
            if name == names[2]:
                self.assertNotIn("path_hex", rec)
            else:
                self.assertEqual(bytes.fromhex(rec["path_hex"]), exact)

    # ---- filters ------------------------------------------------------

    def filtered(self, settings, actions, via):
        """Run with settings [(key, value)] given via "-o" or "ini"; then
        call actions(); returns the host after a clean stop."""
        if via == "-o":
            args = []
            for key, value in settings:
                args += ["-o", "filesnoop.%s=%s" % (key, value)]
        else:
            ini = os.path.join(self.dir, "filter.ini")
            with open(ini, "w") as f:
                f.write("[filesnoop]\n")
                for key, value in settings:
                    f.write("%s = %s\n" % (key, value))
            args = ["-c", ini]
        host = self.run_host(*args)
        try:
            actions()
            self.stop(host)
        except BaseException:
            host.kill()
            raise
        # What the summary counts is what the ring buffer delivered.
        events, lost = summary(host.stderr())
        self.assertEqual(events, len(host.stdout_bytes().splitlines()))
        self.assertEqual(lost, 0)
        # A path cut at its bound cannot be matched, so filters pass it on,
        # marked (never dropped silently); other tests running at the same
        # time open such paths.  The filters are judged on the rest.
        every = host.records
        host.records = lambda **match: [
            r for r in every(**match) if not r.get("path_truncated")]
        return host

    def each_way(self, check):
        for via in ("-o", "ini"):
            with self.subTest(via=via):
                check(via)

    def test_filter_exact_paths(self):
        a, b, c = self.path("a"), self.path("b"), self.path("c")
        ax = self.path("ax")

        def check(via):
            def actions():
                for p in (c, ax, self.dir, a, b, a):
                    self.child.open(p)
            with self.filtered([("path", a), ("path", b)], actions,
                               via) as host:
                recs = host.records()
                self.assertEqual([r["path"] for r in recs], [a, b, a])
                self.assertEqual({r["pid"] for r in recs}, {self.child.pid})
        self.each_way(check)

    def test_filter_prefix(self):
        inside = [self.path("pre_1"), self.path("pre_2"),
                  self.path("pre_dir", create=False) + "/missing"]
        outside = [self.path("other"), self.path("pr")]

        def check(via):
            def actions():
                for p in outside + inside:
                    self.child.open(p)
            prefix = os.path.join(self.dir, "pre_")
            with self.filtered([("prefix", prefix)], actions, via) as host:
                self.assertEqual([r["path"] for r in host.records()], inside)
                self.assertEqual(host.records()[2]["error"], "ENOENT")
        self.each_way(check)

    def test_filter_pid(self):
        other = self.spawn()
        target = self.path("pidf")

        def check(via):
            def actions():
                other.open(target)
                self.child.open(target)
            with self.filtered([("pid", self.child.pid)], actions,
                               via) as host:
                self.assertEqual(len(host.records(path=target)), 1)
                self.assertEqual(host.records(pid=other.pid), [])
                self.assertEqual({r["pid"] for r in host.records()},
                                 {self.child.pid})
        self.each_way(check)

    def test_filter_uid(self):
        other = self.spawn()
        other.call(op="setuid", uid=OTHER_UID)
        target = self.path("uidf")

        def check(via):
            def actions():
                self.child.open(target)
                self.assertGreaterEqual(other.open(target)["fd"], 0)
            with self.filtered([("uid", OTHER_UID)], actions, via) as host:
                recs = host.records(path=target)
                self.assertEqual(len(recs), 1, host.stdout())
                self.assertEqual((recs[0]["pid"], recs[0]["uid"]),
                                 (other.pid, OTHER_UID))
                self.assertEqual({r["uid"] for r in host.records()},
                                 {OTHER_UID})
        self.each_way(check)

    def test_filter_comm(self):
        other = self.spawn("fx" + secrets.token_hex(4))
        target = self.path("commf")

        def check(via):
            def actions():
                other.open(target)
                self.child.open(target)
            with self.filtered([("comm", self.comm)], actions, via) as host:
                recs = host.records()
                self.assertEqual([r["path"] for r in recs], [target])
                self.assertEqual(recs[0]["comm"], self.comm)
        self.each_way(check)

    def test_filter_failed_only(self):
        ok, missing = self.path("fo"), self.path("fo-missing", create=False)

        def check(via):
            def actions():
                self.child.open(ok)
                self.child.open(missing)
            with self.filtered([("failed_only", "yes"),
                                ("pid", self.child.pid)], actions,
                               via) as host:
                self.assertEqual(host.records(path=ok), [])
                recs = host.records(path=missing)
                self.assertEqual(len(recs), 1)
                self.assertEqual(recs[0]["error"], "ENOENT")
                self.assertTrue(all(r["error"] for r in host.records()))
        self.each_way(check)

    def test_filters_combine(self):
        a, b = self.path("ca"), self.path("cb")
        other = self.spawn(self.comm)   # same comm, other pid

        def check(via):
            def actions():
                other.open(a)
                self.child.open(b)
                self.child.open(a)
            with self.filtered([("comm", self.comm), ("pid", self.child.pid),
                                ("path", a)], actions, via) as host:
                recs = host.records()
                self.assertEqual([(r["pid"], r["path"]) for r in recs],
                                 [(self.child.pid, a)])
        self.each_way(check)

    def test_filtered_in_bpf(self):
        # A burst that every filter rejects reaches the ring buffer not
        # once: the summary counts what the ring delivered.
        never = self.path("never", create=False)
        busy = self.path("busy")
        with self.run_host("-o", "filesnoop.path=" + never) as host:
            self.assertEqual(self.child.burst(busy, 20000), 20000)
            self.stop(host)
            self.assertEqual(host.stdout(), "")
            self.assertEqual(summary(host.stderr()), (0, 0), host.stderr())
        with self.run_host("-o", "filesnoop.path=" + never) as host:
            self.child.burst(busy, 1000)
            self.child.open(never)
            self.stop(host)
            self.assertEqual(summary(host.stderr()), (1, 0), host.stderr())
            self.assertEqual(len(host.records(path=never)), 1)

    def test_lost_counted_in_bpf(self):
        # Stop the reader, overflow the 4 MiB ring: every open is either
        # delivered or counted lost by the BPF program, none guessed.
        busy = self.path("lossy")
        count = 100000
        with self.run_host("-o", "filesnoop.pid=%d" % self.child.pid,
                           "-o", "filesnoop.path=" + busy) as host:
            host.proc.send_signal(signal.SIGSTOP)
            try:
                self.assertEqual(self.child.burst(busy, count), count)
            finally:
                host.proc.send_signal(signal.SIGCONT)
            self.stop(host)
            events, lost = summary(host.stderr())
            self.assertGreater(lost, 0, host.stderr())
            self.assertGreater(events, 0, host.stderr())
            self.assertEqual(events + lost, count, host.stderr())
            self.assertEqual(len(host.records(path=busy)), events)

    # ---- text output --------------------------------------------------

    def test_text_header_and_aligned_line(self):
        target = self.path("textual")
        missing = self.path("textual-missing", create=False)
        host = Bpfhost("-p", "filesnoop", "-o",
                       "filesnoop.pid=%d" % self.child.pid)
        with host:
            fd = self.child.open(target, ("O_RDONLY", "O_CLOEXEC"))["fd"]
            self.child.open(missing)
            self.stop(host)
            lines = host.stdout().splitlines()
            header = lines[0]
            self.assertEqual(header.split(), ["TIME", "PID", "COMM",
                                              "CONTAINER", "HOSTNAME", "FD",
                                              "ERR", "FLAGS", "PATH"])
            cols = [(m.start(), m.end()) for m in re.finditer(r"\S+", header)]
            by_path = {ln.split()[-1]: ln for ln in lines[1:]}
            for path, want in (
                    (target, [None, str(self.child.pid), self.comm, "-",
                              os.uname().nodename, str(fd), "-",
                              "O_RDONLY|O_CLOEXEC", target]),
                    (missing, [None, str(self.child.pid), self.comm, "-",
                               os.uname().nodename, "-1", "ENOENT",
                               "O_RDONLY", missing])):
                line = by_path[path]
                toks = [(m.group(), m.start(), m.end())
                        for m in re.finditer(r"\S+", line)]
                self.assertEqual(len(toks), 9, line)
                self.assertRegex(toks[0][0], r"^\d\d:\d\d:\d\d\.\d{6}$")
                for i, (tok, start, end) in enumerate(toks):
                    if want[i] is not None:
                        self.assertEqual(tok, want[i], line)
                    # Numbers are right-aligned under their header, words
                    # left-aligned.
                    if header.split()[i] in ("PID", "FD"):
                        self.assertEqual(end, cols[i][1], "\n" + header +
                                         "\n" + line)
                    else:
                        self.assertEqual(start, cols[i][0], "\n" + header +
                                         "\n" + line)

    def test_text_hostile_path(self):
        name = b"t\x1b]0;owned\x07\x9b31m\xc2\x9b\x7f\n\rz"
        target = os.path.join(os.fsencode(self.dir), name)
        with open(target, "w"):
            pass
        with Bpfhost("-p", "filesnoop", "-o",
                     "filesnoop.pid=%d" % self.child.pid) as host:
            self.child.open(target)
            self.stop(host)
            out = host.stdout_bytes()
            self.assertIn(b"\\x1b]0;owned\\x07\\x9b31m\\xc2\\x9b\\x7f"
                          b"\\x0a\\x0dz", out)
            text = out.decode("utf-8", "strict")
            for ch in text:
                if ch == "\n":
                    continue
                self.assertFalse(ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0,
                                 "control %r in output" % ch)

    # ---- stopping -----------------------------------------------------

    def check_clean_stop(self, rc, stderr):
        self.assertEqual(rc, 0, stderr)
        self.assertRegex(stderr.splitlines()[-1],
                         r"^bpfhost: filesnoop: \d+ events, \d+ lost$")

    def test_sigint_and_sigterm(self):
        target = self.path("sig")
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(sig=sig.name):
                with self.run_host("-o", "filesnoop.path=" + target) as host:
                    self.child.open(target)
                    rc = host.stop(sig)
                    self.check_clean_stop(rc, host.stderr())
                    # Flushed before exit: the record is there.
                    self.assertEqual(len(host.records(path=target)), 1)
                    self.assertEqual(summary(host.stderr()), (1, 0))

    def test_host_not_reported(self):
        # The host's own opens (tracefs, while other plugins attach) are
        # its start-up, not the machine's: never reported.
        with Bpfhost("-p", "filesnoop", "-p", "utsname", "-F", "json") as host:
            self.child.open(self.path("seen"))
            self.stop(host)
            self.assertEqual(host.records(pid=host.proc.pid), [])
            self.assertEqual(len(self.mine(host, path=self.path("seen", False))), 1)

    def test_duration(self):
        start = time.monotonic()
        rc, out, err = run_bpfhost("-p", "filesnoop", "-F", "json", "-d",
                                   "1.5", "-o", "filesnoop.comm=" + self.comm)
        elapsed = time.monotonic() - start
        self.check_clean_stop(rc, err)
        self.assertIn("bpfhost: running filesnoop", err)
        self.assertGreaterEqual(elapsed, 1.5)
        self.assertLess(elapsed, 15)


if __name__ == "__main__":
    main()

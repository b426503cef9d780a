# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Outputs that fail in the ways real ones do never blind the host.

A stdout nobody reads, a stdout whose reader leaves, a stdout that is not
there, a file on a full disk (a tmpfs of 16 KiB in a mount namespace of the
test's own) and a collector whose name the DNS never answers (a server
that reads queries and never replies, in a network namespace of the test's
own, named by a resolv.conf bind-mounted in a private mount namespace).
Each time, a JSON file output beside the failing one must get every event
at once, no event may be lost in the ring, the failing output must count
what it drops, and a stop must come on time.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

from bpfhost_test import BPFHOST, main, need_root

# How long the host may take to hand an event to a healthy output: its
# poll interval is 20 ms; the rest is slack for a loaded machine.
PROMPT_S = 1.0


class Host:
    """bpfhost started behind an optional command prefix (namespaces),
    stdout as given, stderr to a file; ready once it says it is running."""

    def __init__(self, args, stdout, prefix=(), d=None):
        self.err_path = os.path.join(d, "stderr")
        self.err = open(self.err_path, "wb")
        self.start = time.monotonic()
        self.proc = subprocess.Popen([*prefix, BPFHOST, *args],
                                     stdout=stdout, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        deadline = self.start + 30
        while "bpfhost: running" not in self.stderr():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("bpfhost did not start:\n" +
                                     self.stderr())
            time.sleep(0.01)
        self.ready_s = time.monotonic() - self.start

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, timeout=15):
        """SIGTERM; (exit code, seconds it took)."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        return rc, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.err.close()


def summary(err, name):
    """(messages, written or sent, dropped) from the exit summary."""
    m = re.search(r"\[%s\]: (\d+) messages, (\d+) (?:written|sent), "
                  r"(\d+) dropped" % re.escape(name), err)
    assert m, err
    return [int(x) for x in m.groups()]


def ring_lost(err):
    m = re.search(r"filesnoop: (\d+) events, (\d+) lost", err)
    assert m, err
    return int(m[2])


def json_lines(data):
    """Every line of data as JSON; fails on a cut or torn line."""
    assert data.endswith(b"\n") or not data, data[-200:]
    return [json.loads(line) for line in data.splitlines()]


class OutputFaultsTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="bpfhost-faults-")
        self.addCleanup(self.tmp.cleanup)
        self.d = self.tmp.name
        # Opens of paths under here, by this process only: other tests run
        # at the same time.
        self.files = os.path.join(self.d, "opened")
        os.mkdir(self.files)
        self.json_out = os.path.join(self.d, "events.json")

    def config(self, text):
        """An INI file: a JSON file output (the witness) plus text."""
        path = os.path.join(self.d, "bpfhost.ini")
        with open(path, "w") as f:
            f.write("[output.witness]\nformat = json\ntarget = file:%s\n\n%s"
                    % (self.json_out, text))
        return path

    def args(self, ini):
        return ["-p", "filesnoop", "-o", "filesnoop.prefix=" + self.files +
                "/", "-o", "filesnoop.pid=%d" % os.getpid(), "-c", ini]

    def host(self, ini, stdout=subprocess.DEVNULL, prefix=()):
        h = Host(self.args(ini), stdout, prefix, self.d)
        self.addCleanup(h.kill)
        return h

    def open_batch(self, tag, n, length=200):
        """n opens of paths that do not exist (ENOENT, traced all the
        same); returns the paths."""
        paths = [os.path.join(self.files, ("%s-%05d-" % (tag, i)).ljust(
            length, "p")) for i in range(n)]
        for p in paths:
            try:
                os.close(os.open(p, os.O_RDONLY))
            except OSError:
                pass
        return paths

    def witness(self):
        with open(self.json_out, "rb") as f:
            data = f.read()
        return json_lines(data[:data.rfind(b"\n") + 1])

    def wait_witness(self, paths, timeout=PROMPT_S):
        """Seconds until the witness file holds an open of every path."""
        start = time.monotonic()
        want = set(paths)
        while True:
            seen = {r["path"] for r in self.witness()
                    if r["plugin"] == "filesnoop"}
            took = time.monotonic() - start
            if want <= seen:
                return took
            self.assertLess(took, timeout, "%d of %d events reached the "
                            "file output" % (len(want & seen), len(want)))
            time.sleep(0.01)

    def test_stdout_nobody_reads(self):
        """A pipe that fills and is never read: the file output beside it
        gets every event at once, stdout drops and counts, SIGTERM ends
        the run in its flush time, and the pipe holds whole lines only."""
        ini = self.config("[output]\nformat = json\ntarget = stdout\n"
                          "queue_size = 100\nflush_timeout_ms = 300\n")
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        h = self.host(ini, stdout=w)
        os.close(w)
        # 600 records of ~450 bytes: four times what the pipe holds.
        for i in range(3):
            self.wait_witness(self.open_batch("b%d" % i, 200))
        rc, took = h.stop()
        err = h.stderr()
        self.assertEqual(rc, 0, err)
        self.assertLess(took, 0.3 + 1.0, err)
        self.assertEqual(ring_lost(err), 0, err)
        messages, written, dropped = summary(err, "output")
        self.assertEqual(written + dropped, messages, err)
        self.assertGreater(dropped, 0, err)
        # An output that dropped nothing has no summary line.
        self.assertNotIn("[output.witness]", err)
        # Drops travel in-band to the outputs that work.
        self.assertTrue(any(x["event"] == "loss" and
                            x["source"] == "output" and x["kind"] == "output"
                            for x in self.witness()))
        os.set_blocking(r, False)
        data = b""
        while True:
            try:
                chunk = os.read(r, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        self.assertEqual(len(json_lines(data)), written)

    def test_stdout_reader_leaves(self):
        """EPIPE on stdout ends the run, with one line and exit 1."""
        r, w = os.pipe()
        h = self.host(self.config("[output]\nformat = json\n"), stdout=w)
        os.close(w)
        os.close(r)
        self.open_batch("x", 5)
        rc = h.proc.wait(5)
        err = h.stderr()
        self.assertEqual(rc, 1, err)
        said = [line for line in err.splitlines()
                if "running" not in line and
                not re.match(r"bpfhost: (filesnoop|\[output[.a-z]*\]): \d+ ",
                             line)]
        self.assertEqual(said, ["bpfhost: [output] stdout: the reader went "
                                "away; stopping"], err)
        messages, written, dropped = summary(err, "output")
        self.assertEqual(written + dropped, messages, err)

    def test_stdout_closed(self):
        """>&-: an output to stdout is refused at start (exit 2, one line);
        without one the run works and its descriptors stay clear of 1.
        A stdout open only for reading is refused too."""
        close_stdout = ["sh", "-c", 'exec "$@" >&-', "sh"]
        p = subprocess.run([*close_stdout, BPFHOST, "-p", "filesnoop", "-d",
                            "5"], capture_output=True, timeout=30)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 2, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("[output] target stdout, but bpfhost was started with "
                      "stdout closed", err)
        # Open, but for reading: refused too, not written around.
        p = subprocess.run(["sh", "-c", 'exec "$@" 1</dev/null', "sh",
                            BPFHOST, "-p", "filesnoop", "-d", "5"],
                           capture_output=True, timeout=30)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("[output] cannot open target stdout: Bad file "
                      "descriptor", err)
        h = self.host(self.config(""), prefix=close_stdout)
        fd1 = os.readlink("/proc/%d/fd/1" % h.proc.pid)
        self.assertEqual(fd1, "/dev/null")
        self.wait_witness(self.open_batch("c", 10))
        rc, _ = h.stop()
        self.assertEqual(rc, 0, h.stderr())

    def mount_namespace_with_tmpfs(self, path, size):
        """A process holding a mount namespace of its own in which a tmpfs
        of size bytes is mounted on path; its pid."""
        os.mkdir(path)
        holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             'mount -t tmpfs -o size=%d bpfhost-test "$0" && echo mounted '
             '&& exec sleep 600' % size, path],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (holder.kill(), holder.wait()))
        self.assertEqual(holder.stdout.readline(), b"mounted\n")
        return holder.pid

    def test_full_disk(self):
        """A file output on a full tmpfs: whole JSON lines only, every
        message written or dropped and counted (in the summary and
        in-band), the run goes on for the others, and exit 1 says that
        messages were lost to write errors."""
        disk = os.path.join(self.d, "disk")
        holder = self.mount_namespace_with_tmpfs(disk, 16384)
        ini = self.config("[output.disk]\nformat = json\n"
                          "target = file:%s/events.json\n" % disk)
        h = self.host(ini, prefix=["nsenter", "-t", str(holder), "-m"])
        paths = []
        for i in range(4):
            paths += self.open_batch("f%d" % i, 50)
            self.wait_witness(paths)
        rc, _ = h.stop()
        err = h.stderr()
        with open("/proc/%d/root%s/events.json" % (holder, disk), "rb") as f:
            on_disk = json_lines(f.read())
        self.assertEqual(rc, 1, err)
        self.assertIn("[output.disk] file:%s/events.json: write: No space "
                      "left on device; messages are dropped (counted)"
                      % disk, err)
        self.assertEqual(ring_lost(err), 0, err)
        messages, written, dropped = summary(err, "output.disk")
        self.assertEqual(len(on_disk), written, err)
        self.assertEqual(written + dropped, messages, err)
        self.assertGreater(dropped, 0, err)
        self.assertIn("on write errors, the last: No space left on device",
                      err)
        # An output that dropped nothing has no summary line.
        self.assertNotIn("[output.witness]", err)
        self.assertTrue(any(x["event"] == "loss" and
                            x["source"] == "output.disk" and
                            x["kind"] == "output" for x in self.witness()))

    def test_dns_never_answers(self):
        """A syslog collector by a name whose DNS server never answers:
        the host starts at once, the file output beside it gets every event
        at once, the ring loses nothing, and the collector's output queues
        up to queue_size and counts the rest dropped."""
        ns = "bpfhost-dns-%d" % os.getpid()
        subprocess.run(["ip", "netns", "add", ns], check=True)
        self.addCleanup(subprocess.run, ["ip", "netns", "del", ns])
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"],
                       check=True)
        # Reads every query, answers none.
        dns = subprocess.Popen(
            ["ip", "netns", "exec", ns, "python3", "-c",
             "import socket\n"
             "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
             "s.bind(('127.0.0.1', 53))\n"
             "print('ready', flush=True)\n"
             "while True: s.recv(512)\n"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (dns.kill(), dns.wait()))
        self.assertEqual(dns.stdout.readline(), b"ready\n")
        resolv = os.path.join(self.d, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:30 attempts:1\n")
        ini = self.config("[output.siem]\nformat = syslog\n"
                          "target = tcp://collector.bpfhost.test:514\n"
                          "queue_size = 100\nflush_timeout_ms = 300\n"
                          "stats_interval = 1\n")
        h = self.host(ini, prefix=[
            "ip", "netns", "exec", ns, "unshare", "-m", "--propagation",
            "private", "sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv])
        self.assertLess(h.ready_s, 3.0, h.stderr())
        # Past the 5 s connect deadline and into the retry after it.
        slowest = 0
        for i in range(7):
            slowest = max(slowest,
                          self.wait_witness(self.open_batch("d%d" % i, 100)))
            time.sleep(0.9)
        self.assertIn("[output.siem] tcp://collector.bpfhost.test:514: "
                      "cannot resolve collector.bpfhost.test: no answer in "
                      "5 s", h.stderr())
        rc, took = h.stop()
        err = h.stderr()
        self.assertEqual(rc, 0, err)
        self.assertLess(took, 0.3 + 1.0, err)
        self.assertEqual(ring_lost(err), 0, err)
        messages, sent, dropped = summary(err, "output.siem")
        self.assertGreaterEqual(messages, 700, err)
        self.assertEqual((sent, dropped), (0, messages), err)
        stats = [r for r in self.witness() if r["event"] == "stats"]
        self.assertTrue(stats, err)
        self.assertEqual(stats[-1]["queued"], 100)
        self.assertGreater(stats[-1]["dropped"], 0)


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Shared helpers for system tests: run the real bpfhost, real BPF.

Environment (set by tests/meson.build): BPFHOST = path of the bpfhost
binary, BPFHOST_SOURCE_ROOT = the source tree.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BPFHOST = os.environ.get("BPFHOST", "build/host/bpfhost")
SOURCE_ROOT = os.environ.get(
    "BPFHOST_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def need_root(test_case):
    if os.geteuid() != 0:
        test_case.skipTest("needs root for BPF")


class Bpfhost:
    """bpfhost running in the background, stdout and stderr to files."""

    def __init__(self, *args, ready_timeout=30.0):
        self.dir = tempfile.TemporaryDirectory(prefix="bpfhost-test-")
        self.out_path = os.path.join(self.dir.name, "stdout")
        self.err_path = os.path.join(self.dir.name, "stderr")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen([BPFHOST, *args], stdout=self.out,
                                     stderr=self.err, stdin=subprocess.DEVNULL)
        self.returncode = None
        deadline = time.monotonic() + ready_timeout
        while b"bpfhost: running" not in self._read(self.err_path):
            if self.proc.poll() is not None:
                raise AssertionError(
                    "bpfhost %s exited %d before running:\n%s" %
                    (" ".join(args), self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("bpfhost did not start in time:\n" +
                                     self.stderr())
            time.sleep(0.02)

    @staticmethod
    def _read(path):
        with open(path, "rb") as f:
            return f.read()

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Stop and wait; returns the exit code."""
        if self.returncode is None:
            # Let the last records drain through the poll timer first.
            time.sleep(0.1)
            self.proc.send_signal(sig)
            self.returncode = self.proc.wait(timeout)
            self.out.close()
            self.err.close()
        return self.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.returncode = self.proc.returncode

    def stdout(self):
        return self._read(self.out_path).decode("utf-8", "replace")

    def stdout_bytes(self):
        return self._read(self.out_path)

    def stderr(self):
        return self._read(self.err_path).decode("utf-8", "replace")

    def records(self, **match):
        """JSON records from stdout whose fields equal every key in match."""
        out = []
        for line in self.stdout_bytes().splitlines():
            rec = json.loads(line)
            if all(rec.get(k) == v for k, v in match.items()):
                out.append(rec)
        return out

    def one(self, **match):
        """The one JSON record matching, as records() does; fails the test
        when there is none or more than one."""
        recs = self.records(**match)
        if len(recs) != 1:
            raise AssertionError("want one record matching %r, got %r"
                                 "\nstderr:\n%s" % (match, recs,
                                                     self.stderr()))
        return recs[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        self.dir.cleanup()


def own_opens(files, ini):
    """bpfhost with filesnoop reporting only this test process's opens of
    files under the directory files (other tests run at the same time),
    configured by the INI file ini."""
    return Bpfhost("-p", "filesnoop", "-o", "filesnoop.prefix=" + files + "/",
                   "-o", "filesnoop.pid=%d" % os.getpid(), "-c", ini)


def text_rows(text):
    """Text output as dicts, each row keyed by its type's header (printed
    before the type's first row)."""
    headers, pending, rows = {}, None, []
    for line in text.splitlines():
        if line.startswith("TIME "):
            pending = line.split()
        elif line.strip():
            event = line.split()[1]
            if event not in headers:
                headers[event] = pending
            header = headers[event]
            fields = line.split(None, len(header) - 1)
            rows.append(dict(zip(header, fields)))
    return rows


def run_bpfhost(*args, timeout=60):
    """Run bpfhost to completion: (returncode, stdout, stderr)."""
    p = subprocess.run([BPFHOST, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def main():
    unittest.main(verbosity=2, argv=[sys.argv[0]])

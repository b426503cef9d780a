# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Every route to a file, against the real kernel: creat(2),
open_by_handle_at(2), io_uring's openat and openat2 (plain, into a
fixed-file slot, from an SQPOLL ring, completed into a full completion
ring), the ia32 entry (int $0x80 from a
64-bit process, and a 32-bit binary), for filesnoop and utsname, with
compat tracing on (the default) and off; and utsname's name changes by the
same routes, a seccomp-refused sethostname included.

The opener is tests/system/fixtures/open_routes.c (built by meson, path in
BPFHOST_OPEN_ROUTES) and open32.c (built here with cc -m32 -static).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import Bpfhost, need_root, main  # noqa: E402

OPEN_ROUTES = os.environ.get("BPFHOST_OPEN_ROUTES",
                             "build/tests/open_routes")
OPEN32_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "fixtures", "open32.c")

# route -> (the record's syscall, fd_fixed)
NATIVE = {
    "creat": ("creat", False),
    "by_handle": ("open_by_handle_at", False),
    "uring_openat": ("io_uring_openat", False),
    "uring_openat2": ("io_uring_openat2", False),
    "uring_fixed": ("io_uring_openat", True),
    "uring_sqpoll": ("io_uring_openat", False),
    "uring_overflow": ("io_uring_openat", False),
    "uring_overflow_dup": ("io_uring_openat", False),
}
INT80 = {
    "int80_open": "open", "int80_openat": "openat", "int80_creat": "creat",
    "int80_openat2": "openat2", "int80_by_handle": "open_by_handle_at",
}
OPEN32 = {
    "open": "open", "openat": "openat", "creat": "creat",
    "openat2": "openat2", "by_handle": "open_by_handle_at",
}


def build_open32(tmpdir):
    """The 32-bit opener, or None with why it cannot run here."""
    exe = os.path.join(tmpdir, "open32")
    p = subprocess.run(["cc", "-m32", "-static", "-O2", "-o", exe,
                        OPEN32_SRC], capture_output=True)
    if p.returncode:
        return None, "cc -m32 -static failed (gcc-multilib missing?): " + \
            p.stderr.decode(errors="replace")[-300:]
    try:
        subprocess.run([exe, "open", "/"], capture_output=True, check=True)
    except OSError as e:
        return None, "this kernel runs no 32-bit binary (%s): ia32 " \
            "emulation is off at run time" % e
    return exe, None


class OpenRoutesTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="routes-test-")
        self.dir = os.path.realpath(self.tmp.name)
        self.target = os.path.join(self.dir, "target")
        with open(self.target, "w") as f:
            f.write("x")

    def tearDown(self):
        self.tmp.cleanup()

    def start(self, plugin, compat="yes", watch=None):
        watch = watch or self.target
        key = "path" if plugin == "utsname" else "prefix"
        return Bpfhost("-p", plugin, "-F", "json",
                       "-o", "%s.%s=%s" % (plugin, key, watch),
                       "-o", "%s.compat=%s" % (plugin, compat))

    def run_route(self, exe, route, path, wrap=()):
        p = subprocess.run([*wrap, exe, route, path], capture_output=True,
                           timeout=30)
        if p.returncode < 0:
            return None, p.returncode
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout), 0

    def check(self, host, child, syscall, fixed=False, compat=False,
              path=None, arg=None, error=None):
        path = path or self.target
        arg = self.target if arg is None else arg
        recs = host.records(pid=child["pid"])
        self.assertEqual(len(recs), 1, (syscall, recs, host.stderr()))
        rec = recs[0]
        self.assertEqual(rec["syscall"], syscall)
        self.assertIs(rec["compat"], compat)
        self.assertEqual(rec["path"], path)
        self.assertEqual(rec["path_arg"], arg)
        self.assertIs(rec["path_truncated"], False)
        self.assertEqual(rec["error"], error)
        if rec["plugin"] == "filesnoop":
            self.assertEqual(rec["tid"], child["tid"])
            self.assertEqual(rec["fd"], child["ret"] if child["ret"] >= 0
                             else -1)
            self.assertIs(rec["fd_fixed"], fixed)
        return rec

    def test_native_routes(self):
        for plugin in ("filesnoop", "utsname"):
            for compat in ("yes", "no"):
                with self.start(plugin, compat) as host:
                    kids = {r: self.run_route(OPEN_ROUTES, r, self.target)[0]
                            for r in NATIVE}
                    self.assertEqual(host.stop(), 0, host.stderr())
                    for route, (syscall, fixed) in NATIVE.items():
                        with self.subTest(plugin=plugin, compat=compat,
                                          route=route):
                            # open_by_handle_at names no file
                            arg = "" if route == "by_handle" else None
                            self.check(host, kids[route], syscall, fixed,
                                       arg=arg)

    def test_creat_reports_flags(self):
        made = os.path.join(self.dir, "made")
        with self.start("filesnoop", watch=self.dir + "/") as host:
            child, _ = self.run_route(OPEN_ROUTES, "creat", made)
            self.assertEqual(host.stop(), 0, host.stderr())
            rec = self.check(host, child, "creat", path=made, arg=made)
        self.assertEqual(rec["flags"], "O_WRONLY|O_CREAT|O_TRUNC")
        self.assertEqual(rec["mode"], 0o600)

    def test_io_uring_failed_open_and_pid_filter(self):
        missing = os.path.join(self.dir, "missing")
        with self.start("filesnoop", watch=self.dir + "/") as host:
            bad, _ = self.run_route(OPEN_ROUTES, "uring_openat", missing)
            self.assertEqual(host.stop(), 0, host.stderr())
            self.assertEqual(bad["ret"], -2)
            self.check(host, bad, "io_uring_openat", path=missing,
                       arg=missing, error="ENOENT")
        # The submitter's identity drives the filters: another pid's
        # io_uring open is filtered out in the kernel.
        with Bpfhost("-p", "filesnoop", "-F", "json",
                     "-o", "filesnoop.pid=1",
                     "-o", "filesnoop.prefix=" + self.dir + "/") as host:
            child, _ = self.run_route(OPEN_ROUTES, "uring_openat",
                                      self.target)
            self.assertEqual(host.stop(), 0, host.stderr())
            self.assertEqual(host.records(pid=child["pid"]), [])

    def test_io_uring_open_without_completion(self):
        # IOSQE_CQE_SKIP_SUCCESS: a success posts nothing, so the open is
        # reported at its submit, its result unknown, past every filter.
        with Bpfhost("-p", "filesnoop", "-F", "json",
                     "-o", "filesnoop.path=/nothing/at/all") as host:
            child, _ = self.run_route(OPEN_ROUTES, "uring_skip",
                                      self.target)
            self.assertEqual(host.stop(), 0, host.stderr())
            recs = host.records(pid=child["pid"])
        self.assertGreaterEqual(child["ret"], 3)
        self.assertEqual(len(recs), 1, recs)
        rec = recs[0]
        self.assertEqual((rec["syscall"], rec["fd"], rec["error"]),
                         ("io_uring_openat", -1, "EINPROGRESS"))
        self.assertEqual((rec["path"], rec["path_arg"]),
                         (self.target, self.target))

    def test_io_uring_fd_swapped_before_reaping(self):
        # The file at the fd when the completion is posted is not the
        # open's: its path is not the name, so no filter decides on it.
        with Bpfhost("-p", "filesnoop", "-F", "json",
                     "-o", "filesnoop.path=" + self.target) as host:
            child, _ = self.run_route(OPEN_ROUTES, "uring_swap",
                                      self.target)
            other, _ = self.run_route(OPEN_ROUTES, "uring_openat",
                                      "/etc/hostname")
            self.assertEqual(host.stop(), 0, host.stderr())
            recs = host.records(pid=child["pid"])
            # A canonical absolute name still meets the filters.
            self.assertEqual(host.records(pid=other["pid"]), [])
        self.assertGreaterEqual(child["ret"], 3)
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual((recs[0]["path"], recs[0]["path_arg"], recs[0]["fd"]),
                         ("/dev/null", self.target, child["ret"]))

    def test_int80_from_64_bit_process(self):
        with self.start("filesnoop") as host:
            probe, sig = self.run_route(OPEN_ROUTES, "int80_open",
                                        self.target)
            if probe is None:
                host.stop()
                self.skipTest("int $0x80 is not delivered on this machine "
                              "(the process got signal %d; ia32 emulation "
                              "is off at run time)" % -sig)
            kids = {r: self.run_route(OPEN_ROUTES, r, self.target)[0]
                    for r in INT80 if r != "int80_creat"}
            self.assertEqual(host.stop(), 0, host.stderr())
            self.check(host, probe, "open", compat=True)
            for route, child in kids.items():
                with self.subTest(route=route):
                    arg = "" if route == "int80_by_handle" else None
                    self.check(host, child, INT80[route], compat=True,
                               arg=arg)

    def test_32_bit_binary(self):
        exe, why = build_open32(self.dir)
        if not exe:
            self.skipTest(why)
        for plugin in ("filesnoop", "utsname"):
            for compat in ("yes", "no"):
                with self.start(plugin, compat) as host:
                    kids = {r: self.run_route(exe, r, self.target)[0]
                            for r in OPEN32 if r != "creat"}
                    self.assertEqual(host.stop(), 0, host.stderr())
                    for route, child in kids.items():
                        with self.subTest(plugin=plugin, compat=compat,
                                          route=route):
                            if compat == "no":
                                # The option's cost: compat opens go unseen.
                                self.assertEqual(
                                    host.records(pid=child["pid"]), [])
                                continue
                            arg = "" if route == "by_handle" else None
                            self.check(host, child, OPEN32[route],
                                       compat=True, arg=arg)

    def test_compat_sethostname(self):
        exe, why = build_open32(self.dir)
        if not exe:
            self.skipTest(why)
        with Bpfhost("-p", "utsname", "-F", "json") as host:
            child, _ = self.run_route(exe, "sethostname", "compat-host",
                                      wrap=("unshare", "-u"))
            self.assertEqual(host.stop(), 0, host.stderr())
            recs = host.records(pid=child["pid"], event="sethostname")
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["new_name"], "compat-host")
        self.assertIs(recs[0]["compat"], True)
        self.assertIsNone(recs[0]["error"])

    def test_seccomp_refused_sethostname(self):
        # seccomp refuses before sys_enter: only the exit sees the call.
        for compat in ("yes", "no"):
            with self.subTest(compat=compat):
                with Bpfhost("-p", "utsname", "-F", "json",
                             "-o", "utsname.compat=" + compat) as host:
                    child, _ = self.run_route(
                        OPEN_ROUTES, "seccomp_sethostname", "denied-host",
                        wrap=("unshare", "-u"))
                    self.assertEqual(host.stop(), 0, host.stderr())
                    recs = host.records(pid=child["pid"],
                                        event="sethostname")
                self.assertEqual(child["ret"], -1)
                self.assertEqual(len(recs), 1, recs)
                rec = recs[0]
                self.assertEqual(rec["error"], "EPERM")
                self.assertEqual(rec["new_name"], "denied-host")
                self.assertEqual(rec["old_name"], os.uname().nodename)
                self.assertEqual(rec["syscall"], "sethostname")


if __name__ == "__main__":
    main()

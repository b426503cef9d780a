# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The command line as a person meets it: every kind of bad input gets one
clear stderr line and exit code 2 and leaves nothing attached; plugin
listing and per-plugin help; tracefs missing; a killed host leaves no
program behind.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import (BPFHOST, SOURCE_ROOT, Bpfhost, need_root,  # noqa
                          run_bpfhost, main)
from plugin_fixtures import BUILD_ROOT, build_fake, chain_is_safe  # noqa

PLUGIN_SO = os.path.join(BUILD_ROOT, "plugins", "filesnoop.so")
OPTIONS = ["path", "prefix", "pid", "uid", "comm", "failed_only"]
TRACEFS = "/sys/kernel/tracing"


def bpftool_json(*args):
    out = subprocess.run(["bpftool", "-j", *args], capture_output=True,
                         check=True).stdout
    return json.loads(out or b"[]")


def owned_prog_ids():
    """Program ids some process holds an fd on (a program fd, or a link)."""
    ids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fdinfo" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                with open("/proc/%s/fdinfo/%s" % (pid, fd)) as f:
                    text = f.read()
            except OSError:
                continue
            ids.update(int(m) for m in
                       re.findall(r"^prog_id:\s*(\d+)", text, re.M))
    return ids


def held_by(pid):
    """Program ids process pid holds."""
    ids = set()
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                ids.update(int(m) for m in re.findall(
                    r"^prog_id:\s*(\d+)", f.read(), re.M))
        except OSError:
            pass
    return ids


_prog_names = None


def filesnoop_prog_names():
    """The names of filesnoop's BPF programs, as a running host loads them."""
    global _prog_names
    if _prog_names is None:
        with Bpfhost("-p", "filesnoop", "-o", "filesnoop.comm=nobody-here") \
                as host:
            ids = held_by(host.proc.pid)
            _prog_names = {p["name"] for p in bpftool_json("prog", "show")
                           if p["id"] in ids and p.get("name")}
            host.stop()
        assert _prog_names, "filesnoop loaded no named program"
    return _prog_names


def orphan_filesnoop_progs():
    """filesnoop programs still loaded that no process holds: left behind.
    Other tests may run filesnoop meanwhile; theirs are held by their
    bpfhost, and one that just exited frees its programs within moments."""
    names = filesnoop_prog_names()
    deadline = time.monotonic() + 5
    while True:
        progs = {p["id"] for p in bpftool_json("prog", "show")
                 if p.get("name") in names}
        orphans = progs - owned_prog_ids()
        if not orphans or time.monotonic() > deadline:
            return orphans
        time.sleep(0.2)


def build_so(path, source):
    src = path + ".c"
    with open(src, "w") as f:
        f.write(textwrap.dedent(source))
    subprocess.run(["cc", "-shared", "-fPIC", "-Wall", "-Werror",
                    "-I", os.path.join(SOURCE_ROOT, "sdk", "include"),
                    "-o", path, src], check=True)
    os.unlink(src)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Plugin directories must be root's and closed all the way up (the
        # host refuses plugin code from /tmp): make them in the build tree.
        cls.plugins_root = tempfile.mkdtemp(prefix="cli-test-", dir=BUILD_ROOT)
        os.chmod(cls.plugins_root, 0o755)
        cls.bad_dir = os.path.join(cls.plugins_root, "plugins")
        cls.empty_dir = os.path.join(cls.plugins_root, "empty")
        os.mkdir(cls.bad_dir, 0o755)
        os.mkdir(cls.empty_dir, 0o755)
        shutil.copy(PLUGIN_SO, cls.bad_dir)
        build_so(os.path.join(cls.bad_dir, "noentry.so"), """
            int noentry_something(void) { return 42; }
            """)
        build_fake(cls.bad_dir, "abi99", abi=99)
        with open(os.path.join(cls.bad_dir, "garbage.so"), "w") as f:
            f.write("this is not an ELF file\n")
        for name in os.listdir(cls.bad_dir):
            os.chmod(os.path.join(cls.bad_dir, name), 0o644)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.plugins_root, True)

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="bpfhost-cli-case-")

    def tearDown(self):
        self.dir.cleanup()

    def need_safe_dirs(self):
        if not chain_is_safe(self.bad_dir):
            self.skipTest("%s is not root-owned and closed all the way up"
                          % self.bad_dir)

    def ini(self, text, name="test.ini"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def ini_bytes(self, data, name="test.ini"):
        path = os.path.join(self.dir.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def one_line_exit_2(self, *args, want=(), timeout=60):
        """Run bpfhost; it must fail with exit 2 and exactly one stderr
        line containing every string in want; returns that line."""
        rc, out, err = run_bpfhost(*args, timeout=timeout)
        lines = err.splitlines()
        self.assertEqual(rc, 2, "%s\n%s" % (args, err))
        self.assertEqual(len(lines), 1, "%s\n%s" % (args, err))
        self.assertTrue(lines[0].startswith("bpfhost: "), lines[0])
        for w in want:
            self.assertIn(w, lines[0])
        self.assertEqual(out, "", args)
        return lines[0]

    def check_nothing_left(self):
        if os.geteuid() == 0:
            self.assertEqual(orphan_filesnoop_progs(), set())

    # ---- bad input: one line, exit 2, nothing attached ---------------

    def test_unknown_plugin(self):
        self.one_line_exit_2("-p", "nosuch", want=["nosuch"])
        self.one_line_exit_2("-p", "../etc/x", want=["../etc/x"])
        self.one_line_exit_2("-p", "filesnoop", "-p", "nosuch",
                             want=["nosuch"])
        self.need_safe_dirs()
        self.one_line_exit_2("--plugin-dir", self.empty_dir, "-p",
                             "filesnoop", want=["filesnoop", self.empty_dir])
        self.check_nothing_left()

    def test_so_without_entry(self):
        self.need_safe_dirs()
        self.one_line_exit_2("--plugin-dir", self.bad_dir, "-p", "noentry",
                             want=["noentry.so", "bpfhost_plugin_entry"])
        self.one_line_exit_2("--plugin-dir", self.bad_dir, "-p", "garbage",
                             want=["garbage"])
        self.check_nothing_left()

    def test_abi_mismatch(self):
        self.need_safe_dirs()
        line = self.one_line_exit_2("--plugin-dir", self.bad_dir, "-p",
                                    "abi99", want=["abi99", "99"])
        self.assertIn("1", line.replace("99", ""))
        # Refused before anything else, also next to a good plugin.
        self.one_line_exit_2("--plugin-dir", self.bad_dir, "-p", "filesnoop",
                             "-p", "abi99", want=["abi99"])
        self.check_nothing_left()

    def test_unknown_section(self):
        path = self.ini("""\
            ; comment
            [filesnoop]
            failed_only = no

            [filesnop]
            pid = 1
            """)
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":5", "filesnop"])
        self.check_nothing_left()

    def test_unknown_key(self):
        path = self.ini("""\
            [filesnoop]
            path = /etc/hosts

            colour = blue
            """)
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":4", "colour"])
        path = self.ini("[output]\nformat = json\nfromat = text\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":3", "fromat"])
        path = self.ini("[bpfhost]\nplugin = filesnoop\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":2", "plugin"])
        self.check_nothing_left()

    def test_bad_ini_value_and_syntax(self):
        path = self.ini("[filesnoop]\npid = abc\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":2", "pid", "abc"])
        path = self.ini("[filesnoop]\nfailed_only = maybe\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":2", "failed_only", "maybe"])
        path = self.ini("[filesnoop]\ncomm = 0123456789abcdef\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":2", "comm"])
        path = self.ini("[filesnoop]\npid = 1\npid = 2\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":3", "pid"])
        path = self.ini("[filesnoop\npid = 1\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":1"])
        path = self.ini("pid = 1\n[filesnoop]\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":1", "pid"])
        self.check_nothing_left()

    def test_bad_option_value(self):
        for setting, want in (
                ("filesnoop.pid=abc", ["pid", "abc"]),
                ("filesnoop.pid=0", ["pid"]),
                ("filesnoop.pid=-5", ["pid"]),
                ("filesnoop.uid=4294967295", ["uid", "4294967295"]),
                ("filesnoop.uid=-1", ["uid"]),
                ("filesnoop.failed_only=perhaps", ["failed_only"]),
                ("filesnoop.comm=", ["comm"]),
                ("filesnoop.path=", ["path"]),
                ("filesnoop.path=/" + "a" * 300, ["path"]),
                ("filesnoop.colour=red", ["colour"]),
                ("filesnoop.pid", ["filesnoop.pid"]),
                ("nosuch.pid=1", ["nosuch"])):
            with self.subTest(setting=setting):
                self.one_line_exit_2("-p", "filesnoop", "-o", setting,
                                     want=want)
        self.one_line_exit_2("-p", "filesnoop", "-o", "filesnoop.pid=1",
                             "-o", "filesnoop.pid=2", want=["pid"])
        self.check_nothing_left()

    def test_missing_config(self):
        missing = os.path.join(self.dir.name, "nope.ini")
        self.one_line_exit_2("-c", missing, "-p", "filesnoop",
                             want=[missing, "No such file"])
        self.one_line_exit_2("-c", self.dir.name, "-p", "filesnoop",
                             want=[self.dir.name])
        self.check_nothing_left()

    # ---- config files read strictly ----------------------------------
    # Every run is bounded by -d 1 (and a short timeout where a lax reader
    # would hang or spin): a config read another way starts the plugins
    # and ends in exit 0, not in exit 2.

    def refused(self, data, line, want, *args):
        path = self.ini_bytes(data)
        self.one_line_exit_2("-c", path, "-d", "1", *args,
                             want=["%s:%d" % (path, line), want])

    def test_config_long_line_not_split(self):
        # Split at 8191 bytes, the comment's tail would set plugins.
        self.refused(b"[bpfhost]\n;" + b" " * 8190 + b"plugins = utsname\n",
                     2, "longer than 8191 bytes")
        self.check_nothing_left()

    def test_config_text_after_bracket(self):
        self.refused(b"[bpfhost] plugins = utsname\n", 1, "after ']'")
        self.refused(b"[filesnoop] ; the filesnoop plugin\n", 1, "after ']'",
                     "-p", "filesnoop")
        self.check_nothing_left()

    def test_config_lone_cr(self):
        self.refused(b"[filesnoop]\rpid = 1\r", 1, "carriage return",
                     "-p", "filesnoop")
        self.check_nothing_left()

    def test_config_nul_byte(self):
        self.refused(b"[filesnoop]\ncomm = ab\0cd\n", 2, "NUL byte",
                     "-p", "filesnoop")
        self.check_nothing_left()

    def test_config_sections_without_keys(self):
        self.refused(b"[filesnoop]\n[filesnop]\n; pid = 1\n", 2, "filesnop",
                     "-p", "filesnoop")
        self.refused(b"[output.]\nformat = json\n", 1, "section name",
                     "-p", "filesnoop")
        self.check_nothing_left()

    def test_config_not_regular_file(self):
        # Reading /dev/zero never ends; opening a FIFO with no writer blocks.
        fifo = os.path.join(self.dir.name, "fifo.ini")
        os.mkfifo(fifo)
        for path, kind in (("/dev/zero", "a character device"),
                           ("/dev/null", "a character device"),
                           (fifo, "a FIFO"),
                           (self.dir.name, "a directory")):
            with self.subTest(path=path):
                self.one_line_exit_2("-c", path, "-p", "filesnoop", "-d", "1",
                                     want=[path, "is " + kind,
                                           "not a regular file"],
                                     timeout=10)
        self.check_nothing_left()

    def test_config_size_bound(self):
        path = self.ini("[filesnoop]\n")
        os.truncate(path, 1 << 40)
        self.one_line_exit_2("-c", path, "-p", "filesnoop", "-d", "1",
                             want=[path, "larger than 1048576 bytes"],
                             timeout=10)
        self.check_nothing_left()

    def test_bad_format(self):
        self.one_line_exit_2("-p", "filesnoop", "-F", "xml", want=["xml"])
        self.one_line_exit_2("-p", "filesnoop", "-F", "", want=["format"])
        path = self.ini("[output]\nformat = yaml\n")
        self.one_line_exit_2("-c", path, "-p", "filesnoop",
                             want=[path + ":2", "yaml"])
        self.check_nothing_left()

    def test_bad_duration(self):
        for value in ("abc", "0", "-1", "1s", "", "inf", "nan", "1e999"):
            with self.subTest(value=value):
                self.one_line_exit_2("-p", "filesnoop", "-d", value,
                                     want=["duration"])
        self.one_line_exit_2("-p", "filesnoop", "-d", want=["-d"])
        self.check_nothing_left()

    def test_bad_usage(self):
        self.one_line_exit_2("-p", "filesnoop", "--bogus", want=["--bogus"])
        self.one_line_exit_2("-p", "filesnoop", "stray", want=["stray"])
        self.one_line_exit_2(want=["-p"])
        self.one_line_exit_2("-p", "filesnoop", "-p", "filesnoop",
                             want=["filesnoop"])

    # ---- listing and help --------------------------------------------

    def check_listed(self, out):
        m = re.search(r"^filesnoop\s+(\d+\.\d+\.\d+)\s+(\S.*)$", out, re.M)
        self.assertIsNotNone(m, out)
        return m

    def test_list_plugins_build_tree(self):
        rc, out, err = run_bpfhost("--list-plugins")
        self.assertEqual(rc, 0, err)
        m = self.check_listed(out)
        self.assertIn("open", m.group(2))

    def test_list_plugins_dir(self):
        self.need_safe_dirs()
        rc, out, err = run_bpfhost("--list-plugins", "--plugin-dir",
                                   self.bad_dir)
        self.assertEqual(rc, 0, err)
        self.check_listed(out)
        self.assertIn(self.bad_dir, out)
        for broken in ("noentry", "abi99", "garbage"):
            self.assertNotRegex(out, r"(?m)^%s\s+\d" % broken)
        # The same directory from the config file.
        path = self.ini("[bpfhost]\nplugin_dir = %s\n" % self.bad_dir)
        rc, out, err = run_bpfhost("--list-plugins", "-c", path)
        self.assertEqual(rc, 0, err)
        self.check_listed(out)
        self.assertIn(self.bad_dir, out)
        # An empty directory lists nothing, and says where it looked.
        rc, out, err = run_bpfhost("--list-plugins", "--plugin-dir",
                                   self.empty_dir)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("filesnoop", out)
        self.assertIn(self.empty_dir, out)

    def test_plugin_help(self):
        rc, out, err = run_bpfhost("-p", "filesnoop", "--help")
        self.assertEqual(rc, 0, err)
        for name in OPTIONS:
            self.assertRegex(out, r"(?m)^\s+%s\s" % name)
        self.assertIn("filesnoop", out.splitlines()[0])
        self.assertIn("open", out)
        rc, out, err = run_bpfhost("--help")
        self.assertEqual(rc, 0, err)
        self.assertIn("--list-plugins", out)
        rc, out, err = run_bpfhost("--version")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"^bpfhost \d+\.\d+\.\d+")

    # ---- running from the shipped config -------------------------------

    def test_shipped_config_runs(self):
        need_root(self)
        conf = os.path.join(SOURCE_ROOT, "conf", "bpfhost.ini")
        if not os.path.exists(conf):
            self.skipTest("no conf/bpfhost.ini yet")
        for args in (("-c", conf, "-p", "filesnoop"), ("-c", conf)):
            with self.subTest(args=args):
                rc, out, err = run_bpfhost(*args, "-d", "0.5", "-o",
                                           "filesnoop.comm=nobody-here")
                self.assertEqual(rc, 0, err)
                self.assertIn("bpfhost: running filesnoop", err)

    # ---- killed or stopped hosts leave nothing -------------------------

    def test_killed_host_leaves_nothing(self):
        need_root(self)
        host = Bpfhost("-p", "filesnoop", "-o", "filesnoop.comm=nobody-here")
        with host:
            mine = held_by(host.proc.pid)
            self.assertTrue(mine)
            host.proc.send_signal(signal.SIGKILL)
            host.proc.wait()
        left = {p["id"] for p in bpftool_json("prog", "show")}
        deadline = time.monotonic() + 5
        while mine & left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = {p["id"] for p in bpftool_json("prog", "show")}
        self.assertEqual(mine & left, set())
        self.check_nothing_left()

    # ---- tracefs --------------------------------------------------------

    def in_private_mounts(self, script):
        """Run a shell script in a private mount namespace with tracefs
        (and debugfs) unmounted there only."""
        full = textwrap.dedent("""\
            set -e
            umount /sys/kernel/debug/tracing 2>/dev/null || true
            umount /sys/kernel/debug 2>/dev/null || true
            while grep -q " %s " /proc/self/mounts; do umount %s; done
            test ! -e %s/events || { echo STILL-MOUNTED; exit 0; }
            """ % (TRACEFS, TRACEFS, TRACEFS)) + textwrap.dedent(script)
        p = subprocess.run(["unshare", "-m", "--propagation", "private",
                            "sh", "-c", full], capture_output=True,
                           timeout=120, env=dict(os.environ, B=BPFHOST))
        out = p.stdout.decode(errors="replace")
        if "STILL-MOUNTED" in out:
            self.skipTest("cannot unmount tracefs here")
        return p.returncode, out, p.stderr.decode(errors="replace")

    def test_tracefs_mounted_when_missing(self):
        need_root(self)
        if not shutil.which("unshare"):
            self.skipTest("no unshare")
        rc, out, err = self.in_private_mounts("""\
            "$B" -p filesnoop -d 1 -o filesnoop.comm=nobody-here >/dev/null
            echo "rc=$?"
            grep " %s tracefs " /proc/self/mounts
            """ % TRACEFS)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("rc=0", out, err)
        self.assertIn("tracefs", out, err)
        self.assertIn("bpfhost: running filesnoop", err)
        # Outside the namespace nothing changed.
        self.assertTrue(os.path.exists(TRACEFS + "/events"))

    def test_tracefs_cannot_mount(self):
        # filesnoop's syscalls:* exits need tracefs (compat = no); its raw
        # tracepoints (the default) do not.
        need_root(self)
        if not shutil.which("unshare") or not shutil.which("setpriv"):
            self.skipTest("no unshare or setpriv")
        rc, out, err = self.in_private_mounts("""\
            set +e
            setpriv --bounding-set -sys_admin "$B" -p filesnoop -d 1 \\
                -o filesnoop.comm=nobody-here -o filesnoop.compat=no \\
                >/dev/null
            echo "rc=$?"
            """)
        lines = [ln for ln in err.splitlines() if "tracefs" in ln]
        self.assertEqual(len(lines), 1, err)
        for w in (TRACEFS, "mount -t tracefs"):
            self.assertIn(w, lines[0])
        self.assertNotIn("bpfhost: running", err)
        self.assertRegex(out, r"rc=[12]\b", err)
        self.check_nothing_left()


if __name__ == "__main__":
    main()

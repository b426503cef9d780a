# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The installable SDK, end to end: meson install into a DESTDIR, build
sdk/examples/execsnoop from a copy outside the tree with nothing but
pkg-config against that DESTDIR (with make and with meson), load it with
the installed bpfhost, and see its events in text, JSON and syslog."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import uuid

import bpfhost_test
from bpfhost_test import SOURCE_ROOT, Bpfhost, main
from plugin_fixtures import BUILD_ROOT, chain_is_safe, run

EXAMPLE = os.path.join(SOURCE_ROOT, "sdk", "examples", "execsnoop")
# What a plugin would need if it formatted anything itself.
FORMATTING = re.compile(r"^(v?[sdf]?n?printf|fputs|puts|fwrite|write|"
                        r"putchar|fputc|strftime|json.*|syslog)(@|$)")


def build_option(options, name):
    return next(o["value"] for o in options if o["name"] == name)


class Sdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root for BPF")
        # The staging root must pass the host's plugin checks: not /tmp.
        cls.base = tempfile.mkdtemp(prefix="sdk-test-", dir=BUILD_ROOT)
        cls.addClassCleanup(shutil.rmtree, cls.base, True)
        if not chain_is_safe(cls.base):
            raise unittest.SkipTest("%s is not root-owned all the way up"
                                    % cls.base)
        cls.dest = os.path.join(cls.base, "stage")
        run(["meson", "install", "-C", BUILD_ROOT, "--no-rebuild",
             "--quiet", "--destdir", cls.dest])

        opts = json.loads(run(["meson", "introspect", "--buildoptions",
                               BUILD_ROOT]).stdout)
        prefix = build_option(opts, "prefix")
        cls.prefix = prefix
        cls.bindir = os.path.join(prefix, build_option(opts, "bindir"))
        cls.libdir = os.path.join(prefix, build_option(opts, "libdir"))
        cls.includedir = os.path.join(prefix,
                                      build_option(opts, "includedir"))
        cls.sysconfdir = os.path.join(prefix,
                                      build_option(opts, "sysconfdir"))
        cls.exe = cls.staged(cls.bindir, "bpfhost")
        cls.plugindir = cls.staged(cls.libdir, "bpfhost", "plugins")
        cls.config = cls.staged(cls.sysconfdir, "bpfhost", "bpfhost.ini")

        # pkg-config alone, against the staging root.
        cls.env = dict(os.environ,
                       PKG_CONFIG_SYSROOT_DIR=cls.dest,
                       PKG_CONFIG_PATH=cls.staged(cls.libdir, "pkgconfig"))
        # A copy far from the source tree, so nothing there is in reach.
        cls.src = tempfile.mkdtemp(prefix="execsnoop-src-")
        cls.addClassCleanup(shutil.rmtree, cls.src, True)
        cls.make_dir = os.path.join(cls.src, "make")
        cls.meson_dir = os.path.join(cls.src, "meson")
        for d in (cls.make_dir, cls.meson_dir):
            shutil.copytree(EXAMPLE, d)
        cls.make_log = run(["make", "-C", cls.make_dir], env=cls.env).stdout
        run(["make", "-C", cls.make_dir, "install"], env=cls.env)
        run(["meson", "setup", os.path.join(cls.meson_dir, "b"),
             cls.meson_dir], env=cls.env)
        run(["ninja", "-C", os.path.join(cls.meson_dir, "b")], env=cls.env)

        cls.saved_bpfhost = bpfhost_test.BPFHOST
        bpfhost_test.BPFHOST = cls.exe
        cls.addClassCleanup(setattr, bpfhost_test, "BPFHOST",
                            cls.saved_bpfhost)

    @classmethod
    def staged(cls, *parts):
        return cls.dest + os.path.join(*parts)

    def pkg_config(self, *args):
        return run(["pkg-config", *args, "bpfhost"],
                   env=self.env).stdout.split()

    # ---- what meson install puts where ---------------------------------------

    def test_installed_files(self):
        self.assertTrue(os.access(self.exe, os.X_OK))
        self.assertTrue(os.path.isfile(os.path.join(self.plugindir,
                                                    "filesnoop.so")))
        headers = self.staged(self.includedir, "bpfhost")
        for h in os.listdir(os.path.join(SOURCE_ROOT, "sdk", "include",
                                         "bpfhost")):
            self.assertTrue(os.path.isfile(os.path.join(headers, h)), h)
        with open(os.path.join(headers, "bpf", "vmlinux.h")) as f:
            self.assertIn("struct task_struct {", f.read())
        with open(self.config) as f, \
                open(os.path.join(SOURCE_ROOT, "conf", "bpfhost.ini")) as g:
            self.assertEqual(f.read(), g.read())

    def test_systemd_unit_runs_from_the_config(self):
        unit = self.staged(self.prefix, "lib", "systemd", "system",
                           "bpfhost.service")
        with open(unit) as f:
            text = f.read()
        conf = os.path.join(self.sysconfdir, "bpfhost", "bpfhost.ini")
        self.assertIn("\nExecStart=%s -c %s\n"
                      % (os.path.join(self.bindir, "bpfhost"), conf), text)
        if not shutil.which("systemd-analyze"):
            return
        # Verified as it would run from the staging root.
        staged_unit = os.path.join(self.base, "bpfhost.service")
        with open(staged_unit, "w") as f:
            f.write(text.replace("ExecStart=" + self.bindir,
                                 "ExecStart=" + self.staged(self.bindir)))
        p = subprocess.run(["systemd-analyze", "verify", staged_unit],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_pkg_config(self):
        self.assertEqual(self.pkg_config("--variable=plugindir"),
                         [self.plugindir])
        self.assertEqual(self.pkg_config("--variable=bpf_includedir"),
                         [self.staged(self.includedir, "bpfhost", "bpf")])
        self.assertIn("-I" + self.staged(self.includedir),
                      self.pkg_config("--cflags"))
        self.assertIn("-lbpf", self.pkg_config("--libs"))

    def test_installed_config_is_accepted(self):
        rc = subprocess.run([self.exe, "-c", self.config, "--plugin-dir",
                             self.plugindir, "--help", "-p", "execsnoop"],
                            capture_output=True, text=True)
        self.assertEqual(rc.returncode, 0, rc.stderr)
        self.assertIn("execsnoop 1.0.0:", rc.stdout)

    # ---- the example, built out of tree --------------------------------------

    def test_example_built_with_sdk_only(self):
        # The staging root happens to lie in the build tree: nothing else may.
        log = self.make_log.replace(self.dest, "STAGE")
        self.assertNotIn(SOURCE_ROOT + "/", log)
        self.assertIn("-I" + self.staged(self.includedir, "bpfhost", "bpf"),
                      self.make_log)
        with open(os.path.join(self.meson_dir, "b",
                               "compile_commands.json")) as f:
            self.assertNotIn(SOURCE_ROOT + "/",
                             f.read().replace(self.dest, "STAGE"))
        # make install put it where pkg-config says plugins go.
        self.assertTrue(os.path.isfile(os.path.join(self.plugindir,
                                                    "execsnoop.so")))

    def test_example_exports_one_symbol_and_formats_nothing(self):
        for so in (os.path.join(self.make_dir, "execsnoop.so"),
                   os.path.join(self.meson_dir, "b", "execsnoop.so")):
            defined = run(["nm", "-D", "--defined-only", so]).stdout.split()
            self.assertEqual([s for s in defined if len(s) > 1 and
                              not re.fullmatch("[0-9a-f]+", s)],
                             ["bpfhost_plugin_entry"], so)
            undefined = [line.split()[-1] for line in
                         run(["nm", "-D", "-u", so]).stdout.splitlines()]
            self.assertEqual([s for s in undefined if FORMATTING.match(s)],
                             [], so)

    def test_meson_build_loads_and_describes(self):
        d = os.path.join(self.base, "meson-plugins")
        os.mkdir(d, 0o755)
        shutil.copy(os.path.join(self.meson_dir, "b", "execsnoop.so"), d)
        p = subprocess.run([self.exe, "--plugin-dir", d, "--describe",
                            "execsnoop", "-F", "json"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        desc = json.loads(p.stdout)
        self.assertEqual([f["name"] for f in desc["events"][0]["fields"]],
                         ["pid", "ppid", "uid", "comm", "filename",
                          "args_truncated", "args"])
        self.assertEqual(desc["options"][0]["name"], "uid")

    # ---- its events, rendered by the installed host --------------------------

    def run_exec(self, fmt):
        """Run the example; exec /bin/true with a unique argument."""
        word = "sdk-" + uuid.uuid4().hex[:12]
        with Bpfhost("-c", self.config, "--plugin-dir", self.plugindir,
                     "-p", "execsnoop", "-F", fmt) as b:
            child = subprocess.Popen(["/bin/true", word, "second"])
            child.wait()
            self.assertEqual(b.stop(), 0, b.stderr())
            out = b.stdout().splitlines()
        return child.pid, word, [line for line in out if word in line], out

    def test_events_in_json(self):
        pid, word, lines, _ = self.run_exec("json")
        self.assertEqual(len(lines), 1, lines)
        rec = json.loads(lines[0])
        # The example declares no severity: the output's, info.
        self.assertEqual(rec["severity"], "info")
        self.assertEqual(list(rec), ["time", "plugin", "event", "severity",
                                     "pid", "ppid", "uid", "comm", "filename",
                                     "args_truncated", "args"])
        self.assertEqual((rec["plugin"], rec["event"]), ("execsnoop", "exec"))
        self.assertEqual((rec["pid"], rec["ppid"], rec["uid"]),
                         (pid, os.getpid(), 0))
        self.assertEqual((rec["comm"], rec["filename"]), ("true", "/bin/true"))
        self.assertEqual(rec["args"], "/bin/true %s second" % word)
        self.assertIs(rec["args_truncated"], False)

    def test_events_in_text(self):
        pid, word, lines, out = self.run_exec("text")
        header = out[0]
        self.assertEqual(header.split(), ["TIME", "PID", "PPID", "UID",
                                          "COMM", "FILENAME", "ARGS"])
        self.assertEqual(len(lines), 1, lines)
        cols = lines[0].split()
        # The arguments, joined by blanks in BPF, are one column.
        self.assertEqual(cols[1:], [str(pid), str(os.getpid()), "0", "true",
                                    "/bin/true",
                                    "/bin/true\\x20%s\\x20second" % word])

    def test_events_in_syslog(self):
        pid, word, lines, _ = self.run_exec("syslog")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^<\d+>1 ")
        self.assertIn('[execsnoop.exec@32473 pid="%d" ppid="%d" uid="0" '
                      'comm="true" filename="/bin/true" '
                      'args_truncated="false" args="/bin/true %s second"]'
                      % (pid, os.getpid(), word), lines[0])


if __name__ == "__main__":
    main()

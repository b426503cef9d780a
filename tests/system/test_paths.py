# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""filesnoop reports the path of the file actually opened, and its path
filters match that path in the kernel.

Each case runs a child that opens, in its own way, a file called "target"
and its neighbour "other" in a temporary directory, under a filter on the
canonical path of "target": the child's record of target must come out
with that path and the name as the child passed it, and nothing of other.
Records are matched on the child's pid; bind and tmpfs mounts live in the
child's own mount namespace (unshare -m), so nothing leaks.
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import Bpfhost, need_root  # noqa: E402

# Deeper than the resolver's bound (FILE_PATH_MAX_DEPTH, 64 names).
DEEP_LEVELS = 150

CHILD_PRELUDE = """\
import os, subprocess, sys
def mount(*args):
    subprocess.run(["mount", *args], check=True)
def try_open(name, dir_fd=None):
    try:
        os.close(os.open(name, os.O_RDONLY, dir_fd=dir_fd))
    except OSError:
        pass
"""


class PathsTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="paths-test-")
        # The canonical path: the temporary directory may sit behind a link.
        self.dir = os.path.realpath(self.tmp.name)
        self.sub = os.path.join(self.dir, "sub")
        os.mkdir(self.sub)
        for name in ("target", "other"):
            with open(os.path.join(self.sub, name), "w") as f:
                f.write("x")

    def tearDown(self):
        self.tmp.cleanup()

    def run_child(self, filters, setup, opens, wrap=(), plugin="filesnoop"):
        """Run bpfhost with filters [(key, value)] while a child runs setup
        (before tracing starts), then opens; returns the child's records."""
        script = CHILD_PRELUDE + textwrap.dedent(setup) + \
            "print('ready', flush=True)\nsys.stdin.readline()\n" + \
            textwrap.dedent(opens)
        child = subprocess.Popen([*wrap, sys.executable, "-c", script],
                                 cwd=self.dir, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE)
        # The setup's own opens stay out of the trace.
        self.assertEqual(child.stdout.readline(), b"ready\n")
        args = ["-p", plugin, "-F", "json"]
        for key, value in filters:
            args += ["-o", "%s.%s=%s" % (plugin, key, value)]
        try:
            with Bpfhost(*args) as host:
                child.stdin.write(b"go\n")
                child.stdin.close()
                self.assertEqual(child.wait(60), 0)
                self.assertEqual(host.stop(), 0, host.stderr())
                return host.records(pid=child.pid)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()

    def assert_target(self, recs, path, path_arg, path_host=""):
        self.assertEqual(len(recs), 1, recs)
        rec = recs[0]
        self.assertEqual(rec["path"], path)
        self.assertEqual(rec["path_arg"], path_arg)
        self.assertEqual(rec["path_host"], path_host)
        self.assertIs(rec["path_truncated"], False)
        self.assertIsNone(rec["error"])

    def exact(self, path):
        return [("path", path)]

    def test_cwd_relative(self):
        target = os.path.join(self.sub, "target")
        recs = self.run_child(self.exact(target), "os.chdir('sub')\n",
                              "try_open('target'); try_open('other')\n")
        self.assert_target(recs, target, "target")

    def test_openat_dirfd(self):
        target = os.path.join(self.sub, "target")
        recs = self.run_child(
            self.exact(target),
            "d = os.open('sub', os.O_RDONLY | os.O_DIRECTORY)\n",
            "try_open('target', d); try_open('other', d)\n")
        self.assert_target(recs, target, "target")

    def test_dot_dot(self):
        target = os.path.join(self.sub, "target")
        os.mkdir(os.path.join(self.sub, "down"))
        name = self.sub + "/down/../target"
        recs = self.run_child(self.exact(target), "",
                              "try_open(%r); try_open(%r)\n" %
                              (name, self.sub + "/down/../other"))
        self.assert_target(recs, target, name)

    def test_symlink(self):
        target = os.path.join(self.sub, "target")
        os.symlink("sub/target", os.path.join(self.dir, "link"))
        os.symlink("sub/other", os.path.join(self.dir, "link2"))
        recs = self.run_child(self.exact(target), "",
                              "try_open('link'); try_open('link2')\n")
        self.assert_target(recs, target, "link")

    def test_bind_mount(self):
        # The file is reported at the path it was reached through: the
        # bind mount's, as /proc/PID/fd and realpath(3) show it.
        bound = os.path.join(self.dir, "bound")
        os.mkdir(bound)
        target = os.path.join(bound, "target")
        recs = self.run_child(
            self.exact(target),
            "mount('--bind', 'sub', 'bound')\nos.chdir('bound')\n",
            "try_open('target'); try_open('other')\n"
            "try_open(%r)\n" % os.path.join(self.sub, "target"),
            wrap=("unshare", "-m", "--propagation", "private"))
        self.assert_target(recs, target, "target")

    def test_tmpfs_in_new_mount_namespace(self):
        mnt = os.path.join(self.dir, "mnt")
        os.mkdir(mnt)
        target = os.path.join(mnt, "target")
        recs = self.run_child(
            self.exact(target),
            "mount('-t', 'tmpfs', 'paths-test', 'mnt')\n"
            "for n in ('target', 'other'):\n"
            "    open(os.path.join('mnt', n), 'w').close()\n",
            "try_open('mnt/target'); try_open(%r)\n" %
            os.path.join(mnt, "other"),
            wrap=("unshare", "-m", "--propagation", "private"))
        self.assert_target(recs, target, "mnt/target")
        # Nothing of the tmpfs is left on the host.
        self.assertEqual(os.listdir(mnt), [])

    def test_chroot(self):
        # The process sees /sub/target; the namespace view goes with it.
        target = os.path.join(self.sub, "target")
        recs = self.run_child(self.exact("/sub/target"),
                              "os.chroot('.')\nos.chdir('/')\n",
                              "try_open('sub/target')\n"
                              "try_open('/sub/other')\n")
        self.assert_target(recs, "/sub/target", "sub/target", target)

    def test_failed_open_joined_to_cwd(self):
        # No file, so no walk: the name is joined to the cwd as written,
        # ".." included, and the filter sees that string.
        missing = os.path.join(self.sub, "missing")
        recs = self.run_child([("prefix", self.sub + "/")],
                              "os.chdir('sub')\n",
                              "try_open('missing'); try_open('/sub/x')\n"
                              "try_open('../nothere')\n")
        self.assertEqual([(r["path"], r["path_arg"], r["error"])
                          for r in recs],
                         [(missing, "missing", "ENOENT"),
                          (self.sub + "/../nothere", "../nothere",
                           "ENOENT")])

    def test_long_name_as_passed_is_marked_truncated(self):
        # path_arg has a bound of its own (512 bytes with the NUL); the
        # resolved path stays whole.
        target = os.path.join(self.sub, "target")
        name = "./" * 300 + "sub/target"
        recs = self.run_child(self.exact(target), "",
                              "try_open(%r)\n" % name)
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["path"], target)
        self.assertEqual(recs[0]["path_arg"], name[:511])
        self.assertIs(recs[0]["path_truncated"], True)

    def test_pseudo_file_has_no_absolute_path(self):
        # A memfd reopened through /proc/self/fd lives on no path of the
        # namespace: its own name comes out, not absolute, not truncated.
        recs = self.run_child(
            [("comm", "paths-memfd")],
            "fd = os.memfd_create('paths-test')\n"
            "open('/proc/self/comm', 'w').write('paths-memfd')\n",
            "try_open('/proc/self/fd/%d' % fd)\n")
        memfd = [r for r in recs if r["path_arg"].startswith("/proc/self/fd/")]
        self.assertEqual(len(memfd), 1, recs)
        self.assertEqual(memfd[0]["path"], "memfd:paths-test")
        self.assertIs(memfd[0]["path_truncated"], False)

    def test_utsname_watches_resolved_paths(self):
        # utsname shares the resolver: a relative name and a symlink both
        # reach a watched path.
        target = os.path.join(self.sub, "target")
        os.symlink("target", os.path.join(self.sub, "link"))
        recs = self.run_child(self.exact(target), "os.chdir('sub')\n",
                              "try_open('target'); try_open('other')\n"
                              "try_open('link')\n", plugin="utsname")
        self.assertEqual([(r["event"], r["path"], r["path_arg"])
                          for r in recs],
                         [("open", target, "target"),
                          ("open", target, "link")])

    def test_deep_path_is_marked_truncated(self):
        deep = os.path.join(self.dir, "deep")
        os.mkdir(deep)
        os.chdir(deep)
        try:
            for _ in range(DEEP_LEVELS):
                os.mkdir("d")
                os.chdir("d")
            with open("target", "w"):
                pass
        finally:
            os.chdir("/")
        setup = "os.chdir('deep')\n" + \
            "for _ in range(%d): os.chdir('d')\n" % DEEP_LEVELS
        recs = self.run_child([("prefix", deep + "/")], setup,
                              "try_open('target'); try_open(%r)\n" %
                              os.path.join(self.sub, "other"))
        self.assertEqual(len(recs), 1, recs)
        rec = recs[0]
        self.assertIs(rec["path_truncated"], True)
        # The end that names the file is kept, without a leading '/'.
        self.assertFalse(rec["path"].startswith("/"), rec["path"])
        self.assertTrue(rec["path"].endswith("d/d/d/target"), rec["path"])
        self.assertEqual(rec["path_arg"], "target")

    # ---- exact filters on mount roots -------------------------------

    def test_bind_mounted_file_matches_exact_filter(self):
        # The kubelet's /etc/hosts: a file bind-mounted over another.  The
        # file's own name is "target"; the path it was reached through,
        # which the exact filter names, ends in "hosts".
        hosts = os.path.join(self.dir, "hosts")
        with open(hosts, "w") as f:
            f.write("y")
        for plugin in ("filesnoop", "utsname"):
            with self.subTest(plugin=plugin):
                recs = self.run_child(
                    self.exact(hosts),
                    "mount('--bind', 'sub/target', 'hosts')\n",
                    "try_open('hosts'); try_open('sub/other')\n",
                    wrap=("unshare", "-m", "--propagation", "private"),
                    plugin=plugin)
                self.assert_target(recs, hosts, "hosts")

    def test_mount_root_matches_exact_filter(self):
        mnt = os.path.join(self.dir, "mnt")
        os.mkdir(mnt)
        recs = self.run_child(
            self.exact(mnt) + self.exact("/"),
            "mount('-t', 'tmpfs', 'none', 'mnt')\n",
            "try_open('mnt'); try_open('/'); try_open('sub')\n",
            wrap=("unshare", "-m", "--propagation", "private"))
        self.assertEqual([(r["path"], r["path_arg"]) for r in recs],
                         [(mnt, "mnt"), ("/", "/")])

    def test_stacked_bind_mounts_do_not_cut_a_path(self):
        # Any user can stack mounts in a user namespace; each is one mount
        # crossing of the walk.
        target = os.path.join(self.sub, "target")
        recs = self.run_child(
            self.exact(target),
            "for _ in range(75): mount('--bind', 'sub', 'sub')\n",
            "try_open(%r); try_open('sub/other')\n" % target,
            wrap=("unshare", "-m", "--propagation", "private"))
        self.assert_target(recs, target, target)


    def test_other_namespace_through_proc_root_is_reported(self):
        # A container with the host's pids reads /proc/1/root/etc/shadow:
        # the file lies in another mount namespace, its path cannot be
        # written in the opener's, so no filter decides on it: reported.
        mnt = os.path.join(self.dir, "mnt")
        os.mkdir(mnt)
        holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             "mount -t tmpfs none %s && echo x > %s/secret && echo ready "
             "&& exec sleep 60" % (mnt, mnt)], stdout=subprocess.PIPE)
        try:
            self.assertEqual(holder.stdout.readline(), b"ready\n")
            secret = "%s/secret" % mnt
            via = "/proc/%d/root%s" % (holder.pid, secret)
            recs = self.run_child(self.exact(secret), "",
                                  "try_open(%r)\n" % via)
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["path"], secret.lstrip("/"))
        self.assertEqual(recs[0]["path_arg"], via)

    def test_lazily_unmounted_tree_is_reported(self):
        # Any user can do this in a user namespace: a dirfd into a bind
        # mount, the mount detached (umount -l), then an open through it.
        target = os.path.join(self.sub, "target")
        os.mkdir(os.path.join(self.dir, "b"))
        recs = self.run_child(
            self.exact(target),
            "mount('--bind', 'sub', 'b')\nd = os.open('b', os.O_RDONLY)\n"
            "subprocess.run(['umount', '-l', 'b'], check=True)\n",
            "try_open('target', d)\n",
            wrap=("unshare", "-m", "--propagation", "private"))
        self.assertEqual([(r["path"], r["path_arg"]) for r in recs],
                         [("target", "target")])

    # ---- bounds --------------------------------------------------------

    def test_path_arg_bound_is_exact(self):
        # 511 bytes and its NUL fit path_arg's 512: whole, not truncated.
        target = os.path.join(self.sub, "target")
        tail = "/sub/target"
        for size, cut in ((511, False), (512, True)):
            with self.subTest(size=size):
                pad = size - len(self.dir) - len(tail)
                name = self.dir + "/." * (pad // 2) + "/" * (pad % 2) + tail
                self.assertEqual(len(name), size)
                recs = self.run_child(self.exact(target), "",
                                      "try_open(%r)\n" % name)
                self.assertEqual(len(recs), 1, recs)
                self.assertEqual(recs[0]["path"], target)
                self.assertEqual(recs[0]["path_arg"], name[:511])
                self.assertIs(recs[0]["path_truncated"], cut)

    def failed_name(self, size):
        """An absolute name of size bytes under sub/ that does not exist."""
        name = self.sub
        while len(name) < size:
            name += "/" + "n" * min(200, size - len(name) - 1)
        self.assertEqual(len(name), size)
        return name

    def test_complete_failed_name_is_not_truncated(self):
        # 4095 bytes is PATH_MAX less its NUL: whole, so it is decided by
        # the filters like any other path, not let through as cut.
        name = self.failed_name(4095)
        recs = self.run_child([("prefix", self.sub + "/")], "",
                              "try_open(%r)\n" % name)
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["path"], name)
        self.assertEqual(recs[0]["path_arg"], name)
        self.assertEqual(recs[0]["error"], "ENOENT")
        self.assertIs(recs[0]["path_truncated"], False)
        recs = self.run_child(self.exact(os.path.join(self.sub, "target")),
                              "", "try_open(%r)\n" % name)
        self.assertEqual(recs, [])

    def test_overlong_failed_name_keeps_its_end(self):
        for size in (4096, 9000):
            with self.subTest(size=size):
                name = self.failed_name(size - len("/end")) + "/end"
                recs = self.run_child([("prefix", self.sub + "/")], "",
                                      "try_open(%r)\n" % name)
                self.assertEqual(len(recs), 1, recs)
                rec = recs[0]
                self.assertEqual(rec["error"], "ENAMETOOLONG")
                self.assertIs(rec["path_truncated"], True)
                self.assertFalse(rec["path"].startswith("/"), rec["path"])
                self.assertTrue(name.endswith(rec["path"]))
                self.assertTrue(rec["path"].endswith("nnn/end"))
                self.assertGreater(len(rec["path"]), 4000)

    def test_overlong_relative_failed_name_keeps_its_end(self):
        # Joined to the cwd, the name keeps its room; the cwd is cut first.
        rel = self.failed_name(len(self.sub) + 4086)[len(self.sub) + 1:] + \
            "/end"
        self.assertEqual(len(rel), 4089)
        recs = self.run_child([("prefix", self.sub + "/")],
                              "os.chdir('sub')\n", "try_open(%r)\n" % rel)
        self.assertEqual(len(recs), 1, recs)
        rec = recs[0]
        self.assertIs(rec["path_truncated"], True)
        self.assertTrue(rec["path"].endswith("/" + rel), rec["path"][:80])
        self.assertLessEqual(len(rec["path"]), 4095)


if __name__ == "__main__":
    unittest.main()

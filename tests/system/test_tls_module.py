# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""TLS on demand: OpenSSL lives in bpfhost-tls.so, which the host maps only
when a tls:// output is configured, after the same checks as plugins.

What a run maps is read from /proc/PID/maps of the real bpfhost.  Module
files the host must refuse are put in its place (the build tree's
host/bpfhost-tls.so) by a bind mount inside a private mount namespace, so
neither the build tree nor the system changes for anyone else.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from bpfhost_test import BPFHOST, Bpfhost, main, need_root
from plugin_fixtures import BUILD_ROOT, run
from test_syslog import make_pki

MODULE = os.path.join(BUILD_ROOT, "host", "bpfhost-tls.so")
OPENSSL_LIBS = ("libssl.so", "libcrypto.so")
# A module whose table is not the host's.
STALE_MODULE_C = """
__attribute__((visibility("default")))
const struct { unsigned int size, version; } bpfhost_tls_ops = { 8, 999 };
"""


def closed_port():
    """A loopback TCP port nobody listens on (bpfhost retries quietly)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mapped_files(pid):
    with open("/proc/%d/maps" % pid) as f:
        return {line.split(None, 5)[5].strip() for line in f
                if len(line.split(None, 5)) == 6}


class TlsModule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.mkdtemp(prefix="bpfhost-tlsmod-pki-")
        cls.addClassCleanup(shutil.rmtree, cls.pki, True)
        make_pki(cls.pki)

    def setUp(self):
        need_root(self)
        self.files = tempfile.mkdtemp(prefix="bpfhost-tlsmod-")
        self.addCleanup(shutil.rmtree, self.files, True)

    def config(self, target, **keys):
        path = os.path.join(self.files, "bpfhost.ini")
        with open(path, "w") as f:
            f.write("[output.collector]\nformat = syslog\ntarget = %s\n"
                    % target)
            f.write("".join("%s = %s\n" % kv for kv in keys.items()))
        return path

    def tls_config(self):
        return self.config("tls://localhost:%d" % closed_port(),
                           tls_ca=os.path.join(self.pki, "ca.pem"))

    def host_args(self, ini):
        # Only this test's own opens (none): other tests run meanwhile.
        return ["-c", ini, "-p", "filesnoop", "-o",
                "filesnoop.prefix=" + self.files + "/nothing/", "-o",
                "filesnoop.pid=%d" % os.getpid()]

    def maps_while_running(self, ini):
        with Bpfhost(*self.host_args(ini)) as b:
            files = mapped_files(b.proc.pid)
            self.assertEqual(b.stop(), 0, b.stderr())
        return files

    def assert_no_openssl(self, files):
        self.assertFalse([f for f in files
                          if any(lib in os.path.basename(f)
                                 for lib in OPENSSL_LIBS + ("bpfhost-tls",))],
                         files)

    def test_module_exports_only_its_table(self):
        out = run(["nm", "-D", "--defined-only", MODULE]).stdout
        names = [line.split()[-1] for line in out.splitlines()]
        # An ASan build adds its ODR indicator beside each global.
        self.assertEqual([n for n in names if not n.startswith("__odr_asan.")],
                         ["bpfhost_tls_ops"])

    def test_host_does_not_link_openssl(self):
        out = run(["ldd", BPFHOST]).stdout
        for lib in OPENSSL_LIBS:
            self.assertNotIn(lib, out)

    def test_run_without_tls_maps_no_openssl(self):
        self.assert_no_openssl(self.maps_while_running(
            self.config("udp://127.0.0.1:%d" % closed_port())))

    def test_tls_output_maps_the_module(self):
        files = self.maps_while_running(self.tls_config())
        self.assertIn(os.path.realpath(MODULE), files)
        for lib in OPENSSL_LIBS:
            self.assertTrue([f for f in files
                             if os.path.basename(f).startswith(lib)], files)

    # ---- refused modules: one line, exit 2, nothing started --------------

    def run_with_module(self, replacement, *extra):
        """bpfhost with replacement in place of the build tree's module,
        or, when replacement is None, with the module missing."""
        if replacement is None:
            # An empty host directory holding only a copy of bpfhost, so
            # that it still runs as the build tree's binary.
            host_dir = os.path.dirname(MODULE)
            script = ('mount -t tmpfs -o mode=0755 none "$1"; '
                      'cp "$2" "$1/bpfhost"; shift 2; exec "$@"')
            setup = [host_dir, self.exe_copy()]
        else:
            script = 'mount --bind "$1" "$2"; shift 2; exec "$@"'
            setup = [replacement, MODULE]
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-ec",
               script, "sh", *setup, BPFHOST, *extra,
               *self.host_args(self.tls_config())]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stderr

    def exe_copy(self):
        path = os.path.join(self.files, "bpfhost")
        shutil.copy2(BPFHOST, path)
        return path

    def module_copy(self, mode=0o755, uid=0):
        path = os.path.join(self.files, "bpfhost-tls.so")
        shutil.copy2(MODULE, path)
        os.chown(path, uid, uid)
        os.chmod(path, mode)
        return path

    def assert_refused(self, rc, err, words):
        self.assertEqual(rc, 2, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(MODULE, err)
        self.assertIn(words, err)
        self.assertNotIn("bpfhost: running", err)

    def test_missing_module_refused(self):
        rc, err = self.run_with_module(None)
        self.assert_refused(rc, err, "tls:// outputs need the TLS module")

    def test_group_writable_module_refused(self):
        rc, err = self.run_with_module(self.module_copy(mode=0o775))
        self.assert_refused(rc, err, "writable by group or others")
        # The override relaxes the owner only, never this.
        rc, err = self.run_with_module(self.module_copy(mode=0o775),
                                       "--allow-unsafe-plugins")
        self.assertEqual(rc, 2, err)
        self.assertIn("writable by group or others", err)

    def test_module_not_owned_by_root(self):
        rc, err = self.run_with_module(self.module_copy(uid=65534))
        self.assert_refused(rc, err, "owned by uid 65534, not root")
        rc, err = self.run_with_module(self.module_copy(uid=65534),
                                       "--allow-unsafe-plugins", "-d", "0.3")
        self.assertEqual(rc, 0, err)
        self.assertIn("UNSAFE: %s is owned by uid 65534" % MODULE, err)
        self.assertIn("bpfhost: running", err)

    def test_stale_module_refused(self):
        src = os.path.join(self.files, "stale.c")
        with open(src, "w") as f:
            f.write(STALE_MODULE_C)
        stale = os.path.join(self.files, "stale.so")
        run(["cc", "-shared", "-fPIC", "-fvisibility=hidden", "-o", stale,
             src])
        os.chmod(stale, 0o755)
        rc, err = self.run_with_module(stale)
        self.assert_refused(rc, err, "from another bpfhost build")
        self.assertIn("reinstall bpfhost", err)


if __name__ == "__main__":
    main()

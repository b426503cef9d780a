# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Build test plugins (tests/system/fixtures) into directories the host's
safe-loading checks accept: root-owned and not group/world-writable all the
way up, which rules out /tmp."""
import os
import shutil
import stat
import subprocess
import tempfile

from bpfhost_test import SOURCE_ROOT

BUILD_ROOT = os.environ.get("BPFHOST_BUILD_ROOT",
                            os.path.join(SOURCE_ROOT, "build"))
FIXTURES = os.path.join(SOURCE_ROOT, "tests", "system", "fixtures")
SDK_INCLUDE = os.path.join(SOURCE_ROOT, "sdk", "include")


def chain_is_safe(path):
    """True when path and every directory above it pass the host's checks."""
    path = os.path.realpath(path)
    while True:
        st = os.stat(path)
        if st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
        if path == "/":
            return True
        path = os.path.dirname(path)


def safe_tmpdir(test_case):
    """A fresh directory under the build tree (mode 0700, root's)."""
    d = tempfile.mkdtemp(prefix="plugin-test-", dir=BUILD_ROOT)
    test_case.addCleanup(shutil.rmtree, d, True)
    if not chain_is_safe(d):
        test_case.skipTest("%s is not root-owned and closed all the way up" % d)
    return d


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        raise AssertionError("%s failed:\n%s%s" % (" ".join(cmd), p.stdout,
                                                   p.stderr))
    return p


def build_fake(directory, name, abi=None, fail_attach=False,
               first_release=False):
    """fixtures/fake_plugin.c as directory/name.so."""
    out = os.path.join(directory, name + ".so")
    cmd = ["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fPIC",
           "-shared", "-fvisibility=hidden", "-I" + SDK_INCLUDE,
           '-DFAKE_NAME="%s"' % name]
    if abi is not None:
        cmd.append("-DFAKE_ABI=%d" % abi)
    if fail_attach:
        cmd.append("-DFAKE_FAIL_ATTACH=1")
    if first_release:
        cmd.append("-DFAKE_FIRST_RELEASE=1")
    run(cmd + ["-o", out, os.path.join(FIXTURES, "fake_plugin.c")])
    os.chmod(out, 0o644)
    return out


def build_drift(directory, shift):
    """fixtures/drift.{bpf.c,c} as directory/drift.so, the schema's 'calls'
    field shifted by shift bytes from the struct member it describes."""
    work = tempfile.mkdtemp(prefix="drift-", dir=directory)
    obj = os.path.join(work, "drift.bpf.o")
    skel = os.path.join(work, "drift.skel.h")
    run(["clang", "-g", "-O2", "-target", "bpf", "-Wall", "-Werror",
         "-I" + os.path.join(BUILD_ROOT, "bpf"), "-I" + SDK_INCLUDE,
         "-c", os.path.join(FIXTURES, "drift.bpf.c"), "-o", obj])
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    with open(skel, "w") as f:
        subprocess.run([bpftool, "gen", "skeleton", obj, "name", "drift_bpf"],
                       stdout=f, check=True)
    out = os.path.join(directory, "drift.so")
    run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fPIC",
         "-shared", "-fvisibility=hidden", "-I" + SDK_INCLUDE, "-I" + work,
         "-I" + FIXTURES, "-DDRIFT_SHIFT=%d" % shift, "-o", out,
         os.path.join(FIXTURES, "drift.c"), "-lbpf"])
    os.chmod(out, 0o644)
    shutil.rmtree(work)
    return out


def copy_bundled(directory, name):
    """A bundled plugin from the build tree, copied into directory."""
    out = os.path.join(directory, name + ".so")
    shutil.copy(os.path.join(BUILD_ROOT, "plugins", name + ".so"), out)
    os.chmod(out, 0o644)
    return out

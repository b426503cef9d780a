# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Container identity from cgroup paths made by hand, no container runtime.

Each test makes cgroups under a parent of its own, bpfhost-test-RANDOM, in
the real cgroupfs (cgroup2, and the v1 memory hierarchy when the machine has
one), named as docker, podman, containerd, cri-o, kubelet, systemd-nspawn
and lxc name theirs, and moves a child shell into one before it opens a
file of this test's own (WATCHED).  Every cgroup made is removed again,
deepest first, even when a test fails.  Records are matched on this test's
own children (their pids).
"""
import os
import signal
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import Bpfhost, main, need_root, text_rows  # noqa: E402


def hex64():
    return uuid.uuid4().hex + uuid.uuid4().hex


def cgroup_mounts():
    """(cgroup2 mount point or None, {v1 controller or name=X: mount})."""
    v2, v1 = None, {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, opts = fields[sep + 1], fields[sep + 3].split(",")
            if fstype == "cgroup2":
                v2 = fields[4]
            elif fstype == "cgroup":
                for o in opts:
                    v1.setdefault(o, fields[4])
    return v2, v1


def own_cgroup_paths():
    with open("/proc/self/cgroup") as f:
        return [l.strip().split(":", 2)[2] for l in f]


class Tree:
    """A test's own cgroups below HIERARCHY/bpfhost-test-RANDOM."""

    def __init__(self, hierarchy):
        self.base = os.path.join(hierarchy,
                                 "bpfhost-test-" + uuid.uuid4().hex[:8])
        os.mkdir(self.base)

    def make(self, *components):
        path = os.path.join(self.base, *components)
        os.makedirs(path)
        return path

    def remove(self):
        """rmdir every cgroup below base, deepest first, then base."""
        errors = []
        for dirpath, dirnames, _ in os.walk(self.base, topdown=False):
            for d in dirnames:
                errors += _rmdir(os.path.join(dirpath, d))
        errors += _rmdir(self.base)
        return errors


def _rmdir(path):
    # A child that just exited may keep its cgroup busy for a moment.
    for _ in range(100):
        try:
            os.rmdir(path)
            return []
        except FileNotFoundError:
            return []
        except OSError as e:
            err = e
            time.sleep(0.02)
    return ["rmdir %s: %s" % (path, err)]


# Every child here is in the host's namespaces, in a cgroup named like a
# container's: utsname.containers_only keeps such opens, with host_uts true.
# They open a file of this test's own, watched with utsname.path, so that
# tests watching /etc/hosts at the same time (test_utsname's containers_only
# asserts no host_uts open reaches it) never see them.
WATCHED = "/tmp/bpfhost-cgroups-%s" % uuid.uuid4().hex[:8]


def setUpModule():
    open(WATCHED, "w").close()


def tearDownModule():
    os.unlink(WATCHED)


def run_in(*dirs, path=None):
    """A child shell joins every cgroup in dirs, then becomes cat PATH.
    Returns its pid, once it has exited."""
    script = ('for d in "$@"; do echo $$ > "$d/cgroup.procs" || exit 1; '
              'done; echo $$; exec cat %s >/dev/null' % (path or WATCHED))
    p = subprocess.run(["sh", "-c", script, "sh", *dirs],
                       stdout=subprocess.PIPE, timeout=30)
    if p.returncode:
        raise AssertionError("moving a child into %r failed" % (dirs,))
    return int(p.stdout)


class CgroupTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.v2, self.v1 = cgroup_mounts()
        self.trees = []
        # Paths are matched from the root down: a test run inside a
        # container's cgroup would see that container first.
        for p in own_cgroup_paths():
            for part in p.split("/"):
                if part.startswith(("docker", "libpod", "kubepods", "crio",
                                    "cri-containerd", "lxc")):
                    self.skipTest("this test runs inside a container's "
                                  "cgroup (%s)" % p)

    def tearDown(self):
        errors = []
        for t in reversed(self.trees):
            errors += t.remove()
        self.assertEqual(errors, [], "cgroups left behind")

    def tree(self, where="v2"):
        if where == "v2":
            if not self.v2:
                self.skipTest("no cgroup2 hierarchy mounted")
            root = self.v2
        else:
            if where not in self.v1:
                self.skipTest("no v1 %s hierarchy mounted" % where)
            root = self.v1[where]
        t = Tree(root)
        self.trees.append(t)
        return t

    def utsname(self, *opts):
        return Bpfhost("-p", "utsname", "-F", "json",
                       "-o", "utsname.path=" + WATCHED, *opts)

    def assert_identity(self, rec, cid, runtime, owner=0, pod_uid=""):
        got = {k: rec[k] for k in ("container_id", "container_runtime",
                                   "container_owner", "pod_uid")}
        want = {"container_id": cid, "container_runtime": runtime,
                "container_owner": owner, "pod_uid": pod_uid}
        self.assertEqual(got, want, rec)

    def test_docker_scope(self):
        h = hex64()
        t = self.tree()
        d = t.make("system.slice", "docker-%s.scope" % h)
        with self.utsname() as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assert_identity(rec, h, "docker")
        self.assertEqual(rec["cgroup_id"], os.stat(d).st_ino)
        self.assertEqual(rec["nodename"], os.uname().nodename)

    def test_owner_of_the_container_cgroup(self):
        """A cgroup a user owns (rootless): that user is the owner; the
        owner of a cgroup below the container's does not count."""
        h = hex64()
        t = self.tree()
        d = t.make("user.slice", "docker-%s.scope" % h)
        os.chown(d, 65534, 65534)
        inner = t.make("user.slice", "docker-%s.scope" % h, "app")
        os.chown(inner, 4242, 4242)
        h2 = hex64()
        d2 = t.make("system.slice", "docker-%s.scope" % h2)
        inner2 = t.make("system.slice", "docker-%s.scope" % h2, "app")
        os.chown(inner2, 65534, 65534)
        with self.utsname() as bh:
            pid = run_in(d)
            pid_inner = run_in(inner)
            pid2 = run_in(inner2)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
            rec_inner = bh.one(event="open", pid=pid_inner)
            rec2 = bh.one(event="open", pid=pid2)
        self.assert_identity(rec, h, "docker", owner=65534)
        self.assert_identity(rec_inner, h, "docker", owner=65534)
        self.assert_identity(rec2, h2, "docker", owner=0)

    def test_outermost_wins(self):
        """podman inside podman: the outer container's id."""
        a, b = hex64(), hex64()
        t = self.tree()
        d = t.make("libpod_parent", "libpod-" + a, "libpod_parent",
                   "libpod-" + b)
        with self.utsname() as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assert_identity(rec, a, "podman")

    def test_v1_hierarchy(self):
        """A task whose cgroup2 path names no container: the v1 path."""
        # The child keeps our cgroup2 cgroup, which names no container
        # (setUp checked).
        a, b = hex64(), hex64()
        t = self.tree("memory")
        d = t.make("libpod_parent", "libpod-" + a, "libpod-" + b)
        h = hex64()
        d2 = t.make("system.slice", "docker-%s.scope" % h)
        os.chown(d2, 65534, 65534)
        with self.utsname() as bh:
            pid = run_in(d)
            pid2 = run_in(d2)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
            rec2 = bh.one(event="open", pid=pid2)
        self.assert_identity(rec, a, "podman")
        self.assert_identity(rec2, h, "docker", owner=65534)

    def test_each_v1_hierarchy(self):
        """A container named only in one v1 hierarchy, of a controller
        (memory, pids, cpu, freezer, devices) or of none (name=systemd):
        each v1 hierarchy the task is in counts."""
        names = [h for h in ("memory", "pids", "cpu", "freezer", "devices",
                             "name=systemd") if h in self.v1]
        if not names:
            self.skipTest("no v1 hierarchy")
        made = []
        for h in names:
            cid = hex64()
            made.append((h, cid, self.tree(h).make(
                "system.slice", "docker-%s.scope" % cid)))
        with self.utsname() as bh:
            pids = [run_in(d) for _, _, d in made]
            self.assertEqual(bh.stop(), 0)
            for (h, cid, _), pid in zip(made, pids):
                with self.subTest(h):
                    rec = bh.one(event="open", pid=pid)
                    self.assert_identity(rec, cid, "docker")

    def test_renamed_cgroup(self):
        """A v1 cgroup renamed (rename(2) within its parent; cgroup2 has no
        rename): later events see the path as it is then, for the
        container's own cgroup and for a cgroup below a renamed one."""
        if "memory" not in self.v1:
            self.skipTest("no v1 memory hierarchy")
        t = self.tree("memory")
        a, b, c, d = hex64(), hex64(), hex64(), hex64()
        own = t.make("system.slice", "docker-%s.scope" % a)
        outer = t.make("x", "docker-%s.scope" % c)
        inner = t.make("x", "docker-%s.scope" % c, "app")
        with self.utsname() as bh:
            before = run_in(own)
            before_inner = run_in(inner)
            renamed = os.path.join(os.path.dirname(own),
                                   "docker-%s.scope" % b)
            os.rename(own, renamed)
            renamed_outer = os.path.join(os.path.dirname(outer),
                                         "notdocker-%s" % d)
            os.rename(outer, renamed_outer)
            after = run_in(renamed)
            after_inner = run_in(os.path.join(renamed_outer, "app"))
            self.assertEqual(bh.stop(), 0)
            recs = {pid: bh.one(event="open", pid=pid) for pid in
                    (before, before_inner, after, after_inner)}
        for what, pid, cid, runtime in (
                ("before", before, a, "docker"),
                ("below, before", before_inner, c, "docker"),
                ("renamed", after, b, "docker"),
                ("below a renamed one", after_inner, "", "none")):
            with self.subTest(what):
                self.assert_identity(recs[pid], cid, runtime)

    def test_owner_changed(self):
        """The owner is the directory's at the event: chowned after a first
        event (as a delegation does), the next event shows the new one."""
        h = hex64()
        d = self.tree().make("user.slice", "docker-%s.scope" % h)
        with self.utsname() as bh:
            first = run_in(d)
            os.chown(d, 65534, 65534)
            second = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec1 = bh.one(event="open", pid=first)
            rec2 = bh.one(event="open", pid=second)
        self.assert_identity(rec1, h, "docker", owner=0)
        self.assert_identity(rec2, h, "docker", owner=65534)

    def test_container_at_depth_16(self):
        """A container's cgroup 16 levels below the root (the deepest the
        kernel side reads) is found."""
        h = hex64()
        t = self.tree()
        # base is level 1; 14 more, then the container at level 16.
        d = t.make(*["f%d" % i for i in range(14)],
                   "docker-%s.scope" % h)
        self.assertEqual(len(os.path.relpath(d, self.v2).split("/")), 16)
        with self.utsname() as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assert_identity(rec, h, "docker")

    def test_container_deeper_than_read(self):
        """A container's cgroup 17 levels down, below nothing that names
        one: the walk reads 16, and the task is a container of unknown id,
        never a host task (containers_only keeps it)."""
        h = hex64()
        t = self.tree()
        d = t.make(*["g%d" % i for i in range(15)], "docker-%s.scope" % h)
        self.assertEqual(len(os.path.relpath(d, self.v2).split("/")), 17)
        with self.utsname("-o", "utsname.containers_only=yes") as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assertEqual((rec["container_runtime"], rec["container_id"]),
                         ("unknown", ""), rec)

    def test_v2_before_v1(self):
        """Named in both: cgroup2's container."""
        if not self.v2:
            self.skipTest("no cgroup2 hierarchy mounted")
        h2, h1 = hex64(), hex64()
        d2 = self.tree().make("docker-%s.scope" % h2)
        d1 = self.tree("memory").make("docker-%s.scope" % h1)
        with self.utsname() as bh:
            pid = run_in(d1, d2)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assert_identity(rec, h2, "docker")

    def test_kubepods_cgroupfs(self):
        """kubelet's cgroupfs driver: .../pod<uid>/<id>, runtime cri."""
        h, pod = hex64(), str(uuid.uuid4())
        d = self.tree().make("kubepods", "burstable", "pod" + pod, h)
        with self.utsname() as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assert_identity(rec, h, "cri", pod_uid=pod)

    def test_patterns(self):
        """Every runtime's naming, in one run; and names that are not."""
        pod1, pod2, pod3, pod4 = (str(uuid.uuid4()) for _ in range(4))
        static_pod = uuid.uuid4().hex     # a static pod's UID: 32 hex
        ids = [hex64() for _ in range(16)]
        h63 = hex64()[:63]
        upper = hex64().upper()
        cases = [
            (["system.slice", "docker-%s.scope" % ids[0]],
             ids[0], "docker", ""),
            (["docker", ids[1]], ids[1], "docker", ""),
            (["machine.slice", "libpod-%s.scope" % ids[2]],
             ids[2], "podman", ""),
            (["libpod_parent", "libpod-" + ids[3]], ids[3], "podman", ""),
            (["system.slice", "cri-containerd-%s.scope" % ids[4]],
             ids[4], "containerd", ""),
            (["nerdctl-%s.scope" % ids[5]], ids[5], "containerd", ""),
            (["crio-%s.scope" % ids[6]], ids[6], "cri-o", ""),
            (["crio-" + ids[7]], ids[7], "cri-o", ""),
            (["kubepods", "besteffort", "pod" + pod1, ids[8]],
             ids[8], "cri", pod1),
            (["kubepods.slice", "kubepods-burstable.slice",
              "kubepods-burstable-pod%s.slice" % pod2.replace("-", "_"),
              "cri-containerd-%s.scope" % ids[9]], ids[9], "containerd",
             pod2),
            (["kubepods.slice", "kubepods-pod%s.slice" %
              pod3.replace("-", "_"), "crio-%s.scope" % ids[10]],
             ids[10], "cri-o", pod3),
            (["machine.slice", "systemd-nspawn@box1.service"],
             "box1", "systemd-nspawn", ""),
            (["machine.slice", "machine-box2.scope"],
             "box2", "machined", ""),
            (["lxc.payload.box3"], "box3", "lxc", ""),
            (["lxc", "box4"], "box4", "lxc", ""),
            (["machine.slice", "systemd-nspawn@box5.service", "payload"],
             "box5", "systemd-nspawn", ""),
            (["kubepods", "burstable", "pod" + static_pod, ids[12]],
             ids[12], "cri", static_pod),
            # Outermost: a pod slice and container forged below a real one.
            (["kubepods.slice", "kubepods-pod%s.slice" %
              pod1.replace("-", "_"), "crio-%s.scope" % ids[13],
              "kubepods-pod%s.slice" % pod4.replace("-", "_"),
              "crio-%s.scope" % ids[14]], ids[13], "cri-o", pod1),
            # A pod without a container: the pod is known.
            (["kubepods", "burstable", "pod" + pod4], "", "none", pod4),
            # Host-side helpers.
            (["machine.slice", "libpod-conmon-%s.scope" % ids[15]],
             "", "none", ""),
            (["lxc.monitor.box6"], "", "none", ""),
            # Not containers.
            (["system.slice", "docker-%s.scope" % h63], "", "none", ""),
            (["system.slice", "docker-%s.scope" % upper], "", "none", ""),
            (["docker", h63], "", "none", ""),
            (["docker", upper], "", "none", ""),
            (["libpod-" + h63], "", "none", ""),
            # a bare id where no runtime puts one: claimed all the same
            (["notdocker", ids[11]], ids[11], "unknown", ""),
            (["user.slice", "user-1000.slice", "session-1.scope"],
             "", "none", ""),
        ]
        t = self.tree()
        dirs = [t.make("c%d" % i, *comp) for i, (comp, *_) in
                enumerate(cases)]
        with Bpfhost("-p", "utsname", "-p", "filesnoop", "-F", "json",
                     "-o", "utsname.path=" + WATCHED,
                     "-o", "filesnoop.path=" + WATCHED) as bh:
            pids = [run_in(d) for d in dirs]
            self.assertEqual(bh.stop(), 0)
            for (comp, cid, runtime, pod), pid in zip(cases, pids):
                with self.subTest("/".join(comp)):
                    for plugin in ("utsname", "filesnoop"):
                        rec = bh.one(plugin=plugin, event="open",
                                       pid=pid)
                        self.assert_identity(rec, cid, runtime, pod_uid=pod)

    def test_cgroup_gone_before_read(self):
        """The id is read in the kernel at the event: a cgroup removed
        while bpfhost is stopped still names the record's container."""
        h = hex64()
        t = self.tree()
        with self.utsname() as bh:
            bh.proc.send_signal(signal.SIGSTOP)
            try:
                d = t.make("system.slice", "docker-%s.scope" % h)
                pid = run_in(d)
                self.assertEqual(_rmdir(d), [])
                self.assertFalse(os.path.exists(d))
            finally:
                bh.proc.send_signal(signal.SIGCONT)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assert_identity(rec, h, "docker")

    def test_deep_below_a_container(self):
        """A task 20 levels below a container's cgroup (depth > 16 from
        the root) still reports that container."""
        for where in ("v2", "memory"):
            with self.subTest(where):
                h = hex64()
                t = self.tree(where)
                top = t.make("system.slice", "docker-%s.scope" % h)
                d = os.path.join(top, *("l%d" % i for i in range(20)))
                os.makedirs(d)
                depth = len(os.path.relpath(d, os.path.dirname(t.base))
                            .split("/"))
                self.assertGreater(depth, 16)
                with self.utsname() as bh:
                    pid = run_in(d)
                    self.assertEqual(bh.stop(), 0)
                    rec = bh.one(event="open", pid=pid)
                self.assert_identity(rec, h, "docker")
                if where == "v2":
                    self.assertEqual(rec["cgroup_id"], os.stat(d).st_ino)

    def test_text_ids(self):
        """Text: a 64-hex id shows its first 12 characters, any other id
        whole; no container shows "-"."""
        h = hex64()
        name = "longname-" + uuid.uuid4().hex[:12]
        t = self.tree()
        d = t.make("docker-%s.scope" % h)
        d2 = t.make("lxc.payload." + name)
        with Bpfhost("-p", "utsname", "-p", "filesnoop", "-F", "text",
                     "-o", "utsname.path=" + WATCHED,
                     "-o", "filesnoop.path=" + WATCHED) as bh:
            pids = [run_in(d), run_in(d2), run_in()]
            self.assertEqual(bh.stop(), 0)
            text = bh.stdout()
        want = [h[:12], name, "-"]
        for event in ("utsname.open", "filesnoop.open"):
            for pid, shown in zip(pids, want):
                rows = [r for r in text_rows(text) if r["EVENT"] == event
                        and r["PID"] == str(pid)]
                self.assertEqual(len(rows), 1, "%s of %d in:\n%s" %
                                 (event, pid, text))
                self.assertEqual(rows[0]["CONTAINER"], shown, rows[0])
                self.assertEqual(rows[0]["HOSTNAME"], os.uname().nodename,
                                 rows[0])

    def test_names_escaped(self):
        """An LXC name is any bytes but '/' and a newline: JSON stays JSON
        and gives it back, text keeps it one column."""
        name = 'q"b\\s t\tu\x01' + uuid.uuid4().hex[:6]
        raw = name.encode() + b"\xff"
        t = self.tree()
        d = os.path.join(t.base.encode(), b"lxc.payload." + raw)
        os.mkdir(d)
        d = d.decode("utf-8", "surrogateescape")
        with self.utsname() as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assertEqual(rec["container_runtime"], "lxc", rec)
        # Printable ASCII comes back as it is, every other byte as '?',
        # and the id says it is not the name's exact bytes.
        shown = "".join(c if "!" <= c <= "~" else "?" for c in name) + "?"
        self.assertEqual(rec["container_id"], shown, rec)
        self.assertIs(rec["container_id_inexact"], True, rec)
        with Bpfhost("-p", "utsname", "-F", "text",
                     "-o", "utsname.path=" + WATCHED) as bh:
            pid = run_in(d)
            self.assertEqual(bh.stop(), 0)
            text = bh.stdout()
        rows = [r for r in text_rows(text) if r.get("PID") == str(pid)]
        self.assertEqual(len(rows), 1, text)
        self.assertEqual(rows[0]["HOSTNAME"], os.uname().nodename, text)
        self.assertTrue(rows[0]["PATH"].endswith(WATCHED), text)
        self.assertNotIn("\t", rows[0]["CONTAINER"])

    def test_containers_only(self):
        """containers_only keeps a task in a container's cgroup, though
        every namespace of it is the host's."""
        h = hex64()
        d = self.tree().make("system.slice", "docker-%s.scope" % h)
        with self.utsname("-o", "utsname.containers_only=yes") as bh:
            pid = run_in(d)
            host_pid = run_in()
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
            self.assertEqual(bh.records(pid=host_pid), [])
        self.assert_identity(rec, h, "docker")
        self.assertTrue(rec["host_uts"])


if __name__ == "__main__":
    main()

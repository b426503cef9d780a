# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Container identity with real podman containers (utsname and filesnoop).

The truth is podman's (`podman inspect`: the full id, the container's first
process) and the kernel's (/proc/PID/ns/*, /proc/PID/cgroup).  podman_env
builds the image, prepares hybrid cgroups for crun and removes every
container made here.  Other work may run on the machine at the same time:
records are matched on this test's own containers (their full id, a random
hostname only they use) or on this test's own pids.
"""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import Bpfhost, main, need_root, text_rows  # noqa: E402
import podman_env as pe  # noqa: E402

IMAGE = pe.IMAGE
# Opened by tasks in the host's UTS namespace (in the image too).
HOST_UTS_PATH = "/etc/group"
NS_KINDS = ("mnt", "pid", "net", "uts", "user")
CONTEXT_FIELDS = ["pid", "tid", "ppid", "uid", "gid", "comm", "vpid",
                  "container_id", "container_runtime", "container_owner",
                  "container_id_inexact", "pod_uid", "nodename", "cgroup_id", "mnt_ns", "pid_ns",
                  "net_ns", "uts_ns", "user_ns"]


def setUpModule():
    pe.setup()


def tearDownModule():
    pe.teardown()


def host_ns(kind):
    """This test's own namespace: the host's (/proc/1/ns may be closed to
    it here)."""
    return os.stat("/proc/self/ns/%s" % kind).st_ino


def unified_cgroup_inode(pid):
    """The inode of PID's cgroup2 directory, or None without cgroup2."""
    root = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                root = fields[4]
    if root is None:
        return None
    with open("/proc/%d/cgroup" % pid) as f:
        rel = [l[3:].strip() for l in f if l.startswith("0::")][0]
    return os.stat(root + rel).st_ino


class ContainerTest(unittest.TestCase):
    def setUp(self):
        need_root(self)

    def utsname(self, *opts):
        return Bpfhost("-p", "utsname", "-F", "json", *opts)

    def sleeper(self, prefix, *opts, hostname=True, cmd=("sleep", "300")):
        """A long-running container; returns (full id, name)."""
        cname = pe.name(prefix)
        cid = pe.run_detached(*opts, IMAGE, *cmd, cname=cname,
                              hostname=cname if hostname else None)
        return cid, cname

    def assert_podman(self, rec, cid):
        self.assertEqual(rec["container_id"], cid, rec)
        self.assertEqual(rec["container_runtime"], "podman", rec)
        # Rootful podman: root made the cgroup.
        self.assertEqual(rec["container_owner"], 0, rec)
        self.assertEqual(rec["pod_uid"], "", rec)

    def assert_namespaces(self, rec, pid, kinds=NS_KINDS):
        for kind in kinds:
            self.assertEqual(rec[kind + "_ns"], pe.ns_inode(kind, pid),
                             "%s_ns of %r" % (kind, rec))

    def test_named_container(self):
        """The first process of `--name N --hostname N` opens /etc/hosts:
        podman's full id, runtime podman, vpid 1, its namespaces."""
        cname = pe.name("web1")
        with self.utsname() as bh:
            # sh itself opens the file (vpid 1), then stays as sleep.
            cid = pe.run_detached(IMAGE, "sh", "-c",
                                  "exec 3</etc/hosts; exec sleep 300",
                                  cname=cname, hostname=cname)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", container_id=cid)
        self.assertEqual(cid, pe.full_id(cname))
        self.assertEqual(len(cid), 64)
        pid = pe.host_pid(cid)
        self.assertEqual(list(rec)[4:4 + len(CONTEXT_FIELDS)],
                         CONTEXT_FIELDS)
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], cname)
        self.assertEqual(rec["path"], "/etc/hosts")
        self.assertEqual(rec["comm"], "sh")
        self.assertEqual((rec["pid"], rec["tid"]), (pid, pid))
        self.assertEqual(rec["vpid"], 1)
        self.assertEqual(rec["uid"], 0)
        self.assertFalse(rec["host_uts"])
        self.assert_namespaces(rec, pid)
        # Rootful podman keeps the host's user namespace; the rest are new.
        self.assertEqual(rec["user_ns"], host_ns("user"))
        for kind in ("mnt", "pid", "net", "uts"):
            self.assertNotEqual(rec[kind + "_ns"], host_ns(kind), kind)
        cg = unified_cgroup_inode(pid)
        if cg is not None:
            self.assertEqual(rec["cgroup_id"], cg)
        with open("/proc/%d/cgroup" % pid) as f:
            self.assertIn("libpod-" + cid, f.read())

    def test_default_hostname(self):
        """Without --hostname the UTS name is the id's first 12 characters."""
        cname = pe.name("dflt")
        with self.utsname() as bh:
            pe.run(IMAGE, "cat", "/etc/hosts", cname=cname)
            self.assertEqual(bh.stop(), 0)
            cid = pe.full_id(cname)
            rec = bh.one(event="open", container_id=cid)
        self.assert_podman(rec, cid)
        self.assertEqual(rec["comm"], "cat")
        self.assertEqual(rec["vpid"], 1)
        self.assertEqual(rec["nodename"], cid[:12])
        self.assertTrue(rec["container_id"].startswith(rec["nodename"]))

    def test_exec(self):
        """podman exec joins the container: same id, its namespaces."""
        cid, cname = self.sleeper("exec")
        pid = pe.host_pid(cid)
        with self.utsname() as bh:
            out = pe.exec_(cid, "sh", "-c",
                           "echo $$; exec cat /etc/hosts >/dev/null")
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", container_id=cid, comm="cat")
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], cname)
        self.assertEqual(rec["vpid"], int(out))
        self.assertNotEqual(rec["vpid"], 1)
        self.assertNotEqual(rec["pid"], pid)
        self.assert_namespaces(rec, pid)

    def test_renamed_container(self):
        """A container that takes another container's name keeps its own
        id, and its sethostname carries that id too."""
        other, other_name = self.sleeper("otherco")
        cname = pe.name("renamer")
        with self.utsname() as bh:
            pe.run("--cap-add", "SYS_ADMIN", IMAGE, "sh", "-c",
                   'hostname "$1"; exec cat /etc/hosts', "sh", other_name,
                   cname=cname, hostname=cname)
            self.assertEqual(bh.stop(), 0)
            cid = pe.full_id(cname)
            rec = bh.one(event="open", container_id=cid)
            setname = bh.one(event="sethostname", new_name=other_name)
            theirs = bh.records(event="open", container_id=other)
        self.assertNotEqual(cid, other)
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], other_name)
        self.assertEqual(rec["comm"], "cat")
        self.assertEqual(theirs, [])
        self.assertEqual(setname["comm"], "hostname")
        self.assertEqual(setname["old_name"], cname)
        self.assertIsNone(setname["error"])
        self.assert_podman(setname, cid)
        self.assertEqual(setname["nodename"], other_name)

    def test_uts_host(self):
        """--uts=host: the host's name, yet a container; containers_only
        keeps it and drops the host's own open."""
        cname = pe.name("utshost")
        # Not /etc/hosts: test_utsname's containers_only, perhaps running
        # now, wants no open of it with host_uts true.
        with self.utsname("-o", "utsname.containers_only=yes",
                          "-o", "utsname.path=" + HOST_UTS_PATH) as bh:
            pe.run("--uts=host", IMAGE, "cat", HOST_UTS_PATH, cname=cname)
            host_child = subprocess.Popen(["cat", HOST_UTS_PATH],
                                          stdout=subprocess.DEVNULL)
            host_child.wait(30)
            self.assertEqual(bh.stop(), 0)
            cid = pe.full_id(cname)
            rec = bh.one(event="open", container_id=cid)
            self.assertEqual(bh.records(pid=host_child.pid), [])
            kept = bh.records()
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], os.uname().nodename)
        self.assertTrue(rec["host_uts"])
        self.assertEqual(rec["uts_ns"], host_ns("uts"))
        self.assertNotEqual(rec["pid_ns"], host_ns("pid"))
        # Nothing kept is surely the host's.
        for r in kept:
            self.assertTrue(r["container_id"] or
                            any(r[k + "_ns"] != host_ns(k)
                                for k in ("pid", "user", "uts")), r)

    def test_uts_of_another_container(self):
        """--uts=container:X: its own id, X's hostname and UTS namespace."""
        x, x_name = self.sleeper("utsx")
        cname = pe.name("joiner")
        with self.utsname() as bh:
            pe.run("--uts=container:" + x, IMAGE, "cat", "/etc/hosts",
                   cname=cname)
            self.assertEqual(bh.stop(), 0)
            cid = pe.full_id(cname)
            rec = bh.one(event="open", container_id=cid)
            self.assertEqual(bh.records(event="open", container_id=x), [])
        self.assertNotEqual(cid, x)
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], x_name)
        self.assertEqual(rec["uts_ns"], pe.ns_inode("uts", pe.host_pid(x)))
        self.assertNotEqual(rec["pid_ns"], pe.ns_inode("pid", pe.host_pid(x)))

    def test_private_cgroup_namespace(self):
        """--cgroupns=private: the container sees itself at its cgroups'
        root, the kernel's path still names it."""
        cname = pe.name("cgns")
        with self.utsname() as bh:
            out = pe.run("--cgroupns=private", IMAGE, "sh", "-c",
                         "cat /proc/self/cgroup; exec cat /etc/hosts",
                         cname=cname, hostname=cname)
            self.assertEqual(bh.stop(), 0)
            cid = pe.full_id(cname)
            rec = bh.one(event="open", container_id=cid)
        self.assertIn("0::/\n", out)
        self.assertNotIn(cid, out)
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], cname)

    def test_host_pid_namespace(self):
        """--pid=host: vpid is the host's pid, pid_ns the host's."""
        cname = pe.name("pidhost")
        with self.utsname() as bh:
            out = pe.run("--pid=host", IMAGE, "sh", "-c",
                         "echo $$; exec cat /etc/hosts", cname=cname,
                         hostname=cname)
            self.assertEqual(bh.stop(), 0)
            cid = pe.full_id(cname)
            rec = bh.one(event="open", container_id=cid)
        self.assert_podman(rec, cid)
        pid = int(out.split()[0])
        self.assertEqual((rec["pid"], rec["vpid"]), (pid, pid))
        self.assertEqual(rec["pid_ns"], host_ns("pid"))
        self.assertNotEqual(rec["uts_ns"], host_ns("uts"))

    def test_container_gone_before_read(self):
        """The id is taken in the kernel at the event: a container run and
        removed while bpfhost is stopped still has it in its record."""
        cname = pe.name("gone")
        with self.utsname() as bh:
            bh.proc.send_signal(signal.SIGSTOP)
            try:
                pe.run(IMAGE, "cat", "/etc/hosts", cname=cname)
                cid = pe.full_id(cname)
                pe.podman("rm", cname)
                self.assertNotIn(cid, pe.podman("ps", "-a", "-q",
                                                "--no-trunc"))
            finally:
                bh.proc.send_signal(signal.SIGCONT)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", container_id=cid)
        self.assert_podman(rec, cid)
        self.assertEqual(rec["nodename"], cid[:12])
        self.assertEqual(rec["comm"], "cat")

    def test_deep_below_the_container(self):
        """A task 20 cgroup levels below a running container's cgroup
        (depth > 16) still reports that container."""
        cid, _ = self.sleeper("deep")
        pid = pe.host_pid(cid)
        made = []
        deep_cgroup_id = None
        try:
            dirs = []
            # The container's cgroup in each hierarchy (cgroup2 and v1),
            # as /proc/PID/cgroup and the mounts name it.
            mounts = {}
            with open("/proc/self/mountinfo") as f:
                for line in f:
                    fields = line.split()
                    sep = fields.index("-")
                    if fields[sep + 1] == "cgroup2":
                        mounts[""] = fields[4]
                    elif fields[sep + 1] == "cgroup":
                        for o in fields[sep + 3].split(","):
                            mounts[o] = fields[4]
            with open("/proc/%d/cgroup" % pid) as f:
                for line in f:
                    _, ctl, rel = line.strip().split(":", 2)
                    root = mounts.get(ctl.split(",")[0])
                    if root and "libpod-" + cid in rel:
                        d = root + rel
                        for i in range(20):
                            parent, d = d, os.path.join(d, "l%d" % i)
                            os.mkdir(d)
                            made.append(d)
                            # A new v1 cpuset has no cpus nor mems: none
                            # could join it.
                            for f in ("cpuset.cpus", "cpuset.mems"):
                                if os.path.exists(os.path.join(d, f)):
                                    with open(os.path.join(parent, f)) as i_:
                                        v = i_.read()
                                    with open(os.path.join(d, f), "w") as o:
                                        o.write(v)
                        dirs.append(d)
                        if ctl == "":
                            deep_cgroup_id = os.stat(d).st_ino
                        depth = len(os.path.relpath(d, root).split("/"))
                        self.assertGreater(depth, 16, d)
            self.assertTrue(dirs)
            script = ('for d in "$@"; do echo $$ > "$d/cgroup.procs" || '
                      'exit 1; done; echo $$; exec cat %s >/dev/null' %
                      HOST_UTS_PATH)
            # The shell is the host's, in the host's UTS namespace: not
            # /etc/hosts (see test_uts_host).
            with self.utsname("-o", "utsname.path=" + HOST_UTS_PATH) as bh:
                p = subprocess.run(["sh", "-c", script, "sh", *dirs],
                                   stdout=subprocess.PIPE, timeout=30,
                                   check=True)
                self.assertEqual(bh.stop(), 0)
                rec = bh.one(event="open", pid=int(p.stdout))
        finally:
            for d in reversed(made):
                for _ in range(100):
                    try:
                        os.rmdir(d)
                        break
                    except OSError:
                        time.sleep(0.02)
        self.assert_podman(rec, cid)
        # The host's shell: the host's UTS name, the cgroup's container.
        self.assertEqual(rec["nodename"], os.uname().nodename)
        if deep_cgroup_id is not None:
            self.assertEqual(rec["cgroup_id"], deep_cgroup_id)

    def test_filesnoop(self):
        """filesnoop: a container's open and the host's, told apart."""
        cid, cname = self.sleeper("fsnoop")
        pid = pe.host_pid(cid)
        with Bpfhost("-p", "filesnoop", "-F", "json",
                     "-o", "filesnoop.path=/etc/shadow") as bh:
            pe.exec_(cid, "cat", "/etc/shadow")
            host_child = subprocess.Popen(["cat", "/etc/shadow"],
                                          stdout=subprocess.DEVNULL)
            host_child.wait(30)
            self.assertEqual(bh.stop(), 0)
            ctr = bh.one(plugin="filesnoop", event="open",
                           container_id=cid)
            host = bh.one(plugin="filesnoop", event="open",
                            pid=host_child.pid)
        self.assertEqual(list(ctr)[4:4 + len(CONTEXT_FIELDS)],
                         CONTEXT_FIELDS)
        self.assert_podman(ctr, cid)
        self.assertEqual(ctr["path"], "/etc/shadow")
        self.assertEqual(ctr["comm"], "cat")
        self.assertEqual(ctr["nodename"], cname)
        self.assert_namespaces(ctr, pid)
        self.assertEqual(host["path"], "/etc/shadow")
        self.assertEqual(host["container_id"], "")
        self.assertEqual(host["container_runtime"], "none")
        self.assertEqual(host["pod_uid"], "")
        self.assertEqual(host["nodename"], os.uname().nodename)
        self.assertEqual(host["vpid"], host_child.pid)
        for kind in NS_KINDS:
            self.assertEqual(host[kind + "_ns"], host_ns(kind), kind)
        for kind in ("mnt", "pid", "net", "uts"):
            self.assertNotEqual(ctr[kind + "_ns"], host[kind + "_ns"], kind)

    def test_text_columns(self):
        """Text: CONTAINER is the 12-character short id, as `podman ps`
        shows it; HOSTNAME the UTS name; in utsname's and filesnoop's."""
        cid, cname = self.sleeper("text")
        short = pe.podman("ps", "--filter", "id=" + cid,
                          "--format", "{{.ID}}").strip()
        with Bpfhost("-p", "utsname", "-p", "filesnoop", "-F", "text",
                     "-o", "filesnoop.path=/etc/hosts") as bh:
            pe.exec_(cid, "cat", "/etc/hosts")
            host_child = subprocess.Popen(["cat", "/etc/hosts"],
                                          stdout=subprocess.DEVNULL)
            host_child.wait(30)
            self.assertEqual(bh.stop(), 0)
            text = bh.stdout()
        self.assertEqual(short, cid[:12])
        rows = text_rows(text)
        for event in ("utsname.open", "filesnoop.open"):
            mine = [r for r in rows if r.get("EVENT") == event and
                    r.get("CONTAINER") == short]
            self.assertEqual(len(mine), 1, "%s rows of %s in:\n%s" %
                             (event, short, text))
            self.assertEqual(mine[0]["HOSTNAME"], cname, mine[0])
            self.assertEqual(mine[0]["COMM"], "cat", mine[0])
            self.assertTrue(mine[0]["PATH"].endswith("/etc/hosts"), mine[0])
            host = [r for r in rows if r.get("EVENT") == event and
                    r.get("PID") == str(host_child.pid)]
            self.assertEqual(len(host), 1, "%s rows of pid %d in:\n%s" %
                             (event, host_child.pid, text))
            self.assertEqual(host[0]["CONTAINER"], "-", host[0])
            self.assertEqual(host[0]["HOSTNAME"], os.uname().nodename,
                             host[0])


if __name__ == "__main__":
    main()

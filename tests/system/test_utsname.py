# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""utsname against the real kernel, with real UTS namespaces made here.

Every namespace is made with unshare(1) or clone3(2) by the test, so the
machine's own hostname is never touched.  Other work may run on the machine
at the same time: records are matched on this test's own children (their
pid or a random hostname only they use).
"""
import ctypes
import os
import re
import struct
import subprocess
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpfhost_test import Bpfhost, main, need_root  # noqa: E402

CLONE_NEWUTS = 0x04000000
SIGCHLD = 17
SYS_CLONE3 = 435            # the same number on every architecture
TASK_FIELDS = ["pid", "tid", "ppid", "uid", "gid", "comm", "vpid",
               "container_id", "container_runtime", "container_owner",
               "container_id_inexact", "pod_uid", "nodename", "cgroup_id", "mnt_ns", "pid_ns",
               "net_ns", "uts_ns", "user_ns"]


def ns_inode(kind, pid="self"):
    return os.stat("/proc/%s/ns/%s" % (pid, kind)).st_ino


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def in_new_uts(script, *args):
    """Run sh -c script in a new UTS namespace; returns (unshare pid, out)."""
    p = subprocess.Popen(["unshare", "--uts", "--fork", "sh", "-c", script,
                          "sh", *args], stdout=subprocess.PIPE)
    out, _ = p.communicate(timeout=30)
    if p.returncode:
        raise AssertionError("unshare ... %r exited %d" %
                             (script, p.returncode))
    return p.pid, out.decode()


def cgroup2_dir():
    """Where the cgroup v2 hierarchy is mounted, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[sep + 1] == "cgroup2":
                return fields[4]
    return None


def clone_into_new_uts():
    """clone3(CLONE_NEWUTS) from this process; returns the child's pid."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    # struct clone_args, version 0: flags, pidfd, child_tid, parent_tid,
    # exit_signal, stack, stack_size, tls.
    args = ctypes.create_string_buffer(
        struct.pack("=8Q", CLONE_NEWUTS, 0, 0, 0, SIGCHLD, 0, 0, 0))
    pid = libc.syscall(ctypes.c_long(SYS_CLONE3), args,
                       ctypes.c_size_t(len(args.raw)))
    if pid == 0:
        os._exit(0)
    if pid < 0:
        raise OSError(ctypes.get_errno(), "clone3(CLONE_NEWUTS)")
    os.waitpid(pid, 0)
    return pid


class UtsnameTest(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.host_uts = ns_inode("uts")

    def run_json(self, *opts):
        return Bpfhost("-p", "utsname", "-F", "json", *opts)

    def test_hostname_written_through_proc_sys(self):
        """Renaming by writing /proc/sys/kernel/hostname is an open that may
        write that file: reported; reading it is not."""
        name = unique("proc")
        script = ("import os\n"
                  "print(os.getpid(), flush=True)\n"
                  "open('/proc/sys/kernel/hostname').read()\n"
                  "with open('/proc/sys/kernel/hostname', 'w') as f:\n"
                  "    f.write(%r)\n" % name)
        with self.run_json() as bh:
            p = subprocess.run(["unshare", "--uts", sys.executable, "-c",
                                script], capture_output=True, check=True)
            pid = int(p.stdout.split()[0])
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=pid)
        self.assertEqual(rec["path"], "/proc/sys/kernel/hostname")
        self.assertIsNone(rec["error"])

    def test_container_open_and_task_context(self):
        """An open in a new UTS namespace: its hostname, every task field."""
        name = unique("testbox")
        with self.run_json() as bh:
            # The shell names its namespace, then becomes cat: the open's
            # pid is the one it prints.
            unshare_pid, out = in_new_uts(
                'hostname "$1"; echo $$; exec cat /etc/hosts >/dev/null',
                name)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", nodename=name)
        pid = int(out)
        # After time, plugin, event and severity.
        self.assertEqual(list(rec)[4:4 + len(TASK_FIELDS)], TASK_FIELDS)
        self.assertEqual(rec["plugin"], "utsname")
        self.assertEqual(rec["path"], "/etc/hosts")
        self.assertIsNone(rec["error"])
        self.assertEqual((rec["pid"], rec["tid"]), (pid, pid))
        # unshare --fork: the shell is unshare's child.
        self.assertEqual(rec["ppid"], unshare_pid)
        self.assertEqual(rec["comm"], "cat")
        self.assertEqual((rec["uid"], rec["gid"]), (0, 0))
        self.assertFalse(rec["host_uts"])
        self.assertNotEqual(rec["uts_ns"], self.host_uts)
        self.assertNotEqual(rec["uts_ns"], 0)
        # Only the UTS namespace is new.
        for kind in ("mnt", "pid", "net", "user"):
            self.assertEqual(rec[kind + "_ns"], ns_inode(kind), kind)
        # Its own hostname makes no container: no cgroup path names one.
        self.assertEqual((rec["container_id"], rec["container_runtime"],
                          rec["container_owner"], rec["container_id_inexact"],
                          rec["pod_uid"]), ("", "none", 0, False, ""))
        self.assertEqual(rec["vpid"], pid)

    def test_pid_namespace(self):
        """pid_ns is the namespace of the task's own pid; pids are global."""
        name = unique("pidns")
        with self.run_json() as bh:
            p = subprocess.run(
                ["unshare", "--uts", "--pid", "--fork", "sh", "-c",
                 'hostname "$1"; stat -L -c %i /proc/self/ns/pid; '
                 'exec cat /etc/hosts >/dev/null', "sh", name],
                stdout=subprocess.PIPE, check=True, timeout=30)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", nodename=name)
        self.assertEqual(rec["pid_ns"], int(p.stdout))
        self.assertNotEqual(rec["pid_ns"], ns_inode("pid"))
        # Inside, cat is pid 1; the record has its pid on the host.
        self.assertNotEqual(rec["pid"], 1)

    def test_ppid_and_cgroup_from_host(self):
        """An open in the host namespace: host_uts, ppid, cgroup id."""
        with self.run_json() as bh:
            child = subprocess.Popen(["cat", "/etc/hosts"],
                                     stdout=subprocess.DEVNULL)
            child.wait(30)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="open", pid=child.pid)
        self.assertTrue(rec["host_uts"])
        self.assertEqual(rec["uts_ns"], self.host_uts)
        self.assertEqual(rec["nodename"], os.uname().nodename)
        self.assertEqual(rec["ppid"], os.getpid())
        self.assertEqual(rec["comm"], "cat")
        cg_root = cgroup2_dir()
        if cg_root:
            with open("/proc/self/cgroup") as f:
                rel = [l[3:].strip() for l in f if l.startswith("0::")][0]
            self.assertEqual(rec["cgroup_id"],
                             os.stat(cg_root + rel).st_ino)

    def test_cgroup_id_of_own_cgroup(self):
        """cgroup_id is the inode of the opener's own cgroup v2 directory."""
        cg_root = cgroup2_dir()
        if not cg_root:
            self.skipTest("no cgroup v2 hierarchy mounted")
        cg = os.path.join(cg_root, unique("bpfhost-utsname"))
        os.mkdir(cg)
        try:
            with self.run_json() as bh:
                p = subprocess.run(
                    ["sh", "-c", 'echo $$ > "$1/cgroup.procs"; echo $$; '
                     'exec cat /etc/hosts >/dev/null', "sh", cg],
                    stdout=subprocess.PIPE, check=True, timeout=30)
                self.assertEqual(bh.stop(), 0)
                rec = bh.one(event="open", pid=int(p.stdout))
            self.assertEqual(rec["cgroup_id"], os.stat(cg).st_ino)
        finally:
            os.rmdir(cg)

    def test_hostname_change(self):
        old, new = unique("old"), unique("new")
        with self.run_json() as bh:
            in_new_uts('hostname "$1"; hostname "$2"; domainname "$2"',
                       old, new)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="sethostname", syscall="sethostname",
                           new_name=new)
            dom = bh.one(event="sethostname", syscall="setdomainname",
                           new_name=new)
        self.assertEqual(rec["old_name"], old)
        self.assertEqual(rec["nodename"], new)
        self.assertEqual(rec["comm"], "hostname")
        self.assertIsNone(rec["error"])
        self.assertFalse(rec["host_uts"])
        self.assertNotEqual(rec["uts_ns"], self.host_uts)
        self.assertEqual(dom["old_name"], "(none)")
        self.assertEqual(dom["nodename"], new)

    def test_refused_hostname_change(self):
        """A name too long: EINVAL, and the first 64 bytes of what was tried."""
        tried = unique("x" * 70)
        code = ("import ctypes, sys; n = sys.argv[1].encode(); "
                "sys.exit(ctypes.CDLL(None).sethostname(n, len(n)) != -1)")
        with self.run_json() as bh:
            # Without --fork, unshare becomes python: one pid throughout.
            p = subprocess.Popen(["unshare", "--uts", sys.executable, "-c",
                                  code, tried])
            self.assertEqual(p.wait(30), 0)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="sethostname", pid=p.pid)
        self.assertEqual(rec["error"], "EINVAL")
        self.assertEqual(rec["new_name"], tried[:64])
        self.assertEqual(rec["old_name"], os.uname().nodename)

    def test_enter_by_unshare(self):
        name = unique("unsh")
        with self.run_json() as bh:
            unshare_pid, _ = in_new_uts('hostname "$1"', name)
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="enter_uts", pid=unshare_pid)
        self.assertEqual(rec["syscall"], "unshare")
        self.assertEqual(rec["comm"], "unshare")
        self.assertEqual(rec["old_uts_ns"], self.host_uts)
        self.assertNotEqual(rec["new_uts_ns"], self.host_uts)
        self.assertEqual(rec["new_uts_ns"], rec["uts_ns"])
        self.assertFalse(rec["new_host_uts"])
        self.assertEqual(rec["child_tid"], 0)
        # A new namespace starts as a copy of the old one's names.
        self.assertEqual(rec["old_nodename"], os.uname().nodename)
        self.assertEqual(rec["new_nodename"], os.uname().nodename)

    def test_enter_by_clone(self):
        with self.run_json() as bh:
            child = clone_into_new_uts()
            self.assertEqual(bh.stop(), 0)
            rec = bh.one(event="enter_uts", child_tid=child)
        self.assertEqual(rec["syscall"], "clone")
        self.assertEqual(rec["pid"], os.getpid())
        self.assertEqual(rec["uts_ns"], self.host_uts)
        self.assertEqual(rec["old_uts_ns"], self.host_uts)
        self.assertNotEqual(rec["new_uts_ns"], self.host_uts)
        self.assertNotEqual(rec["new_uts_ns"], 0)

    def test_enter_by_setns(self):
        name = unique("target")
        target = subprocess.Popen(
            ["unshare", "--uts", "--fork", "sh", "-c",
             'hostname "$1"; echo $$; exec sleep 30', "sh", name],
            stdout=subprocess.PIPE)
        try:
            sh_pid = int(target.stdout.readline())
            target_uts = ns_inode("uts", sh_pid)
            with self.run_json() as bh:
                join = subprocess.Popen(["nsenter", "--uts=/proc/%d/ns/uts"
                                         % sh_pid, "true"])
                self.assertEqual(join.wait(30), 0)
                # Joining one's own namespace is no switch.
                stay = subprocess.Popen(["nsenter", "--uts=/proc/self/ns/uts",
                                         "true"])
                self.assertEqual(stay.wait(30), 0)
                self.assertEqual(bh.stop(), 0)
                rec = bh.one(event="enter_uts", pid=join.pid)
                self.assertEqual(bh.records(pid=stay.pid), [])
        finally:
            target.kill()
            target.wait()
        self.assertEqual(rec["syscall"], "setns")
        self.assertEqual(rec["comm"], "nsenter")
        self.assertEqual(rec["old_uts_ns"], self.host_uts)
        self.assertEqual(rec["new_uts_ns"], target_uts)
        self.assertEqual(rec["new_nodename"], name)
        self.assertEqual(rec["nodename"], name)

    def test_containers_only(self):
        """The host's own opens never leave the kernel; containers' do."""
        name = unique("ctr")
        with self.run_json("-o", "utsname.containers_only=yes") as bh:
            host_child = subprocess.Popen(["cat", "/etc/hosts"],
                                          stdout=subprocess.DEVNULL)
            host_child.wait(30)
            in_new_uts('hostname "$1"; cat /etc/hosts >/dev/null', name)
            self.assertEqual(bh.stop(), 0)
            bh.one(event="open", nodename=name)
            self.assertEqual(bh.records(pid=host_child.pid), [])
            self.assertEqual(bh.records(event="open", host_uts=True), [])

    def test_path_option(self):
        """path replaces the default and may be given several times."""
        a = "/tmp/" + unique("utsname-a")
        b = "/tmp/" + unique("utsname-b")
        for p in (a, b):
            open(p, "w").close()
        try:
            with self.run_json("-o", "utsname.path=" + a,
                               "-o", "utsname.path=" + b) as bh:
                child = subprocess.Popen(["cat", a, b, a + "x",
                                          "/etc/hosts"],
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
                child.wait(30)
                self.assertEqual(bh.stop(), 0)
                paths = [r["path"] for r in bh.records(pid=child.pid)]
        finally:
            for p in (a, b):
                os.unlink(p)
        self.assertEqual(paths, [a, b])

    def test_with_filesnoop_json(self):
        name = unique("both")
        with Bpfhost("-p", "filesnoop", "-p", "utsname", "-F", "json",
                     "-o", "filesnoop.path=/etc/hosts") as bh:
            _, out = in_new_uts('hostname "$1"; echo $$; '
                                'exec cat /etc/hosts >/dev/null', name)
            self.assertEqual(bh.stop(), 0)
            pid = int(out)
            uts = bh.one(plugin="utsname", event="open", pid=pid)
            fs = bh.one(plugin="filesnoop", event="open", pid=pid)
            self.assertRegex(bh.stderr(), r"filesnoop: \d+ events")
            self.assertRegex(bh.stderr(), r"utsname: \d+ events")
        self.assertEqual(uts["nodename"], name)
        self.assertEqual(fs["path"], "/etc/hosts")
        # filesnoop carries the same task context.
        for key in ("nodename", "uts_ns", "mnt_ns", "pid_ns", "user_ns",
                    "container_id", "cgroup_id", "vpid"):
            self.assertEqual(fs[key], uts[key], key)

    def test_with_filesnoop_text(self):
        name = unique("txt")
        with Bpfhost("-p", "filesnoop", "-p", "utsname", "-F", "text",
                     "-o", "filesnoop.path=/etc/hosts") as bh:
            _, out = in_new_uts('hostname "$1"; echo $$; '
                                'exec cat /etc/hosts >/dev/null', name)
            self.assertEqual(bh.stop(), 0)
            text = bh.stdout()
        pid = out.strip()
        self.assertRegex(text, r"(?m)^TIME +EVENT +PID COMM +CONTAINER +"
                         r"HOSTNAME +HOSTNS PATH$")
        self.assertRegex(text, r"(?m)^\S+ utsname\.open +%s cat +- +%s +no +"
                         r"/etc/hosts$" % (pid, re.escape(name)))
        self.assertRegex(text, r"(?m)^\S+ filesnoop\.open +%s .*cat .*"
                         r"/etc/hosts$" % pid)
        # Each type's header comes with its first event, not in a stack of
        # every type's at start.
        lines = text.splitlines()
        self.assertFalse(lines[-1].startswith("TIME "), text)
        for line, after in zip(lines, lines[1:]):
            self.assertFalse(line.startswith("TIME ") and
                             after.startswith("TIME "), text)

    def test_text_hostname_with_blanks(self):
        # A name chosen to read as more columns ("hostname" refuses it;
        # sethostname(2) does not) stays one column.
        name = unique("web1") + " no /etc/hosts"
        with Bpfhost("-p", "utsname", "-F", "text") as bh:
            _, out = in_new_uts(
                '"$2" -c "import socket, sys; socket.sethostname(sys.argv[1])"'
                ' "$1"; echo $$; exec cat /etc/hosts >/dev/null',
                name, sys.executable)
            self.assertEqual(bh.stop(), 0)
            text = bh.stdout()
        shown = re.escape(name.replace(" ", "\\x20"))
        self.assertRegex(text, r"(?m)^\S+ utsname\.open +%s cat +- +%s +no +"
                         r"/etc/hosts$" % (out.strip(), shown))


if __name__ == "__main__":
    main()

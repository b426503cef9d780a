# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Real podman containers for the system tests: image, cgroups, cleanup.

A test module calls setup() from setUpModule() and teardown() from
tearDownModule().  setup() raises unittest.SkipTest when podman (or a static
busybox to build the image from) is missing.

The image is built here, with no registry: `podman import` of a tarball
holding a static busybox, its applet links and a few files under /etc.  It
is cached by name (IMAGE) and reused by later runs.

Hybrid cgroups (v1 controllers plus cgroup2 on /sys/fs/cgroup/unified):
crun refuses to run when any controller is still bound to the cgroup2
hierarchy ("cgroups in hybrid mode not supported, drop all controllers from
cgroupv2").  setup() mounts each such controller on its own v1 hierarchy,
/sys/fs/cgroup/NAME; teardown() removes the cgroups podman made there and in
every other hierarchy (libpod_parent, when it was not there before), then
unmounts, so the controller goes back to cgroup2 as it was.

Every container is made with run()/run_detached() here, carries the label
LABEL and a name from name(); teardown() removes every one (podman rm -f),
even after a failed test.  Every podman call has a timeout.  Containers get
--network none: no bridge, no firewall rules left behind.
"""
import atexit
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

PODMAN = shutil.which("podman")
IMAGE = "localhost/bpfhost-test-busybox:latest"
LABEL = "bpfhost-test=containers"
TIMEOUT = 120           # seconds, for any one podman call
CGROUP_ROOT = "/sys/fs/cgroup"
PARENT = "libpod_parent"    # the cgroupfs manager's parent cgroup

_state = {"mounts": [], "made_parent": [], "ready": False,
          "atexit": False}


def _limit(which, cap=4096):
    """A soft=hard value within this process's hard limit."""
    hard = resource.getrlimit(which)[1]
    if hard == resource.RLIM_INFINITY or hard > cap:
        return cap
    return hard


def ulimit_flags():
    """Root here may lack CAP_SYS_RESOURCE: podman's default limits (above
    the hard limits) would be refused; ask for values within them."""
    nofile = _limit(resource.RLIMIT_NOFILE)
    nproc = _limit(resource.RLIMIT_NPROC)
    return ["--ulimit", "nofile=%d:%d" % (nofile, nofile),
            "--ulimit", "nproc=%d:%d" % (nproc, nproc)]


def podman(*args, check=True, timeout=TIMEOUT, input=None):
    """Run podman; returns its stdout (str).  Raises with stderr on error."""
    p = subprocess.run([PODMAN, *args], capture_output=True, timeout=timeout,
                       input=input, stdin=None if input else
                       subprocess.DEVNULL)
    out = p.stdout.decode("utf-8", "replace")
    if check and p.returncode:
        raise AssertionError("podman %s exited %d:\n%s%s" % (
            " ".join(args), p.returncode, out,
            p.stderr.decode("utf-8", "replace")))
    return out


def name(prefix="bpfhost"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def _run_args(args, cname, hostname):
    flags = ["--label", LABEL, "--network", "none", *ulimit_flags()]
    if cname:
        flags += ["--name", cname]
    if hostname:
        flags += ["--hostname", hostname]
    return flags + list(args)


def run(*args, cname=None, hostname=None, rm=False, timeout=TIMEOUT):
    """podman run [flags] ARGS... in the foreground; returns stdout.
    ARGS are podman options then the image and command (use IMAGE).
    Without rm the stopped container stays (for inspect) until teardown."""
    return podman("run", *(["--rm"] if rm else []),
                  *_run_args(args, cname, hostname), timeout=timeout)


def run_detached(*args, cname=None, hostname=None):
    """podman run -d ...; returns the full container id once it runs."""
    cid = podman("run", "-d", *_run_args(args, cname, hostname)).strip()
    deadline = time.monotonic() + 30
    while not inspect(cid, "{{.State.Running}}") == "true":
        if time.monotonic() > deadline:
            raise AssertionError("container %s did not start" % cid)
        time.sleep(0.05)
    return cid


def exec_(cid, *cmd, timeout=TIMEOUT):
    return podman("exec", cid, *cmd, timeout=timeout)


def inspect(cid, fmt):
    return podman("inspect", "--format", fmt, cid).strip()


def full_id(cid):
    return inspect(cid, "{{.Id}}")


def host_pid(cid):
    """The container's first process, as the host sees it."""
    return int(inspect(cid, "{{.State.Pid}}"))


def ns_inode(kind, pid):
    return os.stat("/proc/%d/ns/%s" % (pid, kind)).st_ino


def rm(*cids):
    if cids:
        podman("rm", "-f", "-t", "0", *cids, check=False)


def _ours():
    return podman("ps", "-a", "-q", "--no-trunc", "--filter",
                  "label=" + LABEL, check=False).split()


def _cleanup_containers():
    """Remove every container made here; returns what could not be.

    One `podman rm` of a container another joined (--uts=container:X)
    refuses X when X comes before the joiner ("has dependent containers
    which must be removed before it") and removes only the rest: --depend,
    and passes until none is left."""
    ids = _ours()
    depend = ["--depend"]       # podman 4.0 and later
    for _ in range(3):
        if not ids:
            return []
        p = subprocess.run([PODMAN, "rm", "-f", "-t", "0", *depend, *ids],
                           capture_output=True, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
        if p.returncode and b"unknown flag" in p.stderr:
            depend = []
        ids = _ours()
    return ["podman rm -f left %s" % " ".join(ids)] if ids else []


# --- image -----------------------------------------------------------------

def _build_image():
    if subprocess.run([PODMAN, "image", "exists", IMAGE],
                      timeout=60).returncode == 0:
        return
    busybox = None
    for cand in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(cand):
            busybox = cand
            break
    if not busybox:
        raise unittest.SkipTest("no busybox to build the test image from "
                                "(apt-get install busybox-static)")
    kind = subprocess.run(["ldd", busybox], capture_output=True)
    if b"=>" in kind.stdout:
        raise unittest.SkipTest("%s is dynamically linked (apt-get install "
                                "busybox-static)" % busybox)
    with tempfile.TemporaryDirectory(prefix="bpfhost-image-") as d:
        root = os.path.join(d, "root")
        for sub in ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "run"):
            os.makedirs(os.path.join(root, sub))
        shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
        applets = subprocess.run([busybox, "--list"], capture_output=True,
                                 check=True, timeout=30).stdout.split()
        for a in applets:
            a = a.decode()
            if a != "busybox" and "/" not in a:
                os.symlink("busybox", os.path.join(root, "bin", a))
        files = {
            "hosts": "127.0.0.1 localhost\n",
            "passwd": "root:x:0:0:root:/root:/bin/sh\n"
                      "nobody:x:65534:65534:nobody:/:/bin/false\n",
            "group": "root:x:0:\nnogroup:x:65534:\n",
            "shadow": "root:*:1::::::\n",
        }
        for f, text in files.items():
            with open(os.path.join(root, "etc", f), "w") as fh:
                fh.write(text)
        os.chmod(os.path.join(root, "etc", "shadow"), 0o640)
        tar = os.path.join(d, "image.tar")
        subprocess.run(["tar", "-C", root, "-cf", tar, "."], check=True,
                       timeout=60)
        podman("import", "--change", 'CMD ["/bin/sh"]', tar, IMAGE)


# --- hybrid cgroups --------------------------------------------------------

def _unified_mount():
    """Where cgroup2 is mounted when v1 hierarchies are too, else None."""
    v1 = False
    v2 = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            if fstype == "cgroup":
                v1 = True
            elif fstype == "cgroup2":
                v2 = fields[4]
    return v2 if v1 else None


def _hierarchy_dirs():
    """The mount points of every cgroup hierarchy (v1 and v2)."""
    dirs = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] in ("cgroup", "cgroup2"):
                if fields[4] not in dirs:
                    dirs.append(fields[4])
    return dirs


def controllers_on_v2(unified):
    """The controllers crun objects to: those cgroup2's root offers."""
    with open(os.path.join(unified, "cgroup.controllers")) as f:
        return f.read().split()


def _hierarchy_of(controller):
    with open("/proc/cgroups") as f:
        for line in f:
            fields = line.split()
            if fields[0] == controller:
                return int(fields[1])
    return None


def _prepare_cgroups():
    unified = _unified_mount()
    if unified is None:
        return
    for d in _hierarchy_dirs():
        p = os.path.join(d, PARENT)
        if not os.path.isdir(p):
            _state["made_parent"].append(p)
    for ctl in controllers_on_v2(unified):
        mnt = os.path.join(CGROUP_ROOT, ctl)
        made = not os.path.exists(mnt)
        if made:
            os.mkdir(mnt)
        p = subprocess.run(["mount", "-t", "cgroup", "-o", ctl, "cgroup",
                            mnt], capture_output=True, timeout=30)
        if p.returncode:
            if made:
                os.rmdir(mnt)
            raise AssertionError("mount -t cgroup -o %s: %s" %
                                 (ctl, p.stderr.decode()))
        _state["mounts"].append((ctl, mnt, made))
        if PARENT not in os.listdir(mnt):
            _state["made_parent"].append(os.path.join(mnt, PARENT))


def _rmdir_tree(top):
    """rmdir a cgroup and every cgroup below it, deepest first."""
    errors = []
    for dirpath, dirnames, _ in os.walk(top, topdown=False):
        for d in dirnames:
            try:
                os.rmdir(os.path.join(dirpath, d))
            except OSError as e:
                errors.append("%s: %s" % (os.path.join(dirpath, d), e))
    try:
        os.rmdir(top)
    except FileNotFoundError:
        pass
    except OSError as e:
        errors.append("%s: %s" % (top, e))
    return errors


def _back_on_v2(ctl, wait=1.5):
    deadline = time.monotonic() + wait
    while _hierarchy_of(ctl) != 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _unmount(ctl, mnt):
    """Unmount a v1 hierarchy and see its controller back on cgroup2.

    A v1 hierarchy outlives its last umount while a removed cgroup of it is
    still dying; the kernel then keeps it, unmounted, and the controller
    stays off cgroup2.  Mounting it again and unmounting once the dying
    cgroups are gone lets it go."""
    for attempt in range(4):
        p = subprocess.run(["umount", mnt], capture_output=True, timeout=30)
        if p.returncode:
            return "umount %s: %s" % (mnt, p.stderr.decode())
        if _back_on_v2(ctl):
            return None
        time.sleep(0.5)
        p = subprocess.run(["mount", "-t", "cgroup", "-o", ctl, "cgroup",
                            mnt], capture_output=True, timeout=30)
        if p.returncode:
            return "mount -o %s %s again: %s" % (ctl, mnt, p.stderr.decode())
    # Left mounted: unmounted, the hierarchy would live on out of sight.
    return ("%s did not go back to cgroup2 (a cgroup of its v1 hierarchy "
            "is still alive); left mounted on %s" % (ctl, mnt))


def _undo_cgroups():
    errors = []
    # conmon may still be leaving its cgroup for a moment after rm.
    for p in _state["made_parent"]:
        if not os.path.isdir(p):
            continue
        for _ in range(50):
            errs = _rmdir_tree(p)
            if not errs:
                break
            time.sleep(0.1)
        errors += errs
    _state["made_parent"] = []
    if errors:
        errors.append("left mounted: %s" % ", ".join(
            m for _, m, _ in _state["mounts"]))
        return errors
    for ctl, mnt, made in reversed(_state["mounts"]):
        err = _unmount(ctl, mnt)
        if err:
            errors.append(err)
        elif made:
            os.rmdir(mnt)
    _state["mounts"] = []
    return errors


# --- module setup ----------------------------------------------------------

def setup():
    """For setUpModule(): skip without podman; image; cgroups; smoke run."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (BPF, rootful podman)")
    if PODMAN is None:
        raise unittest.SkipTest("podman is not installed "
                                "(apt-get install podman crun)")
    _build_image()
    # Containers a killed earlier run left behind.
    _cleanup_containers()
    if not _state["atexit"]:
        # A test run killed by its timeout (meson sends SIGTERM) still
        # undoes the mounts and removes its containers.
        atexit.register(_at_exit)
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
        _state["atexit"] = True
    try:
        _prepare_cgroups()
        _state["ready"] = True
        # A failure here is the machine's, not bpfhost's: say what podman
        # said.
        run(IMAGE, "true", rm=True)
    except BaseException:
        teardown()
        raise


def _on_sigterm(signum, frame):
    # unittest records SystemExit as one test's error and runs on; it stops
    # on KeyboardInterrupt, and the atexit hook then cleans up.
    raise KeyboardInterrupt("SIGTERM")


def _at_exit():
    if _state["ready"] or _state["mounts"] or _state["made_parent"]:
        try:
            teardown()
        except Exception as e:      # noqa: BLE001 -- exiting anyway
            print("podman_env: %s" % e, file=sys.stderr)


def teardown():
    """For tearDownModule(): every container, every cgroup, every mount."""
    errors = []
    try:
        errors += _cleanup_containers()
    finally:
        if errors:
            # Containers still running keep their cgroups: unmounting now
            # would leave a hidden hierarchy holding the controllers.
            errors.append("left mounted: %s" % ", ".join(
                m for _, m, _ in _state["mounts"]))
        else:
            errors += _undo_cgroups()
        _state["ready"] = False
    if errors:
        raise AssertionError("podman_env teardown:\n" + "\n".join(errors))

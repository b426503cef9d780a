# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A child process that opens files when told, for filesnoop's tests.

Run as `python3 opener.py`; it reads one JSON command per line on stdin
and answers one JSON line on stdout, so a test knows its pid before it
starts bpfhost and can tell it exactly which opens to make.

Commands:
  {"op": "open", "path": HEX, "flags": ["O_RDONLY", ...],
   "syscall": "openat"|"open"|"openat2", "mode": 0o644}
      -> {"fd": N, "errno": E}  (fd -1 and the errno on failure; the fd is
         closed again before the answer)
  {"op": "burst", "path": HEX, "count": N}
      -> {"fd": -1, "errno": 0, "opened": N}  (N openat(O_RDONLY) + close)
  {"op": "comm", "name": "xyz"}   -> {"comm": "xyz"}  (sets /proc/self/comm)
  {"op": "setuid", "uid": U}      -> {"uid": U}  (drops to uid U for good)
  {"op": "ids"} -> {"pid": P, "tid": T, "uid": U, "comm": C}
Paths are hex so that any byte can be sent.
"""
import ctypes
import json
import os
import struct
import sys
import threading

SYS_OPEN = {"x86_64": 2}
SYS_OPENAT2 = 437          # the same number on every architecture
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def flag_bits(names):
    bits = 0
    for name in names:
        bits |= getattr(os, name)
    return bits


def raw_open(path, flags, mode, syscall):
    """Returns (fd, errno) from exactly the system call asked for."""
    cpath = ctypes.c_char_p(path)
    if syscall == "openat":
        # Not os.open: Python may add O_CLOEXEC; we want our flags exactly.
        ret = libc.syscall(ctypes.c_long(257 if os.uname().machine ==
                                         "x86_64" else 56),
                           ctypes.c_long(-100), cpath, ctypes.c_long(flags),
                           ctypes.c_long(mode))
    elif syscall == "open":
        nr = SYS_OPEN.get(os.uname().machine)
        if nr is None:
            return -1, 38   # ENOSYS: this architecture has no open(2)
        ret = libc.syscall(ctypes.c_long(nr), cpath, ctypes.c_long(flags),
                           ctypes.c_long(mode))
    elif syscall == "openat2":
        how = ctypes.create_string_buffer(struct.pack("QQQ", flags, mode, 0))
        ret = libc.syscall(ctypes.c_long(SYS_OPENAT2), ctypes.c_long(-100),
                           cpath, how, ctypes.c_long(24))
    else:
        raise ValueError(syscall)
    if ret < 0:
        return -1, ctypes.get_errno()
    return ret, 0


def handle(cmd):
    op = cmd["op"]
    if op == "open":
        fd, err = raw_open(bytes.fromhex(cmd["path"]),
                           flag_bits(cmd.get("flags", ["O_RDONLY"])),
                           cmd.get("mode", 0), cmd.get("syscall", "openat"))
        if fd >= 0:
            os.close(fd)
        return {"fd": fd, "errno": err}
    if op == "burst":
        path = bytes.fromhex(cmd["path"])
        opened = 0
        for _ in range(cmd["count"]):
            fd, err = raw_open(path, os.O_RDONLY, 0, "openat")
            if fd >= 0:
                os.close(fd)
                opened += 1
        return {"fd": -1, "errno": 0, "opened": opened}
    if op == "comm":
        with open("/proc/self/comm", "w") as f:
            f.write(cmd["name"])
        return {"comm": cmd["name"]}
    if op == "setuid":
        os.setgid(cmd["uid"])
        os.setuid(cmd["uid"])
        return {"uid": os.getuid()}
    if op == "ids":
        with open("/proc/self/comm") as f:
            comm = f.read().rstrip("\n")
        return {"pid": os.getpid(), "tid": threading.get_native_id(),
                "uid": os.getuid(), "comm": comm}
    raise ValueError(op)


def main():
    for line in sys.stdin:
        reply = handle(json.loads(line))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""No import cycles in host/: a module is X.c with its X.h, and module A
depends on module B when one of A's files includes B.h.  Prints each cycle
found and exits 1; exits 0 when the graph has none.

Usage: include_cycles.py HOST_DIR"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def modules(host):
    """{module: set of modules it includes}, modules named by path sans
    extension, relative to host."""
    deps = {}
    for root, _, files in os.walk(host):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            mod = os.path.relpath(path, host)[:-2]
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            out = deps.setdefault(mod, set())
            for inc in INCLUDE.findall(text):
                target = os.path.normpath(os.path.join(root, inc))
                if not os.path.exists(target):
                    continue    # generated (build_config.h) or the SDK's
                dep = os.path.relpath(target, host)[:-2]
                if dep != mod:
                    out.add(dep)
    return deps


def cycles(deps):
    """Every strongly connected component of more than one module."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in deps.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(deps):
        if v not in index:
            visit(v)
    return found


def main():
    found = cycles(modules(sys.argv[1]))
    for comp in found:
        print("include cycle among: " + ", ".join(comp))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

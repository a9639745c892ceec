#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""ktap_check.py [FILE] - check KTAP version 1 strictly (the kernel's
Documentation/dev-tools/ktap.rst) and print a summary.

Every block (the top one, and each subtest indented four spaces more than
its parent) is: "KTAP version 1", an optional "# Subtest: NAME", the plan
"1..N" (N = 0 may carry "# SKIP reason"), then exactly N results
"ok|not ok I NAME [# SKIP|TODO reason]" numbered 1..N, each preceded by
its own subtest block if it has one; "# " diagnostics anywhere.  A parent
whose subtest failed must be "not ok", its name must match the subtest's
"# Subtest:" line.  Any other line is an error.  Exit 0 when valid,
1 with "file:line: what is wrong" otherwise.
"""
import re
import sys

RESULT = re.compile(r"^(ok|not ok) ([1-9][0-9]*)(?: ([^#]*?))?\s*(?:# (.*))?$")
PLAN = re.compile(r"^1\.\.(0|[1-9][0-9]*)(?: # (SKIP)(?: (.*))?)?$")
DIRECTIVE = re.compile(r"^(SKIP|TODO)(?: .*)?$")


class Bad(Exception):
    pass


def parse_block(lines, i, depth, stats):
    """Parse a block at depth starting at lines[i]; return (next i, ok,
    subtest name or None)."""
    pre = "    " * depth

    def at(k):
        if k >= len(lines):
            return None
        line = lines[k]
        if not line.startswith(pre):
            return None
        return line[len(pre):]

    def diag_skip(k):
        while k < len(lines):
            t = at(k)
            if t is not None and (t == "#" or t.startswith("# ")) and not t.startswith("# Subtest:"):
                k += 1
                continue
            break
        return k

    i = diag_skip(i)
    if at(i) != "KTAP version 1":
        raise Bad((i, f"expected 'KTAP version 1' at depth {depth}"))
    i += 1
    name = None
    i = diag_skip(i)
    t = at(i)
    if t is not None and t.startswith("# Subtest: "):
        name = t[len("# Subtest: "):]
        i += 1
    i = diag_skip(i)
    t = at(i)
    m = PLAN.match(t or "")
    if not m:
        raise Bad((i, f"expected the plan '1..N' at depth {depth}, got {t!r}"))
    plan = int(m.group(1))
    if m.group(2) and plan:
        raise Bad((i, "a SKIP plan must be 1..0"))
    i += 1
    ok_all = True
    for n in range(1, plan + 1):
        i = diag_skip(i)
        sub = None
        # a subtest block, indented one level more, before its result
        if i < len(lines) and lines[i].startswith(pre + "    "):
            i, sub_ok, sub_name = parse_block(lines, i, depth + 1, stats)
            sub = (sub_ok, sub_name)
            i = diag_skip(i)
        t = at(i)
        m = RESULT.match(t or "")
        if not m:
            raise Bad((i, f"expected result {n} of {plan} at depth {depth}, got {t!r}"))
        if int(m.group(2)) != n:
            raise Bad((i, f"result numbered {m.group(2)}, expected {n}"))
        ok = m.group(1) == "ok"
        desc = (m.group(3) or "").strip()
        d = m.group(4)
        if d is not None and not DIRECTIVE.match(d):
            raise Bad((i, f"unknown directive {d!r} (SKIP or TODO)"))
        if sub is not None:
            if sub[1] is not None and sub[1] != desc:
                raise Bad((i, f"result {desc!r} follows the subtest {sub[1]!r}"))
            if not sub[0] and ok:
                raise Bad((i, f"{desc!r} is ok but one of its subtests is not"))
        kind = "skip" if d and d.startswith("SKIP") else ("pass" if ok else "fail")
        stats[kind] = stats.get(kind, 0) + 1
        ok_all = ok_all and ok
        i += 1
    i = diag_skip(i)
    return i, ok_all, name


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    text = sys.stdin.read() if path == "-" else open(path).read()
    lines = text.splitlines()
    stats = {}
    try:
        i, ok, _ = parse_block(lines, 0, 0, stats)
        if i != len(lines):
            raise Bad((i, f"unexpected line {lines[i]!r}"))
    except Bad as e:
        k, what = e.args[0]
        print(f"{path}:{k + 1}: {what}")
        return 1
    print(f"{path}: valid KTAP: {stats.get('pass', 0)} passed, {stats.get('fail', 0)} failed, "
          f"{stats.get('skip', 0)} skipped (results at every depth); top level {'ok' if ok else 'not ok'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

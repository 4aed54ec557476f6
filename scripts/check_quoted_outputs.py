#!/usr/bin/env python3
"""Checks that output quoted in the README and docs is what the examples print.

A quoted output is a fenced code block right after a marker line naming the example:

    <!-- output-of: hs_test_framework -->
    ```text
    Registered!
    Task "foo" is in state TASK_FINISHED
    ```

Each line of the block must appear in that example's captured output (the file NAME.txt in
the directory given, written by the examples step of scripts/test.sh), in the same order,
not necessarily next to each other. In a quoted line, `…` stands for any text (times, ids,
host names); a line starting with `$ ` is the command and is not compared. A marker naming
an example whose output was not captured is an error, so a quote cannot silently go
unchecked.

usage: check_quoted_outputs.py CAPTURE_DIR [FILE.md ...]   (default: README.md docs/*.md)
"""
import glob
import os
import re
import sys

MARKER = re.compile(r"^<!--\s*output-of:\s*([A-Za-z0-9_-]+)\s*-->\s*$")


def quoted_blocks(path):
    """(line number, example name, quoted lines) of every marked block in `path`."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        if start >= len(lines) or not lines[start].startswith("```"):
            sys.exit("%s:%d: an output-of marker must be followed by a fenced block"
                     % (path, i + 1))
        end = start + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end == len(lines):
            sys.exit("%s:%d: unterminated fenced block" % (path, start + 1))
        block = [l for l in lines[start + 1:end] if not l.startswith("$ ") and l.strip()]
        out.append((i + 1, m.group(1), block))
        i = end + 1
    return out


def pattern(quoted):
    parts = [re.escape(p) for p in quoted.split("…")]
    return re.compile("^" + ".*".join(parts) + "$")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    capture = sys.argv[1]
    files = sys.argv[2:] or ["README.md"] + sorted(glob.glob("docs/*.md"))
    failures = 0
    checked = 0
    for path in files:
        for lineno, name, block in quoted_blocks(path):
            captured = os.path.join(capture, name + ".txt")
            if not os.path.isfile(captured):
                print("%s:%d: no captured output of example %s (%s): run it in the examples "
                      "step of scripts/test.sh" % (path, lineno, name, captured))
                failures += 1
                continue
            actual = open(captured, encoding="utf-8", errors="replace").read().split("\n")
            at = 0
            for q in block:
                p = pattern(q)
                while at < len(actual) and not p.match(actual[at]):
                    at += 1
                if at == len(actual):
                    print("%s:%d: the quoted line %r is not in %s's output (in this order); "
                          "it printed:\n%s" % (path, lineno, q, name,
                                               "\n".join("    " + l for l in actual)))
                    failures += 1
                    break
                at += 1
            checked += 1
    if failures:
        sys.exit("%d quoted output(s) differ from what the examples print" % failures)
    print("quoted outputs: %d block(s) match what the examples print" % checked)


if __name__ == "__main__":
    main()

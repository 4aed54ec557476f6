#!/usr/bin/env bash
# A user's view of the crates, run by scripts/test.sh:
#  1. a new crate outside this workspace, depending on mesos-rs by path alone (no mesos-sys,
#     no build script, no environment variable), builds, and its binary, run directly, finishes
#     a command task on the local cluster and prints nothing else on stderr;
#  2. the packaged crates (cargo package) unpacked elsewhere: the same crate builds and runs
#     against them, and the packaged mesos-sys passes its own tests.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Compiled dependencies are shared between runs; the crates themselves are fresh each time.
target="$repo/target/outside-crate"

run_outside() { # $1: label, $2: dependency line, $3: patch section
  local dir="$work/$1"
  mkdir -p "$dir"
  cp -r "$repo/scripts/outside-crate/src" "$dir/"
  DEP="$2" PATCH="$3" python3 - "$repo/scripts/outside-crate/Cargo.toml.in" "$dir/Cargo.toml" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(text.replace("@DEPENDENCY@", os.environ["DEP"]).replace("@PATCH@", os.environ["PATCH"]))
PY
  echo "-- $1: cargo build"
  (cd "$dir" && env -u LD_LIBRARY_PATH -u MESOS_HOME -u MESOS_LIB_DIR -u MESOS_INCLUDE_DIR \
      CARGO_TARGET_DIR="$target/$1" cargo build --quiet)
  echo "-- $1: running the binary directly (no cargo, no LD_LIBRARY_PATH)"
  local out="$work/$1.out" err="$work/$1.err"
  if ! (cd "$dir" && env -u LD_LIBRARY_PATH -u RUST_LOG -u MESOS_LOGGING_LEVEL -u GLOG_minloglevel \
      timeout 180 "$target/$1/debug/outside-framework" >"$out" 2>"$err"); then
    echo "outside crate ($1) failed:" >&2; cat "$out" "$err" >&2; exit 1
  fi
  cat "$out"
  grep -q "TASK_FINISHED" "$out"
  if [ -s "$err" ]; then
    echo "outside crate ($1): stderr was not empty:" >&2; cat "$err" >&2; exit 1
  fi
  echo "-- $1: stderr empty"
}

run_outside path "mesos-rs = { path = \"$repo\" }" ""

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
echo "outside crate and packaged crates: ok"

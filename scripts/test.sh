#!/usr/bin/env bash
# The whole mesos-rs test suite, from a fresh Debian 12 machine: provisions the dev kit (and
# the Debian packages it and the tests need), checks formatting and lints, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# The suite's build directories (this workspace's, mesos-launcher's, one per other libmesos
# release, the outside crate's) hold no incremental caches, since nothing is edited between their
# builds, and line tables as their only debug information, which keeps file and line in
# backtraces and valgrind's reports. With cargo's defaults they took 25 GB, on a disk that other
# work shares. A developer's own cargo commands keep cargo's defaults.
export CARGO_INCREMENTAL=0 CARGO_PROFILE_DEV_DEBUG=line-tables-only
echo "== disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free where the build directories go"

echo "== provisioning the dev kit"
python3 mesos-sys/devkit/provision.py --dev

if ! command -v cargo-nextest >/dev/null 2>&1; then
  echo "== installing cargo-nextest (local-cluster tests need one process per test)"
  cargo install --locked cargo-nextest
fi

echo "== the two copies of the fuzz corpus agree (the packaged mesos-sys carries its own)"
diff -r tests/fuzz-corpus mesos-sys/tests/fuzz-corpus
echo "== the two copies of the C++ shim agree (cbits/, and mesos-sys/cbits/ that the package compiles)"
diff -r cbits mesos-sys/cbits

echo "== cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path mesos-launcher/Cargo.toml --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --features mesos-rs/stream -- -D warnings
cargo clippy --manifest-path mesos-launcher/Cargo.toml --all-targets -- -D warnings

echo "== mesos-rs without libmesos (the HTTP executor backend alone: no C++, no mesos-sys)"
cargo clippy -p mesos-rs --lib --no-default-features --features http-executor -- -D warnings
cargo test --quiet -p mesos-rs --lib --no-default-features --features http-executor
if cargo tree -p mesos-rs --no-default-features --features http-executor -e normal,build | grep -q mesos-sys; then
  echo "mesos-sys is in the dependency tree of the HTTP-only build" >&2
  exit 1
fi

echo "== cargo doc without libmesos (as on docs.rs), warnings are errors"
MESOS_SYS_NO_LINK=1 MESOS_DEVKIT_DIR=/nonexistent RUSTDOCFLAGS="-D warnings" \
  CARGO_TARGET_DIR=target/doc-no-link cargo doc --quiet --no-deps --workspace --all-features

echo "== tests"
cargo nextest run --workspace --features mesos-rs/stream --no-fail-fast
echo "== tests of the agent's helper programs (mesos-launcher)"
cargo test --quiet --manifest-path mesos-launcher/Cargo.toml

expect_line() { # $1: pattern the example's output must contain; the rest: the command
  local pattern="$1"; shift
  local out
  out="$("$@")"
  printf '%s\n' "$out"
  if ! grep -qE "$pattern" <<<"$out"; then
    echo "expected a line matching '$pattern' from: $*" >&2
    exit 1
  fi
}

echo "== conformance with Mesos' own programs (built from the Mesos 1.11.0 sources)"
# CI puts a copy of the shared directory beside the clone; it is not part of the repository,
# and neither the product nor a user's build needs it.
native="$(pwd)/../shared/mesos-1.11-native"
if [ -f "$native/lib/libmesos-exec.so" ] && [ -x "$native/libexec/mesos-executor" ] \
    && [ -x "$native/libexec/mesos-containerizer" ]; then
  native="$(cd "$native" && pwd)"
  echo "using Mesos' own programs from $native"
  conformance="$(pwd)/target/conformance"
  mkdir -p "$conformance"
  # Test and example processes (not cargo or rustc) get Mesos' MesosExecutorDriver, and the
  # agents pass it on to the executors they start.
  runner="$conformance/with-executor-driver.sh"
  cat >"$runner" <<RUNNER
#!/bin/sh
export LD_PRELOAD="$native/lib/libmesos-exec.so"
export MESOS_EXECUTOR_ENVIRONMENT_VARIABLES='{"LD_PRELOAD":"$native/lib/libmesos-exec.so"}'
exec "\$@"
RUNNER
  chmod +x "$runner"
  # Output goes to a file first: an executor of Mesos' may leave processes behind holding
  # whatever output it was given, and a pipe would then never close.
  run_logged() { # $1: log name; the rest: the command
    local log="$conformance/$1.log" code=0
    shift
    "$@" >"$log" 2>&1 || code=$?
    cat "$log"
    return "$code"
  }
  echo "-- the executor tests with Mesos' MesosExecutorDriver preloaded (the libmesos driver path must run, not skip)"
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$runner" MESOS_RS_EXPECT_EXECUTOR_DRIVER=1 \
    run_logged executor-driver cargo nextest run --workspace --features mesos-rs/stream \
    --no-fail-fast --success-output immediate \
    -E 'binary(executor) | binary(bad_input) | binary(executor_http) | binary(executor_http_agent)'
  if ! grep -qE 'PASS .*executor end_to_end_with_libmesos_executor_driver$' "$conformance/executor-driver.log"; then
    echo "end_to_end_with_libmesos_executor_driver did not pass with the executor driver preloaded" >&2
    exit 1
  fi
  echo "-- test_framework with Mesos' MesosExecutorDriver in its executors"
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$runner" MESOS_RS_EXPECT_EXECUTOR_DRIVER=1 \
    expect_line '^5 of 5 tasks finished' \
    cargo run --quiet --features mesos-rs/stream --example test_framework -- --tasks 5
  echo "-- second run: the executor, containerizer and command tests with Mesos' own launch helper and command executor ($native/libexec)"
  MESOS_RS_NATIVE_HELPERS="$native/libexec" run_logged native-helpers \
    cargo nextest run --workspace --features mesos-rs/stream --no-fail-fast \
    -E 'binary(executor) | binary(containerizer)'
  MESOS_RS_NATIVE_HELPERS="$native/libexec" run_logged native-helpers-launcher \
    cargo test --quiet --manifest-path mesos-launcher/Cargo.toml
else
  echo "NOT RUN: Mesos' own programs were not found at $native (CI places a copy of the shared"
  echo "directory beside the clone): the libmesos executor-driver path and the second run of the"
  echo "executor tests against Mesos' own helpers are left out."
fi

echo "== benchmarks, short form (ratios are reported, not asserted; fails if a run does not complete)"
# Its TCP form runs against the mesos-local built beside it.
cargo build --release --quiet -p mesos-local
cargo run --release --quiet -p mesos-bench -- --short

echo "== examples on the local cluster (every task must finish)"
# Each example's standard output is kept in $outputs/NAME.txt for the quoted-output check below.
outputs=target/example-outputs
rm -rf "$outputs" && mkdir -p "$outputs"
run_example() { # $1: name; $2: pattern a line of its output must match; the rest: the command
  local name="$1" pattern="$2"; shift 2
  "$@" | tee "$outputs/$name.txt"
  if ! grep -qE "$pattern" "$outputs/$name.txt"; then
    echo "expected a line matching '$pattern' from: $*" >&2
    exit 1
  fi
}
run_example test_framework '^5 of 5 tasks finished' \
  cargo run --quiet --features mesos-rs/stream --example test_framework -- --tasks 5
run_example no_executor_framework '^[0-9]+ of [0-9]+ tasks finished' \
  cargo run --quiet --features mesos-rs/stream --example no_executor_framework -- 'echo hello from mesos-rs'
# hs-mesos' own test framework, ported: five tasks through its executor, whose output is read
# back from the sandbox; standard input at its end, so that its final `getLine` returns.
run_example hs_test_framework '^"Starting task foo"$' \
  cargo run --quiet --features mesos-rs/stream --example hs_test_framework -- --show-executor-output </dev/null
run_example async_framework 'TASK_FINISHED' \
  cargo run --quiet --features mesos-rs/stream --example async_framework
run_example job_queue '^job_queue: ([0-9]+)/\1 jobs done' \
  cargo run --quiet --features mesos-rs/stream --example job_queue
echo "-- quoted outputs in the README and docs match what the examples printed"
python3 scripts/check_quoted_outputs.py "$outputs"
echo "-- test_executor outside an agent: a clear error naming the missing environment, exit 1"
set +e
err="$(cargo run --quiet --features mesos-rs/stream --example test_executor 2>&1)"
code=$?
set -e
printf '%s\n' "$err"
if [ "$code" != 1 ] || ! grep -q "MESOS_FRAMEWORK_ID" <<<"$err"; then
  echo "test_executor exited with $code; expected 1 and the missing variables named" >&2
  exit 1
fi

echo "== other libmesos releases: the scheduler/executor subset on 1.6.2 and 1.9.0, and frameworks"
echo "   of each release on a cluster of the other (scripts/test-versions.sh --all: every minor release)"
scripts/test-versions.sh

echo "== a user's crate outside the workspace, and the packaged crates"
scripts/outside_crate.sh

echo "== valgrind: the example framework under memcheck"
scripts/valgrind.sh

echo "== disk: the build directories take $(du -sch target mesos-launcher/target | tail -1 | cut -f1);" \
  "$(df -h --output=avail . | tail -1 | tr -d ' ') is left free"

#!/usr/bin/env bash
# The whole mesos-rs test suite, from a fresh Debian 12 machine: provisions the dev kit (and
# the Debian packages it and the tests need), checks formatting and lints, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== provisioning the dev kit"
python3 devkit/provision.py --dev

if ! command -v cargo-nextest >/dev/null 2>&1; then
  echo "== installing cargo-nextest (local-cluster tests need one process per test)"
  cargo install --locked cargo-nextest
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --features mesos-rs/stream -- -D warnings

echo "== cargo doc without libmesos (as on docs.rs), warnings are errors"
MESOS_SYS_NO_LINK=1 MESOS_DEVKIT_DIR=/nonexistent RUSTDOCFLAGS="-D warnings" \
  CARGO_TARGET_DIR=target/doc-no-link cargo doc --quiet --no-deps --workspace --all-features

echo "== tests"
cargo nextest run --workspace --features mesos-rs/stream --no-fail-fast

echo "== benchmarks, short form (ratios are reported, not asserted; fails if a run does not complete)"
cargo run --release --quiet -p mesos-bench -- --short

echo "== examples on the local cluster"
cargo run --quiet --features mesos-rs/stream --example test_framework -- --tasks 5
cargo run --quiet --features mesos-rs/stream --example no_executor_framework -- 'echo hello from mesos-rs'
cargo run --quiet --features mesos-rs/stream --example hs_port
cargo run --quiet --features mesos-rs/stream --example async_framework
set +e
cargo run --quiet --features mesos-rs/stream --example test_executor
code=$?
set -e
if [ "$code" != 3 ]; then
  echo "test_executor exited with $code; expected 3 (no executor driver, no agent)" >&2
  exit 1
fi
echo "test_executor exited with 3 as expected: this libmesos has no executor driver"

echo "== valgrind: the example framework under memcheck"
scripts/valgrind.sh

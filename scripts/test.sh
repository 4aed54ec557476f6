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

echo "== tests"
cargo nextest run --workspace --no-fail-fast

echo "== examples on the local cluster"
cargo run --quiet --example test_framework -- --tasks 5
cargo run --quiet --example no_executor_framework -- 'echo hello from mesos-rs'
if cargo run --quiet --example test_executor; then
  echo "test_executor ran without an agent?" >&2; exit 1
else
  echo "test_executor exited with $? (expected 3 where libmesos lacks the executor driver)"
fi

#!/usr/bin/env bash
# The scheduler and executor subset of the suite against libmesos releases other than the
# default one (whose kit the whole suite uses), each in its own dev kit and target directory:
# registration, offers, launches with the command executor and a custom executor on the
# project's helper programs, kill, reconciliation, authentication, failover, the version-
# dependent calls (typed refusals where a release lacks them), the build script's acceptance of
# a `make install` layout, the examples; then frameworks of that release against a cluster of
# the default release and the other way round.
#
#   scripts/test-versions.sh                 the releases CI runs every time (oldest of the
#                                            releases sharing the default protobuf, and a middle one)
#   scripts/test-versions.sh 1.7.3 1.10.0    these releases
#   scripts/test-versions.sh --all           the newest patch release of every supported minor
#
# Run after scripts/test.sh has provisioned the default kit (it needs the default kit's build of
# no_executor_framework for the cross-release runs).
set -euo pipefail
cd "$(dirname "$0")/.."

EVERY_RUN=(1.6.2 1.9.0)
ALL=(1.5.3 1.6.2 1.7.3 1.8.1 1.9.0 1.10.0)
case "${1:-}" in
  "") versions=("${EVERY_RUN[@]}") ;;
  --all) versions=("${ALL[@]}") ;;
  *) versions=("$@") ;;
esac

# Test targets named one by one, so that only they are built for each release.
SUBSET=(--test scheduler_basics --test scheduler_offers --test scheduler_updates
  --test scheduler_lifecycle --test master_failover --test executor --test local_cluster
  --test cross_version)

# The default release's build: wherever the caller's kit and target directory are.
default_target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
default_kit_env="${MESOS_DEVKIT_DIR:-}"
echo "-- the default release's framework, for runs against other releases' clusters"
cargo build --quiet --features mesos-rs/stream --example no_executor_framework
default_framework="$default_target/debug/examples/no_executor_framework"
default_kit="$(python3 mesos-sys/devkit/provision.py --print-prefix)"

summary=()
for v in "${versions[@]}"; do
  started=$(date +%s)
  echo "== Mesos $v"
  python3 mesos-sys/devkit/provision.py --mesos-version "$v" --no-ldconfig
  kit="$(python3 mesos-sys/devkit/provision.py --mesos-version "$v" --print-prefix)"
  provisioned=$(( $(date +%s) - started ))
  (
    export MESOS_DEVKIT_DIR="$kit" CARGO_TARGET_DIR="$(pwd)/target/mesos-$v"
    echo "-- the scheduler and executor subset, libmesos $v"
    cargo nextest run --features mesos-rs/stream --no-fail-fast "${SUBSET[@]}"
    echo "-- a framework of libmesos $v on a cluster of the default release"
    cargo build --quiet --features mesos-rs/stream --example no_executor_framework
    peer="$CARGO_TARGET_DIR/debug/examples/no_executor_framework"
    (
      export CARGO_TARGET_DIR="$default_target"
      if [ -n "$default_kit_env" ]; then export MESOS_DEVKIT_DIR="$default_kit_env"; else unset MESOS_DEVKIT_DIR; fi
      MESOS_RS_PEER_FRAMEWORK="$peer" cargo nextest run --features mesos-rs/stream \
        --success-output immediate --test cross_version
    )
    echo "-- a framework of the default release on a cluster of libmesos $v"
    MESOS_RS_PEER_FRAMEWORK="$default_framework" cargo nextest run --features mesos-rs/stream \
      --success-output immediate --test cross_version
    echo "-- the build script: refusals name the range, a make-install layout of $v is accepted"
    cargo nextest run -p mesos-sys --test build_script
    echo "-- examples, libmesos $v"
    out="$(cargo run --quiet --features mesos-rs/stream --example test_framework -- --tasks 3)"
    printf '%s\n' "$out"
    grep -qE '^3 of 3 tasks finished' <<<"$out"
    out="$(cargo run --quiet --features mesos-rs/stream --example no_executor_framework -- 'echo hello')"
    printf '%s\n' "$out"
    grep -qE '^1 of 1 tasks finished' <<<"$out"
    out="$(cargo run --quiet --features mesos-rs/stream --example job_queue -- --jobs 6 --restart-after 3)"
    printf '%s\n' "$out"
    grep -qE '^job_queue: ([0-9]+)/\1 jobs done' <<<"$out"
  )
  took=$(( $(date +%s) - started ))
  summary+=("Mesos $v: ${took} s (provisioning ${provisioned} s)")
  echo "== Mesos $v passed in ${took} s"
done
echo "== per-release runs (default kit: $default_kit)"
printf '%s\n' "${summary[@]}"

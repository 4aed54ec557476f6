#!/usr/bin/env bash
# Runs the example test framework on the in-process local cluster under valgrind's memcheck,
# then the bad-input and fuzz tests (the shim's error paths with arbitrary bytes), and fails
# when valgrind reports a definite leak or a memory error in this project's code (the shim in
# cbits/, the mesos and mesos-sys crates, the example and tests). Findings entirely inside
# libmesos and its libraries are suppressed (scripts/valgrind.supp) or set aside by
# scripts/valgrind_report.py, which documents exactly how a finding is attributed.
#
#   scripts/valgrind.sh            # 3 tasks; 300 fuzz cases per target
#   VALGRIND_TASKS=10 VALGRIND_FUZZ_CASES=2000 scripts/valgrind.sh
#
# libmesos runs about 20-50 times slower under valgrind; the timeouts are generous.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tasks=${VALGRIND_TASKS:-3}
fuzz_cases=${VALGRIND_FUZZ_CASES:-300}
# valgrind's exit code when it found (unsuppressed) errors, distinct from the program's own.
vg_errors=97

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed (python3 mesos-sys/devkit/provision.py --dev installs it)" >&2
  exit 1
fi

cargo build --quiet --features mesos-rs/stream --example test_framework
exe=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/test_framework

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== valgrind: test_framework --tasks $tasks on the local cluster"
start=$(date +%s)
set +e
# --child-silent-after-fork: the agent forks to exec executors; only this process is judged.
memcheck() { # DIR COMMAND...: runs COMMAND under memcheck, XML into DIR
  local dir=$1
  shift
  mkdir -p "$dir"
  timeout 1800 valgrind \
    --tool=memcheck \
    --leak-check=full \
    --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite \
    --num-callers=40 \
    --child-silent-after-fork=yes \
    --suppressions="$repo/scripts/valgrind.supp" \
    --error-exitcode=$vg_errors \
    --xml=yes --xml-file="$dir/memcheck.%p.xml" \
    "$@"
}
memcheck "$out/framework" "$exe" --tasks "$tasks" --timeout-secs 1200 >"$out/stdout" 2>"$out/stderr"
code=$?
set -e
elapsed=$(($(date +%s) - start))
echo "valgrind run took ${elapsed}s; exit code $code"

if [ "$code" != 0 ] && [ "$code" != "$vg_errors" ]; then
  echo "test_framework failed under valgrind (exit code $code):" >&2
  tail -n 40 "$out/stdout" "$out/stderr" >&2
  exit 1
fi
# The framework really ran: every task reached a terminal state and the driver stopped.
if ! grep -q "^$tasks of $tasks tasks finished" "$out/stdout" ||
  ! grep -q "^driver ended with DRIVER_STOPPED" "$out/stdout"; then
  echo "test_framework did not finish all $tasks tasks under valgrind:" >&2
  cat "$out/stdout" >&2
  exit 1
fi
grep -E "^[0-9]+ of [0-9]+ tasks finished" "$out/stdout"

python3 "$repo/scripts/valgrind_report.py" "$repo" "$exe" "$out"/framework/memcheck.*.xml

# The bad-input and fuzz tests: every error path of the shim, with arbitrary bytes. One test
# at a time in one process (none of them starts a local cluster).
cargo test --quiet --no-run --workspace --features mesos-rs/stream --test fuzz --test bad_input --message-format=json 2>/dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "test" in m["target"]["kind"]:
        print(m["executable"])' >"$out/tests"
[ "$(wc -l <"$out/tests")" -ge 3 ] || {
  echo "expected the fuzz tests of both crates and the bad-input tests, found:" >&2
  cat "$out/tests" >&2
  exit 1
}
while read -r test; do
  name=$(basename "$test")
  echo "== valgrind: $name (MESOS_FUZZ_CASES=$fuzz_cases)"
  start=$(date +%s)
  set +e
  MESOS_FUZZ_CASES=$fuzz_cases memcheck "$out/$name" "$test" --test-threads=1 \
    >"$out/$name.stdout" 2>"$out/$name.stderr"
  code=$?
  set -e
  echo "valgrind run took $(($(date +%s) - start))s; exit code $code"
  if [ "$code" != 0 ] && [ "$code" != "$vg_errors" ]; then
    echo "$name failed under valgrind (exit code $code):" >&2
    tail -n 40 "$out/$name.stdout" "$out/$name.stderr" >&2
    exit 1
  fi
  grep "^test result: ok" "$out/$name.stdout"
  python3 "$repo/scripts/valgrind_report.py" "$repo" "$test" "$out/$name"/memcheck.*.xml
done <"$out/tests"

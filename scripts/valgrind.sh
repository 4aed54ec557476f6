#!/usr/bin/env bash
# Runs the example test framework on the in-process local cluster under valgrind's memcheck
# and fails when valgrind reports a definite leak or a memory error in this project's code
# (the shim in cbits/, the mesos and mesos-sys crates, the example itself). Findings entirely
# inside libmesos and its libraries are suppressed (scripts/valgrind.supp) or set aside by
# scripts/valgrind_report.py, which documents exactly how a finding is attributed.
#
#   scripts/valgrind.sh            # 3 tasks
#   VALGRIND_TASKS=10 scripts/valgrind.sh
#
# libmesos runs about 20-50 times slower under valgrind; the timeouts are generous.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tasks=${VALGRIND_TASKS:-3}
# valgrind's exit code when it found (unsuppressed) errors, distinct from the program's own.
vg_errors=97

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed (python3 devkit/provision.py --dev installs it)" >&2
  exit 1
fi

cargo build --quiet --example test_framework
exe=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/test_framework

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== valgrind: test_framework --tasks $tasks on the local cluster"
start=$(date +%s)
set +e
# --child-silent-after-fork: the agent forks to exec executors; only this process is judged.
timeout 1800 valgrind \
  --tool=memcheck \
  --leak-check=full \
  --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite \
  --num-callers=40 \
  --child-silent-after-fork=yes \
  --suppressions="$repo/scripts/valgrind.supp" \
  --error-exitcode=$vg_errors \
  --xml=yes --xml-file="$out/memcheck.%p.xml" \
  "$exe" --tasks "$tasks" --timeout-secs 1200 >"$out/stdout" 2>"$out/stderr"
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
if ! grep -q "^summary: $tasks of $tasks tasks accounted for" "$out/stdout" ||
  ! grep -q "^driver ended with DRIVER_STOPPED" "$out/stdout"; then
  echo "test_framework did not account for all $tasks tasks under valgrind:" >&2
  cat "$out/stdout" >&2
  exit 1
fi
grep -E "^(summary|  TASK_)" "$out/stdout"

python3 "$repo/scripts/valgrind_report.py" "$repo" "$exe" "$out"/memcheck.*.xml

# Sourced by scripts/outside_crate.sh: SIGTERM to an outside crate's framework in mid-run.
# The binary `outside-sigterm` (scripts/outside-crate/src/bin/outside-sigterm.rs) runs one long
# command task on the local cluster and stops on signals without failover: after SIGTERM it
# must exit 0, its local cluster's work directory must be gone, its task's process must end,
# and nothing may have reached stderr.

run_sigterm() { # $1: the label of the crate run_outside built last
  local bin="$crate_target/debug/outside-sigterm"
  local out="$work/$1-sigterm.out" err="$work/$1-sigterm.err"
  echo "-- $1: SIGTERM to a running framework (outside-sigterm)"
  env -u LD_LIBRARY_PATH -u RUST_LOG -u MESOS_LOGGING_LEVEL -u GLOG_minloglevel \
    -u MESOS_LAUNCHER_DIR "$bin" >"$out" 2>"$err" &
  local pid=$! waited=0
  until grep -q '^running$' "$out"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge 1200 ]; then
      echo "outside-sigterm ($1) never ran its task:" >&2; cat "$out" "$err" >&2
      kill -KILL "$pid" 2>/dev/null || true; exit 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  local work_dir marker
  work_dir="$(sed -n 's/^work_dir=//p' "$out")"
  marker="$(sed -n 's/^marker=//p' "$out")"
  [ -d "$work_dir" ] || { echo "outside-sigterm ($1): no work directory $work_dir" >&2; exit 1; }
  pgrep -f "sleep $marker" >/dev/null || { echo "outside-sigterm ($1): the task does not run" >&2; exit 1; }
  kill -TERM "$pid"
  local status=0
  wait "$pid" || status=$?
  cat "$out"
  [ "$status" -eq 0 ] || { echo "outside-sigterm ($1) exited $status after SIGTERM:" >&2; cat "$err" >&2; exit 1; }
  grep -q "on SIGTERM$" "$out" || { echo "outside-sigterm ($1) did not see SIGTERM" >&2; exit 1; }
  [ ! -e "$work_dir" ] || { echo "outside-sigterm ($1) left $work_dir behind" >&2; exit 1; }
  waited=0
  while pgrep -f "sleep $marker" >/dev/null; do
    if [ "$waited" -ge 600 ]; then
      echo "outside-sigterm ($1): the task's process outlived the framework" >&2
      pkill -KILL -f "sleep $marker" || true; exit 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  if [ -s "$err" ]; then
    echo "outside-sigterm ($1): stderr was not empty:" >&2; cat "$err" >&2; exit 1
  fi
  echo "-- $1: SIGTERM: exit 0, work directory gone, task stopped, stderr empty"
}
